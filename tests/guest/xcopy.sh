#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Storage offload: file copies on xfs and ext4 on LIO fileio LUNs become
# EXTENDED COPY commands, and the data does not cross the host.
#
# Every case copies, drops the caches, compares the bytes, and reads the
# witnesses: LIO's per-LU statistics (read_mbytes/write_mbytes: what the
# transport carried; the copy manager's own reads and writes are not
# counted there), /sys/block/DEV/stat (sectors written through the block
# layer) and the module's counters in /sys/kernel/copyoffload.  Data moved
# by the host would show as twice the file's megabytes; an offloaded copy
# moves only the filesystem's metadata.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/fslib.sh"

P=xcopy
require_module_luns "$P/setup"
CO_SYS=/sys/kernel/copyoffload
SIZE_MIB=48

# witness DEV...: WL = LIO read+write MB and WB = block-layer MB written,
# each summed over DEV...
witness() {
	local d s
	WL=0 WB=0
	for d in "$@"; do
		WL=$((WL + $(lio_mbytes "$d" read) + $(lio_mbytes "$d" write)))
		s=$(awk '{print $7}' "/sys/block/$(basename "$d")/stat")
		WB=$((WB + s / 2048))
	done
}

# want_offloaded LIO_BEFORE BLK_BEFORE MIB DEV...: the case fails if more
# than the filesystem's own metadata crossed the host since the BEFORE
# witness values, for a copy of MIB MiB: 1 MB plus 1/8 of the file
# (journal and log writes, synchronous on xfs's allocations); a copy
# through the host moves twice the file (read and write), 16 times that.
# The block layer counts a write-zeroes (WRITE SAME with UNMAP: no data
# crosses) as written sectors: ZEROED_MIB of them are allowed on top.
want_offloaded() {
	local lb=$1 bb=$2 mib=$3 max
	shift 3
	max=$((1 + mib / 8))
	witness "$@"
	[ $((WL - lb)) -le $max ] ||
		why "$((WL - lb)) MB crossed the host for $mib MiB (LIO per-LU statistics)"
	[ $((WB - bb)) -le $((max + ${ZEROED_MIB:-0})) ] ||
		why "$((WB - bb)) MB written through the block layer for $mib MiB (/sys/block)"
}

counter() { cat "$CO_SYS/$1"; }

# copy_case NAME SRC DST WANT_METHOD CMD...: run CMD (a copy of SRC to DST
# with --json), then check bytes, methods and witnesses; DEVS are the LUNs
# involved.  The method's witness is the tool's JSON: WANT_METHOD moved
# every data byte of SRC (its allocated bytes; holes stay holes) and no
# other method moved data; FIEMAP shows nothing of DST shared.  With
# CP_STDERR set, CMD's standard error goes to that file (else it is read
# with the JSON).
copy_case() {
	local name=$1 src=$2 dst=$3 method=$4 lb bb out data
	shift 4
	case_start "$P/$name"
	sync
	witness "${DEVS[@]}"
	lb=$WL bb=$WB
	if [ -n "${CP_STDERR:-}" ]; then
		out=$("$@" 2>"$CP_STDERR") || why "copy failed: $(tail -n 2 "$CP_STDERR")"
	else
		out=$("$@" 2>&1) || why "copy failed: $(tail -n 2 <<<"$out")"
	fi
	python3 -c '
import json, os, sys
o = json.loads(sys.argv[1].splitlines()[0])
m = o.get("methods") or o.get("method_bytes") or {}
moved = {k: v for k, v in m.items() if k != "hole" and v}
fd, data, pos = os.open(sys.argv[3], os.O_RDONLY), 0, 0
while True:
    try:
        pos = os.lseek(fd, pos, os.SEEK_DATA)
    except OSError:
        break
    end = os.lseek(fd, pos, os.SEEK_HOLE)
    data, pos = data + end - pos, end
# copyoffload-cp copies the last block apart, after the rest and never by
# storage offload (so that the size reaches the source only with it)
tail = 0
if sys.argv[4].endswith("copyoffload-cp") and sys.argv[2] != "kernel":
    tail = moved.pop("kernel", 0)
    if tail > 65536:
        sys.exit("the kernel copied %d bytes, more than a last block" % tail)
    if tail:
        moved[sys.argv[2]] = moved.get(sys.argv[2], 0) + tail
if moved != {sys.argv[2]: data}:
    sys.exit("methods %s, not %s alone for all %d data bytes"
             % (moved, sys.argv[2], data))' "$out" "$method" "$src" "$1" \
		2>"$FS_ERRF" || why "$(<"$FS_ERRF")"
	if [ "$method" = xcopy ]; then
		want_offloaded "$lb" "$bb" $(($(stat -c %s "$src") >> 20)) "${DEVS[@]}"
	fi
	want_unshared "$dst"
	echo 3 > /proc/sys/vm/drop_caches
	want "bytes differ after dropping caches" same_bytes "$src" "$dst"
	case_end
}

