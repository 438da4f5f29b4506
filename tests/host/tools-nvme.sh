#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The tools' NVMe Copy parts where no module and no NVMe namespace can be:
# "copyoffload nvme-setup" says which of its needs is missing (the module,
# the module's engine, CAP_SYS_ADMIN, an NVMe namespace) with exit status
# 1, usage errors are 2 and ask nothing; --json prints one object either
# way; --offload=nvme is accepted by both tools, and refused with a message
# by a module that lacks the engine; "copyoffload info" names the feature,
# the flag and an NVMe namespace's state (against lib-fakedev.so); the
# udev rule is installed naming the installed tool.  nvme-setup against
# QEMU's namespaces is tests/guest/nvme-setup.sh.
. "$(dirname "$0")/../lib.sh"
CO=$CO_TOOLS/copyoffload
CP=$CO_TOOLS/copyoffload-cp
FAKE=$CO_TOP/tests/progs/lib-fakedev.so
P=tools-nvme
if [ ! -x "$CO" ] || [ ! -x "$CP" ]; then
	fail $P "the tools are missing: run make tools"
	exit 1
fi
if [ ! -f "$FAKE" ]; then
	fail $P "tests/progs/lib-fakedev.so is not built: make lib-test-progs"
	exit 1
fi
tools_scratch T
echo data > "$T/a"

# fake FEATURES CMD...: run_cmd with the stand-in device of those features
fake() {
	local f=$1
	shift
	run_cmd env LD_PRELOAD="$FAKE" CO_FAKE_FEATURES="$f" "$@"
}
NO_ENGINE=0x1ff ENGINE=0x3ff

# The host's own namespaces, if it has any: nvme-setup would find them.
host_ns=$(cd /sys/class/block 2>/dev/null && ls -d nvme*n* 2>/dev/null | tr '\n' ' ')

# ---- usage ------------------------------------------------------------------
check_exit "$P/usage.bogus" 2 "$CO" nvme-setup --bogus
check_match "$P/usage.bogus.msg" "^Try 'copyoffload nvme-setup --help'" "$CO_ERR"
check_exit "$P/help" 0 "$CO" nvme-setup --help
check_match "$P/help.text" "^Usage: copyoffload nvme-setup \[--quiet\]" "$CO_OUT"
check_exit "$P/version" 0 "$CO" nvme-setup --version
check_match "$P/version.text" "^copyoffload " "$CO_OUT"
check_exit "$P/main-help" 0 "$CO" --help
check_match "$P/main-help.lists" "^  nvme-setup " "$CO_OUT"

# ---- what is missing, in the order it is checked ---------------------------
check_exit "$P/no-module" 1 "$CO" nvme-setup
check_match "$P/no-module.msg" "^copyoffload: the module is not loaded \(no /dev/copyoffload\)" "$CO_ERR"
check_eq "$P/no-module.stdout" "" "$CO_OUT"
check_exit "$P/no-module.quiet" 1 "$CO" nvme-setup --quiet /dev/null
check_match "$P/no-module.quiet.msg" "module is not loaded" "$CO_ERR"
check_exit "$P/no-module.json" 1 "$CO" nvme-setup --json
json_check "$P/no-module.json.shape" \
	"d == [{'dry_run': False, 'namespaces': [], 'exit': 1}]" "$CO_OUT"

fake $NO_ENGINE "$CO" nvme-setup
check_eq "$P/no-engine" 1 "$CO_RC"
check_match "$P/no-engine.msg" "^copyoffload: the module \(version fake\) has no NVMe Copy engine" "$CO_ERR"

# not root: checked once the module has the engine; as root with the
# capability dropped, then as nobody
if command -v setpriv >/dev/null; then
	fake $ENGINE setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin \
		"$CO" nvme-setup
	check_eq "$P/no-cap-sys-admin" 1 "$CO_RC"
	check_match "$P/no-cap-sys-admin.msg" "^copyoffload: needs CAP_SYS_ADMIN \(run it as root\)" "$CO_ERR"
	fake $ENGINE setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$CO" nvme-setup /dev/null
	check_eq "$P/not-root" 1 "$CO_RC"
	check_match "$P/not-root.msg" "needs CAP_SYS_ADMIN" "$CO_ERR"
else
	skip "$P/not-root" "no setpriv (util-linux) on this host"
fi

