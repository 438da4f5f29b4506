# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034,SC2154 # the callers set and read these
# Helpers shared by the storage benchmarks (tests/bench/xcopy, tests/bench/odx,
# tests/bench/nvme, tests/bench/link).
# Source after tests/lib.sh.
#
# Every method writes into the same destination region of the LUN (REGION:
# $blocks 512-byte blocks from LBA $D), and before each run that region is
# put in one LBA state, the same for every method:
#   fresh    as never written since the LUN was made: the region is a
#            hole of the backstore's image (a sparse file on the guest's
#            tmpfs), as the LUN was made and mkfs's discard left it, and
#            is punched again before each run; the first write of each
#            page allocates and zeroes memory
#   written  every LBA of the region written before the run (a non-zero
#            pattern): the image's pages exist, a copy overwrites them
# One warm-up round (fresh) comes first and is not counted.
# The region is free space of the filesystem, the run where xfs puts one
# falloc of that size (and a little more, for the copies' metadata), and
# while the methods run it is the filesystem's only free space: the file
# methods' copies (copyoffload-cp, cp) have to land in it (checked with
# FIEMAP after every copy: column "region"), the LBA methods (sg_xcopy,
# ddpt, nvme copy) are given it as their destination LBAs.
#
# The caller sets LUN, IMG (the backstore's image file, seen from the
# guest), M (the mount point), bytes, blocks, S (the source's first LBA),
# the function counters ARRAY (its counters now, into the associative
# array ARRAY) and the function record KEY (their change over the run
# just timed, from C0 to C1, kept under KEY); bench_region sets D and
# rblocks.

declare -A T C0 C1 V IN
bad=0

# others: QEMU guests other than ours running on the host (host side)
bench_others() {
	local n
	n=$(pgrep -c -f '^qemu-system-x86_64 ' || true)
	echo "${n:-0}"
}

# bench_region: D = the first LBA of the free run where xfs puts one
# falloc of $bytes and 16 MiB (for the copies' metadata), rblocks its
# 512-byte blocks; the rest of the free space is taken by $M/fence, so that
# the file copies cannot go elsewhere.  Without it they did, at 1 GiB: a
# file written in pieces (cp's writeback, the module's batches) is
# allocated near its inode, in the other allocation group while it has
# room, where one falloc of the whole size went to the group with the
# longest free run.  bench_unfence gives the space back.
bench_region() {
	local n avail cut
	rblocks=$((blocks + (16 << 11)))
	xfs_io -f -c "falloc 0 $((rblocks * 512))" "$M/where" || return 1
	D=$(lba_of "$M/where")
	n=$(xfs_io -c fiemap "$M/where" | grep -vc ':$')
	[ "$n" = 1 ] ||
		echo "warning: no free run of $((rblocks / 2048)) MiB in one extent ($n): the region is the first"
	# all the free space but a MiB or so (the fence's own metadata)
	avail=$(stat -f -c '%a * %S' "$M")
	avail=$((avail))
	for cut in 1 2 4 8 16 32; do
		[ "$avail" -gt $((cut << 20)) ] || break
		rm -f "$M/fence"
		xfs_io -f -c "falloc 0 $((avail - (cut << 20)))" "$M/fence" \
			2>/dev/null && break
	done
	[ -f "$M/fence" ] || { echo "cannot fence the region off"; return 1; }
	rm -f "$M/where"
	sync
}
# bench_unfence: the free space of the filesystem back, for what comes
# after the methods' rounds (the extents tables)
bench_unfence() {
	rm -f "$M/fence"
	sync
}

# region_state STATE: the region's LBAs put in STATE through the
# backstore's image.  A caller whose image the guest cannot reach
# (tests/bench/nvme: it is on the host) defines its own after sourcing this.
region_state() {
	case $1 in
	fresh|warm-up) fallocate --punch-hole --keep-size -o $((D * 512)) \
			-l $((rblocks * 512)) "$IMG" ;;
	written) xfs_io -c "pwrite -q -S 0xa5 -b 1m $((D * 512)) $((rblocks * 512))" \
			-c fsync "$IMG" ;;
	esac
}

