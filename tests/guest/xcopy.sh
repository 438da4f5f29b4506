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
# by the host would show as megabytes; an offloaded copy of 48 MiB moves
# none.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/fslib.sh"

P=xcopy
require_module_luns "$P/setup"
CO_SYS=/sys/kernel/copyoffload
SIZE_MIB=48

# witness DEV...: W = LIO read+write MB and block-layer sectors written,
# summed over DEV...
witness() {
	local d r w s sum=0
	for d in "$@"; do
		r=$(lio_mbytes "$d" read) w=$(lio_mbytes "$d" write)
		s=$(awk '{print $7}' "/sys/block/$(basename "$d")/stat")
		sum=$((sum + r + w + s / 2048))
	done
	W=$sum
}

# offloaded NAME BEFORE DEV...: the case fails if more than 1 MB crossed
# the host since BEFORE (a witness value)
want_offloaded() {
	local before=$1
	shift
	witness "$@"
	[ $((W - before)) -le 1 ] ||
		why "$((W - before)) MB crossed the host (LIO statistics, /sys/block)"
}

counter() { cat "$CO_SYS/$1"; }

# mkfs_on DEV FS [part]: a fresh FS on DEV (on a partition of it when
# "part"); the block device in BDEV, mounted on /mnt/$(basename DEV)
mkfs_on() {
	local dev=$1 fs=$2 mnt
	mnt=/mnt/$(basename "$dev")
	umount "$mnt" 2>/dev/null
	wipefs -q -a "$dev" >/dev/null 2>&1
	BDEV=$dev
	if [ "${3:-}" = part ]; then
		echo 'start=2048, type=83' | sfdisk -q "$dev" >/dev/null
		BDEV=${dev}1
		for _ in 1 2 3 4 5; do [ -b "$BDEV" ] && break; sleep 1; done
	fi
	fs_mkfs "$fs" "$BDEV" || return 1
	mkdir -p "$mnt"
	mount "$BDEV" "$mnt" || return 1
	MNT=$mnt
}

# fragmented FILE MIB: MIB MiB of random data in many extents, with holes:
# 64 KiB pieces written out of order, every fifth one left a hole
fragmented() {
	python3 - "$1" "$2" <<'EOF'
import os, random, sys
path, mib = sys.argv[1], int(sys.argv[2])
piece = 64 * 1024
n = mib * 1024 * 1024 // piece
order = list(range(n))
random.shuffle(order)
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
os.ftruncate(fd, n * piece)
for i in order:
    if i % 5 == 2:
        continue
    os.pwrite(fd, os.urandom(piece), i * piece)
    if i % 7 == 0:
        os.fsync(fd)
os.close(fd)
EOF
}

# copy_case NAME SRC DST WANT_METHOD CMD...: run CMD (a copy of SRC to DST),
# then check bytes, methods and witnesses; DEVS are the LUNs involved
copy_case() {
	local name=$1 src=$2 dst=$3 method=$4 before out
	shift 4
	case_start "$P/$name"
	sync
	witness "${DEVS[@]}"
	before=$W
	out=$("$@" 2>&1) || why "copy failed: $(tail -n 2 <<<"$out")"
	[[ $out == *"$method"* ]] || why "method $method not reported: $out"
	if [ "$method" = xcopy ]; then
		want_offloaded "$before" "${DEVS[@]}"
	fi
	echo 3 > /proc/sys/vm/drop_caches
	want "bytes differ after dropping caches" same_bytes "$src" "$dst"
	case_end
}

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
				"$CO_CP" -v --reflink=never "$MNT/src" "$MNT/fresh"
			copy_case "$t/fragmented" "$MNT/frag" "$MNT/frag.copy" xcopy \
				"$CO_CP" -v --reflink=never "$MNT/frag" "$MNT/frag.copy"
			case_start "$P/$t/holes-kept"
			want_eq "allocated blocks" "$(stat -c %b "$MNT/frag")" \
				"$(stat -c %b "$MNT/frag.copy")"
			case_end
		else
			# ext4 before 6.17 cannot give a fresh file written
			# blocks without writing them: a new file falls back
			copy_case "$t/fresh-falls-back" "$MNT/src" "$MNT/fresh" kernel \
				"$CO_CP" -v "$MNT/src" "$MNT/fresh"
		fi
		# a written destination (both filesystems)
		head -c $((SIZE_MIB * MiB)) /dev/zero > "$MNT/pre"
		copy_case "$t/written-destination" "$MNT/src" "$MNT/pre" xcopy \
			"$CO_RANGE" copy "$MNT/src" "$MNT/pre" 0:0:eof
		c1=$(counter xcopy_commands)
		case_start "$P/$t/commands"
		# 48 MiB in commands of at most 65535 blocks of 512 bytes
		[ $((c1 - c0)) -ge 2 ] || why "only $((c1 - c0)) EXTENDED COPY commands"
		case_end
		umount "$MNT"
		case_start "$P/$t/after-remount"
		mount "$BDEV" "$MNT" && want "bytes differ after remount" \
			same_bytes "$MNT/src" "$MNT/pre"
		umount "$MNT"
		case_end
		if [ "$fs" = xfs ]; then
			check "$P/$t/xfs_repair" xfs_repair -n "$BDEV"
		else
			check "$P/$t/fsck" e2fsck -fn "$BDEV"
		fi
	done
