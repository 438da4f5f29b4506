#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# copyoffload-cp's progress display and the pieces a file's data is copied
# in (issue #13).  The display: none when standard error is not a
# terminal, unless --progress (then whole lines); on a terminal (a pty of
# Python's) by default once the run has lasted a second, not with
# --no-progress; one line with bytes, total, rate, time left and method,
# cut to the terminal's width, erased before other messages (errors, -v)
# and at the end.  The pieces: the same bytes, holes and --json as one
# request (COPYOFFLOAD_CP_PIECE=0), on files of several pieces (1 MiB
# pieces here) made of distinct data and holes; a filesystem that fills
# up in the middle of a piece gives the same status and message.  Without
# the module: the library's fallback does the work.
. "$(dirname "$0")/../lib.sh"

tools_cp_setup cp.progress
MiB=$((1024 * 1024))
# the numbers of a line: "1.0 MiB / 24.0 MiB (4%)  310.2 MiB/s  ETA 0:01"
NUMBERS='[0-9.]+ (B|KiB|MiB) / [0-9.]+ (KiB|MiB) \([0-9]+%\)  [0-9.]+ (B|KiB|MiB|GiB)/s  ETA ([0-9]+:[0-9][0-9]|--:--)'

# pieces_file PATH MIB: MIB MiB of distinct data (no two 4 KiB blocks
# alike) with holes: a hole at the start, across piece boundaries (1 MiB),
# in the middle of pieces and at the end
pieces_file() {
	python3 - "$1" "$2" <<'EOF'
import os, sys
path, mib = sys.argv[1], int(sys.argv[2])
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
os.ftruncate(fd, mib << 20)
hole = lambda blk: blk < 40 or blk % 700 in range(200, 600) or blk >= (mib << 8) - 30
for blk in range(mib << 8):
    if not hole(blk):
        os.pwrite(fd, blk.to_bytes(8, "little") * 8 + os.urandom(4032), blk << 12)
os.close(fd)
EOF
}

# data_map FILE: where its data and holes start (SEEK_DATA/SEEK_HOLE)
data_map() {
	xfs_io -r -c "seek -r -a 0" "$1"
}

# piece_size HOW SMALL: COPYOFFLOAD_CP_PIECE for a copy in SMALL pieces
# (HOW=small), in pieces that adapt (adaptive: the default) or in one
# request (one)
piece_size() {
	case $1 in
	small)		echo "$2" ;;
	adaptive)	echo "" ;;
	one)		echo 0 ;;
	esac
}

# slow_fifo PATH: a FIFO whose writer gives 1 MiB, waits 1.5 s (the run
# then lasts longer than the display's delay), then gives 1 MiB more
slow_fifo() {
	rm -f "$1"
	mkfifo "$1"
	{ head -c "$MiB" /dev/urandom; sleep 1.5; head -c "$MiB" /dev/urandom; } > "$1" &
}

# --- when the display is shown ------------------------------------------------

display_tests() {
	random_file small 64
	check_exit cp.progress.not-tty 0 "$CP" -q small small.copy
	check_eq cp.progress.not-tty.silent "" "$CO_ERR"
	slow_fifo fifo
	check_exit cp.progress.not-tty.slow 0 "$CP" -q fifo fifo.copy
	check_eq cp.progress.not-tty.slow.silent "" "$CO_ERR"
	check_eq cp.progress.not-tty.slow.bytes $((2 * MiB)) "$(stat -c %s fifo.copy)"

	slow_fifo fifo
	tty_run 100 tty.out "$CP" -q fifo fifo.tty
	check_eq cp.progress.tty.status 0 "$CO_RC"
	check_match cp.progress.tty.drawn $'\r'"fifo  [0-9.]+ (KiB|MiB)  [0-9.]+ (B|KiB|MiB)/s  userspace" "$(cat tty.out)"
	check_eq cp.progress.tty.erased "" "$(tty_screen tty.out 100)"

	slow_fifo fifo
	tty_run 100 tty.out "$CP" -q --no-progress fifo fifo.none
	check_eq cp.progress.tty.no-progress.status 0 "$CO_RC"
	check_eq cp.progress.tty.no-progress "" "$(cat tty.out)"

	tty_run 100 tty.out "$CP" -q small small.tty
	check_eq cp.progress.tty.short-copy "" "$(cat tty.out)"
}