# root, the engine there: each DEVICE that is not a namespace
fake $ENGINE "$CO" nvme-setup /dev/null "$T/a" "$T/missing"
check_eq "$P/not-block" 1 "$CO_RC"
check_match "$P/not-block.null" "^copyoffload: /dev/null: not a block device: ENOTBLK" "$CO_ERR"
check_match "$P/not-block.file" "^copyoffload: $T/a: not a block device: ENOTBLK" "$CO_ERR"
check_match "$P/not-block.missing" "^copyoffload: $T/missing: cannot open it: ENOENT" "$CO_ERR"
check_eq "$P/not-block.nothing-sent" 0 "$(grep -c '^fake\.devinfo' <<<"$CO_ERR")"

# a block device of another driver (loop answers NVME_IOCTL_ID with EINVAL)
if [ "$(id -u)" = 0 ] && loop=$(losetup -f --show "$T/a" 2>/dev/null); then
	CO_CLEANUP+=("losetup -d $loop")
	fake $ENGINE "$CO" nvme-setup --json "$loop"
	check_eq "$P/not-nvme" 1 "$CO_RC"
	json_check "$P/not-nvme.json" \
		"d == [{'dry_run': False, 'namespaces': [{'path': '$loop', 'state': 'failed', 'errno': 'ENODEV', 'reason': 'not an NVMe namespace'}], 'exit': 1}]" \
		"$CO_OUT"
	check_eq "$P/not-nvme.nothing-sent" 0 "$(grep -c '^fake\.devinfo' <<<"$CO_ERR")"
else
	skip "$P/not-nvme" "cannot set up a loop device here (root and losetup needed)"
fi

# no namespace at all: nothing to do, exit 0 (udev on a machine without NVMe)
if [ -z "$host_ns" ]; then
	fake $ENGINE "$CO" nvme-setup
	check_eq "$P/none" 0 "$CO_RC"
	check_match "$P/none.msg" "^no NVMe namespace in /sys/class/block$" "$CO_OUT"
	fake $ENGINE "$CO" nvme-setup --quiet
	check_eq "$P/none.quiet" "0 " "$CO_RC $CO_OUT"
	check_exit "$P/dry-run.none" 0 "$CO" nvme-setup --dry-run --json
	json_check "$P/dry-run.none.json" \
		"d == [{'dry_run': True, 'namespaces': [], 'exit': 0}]" "$CO_OUT"
else
	skip "$P/none" "this host has NVMe namespaces ($host_ns)"
fi

# --dry-run needs no module, and still says what is wrong with a DEVICE
check_exit "$P/dry-run.not-block" 1 "$CO" nvme-setup --dry-run --json /dev/null
json_check "$P/dry-run.not-block.json" \
	"d[0]['dry_run'] is True and d[0]['exit'] == 1 and [(n['path'], n['state'], n['errno']) for n in d[0]['namespaces']] == [('/dev/null', 'failed', 'ENOTBLK')]" \
	"$CO_OUT"

# ---- --offload=nvme ---------------------------------------------------------
check_exit "$P/offload.copy" 0 "$CO" copy --offload=nvme "$T/a" "$T/b"
check_match "$P/offload.copy.done" "^total: 5 bytes in 1 range \(no module\)" "$CO_OUT"
check_exit "$P/offload.cp" 0 "$CP" -q --offload=nvme "$T/a" "$T/c"
check "$P/offload.cp.bytes" cmp -s "$T/a" "$T/c"
check_exit "$P/offload.bad" 2 "$CO" copy --offload=nvm "$T/a" "$T/b"
check_match "$P/offload.bad.msg" "\(auto, xcopy, odx, nvme, none\)" "$CO_ERR"
# copyoffload-cp's usage errors are 1, as cp's are
check_exit "$P/offload.cp-bad" 1 "$CP" --offload=nvm "$T/a" "$T/c"
check_match "$P/offload.cp-bad.msg" "^Valid arguments are: 'auto', 'xcopy', 'odx', 'nvme', 'none'" "$CO_ERR"
check_exit "$P/offload.clone" 2 "$CO" clone --offload=nvme "$T/a" "$T/b"
rm -f "$T/b" "$T/c"
# a module without the engine does not accept the selector: said before
# the request is sent (copyoffload has opened the files by then,
# copyoffload-cp has not)
fake $NO_ENGINE "$CO" copy --offload=nvme "$T/a" "$T/b"
check_eq "$P/offload.no-engine" 1 "$CO_RC"
check_match "$P/offload.no-engine.msg" "^copyoffload: --offload=nvme: the module \(version fake\) does not accept it \(it has no NVMe Copy engine\)" "$CO_ERR"
check_eq "$P/offload.no-engine.not-sent" 0 "$(grep -c '^fake\.size=' <<<"$CO_ERR")"
fake $NO_ENGINE "$CP" --offload=nvme "$T/a" "$T/c"
check_eq "$P/offload.cp-no-engine" 1 "$CO_RC"
check_match "$P/offload.cp-no-engine.msg" "^copyoffload-cp: --offload=nvme: the module .* has no NVMe Copy engine" "$CO_ERR"
check_eq "$P/offload.cp-no-engine.untouched" no "$([ -e "$T/c" ] && echo yes || echo no)"
# with the engine, the flag reaches the device as bit 6
fake $ENGINE "$CO" copy --offload=nvme "$T/a" "$T/b"
check_match "$P/offload.engine.flag" "^fake\.flags=0x40$" "$CO_ERR"

