#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The range tool, copyoffload, on the host: no module, so the library's
# fallback runs the requests.  Ranges from the command line and stdin,
# gathering, errno names of rejected requests, clone and dedupe on
# loop-mounted xfs and btrfs, and ext4 where they are not supported.
. "$(dirname "$0")/../lib.sh"

R=$CO_TOOLS/copyoffload
if [ ! -x "$R" ]; then
	fail range.build "$R is missing: run make tools"
	exit 1
fi

tools_scratch T
cd "$T" || exit 1

# check_range NAME SRC SRC_OFF DST DST_OFF LEN: ok when the ranges' bytes match
check_range() {
	if same_range "${@:2}"; then
		pass "$1"
	else
		fail "$1" "$2@$3 and $4@$5 differ over $6 bytes"
	fi
}

usage_tests() {
	random_file a 16
	check_exit range.help 0 "$R" --help
	check_match range.help.exit-status '^ 3  dedupe: some range differs' "$CO_OUT"
	check_exit range.copy.help 0 "$R" copy --help
	check_match range.copy.help.flags '--no-fallback' "$CO_OUT"
	check_exit range.info.help 0 "$R" info --help
	check_exit range.version 0 "$R" --version
	check_match range.version.text "^copyoffload $(cat "$CO_TOP/VERSION")" "$CO_OUT"
	check_exit range.usage.no-command 2 "$R"
	check_exit range.usage.unknown-command 2 "$R" frobnicate a b
	check_exit range.usage.bad-option 2 "$R" copy --bogus a b
	check_exit range.usage.no-dst 2 "$R" copy a
	check_exit range.usage.short-range 2 "$R" copy a b 0:0
	check_match range.usage.short-range.msg "invalid range '0:0': expected SRC_OFF:DST_OFF:LEN" "$CO_ERR"
	check_exit range.usage.long-range 2 "$R" copy a b 0:0:1:2
	check_exit range.usage.bad-suffix 2 "$R" copy a b 0:0:12Q
	check_match range.usage.bad-suffix.msg "invalid length '12Q'" "$CO_ERR"
	check_exit range.usage.negative 2 "$R" copy a b 0:-1:4k
	check_exit range.usage.too-big 2 "$R" copy a b 0:0:99999999999T
	check_exit range.usage.eof-offset 2 "$R" copy a b eof:0:4k
	check_exit range.usage.flags-on-clone 2 "$R" clone --allow-share a b
	check_exit range.usage.bad-offload 2 "$R" copy --offload=magic a b
	check_exit range.usage.dash-not-alone 2 "$R" copy a b 0:0:4k -
	check_exit range.usage.stdin-short-line 2 "$R" copy a b - <<<"0 0"
	check_match range.usage.stdin-short-line.msg "stdin line 1: expected" "$CO_ERR"
	check_exit range.usage.stdin-bad-value 2 "$R" copy a b - <<<$'0 0 4k\n0 0 x'
	check_match range.usage.stdin-bad-value.msg "stdin line 2: invalid length 'x'" "$CO_ERR"
	check_exit range.usage.stdin-no-files 2 "$R" copy --stdin <<<"0 0 4k"
	check_exit range.usage.stdin-empty 2 "$R" copy a b - </dev/null
	check_exit range.usage.info-two-operands 2 "$R" info one two
	check_exit range.usage.info-refresh-no-path 2 "$R" info --refresh
	[ ! -e b ] && pass range.usage.nothing-created || fail range.usage.nothing-created "b exists"
}