# --progress: whole lines where stderr is not a terminal; on one, the line
# with every number, cut to the width, names made safe
line_tests() {
	pieces_file big 24
	COPYOFFLOAD_CP_PIECE=1M check_exit cp.progress.forced 0 \
		"$CP" -q --progress=0 --reflink=never big big.lines
	check_match cp.progress.forced.line "^big  $NUMBERS  copy_file_range$" "$CO_ERR"
	if grep -q $'\r' <<<"$CO_ERR"; then
		fail cp.progress.forced.no-cr "a carriage return in: $CO_ERR"
	else
		pass cp.progress.forced.no-cr
	fi
	same_bytes big big.lines && pass cp.progress.forced.bytes ||
		fail cp.progress.forced.bytes "differ"

	COPYOFFLOAD_CP_PIECE=1M tty_run 100 tty.out "$CP" -q --progress=0 \
		--reflink=never big big.tty
	check_eq cp.progress.tty.pieces.status 0 "$CO_RC"
	check_match cp.progress.tty.pieces.line $'\r'"big  $NUMBERS  copy_file_range" "$(cat tty.out)"
	check_eq cp.progress.tty.pieces.erased "" "$(tty_screen tty.out 100)"

	# a long name with an escape sequence: shortened from its start, the
	# escape shown as '?', the numbers tighter to leave the name room
	local long=dir-with-a-rather-long-name/and-a-file-name-that-goes-on-and-on$'\e'[31m-
	mkdir -p "${long%/*}"
	cp big "$long"
	COPYOFFLOAD_CP_PIECE=1M tty_run 80 tty.out "$CP" -q --progress=0 \
		--reflink=never "$long" long
	check_eq cp.progress.long-name.status 0 "$CO_RC"
	check_match cp.progress.long-name.shortened $'\r'"\.\.\.[a-z-]*\?\[31m- [0-9.]+ (B|KiB|MiB) / [0-9.]+ MiB [0-9.]+ [KMG]?i?B/s [0-9:]+ copy_file_range" "$(cat tty.out)"
	check_eq cp.progress.long-name.screen "" "$(tty_screen tty.out 80)"
	# narrower than the numbers: no name, the numbers cut, never wrapped
	COPYOFFLOAD_CP_PIECE=1M tty_run 30 tty.out "$CP" -q --progress=0 \
		--reflink=never "$long" narrow
	check_eq cp.progress.narrow.status 0 "$CO_RC"
	check_match cp.progress.narrow.numbers $'\r'"[0-9.]+ (B|KiB|MiB) / " "$(cat tty.out)"
	check_eq cp.progress.narrow.screen "" "$(tty_screen tty.out 30)"
	check_exit cp.progress.bad-delay 1 "$CP" --progress=soon big x
	check_match cp.progress.bad-delay.msg "invalid argument 'soon' for '--progress'" "$CO_ERR"
}

# erased before a message on stderr (an error) and on a terminal's stdout (-v)
erase_tests() {
	local plain
	random_file v1 2048
	mkdir v.plain v.tty
	run_cmd "$CP" -q -v --reflink=never v1 big v.plain
	plain=${CO_OUT//v.plain/v.tty}
	TTY_STDOUT=1 COPYOFFLOAD_CP_PIECE=1M tty_run 100 tty.out "$CP" -q -v \
		--progress=0 --reflink=never v1 big v.tty
	check_eq cp.progress.verbose.status 0 "$CO_RC"
	check_match cp.progress.verbose.drawn $'\r'"\[0 files done\] v1  " "$(cat tty.out)"
	check_eq cp.progress.verbose.screen "$plain" "$(tty_screen tty.out 100)"
}

# --- pieces -----------------------------------------------------------------

# same_copy NAME DIR: big copied into DIR in 1 MiB pieces, adapting pieces
# and one request: the same bytes, holes, and --json records
same_copy() {
	local name=$1 d=$2 how json=()
	pieces_file "$d/src" 24
	for how in small adaptive one; do
		rm -f "$d/$how"
		COPYOFFLOAD_CP_PIECE=$(piece_size "$how" 1M) check_exit "$name.$how" 0 \
			"$CP" -q --json --reflink=never "$d/src" "$d/$how"
		json+=("$(sed 's/"dst":"[^"]*",//' <<<"$CO_OUT")")
		same_bytes "$d/src" "$d/$how" && pass "$name.$how.bytes" ||
			fail "$name.$how.bytes" "differ"
		check_eq "$name.$how.holes" "$(data_map "$d/src")" "$(data_map "$d/$how")"
	done
	check_eq "$name.json-small" "${json[2]}" "${json[0]}"
	check_eq "$name.json-adaptive" "${json[2]}" "${json[1]}"
	json_check "$name.json-methods" \
		'd[0]["methods"]["hole"] > 6 << 20 and sum(d[0]["methods"].values()) == 24 << 20' "${json[0]}"
}

pieces_tests() {
	same_copy cp.pieces "$T"
	if tools_fs xfs "$T/xfs" 2>/dev/null; then
		same_copy cp.pieces.xfs "$T/xfs"
	else
		skip cp.pieces.xfs "cannot make and loop-mount xfs here"
	fi
	COPYOFFLOAD_CP_PIECE=3K check_exit cp.pieces.bad-env 1 "$CP" big x
	check_match cp.pieces.bad-env.msg "invalid COPYOFFLOAD_CP_PIECE '3K'" "$CO_ERR"
	[ ! -e x ] && pass cp.pieces.bad-env.nothing || fail cp.pieces.bad-env.nothing "x created"
}

# ENOSPC in the middle of a piece: a 32 MiB source onto a 16 MiB ext4
enospc_tests() {
	local how out=() err=()
	if ! loop_fs ext4 16 "$T/tiny" 2>/dev/null; then
		skip cp.pieces.enospc "cannot make and loop-mount ext4 here"
		return
	fi
	random_file full 32768
	for how in one small adaptive; do
		COPYOFFLOAD_CP_PIECE=$(piece_size "$how" 4M) check_exit "cp.pieces.enospc.$how" 1 \
			"$CP" -q --json --reflink=never full "$T/tiny/full"
		out+=("$(python3 -c 'import json, sys; d = json.loads(sys.stdin.readline()); print(d["status"], d["errno"])' <<<"$CO_OUT")")
		err+=("$CO_ERR")
		[ ! -e "$T/tiny/full" ] && pass "cp.pieces.enospc.$how.removed" ||
			fail "cp.pieces.enospc.$how.removed" "the destination is left"
	done
	check_eq cp.pieces.enospc.json "No space left on device ENOSPC" "${out[0]}"
	check_eq cp.pieces.enospc.json-small "${out[0]}" "${out[1]}"
	check_eq cp.pieces.enospc.json-adaptive "${out[0]}" "${out[2]}"
	check_eq cp.pieces.enospc.msg \
		"copyoffload-cp: cannot copy 'full' to '$T/tiny/full': No space left on device" "${err[0]}"
	check_eq cp.pieces.enospc.msg-small "${err[0]}" "${err[1]}"
	check_eq cp.pieces.enospc.msg-adaptive "${err[0]}" "${err[2]}"

	COPYOFFLOAD_CP_PIECE=4M tty_run 100 tty.out "$CP" -q --progress=0 \
		--reflink=never full "$T/tiny/full"
	check_eq cp.pieces.enospc.tty.status 1 "$CO_RC"
	check_match cp.pieces.enospc.tty.drawn $'\r'"full  $NUMBERS" "$(cat tty.out)"
	check_eq cp.pieces.enospc.tty.screen "${err[0]}" "$(tty_screen tty.out 100)"
}

display_tests
line_tests
erase_tests
pieces_tests
enospc_tests

done_testing