done

# ext4 and a fresh destination where the kernel has FALLOC_FL_WRITE_ZEROES
# (6.17) and the LUN zeroes by unmapping (LIO emulate_tpws=1,
# unmap_zeroes_data=1; the disk is rescanned to see LBPWS and LBPRZ): the
# module gives the new file zeroed written blocks and the device fills them.
# A real probe decides: fallocate(FALLOC_FL_WRITE_ZEROES) on the mounted
# filesystem.
wz_probe() {
	python3 - "$1" <<'EOF'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_long, ctypes.c_long]
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
ok = libc.fallocate(fd, 0x80, 0, 1 << 20) == 0  # FALLOC_FL_WRITE_ZEROES
print("ok" if ok else os.strerror(ctypes.get_errno()))
EOF
}
b0=$(lio_backstore "$LUN0")
echo 1 > "$b0/attrib/emulate_tpws" && echo 1 > "$b0/attrib/unmap_zeroes_data"
echo 1 > "/sys/block/$(basename "$LUN0")/device/rescan"
mkfs_on "$LUN0" ext4
wz=$(wz_probe "$MNT/wz-probe")
rm -f "$MNT/wz-probe"
if [ "$wz" = ok ]; then
	DEVS=("$LUN0")
	random_file "$MNT/src" $((SIZE_MIB * 1024))
	copy_case "ext4-write-zeroes/fresh" "$MNT/src" "$MNT/fresh" xcopy \
		"$CO_CP" -v "$MNT/src" "$MNT/fresh"
	umount "$MNT"
	check "$P/ext4-write-zeroes/fsck" e2fsck -fn "$BDEV"
else
	skip "$P/ext4-write-zeroes" "fallocate(FALLOC_FL_WRITE_ZEROES) on ext4 on $LUN0: $wz"
	umount "$MNT"
fi
echo 0 > "$b0/attrib/unmap_zeroes_data"
echo 0 > "$b0/attrib/emulate_tpws"
echo 1 > "/sys/block/$(basename "$LUN0")/device/rescan"

# Two LUNs, one filesystem each: LIO's copy manager reaches both (one TPG).
mkfs_on "$LUN0" xfs && M0=$MNT && mkfs_on "$LUN1" xfs && M1=$MNT || {
	fail "$P/cross-lun/mkfs" "mkfs"
	exit 1
}
DEVS=("$LUN0" "$LUN1")
random_file "$M0/src" $((SIZE_MIB * 1024))
copy_case "cross-lun" "$M0/src" "$M1/copy" xcopy \
	"$CO_CP" -v --reflink=never "$M0/src" "$M1/copy"

# A target that refuses EXTENDED COPY: a clean fallback, and with
# --no-fallback a clear error and the destination left as it was.
b1=$(lio_backstore "$LUN1")
echo 0 > "$b1/attrib/emulate_3pc"
"$CO_RANGE" info --refresh "$M1" >/dev/null 2>&1
DEVS=("$LUN0" "$LUN1")
copy_case "no-3pc/falls-back" "$M0/src" "$M1/copy2" kernel \
	"$CO_CP" -v --reflink=never "$M0/src" "$M1/copy2"
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

# The source truncated while a big copy runs: the copy finishes or stops,
# nothing deadlocks, and the destination holds only the source's bytes (or
# zeroes) where it was copied.
case_start "$P/concurrent"
random_file "$M0/big" $((192 * 1024))
cp "$M0/big" "$M0/big.orig"
sync
: > "$M0/big.copy"
timeout 300 "$CO_RANGE" copy "$M0/big" "$M0/big.copy" 0:0:eof >/dev/null 2>&1 &
cpid=$!
sleep 1
truncate -s $((8 * MiB)) "$M0/big"
wait $cpid
rc=$?
[ "$rc" = 124 ] && why "the copy hung (timeout)"
echo 3 > /proc/sys/vm/drop_caches
n=$(stat -c %s "$M0/big.copy")
python3 - "$M0/big.orig" "$M0/big.copy" "$n" <<'EOF' || why "stale or foreign bytes in the copy"
import sys
a, b, n = open(sys.argv[1], 'rb'), open(sys.argv[2], 'rb'), int(sys.argv[3])
blk = 1 << 20
zero = bytes(blk)
while n > 0:
    x, y = a.read(min(blk, n)), b.read(min(blk, n))
    if y != x and y != zero[:len(y)]:
        sys.exit(1)
    n -= len(y)
EOF
umount "$M0" && check "$P/concurrent/xfs_repair" xfs_repair -n "$LUN0"
case_end

umount "$M1" 2>/dev/null
