# SPDX-License-Identifier: GPL-2.0
# Shared helpers for copyoffload tests.  Source it from a test script:
#   . "$(dirname "$0")/../lib.sh"
#
# A test script reports one line per case on stdout, which tests/run counts:
#   ok NAME
#   not ok NAME: WHY
#   skip NAME: WHY          (only after a real probe said the feature is absent)
# Anything else it prints is shown but not counted.  A script that knows
# how many results it will print says so first (plan N: "1..N"), and every
# script ends with done_testing: tests/run fails a script that printed no
# result, not the number its plan said, or never reached done_testing (it
# died part-way, and its remaining cases never ran).

CO_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CO_TOP
CO_TOOLS=$CO_TOP/tools
export LD_LIBRARY_PATH=$CO_TOP/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

# plan N: this script prints N result lines
plan() { echo "1..$1"; }

# done_testing: the script's end; exits 0
done_testing() {
	echo "# done"
	exit 0
}

pass() { echo "ok $1"; }
fail() { echo "not ok $1: ${2:-failed}"; }
skip() { echo "skip $1: $2"; }

# check NAME COMMAND...: ok when COMMAND succeeds
check() {
	local name=$1; shift
	local out
	if out=$("$@" 2>&1); then
		pass "$name"
	else
		fail "$name" "'$*' failed: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
	fi
}

# check_fails NAME COMMAND...: ok when COMMAND fails
check_fails() {
	local name=$1; shift
	if "$@" >/dev/null 2>&1; then
		fail "$name" "'$*' succeeded"
	else
		pass "$name"
	fi
}

# check_eq NAME EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected '$2', got '$3'"
	fi
}

# same_bytes FILE1 FILE2 [LEN]: cmp, optionally only the first LEN bytes
same_bytes() {
	if [ -n "${3:-}" ]; then
		cmp -n "$3" "$1" "$2" >/dev/null
	else
		cmp "$1" "$2" >/dev/null
	fi
}

# random_file PATH SIZE_IN_KIB: a file of random data
random_file() {
	head -c "$(($2 * 1024))" /dev/urandom > "$1"
}

# scratch_dir: a private temporary directory removed on exit
scratch_dir() {
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/co-test.XXXXXX")
	CO_CLEANUP+=("rm -rf '$d'")
	echo "$d"
}

# loop_fs FSTYPE SIZE_MIB MOUNTPOINT: mkfs FSTYPE on a fresh image, loop-mount
# it at MOUNTPOINT and register the unmount for exit.  Fails (returns 1 with
# a reason on stderr) when the filesystem cannot be made or mounted here.
loop_fs() {
	local fstype=$1 size=$2 mnt=$3 img
	img=$(mktemp "${TMPDIR:-/tmp}/co-$fstype.XXXXXX.img")
	truncate -s "${size}M" "$img"
	case $fstype in
	xfs)	mkfs.xfs -q -f -m reflink=1 "$img" ;;
	btrfs)	mkfs.btrfs -q -f "$img" ;;
	ext4)	mkfs.ext4 -q -F "$img" ;;
	*)	echo "loop_fs: unknown fs $fstype" >&2; return 1 ;;
	esac >/dev/null 2>&1 || { echo "mkfs.$fstype failed" >&2; rm -f "$img"; return 1; }
	mkdir -p "$mnt"
	if ! mount -o loop "$img" "$mnt" 2>/dev/null; then
		echo "cannot loop-mount $fstype here" >&2
		rm -f "$img"
		return 1
	fi
	CO_CLEANUP+=("umount '$mnt'; rm -f '$img'")
}

# extents_shared FILE: true when FIEMAP shows at least one shared extent
extents_shared() {
	filefrag -v "$1" 2>/dev/null | grep -q shared
}