# bench_prepare STATE: put the region's LBAs in STATE (fresh or written:
# region_state), with no I/O in flight; then sync and drop the guest's
# caches.  Without a region (D unset) only the latter.
bench_prepare() {
	[ -z "${D:-}" ] || region_state "$1" ||
		{ echo "cannot put the region in state $1"; exit 1; }
	sync
	echo 3 > /proc/sys/vm/drop_caches
}

# in_region FILE: yes if every extent of FILE lies in the region, else no
in_region() {
	xfs_io -c fiemap "$1" | awk -v lo="$D" -v hi=$((D + rblocks)) '
		NR > 1 && $3 != "hole" {
			split($3, r, "\\.\\.")
			if (r[1] < lo || r[2] + 0 >= hi) out = 1
		}
		END {print out ? "no" : "yes"}'
}

# bench_time KEY CMD...: time CMD with the caches dropped before and a
# sync in the timed part; T[KEY] gathers the times (ms), record KEY the
# counters' change.  A failed CMD is reported (its copy will not verify).
bench_time() {
	local key=$1 t0 t1 log
	shift
	log=/tmp/bench-${key//\//-}.log
	sync
	echo 3 > /proc/sys/vm/drop_caches
	counters C0
	t0=$(date +%s%N)
	"$@" > "$log" 2>&1 ||
		echo "$key: the copy failed: $(tail -n 2 "$log")"
	sync
	t1=$(date +%s%N)
	counters C1
	T[$key]+=" $(((t1 - t0) / 1000000))"
	record "$key"
	echo 3 > /proc/sys/vm/drop_caches
}

# bench_verify KEY NAME CMP_ARGS...: V[KEY] = ok, or WRONG for good when
# cmp CMP_ARGS finds a difference; a wrong copy of a reference client
# (sg_xcopy, ddpt, nvme-cli, nvme-ioctl) is only reported, one of ours or
# cp's fails the run
bench_verify() {
	local key=$1 name=$2
	shift 2
	if cmp -s "$@"; then
		V[$key]=${V[$key]:-ok}
	else
		V[$key]=WRONG
		echo "$key: the copy differs from the source"
		case $name in sg_xcopy|ddpt|nvme-cli|nvme-ioctl) ;; *) bad=1 ;; esac
	fi
}

# file_copy STATE NAME CMD...: CMD SRC DST copies $M/src to a new file in
# the region, prepared in STATE; verified (by bench_verify, or by the
# function named in BENCH_VERIFY, called the same way), located, removed.
# Without a region (D unset: tests/bench/link) STATE is only a name, the
# copy lands where the filesystem puts it and is not located.
file_copy() {
	local key=$1/$2 r
	shift 2
	bench_prepare "${key%%/*}"
	bench_time "$key" "$@" "$M/src" "$M/dst"
	if [ -n "${D:-}" ]; then
		r=$(in_region "$M/dst")
		[ "${IN[$key]:-yes}" = no ] || IN[$key]=$r
	fi
	"${BENCH_VERIFY:-bench_verify}" "$key" "${key#*/}" "$M/src" "$M/dst"
	rm -f "$M/dst"
	sync
}

# lba_copy STATE NAME CMD...: CMD copies the source's LBAs ($S, $blocks)
# onto the region's ($D), prepared in STATE; verified on the LUN
lba_copy() {
	local key=$1/$2
	shift 2
	bench_prepare "${key%%/*}"
	bench_time "$key" "$@"
	IN[$key]=yes
	bench_verify "$key" "${key#*/}" -n "$bytes" -i $((S * 512)):$((D * 512)) \
		"$LUN" "$LUN"
}

# bench_rounds REPS STATE METHOD...: REPS rounds in STATE; in round r the
# methods take turns, starting from the r-th (a rotation: none is always
# first).  For METHOD the caller defines the function m_METHOD, which
# copies once in STATE (file_copy or lba_copy).
bench_rounds() {
	local reps=$1 state=$2 r i n
	shift 2
	n=$#
	local m=("$@")
	for ((r = 0; r < reps; r++)); do
		for ((i = 0; i < n; i++)); do
			"m_${m[(r + i) % n]}" "$state"
		done
	done
}

