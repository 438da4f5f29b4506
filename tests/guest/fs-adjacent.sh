#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Adjacent ranges worked as one: a request whose ranges continue one
# another (one file pair, each starting where the one before ended in both
# files, on the block grid) is worked as one range of their sum by the
# module, and every range must still report exactly what it would have
# reported in a request of its own.  Each case runs the same ranges twice,
# into two destinations made alike: once in one request (merged) and once
# in one request per range, and compares every range's bytes, status and
# methods, and the destinations' bytes:
# - COPY of 16 adjacent MiB, the source ending in the middle of range 5,
#   holes across range boundaries, RLIMIT_FSIZE in the middle of range 7
#   (EFBIG), --no-fallback on a local filesystem (EOPNOTSUPP), 200 ranges
#   of 64 KiB (more than one run of CO_MERGE_MAX);
# - CLONE of 64 adjacent 4 KiB (one request: every range ok, and the
#   extents shared), and a run with an unaligned range in the middle
#   (worked alone: EINVAL there, the ranges after it not run);
# - DEDUPE of 16 adjacent MiB, one of them different (the merged attempt
#   does not take the whole run: worked one by one, range 7 differs).
# On xfs (reflink) and ext4.
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/guest/fslib.sh
. "$(dirname "$0")/fslib.sh"
P=adjacent

# ranges N SIZE [FIRST]: RANGES, N adjacent ranges of SIZE bytes from
# FIRST (0), at the same offsets in both files
ranges() {
	local i size first
	to_bytes size "$2"
	to_bytes first "${3:-0}"
	RANGES=()
	for ((i = 0; i < $1; i++)); do
		RANGES+=("$((first + i * size)):$((first + i * size)):$size")
	done
}

# outcomes: the "BYTES|STATUS|METHODS" of every range of CO_OUT, one a line
outcomes() {
	local i=0
	while range_result "$i" 2>/dev/null && [ -n "$RR" ]; do
		echo "$RR"
		i=$((i + 1))
	done
}

# differential OP SRC DSTBASE [OPTION]... -- RANGE...: run the ranges in one
# request into DSTBASE.m and one request per range into DSTBASE.s (both
# copies of DSTBASE when it exists); the case fails unless every range
# reports the same and the destinations read alike.  MERGED: the merged
# run's outcomes.
differential() {
	local op=$1 src=$2 d=$3 opts=() r one=()
	shift 3
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	if [ -e "$d" ]; then
		copy_plain "$d" "$d.m"
		copy_plain "$d" "$d.s"
	fi
	co "$op" "${opts[@]}" "$src" "$d.m" "$@"
	MERGED=$(outcomes)
	for r in "$@"; do
		co "$op" "${opts[@]}" "$src" "$d.s" "$r"
		one+=("$(outcomes)")
	done
	want_eq "per-range outcomes" "$(printf '%s\n' "${one[@]}")" "$MERGED"
	if [ -e "$d.m" ] || [ -e "$d.s" ]; then
		want_same "$d.m" "$d.s"
	fi
}

adj_copy() {
	local c=$P.$FS.copy

	data_file a 16M
	case_start "$c.16-mib"
	ranges 16 1M
	differential copy a b -- "${RANGES[@]}"
	want_eq "range 15" "1048576|ok|kernel" "$(sed -n 16p <<<"$MERGED")"
	want_same a b.m
	case_end

	data_file e 5632K
	case_start "$c.source-ends-in-range-5"
	ranges 16 1M
	differential copy e f -- "${RANGES[@]}"
	want_eq "range 5" "524288|ok|kernel" "$(sed -n 6p <<<"$MERGED")"
	want_eq "range 9" "0|ok|none" "$(sed -n 10p <<<"$MERGED")"
	case_end

	data_file h 8M 512K:1M 3M:2M 7M:1M
	case_start "$c.holes-across-ranges"
	ranges 8 1M
	differential copy h i -- "${RANGES[@]}"
	want_same h i.m
	case_end

	data_file l 16M
	case_start "$c.rlimit-in-range-7"
	ranges 16 1M
	CO_PREFIX=(prlimit --fsize=$((7 * MiB + 512 * KiB)) env --ignore-signal=XFSZ)
	differential copy l m -- "${RANGES[@]}"
	CO_PREFIX=()
	want_eq "range 7" "524288|EFBIG|kernel" "$(sed -n 8p <<<"$MERGED")"
	case_end

	case_start "$c.no-fallback"
	ranges 4 1M
	differential copy a n --no-fallback "${NOFB_OFFLOAD[@]}" -- \
		"${RANGES[@]}"
	want_eq "range 2" "0|EOPNOTSUPP|none" "$(sed -n 3p <<<"$MERGED")"
	case_end

	data_file s 13M
	case_start "$c.200-ranges"
	ranges 200 64K
	differential copy s t -- "${RANGES[@]}"
	want_same_range s 0 t.m 0 $((200 * 64 * KiB))
	case_end
}

adj_clone() {
	local c=$P.$FS.clone

	data_file a 256K
	case_start "$c.64-of-4k"
	ranges 64 4K
	co clone a b "${RANGES[@]}"
	want_rc 0
	want_eq "outcomes" "$(for i in $(seq 64); do echo "4096|ok|clone"; done)" \
		"$(outcomes)"
	want_same a b
	want_shared b 0 256K
	case_end

	case_start "$c.unaligned-in-the-middle"
	ranges 3 4K
	local head=("${RANGES[@]}")
	ranges 3 4K 16K
	co clone a c "${head[@]}" 12K:12K:100 "${RANGES[@]}"
	want_eq "outcomes" "4096|ok|clone
4096|ok|clone
4096|ok|clone
0|EINVAL|none
0|not run|none
0|not run|none
0|not run|none" "$(outcomes)"
	case_end
}

adj_dedupe() {
	local c=$P.$FS.dedupe

	data_file a 16M
	copy_plain a b
	flip b $((7 * MiB + 4096))
	case_start "$c.one-differs"
	ranges 16 1M
	differential dedupe a b -- "${RANGES[@]}"
	want_eq "range 7" "0|differs|none" "$(sed -n 8p <<<"$MERGED")"
	want_eq "range 8" "1048576|same|clone" "$(sed -n 9p <<<"$MERGED")"
	case_end
}

adj_fs() {
	adj_copy
	if fs_reflink; then
		adj_clone
		adj_dedupe
	fi
}

read -ra NOFB_OFFLOAD < <(nofb_offload)
FS_TYPES=${CO_TEST_FS:-xfs ext4}
for_each_fs adj_fs

done_testing