CO_CLEANUP=()
# On exit, however the script ended: out of any mount it is about to undo
# (a script that died inside a scratch filesystem kept it busy, and every
# script after it found the device still mounted).
co_cleanup() {
	local i
	cd / || true
	for ((i = ${#CO_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${CO_CLEANUP[$i]}" >/dev/null 2>&1
	done
}
trap co_cleanup EXIT

# --- helpers of the tools' tests (tests/host/tools-*.sh) ---------------------
# run_cmd and check_exit run COMMAND in this shell, so their results survive;
# feed stdin with a redirection (check_exit ... < file), not with a pipe.

# run_cmd COMMAND...: run it; exit status in CO_RC, stdout in CO_OUT,
# stderr in CO_ERR
run_cmd() {
	local err
	err=$(mktemp "${TMPDIR:-/tmp}/co-err.XXXXXX")
	CO_OUT=$("$@" 2>"$err")
	CO_RC=$?
	CO_ERR=$(cat "$err")
	rm -f "$err"
}

# check_exit NAME CODE COMMAND...: ok when COMMAND exits with CODE (run_cmd)
check_exit() {
	local name=$1 code=$2
	shift 2
	run_cmd "$@"
	if [ "$CO_RC" = "$code" ]; then
		pass "$name"
	else
		fail "$name" "'$*' exited $CO_RC, not $code: $(echo "$CO_ERR" | tail -n 2 | tr '\n' ' ')"
	fi
}

# check_match NAME REGEX TEXT: ok when a line of TEXT matches REGEX (grep -E)
check_match() {
	if grep -Eq -- "$2" <<<"$3"; then
		pass "$1"
	else
		fail "$1" "no line matches '$2' in: $(echo "$3" | head -n 3 | tr '\n' ' ')"
	fi
}

# json_check NAME PYTHON_EXPR JSON_LINES: ok when the expression is true with
# d bound to the list of objects, one per line of JSON_LINES
json_check() {
	local why
	if why=$(python3 -c '
import json, sys
d = [json.loads(l) for l in sys.stdin.read().splitlines() if l.strip()]
ok = eval(sys.argv[1])
print("false: " + sys.argv[1] + " with " + json.dumps(d)[:300])
sys.exit(0 if ok else 1)' "$2" <<<"$3" 2>&1); then
		pass "$1"
	else
		fail "$1" "$(echo "$why" | tail -n 1)"
	fi
}

# tty_run WIDTH OUT COMMAND...: run COMMAND with its standard error on a
# new terminal WIDTH columns wide (standard input /dev/null), its exit
# status in CO_RC, standard output in CO_OUT, and what it wrote to the
# terminal (raw: carriage returns, the terminal's \r\n) in the file OUT.
# With TTY_STDOUT=1 standard output goes to the terminal too; with
# TTY_SIGNAL=SIG, SIG is sent to COMMAND once, when it has written a
# carriage return (drawn a line in place).
tty_run() {
	local width=$1 out=$2
	shift 2
	CO_OUT=$(python3 -c '
import fcntl, os, pty, struct, subprocess, sys, termios
import signal
width, out, both, sig = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1", sys.argv[4]
master, slave = pty.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, width, 0, 0))
p = subprocess.Popen(sys.argv[5:], stdin=subprocess.DEVNULL,
                     stdout=slave if both else None, stderr=slave)
os.close(slave)
data = b""
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:		# EIO: every writer is gone
        break
    if not chunk:
        break
    data += chunk
    if sig and b"\r" in data:
        p.send_signal(getattr(signal, "SIG" + sig))
        sig = ""
with open(out, "wb") as f:
    f.write(data)
rc = p.wait()
sys.exit(rc if rc >= 0 else 128 - rc)' \
		"$width" "$out" "${TTY_STDOUT:-0}" "${TTY_SIGNAL:-}" "$@")
	CO_RC=$?
}

# tty_screen FILE WIDTH: what a terminal WIDTH columns wide shows after the
# output in FILE (carriage return, newline and printable text; lines
# without trailing blanks, blank lines at the end left out); "WRAPPED" when
# a line reached the last column (a line that would wrap), "ESCAPE" when an
# escape character reached the terminal.
tty_screen() {
	python3 -c '
import sys
data, width = open(sys.argv[1], "rb").read().decode("utf-8", "replace"), int(sys.argv[2])
lines, col, bad = [[]], 0, []
for ch in data:
    if ch == "\r":
        col = 0
    elif ch == "\n":
        lines.append([])
        col = 0
    elif ch == "\x1b":
        bad.append("ESCAPE")
    else:
        line = lines[-1]
        line.extend(" " * (col + 1 - len(line)))
        line[col] = ch
        col += 1
        if col >= width:
            bad.append("WRAPPED")
text = ["".join(l).rstrip() for l in lines]
while text and not text[-1]:
    text.pop()
print("\n".join(sorted(set(bad)) + text))' "$1" "$2"
}

# --- differential tests against GNU cp (tests/host/tools-cp.sh, cp-*.sh) ------
# GNU_CP is the cp the tool is compared with: coreutils' own, not a shell
# function or an alias.
GNU_CP=${GNU_CP:-/bin/cp}

# gnu_cp ARG...: run GNU cp as run_cmd does; its exit status in GNU_RC, its
# first message without the "PROG: " prefix in GNU_MSG, all its messages
# (prompts too) with PROG for its name in GNU_ERR, as cp_msgs gives them
gnu_cp() {
	local err
	err=$(mktemp "${TMPDIR:-/tmp}/co-err.XXXXXX")
	"$GNU_CP" "$@" >/dev/null 2>"$err"
	GNU_RC=$?
	GNU_MSG=$(head -n 1 "$err")
	GNU_MSG=${GNU_MSG#"$GNU_CP: "}
	GNU_MSG=${GNU_MSG#cp: }
	GNU_ERR=$(sed -e "s|$GNU_CP: |PROG: |g" -e 's/\(^\|? \)cp: /\1PROG: /g' \
		-e "s|'$GNU_CP --help'|'PROG --help'|" "$err" | cp_msgs)
	rm -f "$err"
}

# check_exit_like_cp NAME TOOL ARG...: run GNU cp with ARGs, then TOOL with
# the same ARGs (run_cmd: CO_RC, CO_OUT, CO_ERR); ok when both exit with the
# same status.  The ARGs must mean the same thing for both runs (a usage
# error, or a scenario that the first run leaves as it found it).
check_exit_like_cp() {
	local name=$1 tool=$2
	shift 2
	gnu_cp "$@"
	check_exit "$name" "$GNU_RC" "$tool" "$@"
}

# check_msg_like_cp NAME: ok when the tool's first message (CO_ERR) is GNU
# cp's (GNU_MSG), the program names left out
check_msg_like_cp() {
	local msg
	msg=$(head -n 1 <<<"$CO_ERR")
	check_eq "$1" "$GNU_MSG" "${msg#*: }"
}

# cp_msgs: the messages on stdin, a prompt ("...? ") ending a line too,
# sorted: GNU cp walks a directory in inode order, the tool in name order
cp_msgs() {
	sed 's/? /?\n/g' | LC_ALL=C sort
}

# check_msgs_like_cp NAME: ok when all the tool's messages and prompts
# (CO_ERR) are GNU cp's (GNU_ERR), with PROG for the program names, in any
# order (cp_msgs)
check_msgs_like_cp() {
	local ours=${CO_ERR//copyoffload-cp: /PROG: }
	check_eq "$1" "$GNU_ERR" \
		"$(printf %s "$ours" | sed "s|'copyoffload-cp --help'|'PROG --help'|" | cp_msgs)"
}

# xattr_state PATH: PATH's extended attributes (not followed), sorted, with
# their values in hex
xattr_state() {
	python3 -c '
import os, sys
p = sys.argv[1]
print(" ".join("%s=%s" % (n, os.getxattr(p, n, follow_symlinks=False).hex())
	       for n in sorted(os.listxattr(p, follow_symlinks=False))))' "$1"
}

# tree_state DIR [PATH]: one line per entry under DIR (only PATH and what
# is under it, with PATH) (sorted): its path, type,
# mode, and a file's size and checksum, a link's target or a device's
# numbers, and for a
# non-directory with several hard links its link count and the first path
# (in this order) of its inode, so that the links among the copies are
# compared; with TREE_TIMES=1 access and modification times too (read
# before the checksum), with TREE_OWNER=1 owner and group, with
# TREE_XATTRS=1 the extended attributes (ACLs too).  PATH must exist.
tree_state() {
	local f extra ino
	local -A first_of
	if [ -n "${2:-}" ]; then
		(cd "$1" && find "$2" | LC_ALL=C sort)
	else
		(cd "$1" && find . -mindepth 1 | LC_ALL=C sort)
	fi | while IFS= read -r f; do
		extra=
		[ "${TREE_TIMES:-}" = 1 ] && extra+=" $(stat -c '%x %y' "$1/$f")"
		[ "${TREE_OWNER:-}" = 1 ] && extra+=" $(stat -c %u:%g "$1/$f")"
		[ "${TREE_XATTRS:-}" = 1 ] && extra+=" $(xattr_state "$1/$f")"
		if [ ! -d "$1/$f" ] && [ "$(stat -c %h "$1/$f")" -gt 1 ]; then
			ino=$(stat -c %d:%i "$1/$f")
			[ -n "${first_of[$ino]:-}" ] || first_of[$ino]=$f
			extra+=" links $(stat -c %h "$1/$f") inode-of ${first_of[$ino]}"
		fi
		if [ -L "$1/$f" ]; then
			echo "$f link $(readlink "$1/$f")$extra"
		elif [ -d "$1/$f" ]; then
			echo "$f dir $(stat -c %a "$1/$f")$extra"
		elif [ -p "$1/$f" ] || [ -S "$1/$f" ]; then
			echo "$f $(stat -c '%F %a' "$1/$f")$extra"
		elif [ -c "$1/$f" ] || [ -b "$1/$f" ]; then
			echo "$f $(stat -c '%F %a %Hr:%Lr' "$1/$f")$extra"
		else
			echo "$f file $(stat -c '%a %s' "$1/$f") $(md5sum < "$1/$f" | cut -c1-32)$extra"
		fi
	done
}

# check_like_cp NAME TOOL SETUP ARG...: run the shell command SETUP in two
# new directories NAME.gnu and NAME.ours, then GNU cp ARGs in the first and
# TOOL ARGs in the second: ok (NAME.status) when both exit alike and
# (NAME.result) when they leave the same tree_state.  With TREE_TIMES or
# TREE_OWNER set, these are compared too (NAME.attributes), for the last
# ARG (the destination) only: the rest was made at different times.  The
# tool's run is in CO_RC, CO_OUT, CO_ERR, GNU cp's status in GNU_RC and
# message in GNU_MSG.  With CP_STDIN set, each run reads it (and a newline)
# on its standard input.
check_like_cp() {
	local name=$1 tool=$2 setup=$3 d
	shift 3
	for d in "$name.gnu" "$name.ours"; do
		rm -rf "$d"
		mkdir "$d"
		(cd "$d" && eval "$setup")
	done
	cd "$name.gnu" || return 1
	if [ -n "${CP_STDIN+set}" ]; then
		gnu_cp "$@" <<<"$CP_STDIN"
		cd ../"$name.ours" || return 1
		run_cmd "$tool" "$@" <<<"$CP_STDIN"
	else
		gnu_cp "$@"
		cd ../"$name.ours" || return 1
		run_cmd "$tool" "$@"
	fi
	cd .. || return 1
	check_eq "$name.status" "$GNU_RC" "$CO_RC"
	# attributes first: reading the files for checksums moves access times
	if [ -n "${TREE_TIMES:-}${TREE_OWNER:-}" ] &&
	   { [ -e "$name.gnu/${!#}" ] || [ -L "$name.gnu/${!#}" ]; }; then
		check_eq "$name.attributes" "$(tree_state "$name.gnu" "${!#}")" \
			"$(tree_state "$name.ours" "${!#}")"
	fi
	check_eq "$name.result" "$(TREE_TIMES='' TREE_OWNER='' tree_state "$name.gnu")" \
		"$(TREE_TIMES='' TREE_OWNER='' tree_state "$name.ours")"
}

# like_cp_each NAME TOOL SETUP ARGS...: check_like_cp and check_msgs_like_cp
# for each ARGS (the words of one run, split at blanks), named
# NAME.ARGS with blanks and slashes as _; CP_STDIN as for check_like_cp.
# TOOL should be quiet (-q): GNU cp has no note that the module is missing.
like_cp_each() {
	local name=$1 tool=$2 setup=$3 args run
	shift 3
	for args; do
		run="$name.${args//[ \/]/_}"
		# shellcheck disable=SC2086 # the words are the arguments
		check_like_cp "$run" "$tool" "$setup" $args
		check_msgs_like_cp "$run.msgs"
	done
}

# file_blocks FILE: allocated 512-byte blocks
file_blocks() {
	stat -c %b "$1"
}

# sparse_file PATH: an 8 MiB file with 64 KiB of random data at 1 MiB and at
# 5 MiB, holes elsewhere (also at the end)
sparse_file() {
	local off
	truncate -s 8M "$1"
	for off in 16 80; do
		dd if=/dev/urandom of="$1" bs=64K seek="$off" count=1 \
			conv=notrunc status=none
	done
}

# tools_scratch VAR: a private directory (removed on exit) in VAR.  Unlike
# D=$(scratch_dir), which registers its cleanup in a subshell where it is
# lost, this runs in the calling shell.
tools_scratch() {
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/co-test.XXXXXX")
	CO_CLEANUP+=("rm -rf '$d'")
	printf -v "$1" '%s' "$d"
}

# --- interrupting a copy (tools-cp-interrupt.sh, lib-musl.sh) ---
# interrupt_copy SIG DST [ENV_OPTION] COMMAND...: run COMMAND in the
# background (with default signal actions, or ENV_OPTION's, for env(1)),
# wait until DST holds 1 MiB (the copy is under way), send SIG once and
# wait for the end.  INT_RC: the exit status (128 + N when SIG ended it);
# INT_ERR: stderr; INT_MS: milliseconds from the signal to the end.
interrupt_copy() {
	local sig=$1 dst=$2 how=--default-signal pid t0 err i
	shift 2
	case $1 in --ignore-signal=*) how=$1; shift ;; esac
	err=$(mktemp "${TMPDIR:-/tmp}/co-err.XXXXXX")
	env "$how" "$@" 2>"$err" &
	pid=$!
	for ((i = 0; i < 4000; i++)); do
		[ "$(stat -c %s "$dst" 2>/dev/null || echo 0)" -ge 1048576 ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.005
	done
	t0=$(date +%s%N)
	kill "-$sig" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	INT_RC=$?
	INT_MS=$((($(date +%s%N) - t0) / 1000000))
	INT_ERR=$(cat "$err")
	rm -f "$err"
}

# landed NAME CODE RESET SIG DST [ENV_OPTION] COMMAND...: interrupt_copy
# SIG DST ... until the signal lands (up to 5 times, RESET run before each
# try): a copy that finished first (status 0) proves nothing.  Ok when the
# signal ended the copy with status CODE.
landed() {
	local name=$1 code=$2 reset=$3 try
	shift 3
	for try in 1 2 3 4 5; do
		eval "$reset"
		interrupt_copy "$@"
		[ "$INT_RC" = 0 ] || break
	done
	check_eq "$name" "$code" "$INT_RC"
	[ "$INT_RC" = "$code" ]
}

# tools_cp_setup NAME: the preamble of a test of copyoffload-cp: CP (the
# tool; one failure NAME.build and exit when it is not built), T (a
# private directory removed on exit), the current directory
tools_cp_setup() {
	CP=$CO_TOOLS/copyoffload-cp
	if [ ! -x "$CP" ]; then
		fail "$1.build" "$CP is missing: run make tools"
		exit 1
	fi
	tools_scratch T
	cd "$T" || exit 1
}

# tools_fs FSTYPE MOUNTPOINT: loop_fs with a size that suits FSTYPE
tools_fs() {
	case $1 in
	xfs|btrfs)	loop_fs "$1" 320 "$2" ;;
	*)		loop_fs "$1" 64 "$2" ;;
	esac
}

# ---------------------------------------------------------------------------
# libcopyoffload helpers (tests/host/lib-*.sh), around tests/progs/lib-check.
# ---------------------------------------------------------------------------

CO_LIB_CHECK=$CO_TOP/tests/progs/lib-check

# lib_check ARGS...: run lib-check; its key=value output lands in LIB_OUT.
lib_check() {
	LIB_OUT=$("$CO_LIB_CHECK" "$@" 2>&1)
}

# lib_fake [CO_FAKE_VAR=VALUE...] ARGS...: lib_check against the stand-in
# for /dev/copyoffload (tests/progs/lib-fakedev.so preloaded, $FAKE), the
# stand-in's CO_FAKE_* settings in its environment.
lib_fake() {
	local env=()

	while [[ $1 == CO_FAKE_*=* ]]; do
		env+=("$1")
		shift
	done
	LIB_OUT=$(env "${env[@]}" LD_PRELOAD="$FAKE" "$CO_LIB_CHECK" "$@" 2>&1)
}

# lib_expect NAME KEY=VALUE...: ok when LIB_OUT has every KEY=VALUE line.
lib_expect() {
	local name=$1 kv bad=
	shift
	for kv in "$@"; do
		grep -qxF -- "$kv" <<<"$LIB_OUT" || bad+=" $kv (got '$(
			grep -m1 "^${kv%%=*}=" <<<"$LIB_OUT")')"
	done
	if [ -z "$bad" ]; then
		pass "$name"
	else
		fail "$name" "expected$bad"
	fi
}

# lib_value KEY: the value of KEY in LIB_OUT
lib_value() {
	sed -n "s/^$1=//p" <<<"$LIB_OUT" | head -n 1
}

# same_range FILE1 OFF1 FILE2 OFF2 LEN: the byte ranges are equal
same_range() {
	cmp -s -n "$5" -i "$2:$4" "$1" "$3"
}

# file_sum FILE: checksum, size and block count, to see a file untouched
file_sum() {
	echo "$(md5sum < "$1") $(stat -c '%s %b' "$1")"
}

# lib_note KEY=VALUE: add a line to LIB_OUT, so that lib_expect can assert a
# fact measured in the shell (bytes compared, blocks counted) in the same
# result line as the call's own output.
lib_note() {
	LIB_OUT+=$'\n'"$1"
}

# lib_note_if KEY COMMAND...: note KEY=yes when COMMAND succeeds, else KEY=no
lib_note_if() {
	local key=$1
	shift
	if "$@" >/dev/null 2>&1; then
		lib_note "$key=yes"
	else
		lib_note "$key=no"
	fi
}

# plain_copy SRC DST: copy bytes without sharing extents.  cp reflinks and
# cat uses copy_file_range(2) (coreutils >= 9), which clones on xfs/btrfs;
# a pipe in between keeps every byte a real write.
plain_copy() {
	cat "$1" | cat > "$2"
}

# lib_setup NAME: the preamble of a lib-*.sh test.  Sets P=NAME (the prefix
# of its result names), T (a private directory removed on exit), KiB, MiB
# and FAKE (tests/progs/lib-fakedev.so); one failure and exit when the C
# helpers are not built (make lib-test-progs).
lib_setup() {
	P=$1
	KiB=1024
	MiB=$((1024 * 1024))
	FAKE=$CO_TOP/tests/progs/lib-fakedev.so
	if [ ! -x "$CO_LIB_CHECK" ] || [ ! -f "$FAKE" ]; then
		fail "$P" "tests/progs/lib-check is not built: make lib-test-progs"
		exit 1
	fi
	T=$(mktemp -d "${TMPDIR:-/tmp}/co-$P.XXXXXX")
	CO_CLEANUP+=("rm -rf '$T'")
}

# lib_real_name: the shared object's file name as lib/lib.mk builds it
# (libcopyoffload.so.1.2.0)
lib_real_name() {
	make -s -C "$CO_TOP" --no-print-directory lib-real-name
}

# pkg_user_build OUT [static]: build tests/progs/pkg-user.c into OUT with
# nothing but what pkg-config says about libcopyoffload (PKG_CONFIG_LIBDIR
# and PKG_CONFIG_SYSROOT_DIR pick an install tree; default: the system's):
# linked with its --libs, or with "static" with libcopyoffload.a from its
# libdir and what --static adds (Requires.private: libmnl).  The
# compiler's messages land in OUT.err.
pkg_user_build() {
	local out=$1 cflags libs
	# shellcheck disable=SC2086 # pkg-config's words are meant to be split
	{
		cflags=$(pkg-config --cflags libcopyoffload) &&
		if [ "${2:-}" = static ]; then
			libs="$(pkg-config --variable=libdir libcopyoffload)/libcopyoffload.a $(
				pkg-config --static --libs-only-l libcopyoffload |
				sed 's/-lcopyoffload\b//')"
		else
			libs=$(pkg-config --libs libcopyoffload)
		fi &&
		cc -std=c99 -Wall -Wextra -pedantic -Werror -o "$out" \
			"$CO_TOP/tests/progs/pkg-user.c" $cflags $libs
	} 2>"$out.err"
}

# ---- guest helpers (LIO, module) -------------------------------------------

# lio_backstore DEV: the configfs folder of the LIO backstore behind DEV
# (matched by the unit serial the target reports in VPD 0x80)
lio_backstore() {
	local serial b
	serial=$(sg_vpd -p sn -r "$1" 2>/dev/null | tail -c +5 | tr -d '\0 ')
	for b in /sys/kernel/config/target/core/*/*/wwn/vpd_unit_serial; do
		if grep -qi "$serial" "$b" 2>/dev/null; then
			dirname "$(dirname "$b")"
			return 0
		fi
	done
	return 1
}

# lio_mbytes DEV read|write: MB the target moved for DEV's LUN (LIO's
# per-LU statistics: the honest witness of data that crossed the host)
lio_mbytes() {
	local b
	b=$(lio_backstore "$1") || return 1
	cat "$b/statistics/scsi_lu/${2}_mbytes"
}

# lba_of FILE: the first LBA of FILE's first extent (512-byte blocks from
# the start of the filesystem's device; FIEMAP through xfs_io)
lba_of() {
	xfs_io -c fiemap "$1" | sed -n '2s/.*\]: *\([0-9]*\)\.\..*/\1/p'
}

# tainted_badly: the kernel taint has a bit other than O (out-of-tree)
# and E (unsigned module)
tainted_badly() {
	local t
	t=$(cat /proc/sys/kernel/tainted)
	[ $((t & ~(4096 | 8192))) -ne 0 ]
}

# kernel_expect_fs_errors DEV: a test is about to take DEV away under a
# mounted filesystem; until kernel_expect_end, tests/vm/kernel-problems
# does not count that filesystem's own errors and shutdown (only those) as
# problems of the script.  XFS's stack dump at a shutdown (error_level 3,
# its default) would read as a kernel problem: it is lowered meanwhile.
kernel_expect_fs_errors() {
	# at KERN_ERR, so that the serial console (loglevel=4), which
	# tests/vm/run judges too, shows the marks around the errors
	echo "<3>copyoffload-test: expect fs-errors on $(basename "$1")" > /dev/kmsg
	if [ -w /proc/sys/fs/xfs/error_level ]; then
		CO_XFS_ERROR_LEVEL=$(cat /proc/sys/fs/xfs/error_level)
		echo 0 > /proc/sys/fs/xfs/error_level
	fi
}

# kernel_expect_end: every kernel problem counts again
kernel_expect_end() {
	if [ -n "${CO_XFS_ERROR_LEVEL:-}" ]; then
		echo "$CO_XFS_ERROR_LEVEL" > /proc/sys/fs/xfs/error_level
		CO_XFS_ERROR_LEVEL=
	fi
	echo "<3>copyoffload-test: expect end" > /dev/kmsg
}

# require_module_luns NAME: the module is loaded and COPYOFFLOAD_LUNS has two
# LUNs, set as LUN0 and LUN1; otherwise one failure line for NAME and exit
require_module_luns() {
	if [ ! -c /dev/copyoffload ]; then
		fail "$1" "no /dev/copyoffload: the module is not loaded"
		exit 1
	fi
	read -r LUN0 LUN1 _ <<<"${COPYOFFLOAD_LUNS:-}"
	if [ ! -b "${LUN0:-}" ] || [ ! -b "${LUN1:-}" ]; then
		fail "$1" "needs two LUNs in COPYOFFLOAD_LUNS (tests/vm/run --lio)"
		exit 1
	fi
}

# two_filesystems NAME XFS_DIR EXT4_DIR: xfs with reflink on LUN0 mounted on
# XFS_DIR, ext4 on LUN1 on EXT4_DIR, unmounted at exit (setup steps of
# test NAME)
two_filesystems() {
	mkdir -p "$2" "$3"
	setup_step "$1" "mkfs.xfs" mkfs.xfs -q -f -m reflink=1 "$LUN0"
	setup_step "$1" "mount xfs" mount "$LUN0" "$2"
	CO_CLEANUP+=("umount '$2'")
	setup_step "$1" "mkfs.ext4" mkfs.ext4 -q -F "$LUN1"
	setup_step "$1" "mount ext4" mount "$LUN1" "$3"
	CO_CLEANUP+=("umount '$3'")
}

# setup_here NAME WHAT COMMAND...: setup_step for a COMMAND that sets
# variables: it runs in this shell (its output kept in a file)
setup_here() {
	local name=$1 what=$2 log
	shift 2
	log=$(mktemp "${TMPDIR:-/tmp}/co-setup.XXXXXX")
	if ! "$@" > "$log" 2>&1; then
		fail "$name/setup" "$what: '$*' failed: $(tail -n 2 "$log" | tr '\n' ' ')"
		rm -f "$log"
		exit 1
	fi
	rm -f "$log"
}

# setup_step NAME WHAT COMMAND...: a preparation step of test NAME; one
# failure line and exit if it fails
setup_step() {
	local name=$1 what=$2 out
	shift 2
	if ! out=$("$@" 2>&1); then
		fail "$name/setup" "$what: '$*' failed: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
		exit 1
	fi
}