# Several ranges, suffixes, hexadecimal, eof, past EOF, output format
copy_tests() {
	random_file src 1024
	check_exit range.copy.ranges 0 "$R" copy src dst 0:0:64K 128K:64K:64k \
		0x30000:128K:0x10000 960K:192K:eof
	check_eq range.copy.ranges.lines 5 "$(wc -l <<<"$CO_OUT")"
	check_match range.copy.ranges.line0 '^range 0: 0 0 65536 -> 65536 bytes, ok, methods [a-z_]+(,[a-z_]+)*$' "$CO_OUT"
	check_match range.copy.ranges.line3 '^range 3: 983040 196608 eof -> 65536 bytes, ok, methods ' "$CO_OUT"
	check_match range.copy.ranges.total '^total: 262144 bytes in 4 ranges \(no module\)$' "$CO_OUT"
	check_range range.copy.ranges.bytes0 src 0 dst 0 65536
	check_range range.copy.ranges.bytes1 src 131072 dst 65536 65536
	check_range range.copy.ranges.bytes2 src 196608 dst 131072 65536
	check_range range.copy.ranges.bytes3 src 983040 dst 196608 65536

	check_exit range.copy.whole 0 "$R" copy src whole
	check_match range.copy.whole.line '^range 0: 0 0 eof -> 1048576 bytes, ok' "$CO_OUT"
	check_match range.copy.whole.total '^total: 1048576 bytes in 1 range \(no module\)$' "$CO_OUT"
	same_bytes src whole && pass range.copy.whole.bytes || fail range.copy.whole.bytes "differ"

	check_exit range.copy.past-eof 0 "$R" copy src past 1020K:0:1M
	check_match range.copy.past-eof.bytes '^range 0: 1044480 0 1048576 -> 4096 bytes, ok' "$CO_OUT"

	head -c 2M /dev/zero > keep
	check_exit range.copy.no-truncate 0 "$R" copy src keep 0:0:4k
	check_eq range.copy.no-truncate.size 2097152 "$(stat -c %s keep)"
	check_exit range.copy.truncate 0 "$R" copy --truncate src keep 0:0:4k
	check_eq range.copy.truncate.size 4096 "$(stat -c %s keep)"
	check_exit range.copy.no-create 1 "$R" copy --no-create src nodst
	check_match range.copy.no-create.msg "cannot open 'nodst': ENOENT \(No such file or directory\)" "$CO_ERR"

	check_exit range.copy.quiet 0 "$R" copy -q src quiet 0:0:4k
	check_eq range.copy.quiet.silent "" "$CO_OUT"
	check_exit range.copy.no-module 0 "$R" copy --no-module src nomod 0:0:4k
	check_match range.copy.no-module.total '\(no module\)$' "$CO_OUT"
	check_exit range.copy.require-module 1 "$R" copy --require-module src reqmod
	check_match range.copy.require-module.msg 'ENODEV' "$CO_ERR"
}

stdin_tests() {
	printf '%s\n' '0 0 4k' '# a comment' '' '  8k   4k 4K  # trailing' > lines
	check_exit range.stdin.dash 0 "$R" copy src sd - <lines
	check_match range.stdin.dash.total '^total: 8192 bytes in 2 ranges' "$CO_OUT"
	check_range range.stdin.dash.bytes src 8192 sd 4096 4096
	check_exit range.stdin.option 0 "$R" copy --stdin src so <lines
	same_bytes sd so && pass range.stdin.option.bytes || fail range.stdin.option.bytes "differ"

	random_file g1 128
	random_file g2 128
	printf '%s\n' 'g1 gather 0 0 64K' 'g2 gather 0 64K 64K' 'g1 gather 64K 128K eof' > glines
	check_exit range.gather 0 "$R" copy --json --stdin <glines
	json_check range.gather.json \
		'd[0]["nr_ranges"] == 3 and d[0]["bytes_done"] == 196608 and [r["src"] for r in d[0]["ranges"]] == ["g1", "g2", "g1"] and d[0]["ranges"][2]["len"] == "eof"' \
		"$CO_OUT"
	check_range range.gather.bytes0 g1 0 gather 0 65536
	check_range range.gather.bytes1 g2 0 gather 65536 65536
	check_range range.gather.bytes2 g1 65536 gather 131072 65536

	# every file is opened once, however many ranges name it
	if command -v strace >/dev/null; then
		strace -f -e trace=openat -o opens "$R" copy -q --stdin <glines
		check_eq range.gather.opened-once "1 1 1" \
			"$(grep -c '"g1"' opens) $(grep -c '"g2"' opens) $(grep -c '"gather"' opens)"
	else
		skip range.gather.opened-once "strace is not installed"
	fi

	# stdin ranges mixed with SRC DST from the command line
	printf '%s\n' '0 0 4k' 'g2 mixed 4k 4k 4k' > mlines
	check_exit range.stdin.mixed 0 "$R" copy --stdin g1 mixed <mlines
	check_range range.stdin.mixed.bytes0 g1 0 mixed 0 4096
	check_range range.stdin.mixed.bytes1 g2 4096 mixed 4096 4096
}