# ---- info --------------------------------------------------------------------
fake $ENGINE "$CO" info --json
json_check "$P/info.feature-and-flag" \
	"'nvme' in d[0]['features'] and 'offload_nvme' in d[0]['flags']" "$CO_OUT"
fake $NO_ENGINE "$CO" info
check_match "$P/info.no-engine" "^features: .* devinfo jobs$" "$CO_OUT"

# info DEV of an NVMe namespace (the stand-in's u.nvme: nsid 1, MSSRL 256,
# MCL 1024, MSRC 15), one state after another
info_nvme() {	# info_nvme FEATURES CAPS [--json]
	run_cmd env LD_PRELOAD="$FAKE" CO_FAKE_FEATURES="$1" \
		CO_FAKE_NVME_CAPS="$2" "$CO" info ${3:+"$3"} "$T/a"
}
info_nvme $ENGINE 0x10001
check_eq "$P/info.dev.ready" "transport: nvme|nvme nsid: 1|nvme caps: copy limits_set|nvme copy: yes|nvme limits set: yes|nvme mssrl: 256 blocks|nvme mcl: 1024 blocks|nvme msrc: 15 (16 ranges)|nvme copy offload: yes" \
	"$(sed -n '/^transport:/,$p' <<<"$CO_OUT" | paste -sd '|')"
info_nvme $ENGINE 0x1
check_match "$P/info.dev.no-limits" "^nvme copy offload: no: no limits handed over yet: run 'copyoffload nvme-setup' as root$" "$CO_OUT"
info_nvme $ENGINE 0x30001
check_match "$P/info.dev.multipath" "^nvme copy offload: no: a multipath head" "$CO_OUT"
info_nvme $ENGINE 0x50001
check_match "$P/info.dev.metadata" "^nvme copy offload: no: metadata or protection information" "$CO_OUT"
info_nvme $ENGINE 0x10000
check_match "$P/info.dev.no-copy" "^nvme copy offload: no: the controller does not offer Copy" "$CO_OUT"
check_eq "$P/info.dev.no-copy.no-limits" 0 "$(grep -c '^nvme mssrl' <<<"$CO_OUT")"
info_nvme $ENGINE 0x10001 --json
json_check "$P/info.dev.json" \
	"d[0]['transport'] == 'nvme' and d[0]['nvme'] == {'nsid': 1, 'caps': ['copy', 'limits_set'], 'copy': True, 'limits_set': True, 'mssrl': 256, 'mcl': 1024, 'msrc': 15, 'why_not': None} and 'rod_optimal_blocks' in d[0]" \
	"$CO_OUT"
info_nvme $NO_ENGINE 0x10001 --json
json_check "$P/info.dev.json.no-engine" \
	"d[0]['nvme']['why_not'].startswith('the module has no NVMe Copy engine')" "$CO_OUT"
fake $ENGINE "$CO" info --json "$T/a"
json_check "$P/info.dev.json.other" \
	"d[0]['transport'] == 'other' and d[0]['nvme'] is None" "$CO_OUT"

# ---- the udev rule -----------------------------------------------------------
if make -s -C "$CO_TOP" --no-print-directory install-tools \
	DESTDIR="$T/root" PREFIX=/usr > "$T/make.log" 2>&1; then
	rules=$T/root/usr/lib/udev/rules.d/60-copyoffload-nvme.rules
	check_eq "$P/udev.installed" yes "$([ -f "$rules" ] && echo yes || echo no)"
	# shellcheck disable=SC2016 # $devnode is udev's, not the shell's
	check_eq "$P/udev.runs" \
		'RUN+="/usr/bin/copyoffload nvme-setup --quiet $devnode"|RUN+="/usr/bin/copyoffload nvme-setup --quiet"' \
		"$(grep -o 'RUN+=.*' "$rules" 2>/dev/null | paste -sd '|')"
else
	fail "$P/udev.installed" "make install-tools: $(tail -n 2 "$T/make.log" | tr '\n' ' ')"
fi
# the tree's rule names BINDIR of a plain "make" again
make -s -C "$CO_TOP" --no-print-directory tools > /dev/null 2>&1

done_testing