# median TIMES, spread TIMES (min-max): of a list of numbers
median() {
	tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -n |
		awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)}'
}
spread() {
	tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -n |
		awk 'NR == 1 {lo = $1} {hi = $1} END {print lo "-" hi}'
}
ratio() {	# ratio A B: A / B as 0.00x
	awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2fx", a / (b ? b : 1)}'
}

# bench_table STATE FLOOR NAME...: per method in STATE the median time,
# the spread, the ratios against FLOOR's and cp's medians, whether its
# copies stayed in the region, then the caller's extra columns
# (extra_head; extra_cols KEY) and the data check
bench_table() {
	local state=$1 floor=$2 n k f c
	shift 2
	f=$(median "${T[$state/$floor]:-}") c=$(median "${T[$state/cp]:-}")
	printf '%-15s %9s %13s %9s %7s %6s %s %5s\n' method "median ms" \
		"min-max ms" "vs $floor" "vs cp" region "$(extra_head)" data
	for n in "$@"; do
		k=$state/$n
		printf '%-15s %9s %13s %9s %7s %6s %s %5s\n' "$n" \
			"$(median "${T[$k]:-}")" "$(spread "${T[$k]:-}")" \
			"$(ratio "$(median "${T[$k]:-}")" "$f")" \
			"$(ratio "$(median "${T[$k]:-}")" "$c")" \
			"${IN[$k]:-}" "$(extra_cols "$k")" "${V[$k]:-}"
	done
	printf '(times in ms, round by round:'
	for n in "$@"; do printf ' %s%s;' "$n" "${T[$state/$n]:-}"; done
	printf ')\n'
}

# bench_states REPS FLOOR TITLE METHOD...: one warm-up round (fresh, not
# counted: the first copy of a boot took several times as long as the
# next ones in trial runs, for reasons not measured), the rounds in each
# LBA state, then one table per state and the written/fresh ratio of
# each method
bench_states() {
	local reps=$1 floor=$2 title=$3 s n
	shift 3
	bench_rounds 1 warm-up "$@"
	for s in fresh written; do
		bench_rounds "$reps" "$s" "$@"
	done
	for s in fresh written; do
		echo
		echo "$title; destination LBAs $s before each run ($reps runs each, taking turns)"
		echo "host: ${CO_TEST_BENCH_OTHERS:-?} other QEMU guest(s) running when the benchmark started"
		bench_table "$s" "$floor" "$@"
	done
	echo
	printf '(warm-up round, not counted, fresh, ms:'
	for n in "$@"; do printf ' %s%s;' "$n" "${T[warm-up/$n]:-}"; done
	printf ')\nmedian written / fresh:'
	for n in "$@"; do
		printf ' %s %s;' "$n" "$(ratio "$(median "${T[written/$n]:-}")" \
			"$(median "${T[fresh/$n]:-}")")"
	done
	echo
}

# bench_pieces FILE PAD N: FILE, 64 MiB of random data in N pieces (at
# least 4 KiB each) that are not contiguous on the disk: a piece of FILE is
# allocated, then a block of PAD, and so on; PAD is removed
bench_pieces() {
	python3 - "$1" "$2" "$3" <<'EOF'
import os, sys
path, pad, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
size = 64 << 20
piece = max(4096, size // n // 4096 * 4096)
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
pfd = os.open(pad, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
# allocate a piece of the file, then a block of padding, and so on: once
# the padding is gone, no two pieces are contiguous on the disk
for i, off in enumerate(range(0, size, piece)):
    os.posix_fallocate(fd, off, min(piece, size - off))
    if n > 1:
        os.posix_fallocate(pfd, i * 4096, 4096)
os.close(pfd)
os.unlink(pad)
os.pwrite(fd, os.urandom(size), 0)
os.fsync(fd)
os.close(fd)
EOF
}