json_tests() {
	check_exit range.json 0 "$R" copy --json src j 0:0:4k 4k:4k:eof
	json_check range.json.fields \
		'd[0]["op"] == "copy" and d[0]["accepted"] and d[0]["errno"] is None and d[0]["no_module"] and d[0]["nr_ranges"] == 2 and d[0]["nr_processed"] == 2 and d[0]["exit"] == 0' \
		"$CO_OUT"
	json_check range.json.bytes \
		'd[0]["bytes_done"] == 1 << 20 and sum(d[0]["method_bytes"].values()) == 1 << 20 and d[0]["ranges"][1]["bytes_done"] == (1 << 20) - 4096' \
		"$CO_OUT"
	json_check range.json.ranges \
		'[(r["src_off"], r["dst_off"], r["len"], r["status"], r["errno"]) for r in d[0]["ranges"]] == [(0, 0, 4096, "ok", None), (4096, 4096, "eof", "ok", None)] and all(r["methods"] for r in d[0]["ranges"])' \
		"$CO_OUT"
	check_exit range.json.rejected 1 "$R" copy --json --append src j 0:0:4k
	json_check range.json.rejected.fields \
		'd[0]["accepted"] is False and d[0]["errno"] == "EBADF" and d[0]["ranges"][0]["errno"] == "EBADF" and d[0]["exit"] == 1' \
		"$CO_OUT"
}

# check_rejected NAME ERRNO COMMAND...: exit 1, "request rejected: ERRNO"
check_rejected() {
	local name=$1 err=$2
	shift 2
	check_exit "$name" 1 "$@"
	check_match "$name.errno" "request rejected: $err \(" "$CO_ERR"
}

errno_tests() {
	mkdir d
	check_rejected range.errno.append EBADF "$R" copy --append src e1 0:0:4k
	check_match range.errno.append.range "^range 0: 0 0 4096 -> 0 bytes, EBADF \(Bad file descriptor\), methods none$" "$CO_OUT"
	check_rejected range.errno.dst-rdonly EBADF "$R" copy --dst-rdonly src e1 0:0:4k
	check_rejected range.errno.src-wronly EBADF "$R" copy --src-wronly src e1 0:0:4k
	check_rejected range.errno.clone-append EBADF "$R" clone --append src e1
	check_rejected range.errno.zero-length EINVAL "$R" copy src e1 0:0:0
	check_rejected range.errno.src-dir EISDIR "$R" copy d e1
	check_rejected range.errno.dst-dir EISDIR "$R" copy src d
	check_rejected range.errno.same-file-overlap EINVAL "$R" copy src src 0:4k:8k
	check_rejected range.errno.overflow EOVERFLOW "$R" copy src e1 0xffffffffffff0000:0:1M
	check_rejected range.errno.flag-conflict EINVAL "$R" copy --require-share --offload=xcopy src e1
	check_rejected range.errno.two-offloads EINVAL "$R" copy --offload=xcopy --offload=odx src e1 0:0:4k

	# the bad range holds the errno, the others are not run
	check_rejected range.errno.second-range EINVAL "$R" copy src e1 0:0:4k 4k:4k:0
	check_match range.errno.second-range.not-run '^range 0: 0 0 4096 -> 0 bytes, not run, methods none$' "$CO_OUT"
	check_match range.errno.second-range.einval '^range 1: 4096 4096 0 -> 0 bytes, EINVAL \(Invalid argument\)' "$CO_OUT"
	check_eq range.errno.second-range.untouched 0 "$(stat -c %s e1)"

	# more ranges than a request carries: two requests, as one would run
	awk 'BEGIN { for (i = 0; i <= 65536; i++) print "0 0 1" }' > many
	check_exit range.split 0 "$R" copy -v src e2 - <many
	check_match range.split.requests '^65537 bytes in 65537 ranges, 2 requests; [0-9.]+ sec \([0-9.]+ MiB/sec\)$' "$CO_OUT"
	head -n 65536 many > max
	check_exit range.max-ranges 0 "$R" copy -v src e2 - <max
	check_match range.max-ranges.one-request ', 1 request;' "$CO_OUT"
	check_exit range.split.json 0 "$R" copy --json src e2 - <many
	check_match range.split.json.requests '"nr_ranges":65537,"requests":2,"nr_processed":65537,"bytes_done":65537' "$CO_OUT"
	# the second request rejected: the first one's ranges ran, its own not
	{ cat max; echo "4096 4096 0"; } > many-bad
	check_exit range.split.second-rejected 1 "$R" copy src e3 - <many-bad
	check_match range.split.second-rejected.first-ran '^range 65535: 0 0 1 -> 1 bytes, ok' "$CO_OUT"
	check_match range.split.second-rejected.einval '^range 65536: 4096 4096 0 -> 0 bytes, EINVAL' "$CO_OUT"
	check_match range.split.second-rejected.msg 'request rejected: EINVAL' "$CO_ERR"
}