# ext4 and a fresh destination where the kernel has FALLOC_FL_WRITE_ZEROES
# (6.17) and the LUN zeroes by unmapping (tests/vm/lio-setup sets LIO's
# emulate_tpws=1 and unmap_zeroes_data=1): the module gives the new file
# zeroed written blocks and the device fills them (wz_probe decides).
mkfs_on "$LUN0" ext4 || exit 1
WZ=$(wz_probe "$MNT/wz-probe")
umount "$MNT"
[ "$WZ" = ok ] ||
	skip "$P/ext4-write-zeroes" "fallocate(FALLOC_FL_WRITE_ZEROES) on ext4 on $LUN0: $WZ"

for fs in xfs ext4; do
	for layout in disk part; do
		t=$fs-$layout
		mkfs_on "$LUN0" "$fs" "$layout" || { fail "$P/$t/mkfs" "mkfs $fs"; continue; }
		DEVS=("$LUN0")
		random_file "$MNT/src" $((SIZE_MIB * 1024))
		fragmented "$MNT/frag" 16
		sync
		c0=$(counter xcopy_commands)
		if [ "$fs" = xfs ]; then
			# xfs: a fresh destination, allocated and committed
			copy_case "$t/fresh" "$MNT/src" "$MNT/fresh" xcopy \
				"$CO_CP" --json --reflink=never "$MNT/src" "$MNT/fresh"
			copy_case "$t/fragmented" "$MNT/frag" "$MNT/frag.copy" xcopy \
				"$CO_CP" --json --reflink=never "$MNT/frag" "$MNT/frag.copy"
			case_start "$P/$t/holes-kept"
			want_eq "allocated blocks" "$(stat -c %b "$MNT/frag")" \
				"$(stat -c %b "$MNT/frag.copy")"
			case_end
		else
			# ext4 gives a fresh file written blocks without
			# writing them only with FALLOC_FL_WRITE_ZEROES;
			# elsewhere a new file falls back
			if [ "$WZ" = ok ]; then
				ZEROED_MIB=$SIZE_MIB copy_case \
					"$t/fresh-write-zeroes" "$MNT/src" \
					"$MNT/fresh" xcopy \
					"$CO_CP" --json "$MNT/src" "$MNT/fresh"
			else
				copy_case "$t/fresh-falls-back" "$MNT/src" \
					"$MNT/fresh" kernel \
					"$CO_CP" --json "$MNT/src" "$MNT/fresh"
			fi
		fi
		# a written destination (both filesystems)
		head -c $((SIZE_MIB * MiB)) /dev/zero > "$MNT/pre"
		copy_case "$t/written-destination" "$MNT/src" "$MNT/pre" xcopy \
			"$CO_RANGE" copy --json "$MNT/src" "$MNT/pre" 0:0:eof
		c1=$(counter xcopy_commands)
		case_start "$P/$t/commands"
		# 48 MiB in commands of at most 65535 blocks of 512 bytes
		[ $((c1 - c0)) -ge 2 ] || why "only $((c1 - c0)) EXTENDED COPY commands"
		case_end
		after_remount "$P/$t" "$fs" "$BDEV" src:pre
	done
done

# Two LUNs, one filesystem each: LIO's copy manager reaches both (one TPG).
mkfs_on "$LUN0" xfs && M0=$MNT && mkfs_on "$LUN1" xfs && M1=$MNT || {
	fail "$P/cross-lun/mkfs" "mkfs"
	exit 1
}
DEVS=("$LUN0" "$LUN1")
random_file "$M0/src" $((SIZE_MIB * 1024))
copy_case "cross-lun" "$M0/src" "$M1/copy" xcopy \
	"$CO_CP" --json --reflink=never "$M0/src" "$M1/copy"

# A target that refuses EXTENDED COPY: a clean fallback, and with
# --no-fallback a clear error and the destination left as it was.
b1=$(lio_backstore "$LUN1")
echo 0 > "$b1/attrib/emulate_3pc"
"$CO_RANGE" info --refresh "$M1" >/dev/null 2>&1
DEVS=("$LUN0" "$LUN1")
copy_case "no-3pc/falls-back" "$M0/src" "$M1/copy2" kernel \
	"$CO_CP" --json --reflink=never "$M0/src" "$M1/copy2"
case_start "$P/no-3pc/no-fallback"
head -c $((4 * MiB)) /dev/urandom > "$M1/keep"
sum=$(md5sum < "$M1/keep")
out=$("$CO_RANGE" copy --no-fallback "$M0/src" "$M1/keep" 0:0:4M 2>&1)
[[ $out == *"range 0: "*EOPNOTSUPP* ]] || why "no clear error: $out"
echo 3 > /proc/sys/vm/drop_caches
[ "$(md5sum < "$M1/keep")" = "$sum" ] ||
	why "the destination changed although nothing was copied"
case_end
echo 1 > "$b1/attrib/emulate_3pc"
"$CO_RANGE" info --refresh "$M1" >/dev/null 2>&1

# Progress over an offloaded copy (issue #13): copyoffload-cp copies a
# file's data in pieces of 256 MiB and more, and --progress (whole lines:
# stderr is no terminal here) names the method moving the bytes.  A
# 288 MiB file (a 256 MiB piece, then the rest) is copied with the
# display from the first piece on, then in one request
# (COPYOFFLOAD_CP_PIECE=0): both offloaded (copy_case's witnesses), the
# line says xcopy, and the pieces cost no offload: the module's EXTENDED
# COPY bytes are the same, its commands at most one more per piece.
progress_case() {
	local mnt=$1 err=$1/progress.err c0 b0 c1 b1 c2 b2
	random_file "$mnt/big" $((288 * 1024))
	c0=$(counter xcopy_commands) b0=$(counter xcopy_bytes)
	CP_STDERR=$err copy_case progress/pieces "$mnt/big" "$mnt/big.pieces" \
		xcopy "$CO_CP" --json --progress=0 --reflink=never "$mnt/big" \
		"$mnt/big.pieces"
	c1=$(counter xcopy_commands) b1=$(counter xcopy_bytes)
	rm -f "$mnt/big.pieces"
	COPYOFFLOAD_CP_PIECE=0 copy_case progress/one-request "$mnt/big" \
		"$mnt/big.one" xcopy "$CO_CP" --json --reflink=never \
		"$mnt/big" "$mnt/big.one"
	c2=$(counter xcopy_commands) b2=$(counter xcopy_bytes)
	rm -f "$mnt/big.one" "$mnt/big"

	case_start "$P/progress/line"
	grep -Eq "^$mnt/big  [0-9.]+ (KiB|MiB) / 288\.0 MiB \([0-9]+%\)  [0-9.]+ (KiB|MiB|GiB)/s  ETA ([0-9:]+|--:--)  xcopy\$" \
		"$err" || why "no line with the numbers and xcopy: $(head -c 300 "$err")"
	grep -q $'\r' "$err" && why "carriage returns in a log"
	case_end
	case_start "$P/progress/pieces-keep-offload"
	want_eq "EXTENDED COPY bytes in pieces (one request: $((b2 - b1)))" \
		"$((b2 - b1))" "$((b1 - b0))"
	[ $((c1 - c0)) -le $((c2 - c1 + 2)) ] ||
		why "$((c1 - c0)) EXTENDED COPY commands in pieces, $((c2 - c1)) in one request"
	echo "# progress: EXTENDED COPY commands $((c1 - c0)) in pieces, $((c2 - c1)) in one request; bytes $((b1 - b0)), $((b2 - b1))"
	case_end
	rm -f "$err"
}
progress_case "$M0"