# clone, dedupe and sharing copies where the filesystem shares extents
share_tests() {
	local fs=$1 d=$2
	random_file "$d/s" 1024
	check_exit "range.$fs.clone" 0 "$R" clone "$d/s" "$d/c"
	check_match "range.$fs.clone.line" '^range 0: 0 0 eof -> 1048576 bytes, ok, methods clone$' "$CO_OUT"
	extents_shared "$d/c" && pass "range.$fs.clone.shared" ||
		fail "range.$fs.clone.shared" "filefrag shows no shared extent"
	same_bytes "$d/s" "$d/c" && pass "range.$fs.clone.bytes" || fail "range.$fs.clone.bytes" "differ"

	check_exit "range.$fs.clone.ranges" 0 "$R" clone "$d/s" "$d/c2" 64K:0:64K 0:64K:64K
	check_range "range.$fs.clone.ranges.bytes0" "$d/s" 65536 "$d/c2" 0 65536
	check_range "range.$fs.clone.ranges.bytes1" "$d/s" 0 "$d/c2" 65536 65536

	# all or nothing per range; processing stops at the first failure
	check_exit "range.$fs.clone.misaligned" 1 "$R" clone "$d/s" "$d/c3" 0:0:64K 1:64K:64K 128K:128K:64K
	check_match "range.$fs.clone.misaligned.einval" '^range 1: 1 65536 65536 -> 0 bytes, EINVAL ' "$CO_OUT"
	check_match "range.$fs.clone.misaligned.not-run" '^range 2: .* not run, methods none$' "$CO_OUT"
	check_match "range.$fs.clone.misaligned.first-ok" '^range 0: 0 0 65536 -> 65536 bytes, ok, methods clone$' "$CO_OUT"

	plain_copy "$d/s" "$d/same"
	! extents_shared "$d/same" && pass "range.$fs.dedupe.unshared-before" ||
		fail "range.$fs.dedupe.unshared-before" "the copy to dedupe already shares extents"
	check_exit "range.$fs.dedupe.same" 0 "$R" dedupe "$d/s" "$d/same"
	check_match "range.$fs.dedupe.same.line" '^range 0: 0 0 eof -> 1048576 bytes, same, methods clone$' "$CO_OUT"
	extents_shared "$d/same" && pass "range.$fs.dedupe.same.shared" ||
		fail "range.$fs.dedupe.same.shared" "filefrag shows no shared extent"
	random_file "$d/other" 1024
	check_exit "range.$fs.dedupe.differs" 3 "$R" dedupe "$d/s" "$d/other"
	check_match "range.$fs.dedupe.differs.line" '^range 0: 0 0 eof -> 0 bytes, differs' "$CO_OUT"
	plain_copy "$d/s" "$d/same2"
	printf '%s %s %s\n' "$d/s" "$d/same2" '0 0 64K' "$d/s" "$d/other" '0 0 64K' > "$d/dl"
	check_exit "range.$fs.dedupe.mixed" 3 "$R" dedupe --stdin <"$d/dl"
	check_match "range.$fs.dedupe.mixed.same" '^range 0: .* same,' "$CO_OUT"
	check_match "range.$fs.dedupe.mixed.differs" '^range 1: .* differs,' "$CO_OUT"
	check_exit "range.$fs.dedupe.no-create" 1 "$R" dedupe "$d/s" "$d/nosuch"
	check_match "range.$fs.dedupe.no-create.msg" "cannot open '$d/nosuch': ENOENT" "$CO_ERR"

	check_exit "range.$fs.copy.require-share" 0 "$R" copy --require-share "$d/s" "$d/rs"
	check_match "range.$fs.copy.require-share.method" 'methods clone$' "$CO_OUT"
	check_exit "range.$fs.copy.allow-share" 0 "$R" copy --allow-share "$d/s" "$d/as"
	check_match "range.$fs.copy.allow-share.method" 'methods clone$' "$CO_OUT"
	check_exit "range.$fs.copy.default" 0 "$R" copy "$d/s" "$d/df"
	sync -f "$d"
	! extents_shared "$d/df" && pass "range.$fs.copy.default.not-shared" ||
		fail "range.$fs.copy.default.not-shared" "a default copy shared extents"
}

# ext4 shares nothing: clone and --require-share fail per range
noshare_tests() {
	local fs=$1 d=$2
	random_file "$d/s" 256
	check_exit "range.$fs.clone.unsupported" 1 "$R" clone "$d/s" "$d/c"
	check_match "range.$fs.clone.unsupported.errno" '^range 0: 0 0 eof -> 0 bytes, EOPNOTSUPP \(Operation not supported\)' "$CO_OUT"
	check_exit "range.$fs.copy.require-share" 1 "$R" copy --require-share "$d/s" "$d/rs"
	check_match "range.$fs.copy.require-share.errno" 'EOPNOTSUPP' "$CO_OUT"
	check_exit "range.$fs.copy.no-fallback" 1 "$R" copy --no-fallback "$d/s" "$d/nf"
	check_match "range.$fs.copy.no-fallback.errno" '^range 0: 0 0 eof -> 0 bytes, EOPNOTSUPP \(Operation not supported\)' "$CO_OUT"
	check_exit "range.$fs.copy" 0 "$R" copy "$d/s" "$d/cp"
	same_bytes "$d/s" "$d/cp" && pass "range.$fs.copy.bytes" || fail "range.$fs.copy.bytes" "differ"
}

fs_tests() {
	local fs=$1 d=$T/mnt-$1
	if ! tools_fs "$fs" "$d" 2>/dev/null; then
		skip "range.$fs" "cannot make and loop-mount $fs here"
		return
	fi
	case $fs in
	xfs|btrfs)	share_tests "$fs" "$d" ;;
	*)		noshare_tests "$fs" "$d" ;;
	esac
}

cross_fs_tests() {
	[ -d "$T/mnt-xfs" ] && [ -d "$T/mnt-ext4" ] || return 0
	check_rejected range.cross-fs.clone EXDEV "$R" clone "$T/mnt-xfs/s" "$T/mnt-ext4/x"
	check_exit range.cross-fs.copy 0 "$R" copy "$T/mnt-xfs/s" "$T/mnt-ext4/x"
	same_bytes "$T/mnt-xfs/s" "$T/mnt-ext4/x" && pass range.cross-fs.copy.bytes ||
		fail range.cross-fs.copy.bytes "differ"
}

info_tests() {
	if [ -e /dev/copyoffload ]; then
		skip range.info "/dev/copyoffload exists: these are the no-module cases"
		return
	fi
	check_exit range.info.no-module 1 "$R" info
	check_match range.info.no-module.msg '^copyoffload: module not loaded$' "$CO_ERR"
	check_exit range.info.json 1 "$R" info --json
	json_check range.info.json.module 'd == [{"module": False}]' "$CO_OUT"
}

usage_tests
copy_tests
stdin_tests
json_tests
errno_tests
for fs in xfs btrfs ext4; do
	fs_tests "$fs"
done
cross_fs_tests
info_tests

done_testing