# Concurrent work on both files while a big copy runs: a writer puts 0xAB
# blocks into the destination, the destination is cut short once and the
# source once.  The copy finishes or stops, nothing deadlocks, and every
# block of the destination holds the source's bytes, zeroes or the
# writer's: never anything else (stale blocks of other files).
concurrent_case() {
	local name=$1 mnt=$2 dev=$3 mib=$4 cpid wpid rc n
	case_start "$P/$name"
	random_file "$mnt/big" $((mib * 1024))
	cp "$mnt/big" "$mnt/big.orig"
	if [ "$name" = concurrent-ext4 ]; then
		# the block map path needs written destination blocks
		head -c $((mib * MiB)) /dev/zero > "$mnt/big.copy"
	else
		: > "$mnt/big.copy"
	fi
	sync
	timeout 300 "$CO_RANGE" copy "$mnt/big" "$mnt/big.copy" 0:0:eof \
		>/dev/null 2>&1 &
	cpid=$!
	python3 - "$mnt/big" "$mnt/big.copy" "$mib" <<'EOF' &
import os, random, sys, time
src, dst, mib = sys.argv[1], sys.argv[2], int(sys.argv[3])
fd = os.open(dst, os.O_WRONLY)
blk = b"\xab" * 4096
t0 = time.time()
cut_dst = cut_src = False
while time.time() - t0 < 4:
    os.pwrite(fd, blk, random.randrange(mib * 256) * 4096)
    if not cut_dst and time.time() - t0 > 1:
        os.truncate(dst, 16 << 20)
        cut_dst = True
    if not cut_src and time.time() - t0 > 2:
        os.truncate(src, (mib // 2) << 20)
        cut_src = True
    time.sleep(0.02)
EOF
	wpid=$!
	wait $cpid
	rc=$?
	# the writer only: a bare wait would wait for fsc's helper too
	wait "$wpid"
	[ "$rc" = 124 ] && why "the copy hung (timeout)"
	echo 3 > /proc/sys/vm/drop_caches
	n=$(stat -c %s "$mnt/big.copy")
	python3 - "$mnt/big.orig" "$mnt/big.copy" "$n" <<'EOF' ||
import sys
a, b, n = open(sys.argv[1], 'rb'), open(sys.argv[2], 'rb'), int(sys.argv[3])
zero, mark = bytes(4096), b"\xab" * 4096
off = 0
while off < n:
    x, y = a.read(4096), b.read(4096)
    if y not in (x[:len(y)], zero[:len(y)], mark[:len(y)]):
        print("block at", off, "is neither source, zeroes nor the writer's")
        sys.exit(1)
    off += len(y)
EOF
		why "foreign bytes in the destination"
	umount "$mnt"
	case_end
	fs_check "$P/$name" "${name#concurrent-}" "$dev"
}

concurrent_case concurrent-xfs "$M0" "$LUN0" 192
mkfs_on "$LUN0" ext4 && concurrent_case concurrent-ext4 "$MNT" "$LUN0" 96

umount "$M1" 2>/dev/null

done_testing
