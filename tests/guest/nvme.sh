#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Storage offload with NVMe Copy: file copies on xfs and ext4 on a QEMU
# NVMe namespace (tests/vm/run --nvme), whole and partitioned, become NVMe
# Copy commands once root has handed the module the namespace's limits
# (COPYOFFLOAD_DEVINFO_F_SET_NVME; the limits are the harness's, which
# nvme-device.sh checks against Identify with nvme-cli).
#
# Every copy is compared after dropping the caches.  The witnesses: the
# module's per-disk counters (nvme_commands, nvme_ranges: the source
# ranges, so ranges/commands is extents per command; nvme_bytes;
# fallback_*), the namespace's block-layer counters (a passthrough Copy
# is not counted there: what shows is the filesystem's metadata, plus the
# data when the host copied it), and QEMU's trace of the Copy commands
# (COPYOFFLOAD_NVME_TRACE).  Limits handed in wrong cost speed only:
# commands the device refuses fall back, counted by reason.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/fslib.sh"

P=nvme
read -r NS0 NS1 _ <<<"${COPYOFFLOAD_NVME_NAMESPACES:-}"
if [ -z "${NS0:-}" ] || [ -z "${NS1:-}" ]; then
	skip "$P/namespaces" "needs two NVMe namespaces (tests/vm/run --nvme)"
	done_testing
fi
if [ ! -c /dev/copyoffload ]; then
	fail "$P/setup" "no /dev/copyoffload: the module is not loaded"
	exit 1
fi
# COPYOFFLOAD_IOC_INFO: info.features has COPYOFFLOAD_FEAT_NVME
if ! python3 - <<'PY'
import fcntl, os, struct, sys
buf = bytearray(64)
struct.pack_into("<I", buf, 0, 64)
fd = os.open("/dev/copyoffload", os.O_RDWR)
fcntl.ioctl(fd, (3 << 30) | (64 << 16) | (0xC5 << 8) | 0x00, buf, True)
sys.exit(0 if struct.unpack_from("<Q", buf, 8)[0] & (1 << 9) else 1)
PY
then
	fail "$P/feature" "the module has no NVMe Copy engine (COPYOFFLOAD_FEAT_NVME)"
	done_testing
fi
MSSRL=${CO_NVME_MSSRL:?} MCL=${CO_NVME_MCL:?} MSRC=${CO_NVME_MSRC:?}
LIMITS=1,$MCL,$MSSRL,$MSRC
CO_SYS=/sys/kernel/copyoffload
DEVINFO=$CO_TOP/tests/guest/nvme-devinfo.py
SIZE_MIB=16
TRACE=${COPYOFFLOAD_NVME_TRACE:-}

# devinfo ARG...: nvme-devinfo.py's answer in DI
devinfo() { DI=$(python3 "$DEVINFO" "$@" 2>&1); }
# set_limits DEV CAPS,MCL,MSSRL,MSRC: SET_NVME, as root
set_limits() {
	devinfo --set "$2" "$1"
	[[ $DI == transport=2* ]] || why "SET_NVME $2 on $1: $DI"
}

# counter NAME [DEV]: the module's counter, the disk's when DEV is given
counter() {
	local d=$CO_SYS
	[ -n "${2:-}" ] && d=$CO_SYS/disks/$(cat "/sys/block/${2#/dev/}/dev")
	cat "$d/$1" 2>/dev/null || echo 0
}
# snap DEV: the counters the cases compare, in C_* (before)
# shellcheck disable=SC2034	# read through ${!v} in delta
snap() {
	local c
	for c in nvme_commands nvme_ranges nvme_bytes fallback_device \
		 fallback_limits fallback_target fallback_unsupported \
		 fallback_cross_namespace; do
		printf -v "C_$c" %s "$(counter "$c" "$1")"
	done
	C_written=$(awk '{ print $7 }' "/sys/block/${1#/dev/}/stat")
}
# delta DEV NAME: how much counter NAME moved since snap
delta() {
	local v=C_$2
	if [ "$2" = written ]; then
		echo $(($(awk '{ print $7 }' "/sys/block/${1#/dev/}/stat") - ${!v}))
	else
		echo $(($(counter "$2" "$1") - ${!v}))
	fi
}

# copy_check SRC DST METHOD: the JSON in CO_OUT says METHOD moved every
# data byte of SRC (holes stay holes) and no other method moved data
# ("method6" is NVMe Copy to a library that has no name for it yet);
# copyoffload-cp copies the last block apart, never by storage offload
copy_check() {
	python3 -c '
import json, os, sys
o = json.loads(sys.argv[1].splitlines()[0])
m = o.get("methods") or o.get("method_bytes") or {}
moved = {("nvme_copy" if k == "method6" else k): v
         for k, v in m.items() if k != "hole" and v}
fd, data, pos = os.open(sys.argv[3], os.O_RDONLY), 0, 0
while True:
    try:
        pos = os.lseek(fd, pos, os.SEEK_DATA)
    except OSError:
        break
    end = os.lseek(fd, pos, os.SEEK_HOLE)
    data, pos = data + end - pos, end
if sys.argv[4] == "cp" and sys.argv[2] != "kernel":
    tail = moved.pop("kernel", 0)
    if tail > 65536:
        sys.exit("the kernel copied %d bytes, more than a last block" % tail)
    if tail:
        moved[sys.argv[2]] = moved.get(sys.argv[2], 0) + tail
if moved != {sys.argv[2]: data}:
    sys.exit("methods %s, not %s alone for all %d data bytes"
             % (moved, sys.argv[2], data))' "$CO_OUT" "$3" "$1" "$4" \
		2>"$FS_ERRF" || why "$(<"$FS_ERRF")"
	want_unshared "$2"
	echo 3 > /proc/sys/vm/drop_caches
	want "bytes differ after dropping caches" same_bytes "$1" "$2"
}

# cp_case NAME SRC DST METHOD [ARG...]: copyoffload-cp --json ARG... SRC
# DST, checked by copy_check; the disk's counters in snap/delta
cp_case() {
	local name=$1 src=$2 dst=$3 method=$4
	shift 4
	case_start "$P/$name"
	sync
	snap "$NS"
	CO_OUT=$("$CO_CP" --json "$@" "$src" "$dst" 2>"$FS_ERRF") ||
		why "copyoffload-cp failed: $(tail -n 2 "$FS_ERRF")"
	copy_check "$src" "$dst" "$method" cp
	want_witness "$src" "$method"
	case_end
}

# range_case NAME SRC DST METHOD [ARG...]: copyoffload copy --json ARG...
# SRC DST 0:0:eof, as cp_case
range_case() {
	local name=$1 src=$2 dst=$3 method=$4
	shift 4
	case_start "$P/$name"
	sync
	snap "$NS"
	CO_OUT=$("$CO_RANGE" copy --json "$@" "$src" "$dst" 0:0:eof 2>"$FS_ERRF") ||
		why "copyoffload copy failed: $(tail -n 2 "$FS_ERRF")"
	copy_check "$src" "$dst" "$method" range
	want_witness "$src" "$method"
	case_end
}

# want_witness SRC METHOD: for NVMe Copy, the namespace's counters say so:
# commands and bytes counted, and less written through the block layer
# than 1 MiB plus 1/8 of the file (the filesystem's metadata; a copy by
# the host writes all of it)
want_witness() {
	local data written cmds
	[ "$2" = nvme_copy ] || return 0
	data=$(($(stat -c %b "$1") * 512))
	cmds=$(delta "$NS" nvme_commands)
	[ "$cmds" -gt 0 ] || why "no NVMe Copy command counted"
	[ "$(delta "$NS" nvme_bytes)" -ge $((data - 65536)) ] ||
		why "nvme_bytes moved by $(delta "$NS" nvme_bytes) for $data data bytes"
	written=$(($(delta "$NS" written) * 512))
	[ "$written" -le $((MiB + data / 8)) ] ||
		why "$written bytes written through the block layer for $data"
	echo "# $CASE: $cmds commands, $(delta "$NS" nvme_ranges) source ranges, $written bytes through the block layer"
}

# ---- DEVINFO and SET_NVME ---------------------------------------------------
NS=$NS0
nsid=$(cat "/sys/block/${NS0#/dev/}/nsid")
devinfo "$NS0"
check_match "$P/devinfo/namespace" "^transport=2 nsid=$nsid " "$DI"
# The module forgets a namespace's limits only when it is unloaded, and
# in the suite nvme-setup.sh hands them over before this script: reload it
# for the no-limits case
if [[ $DI != *" ncaps=0x0 "* ]] && rmmod copyoffload && modprobe copyoffload
then
	devinfo "$NS0"
fi
no_limits=0
[[ $DI == *" ncaps=0x0 "* ]] && no_limits=1

devinfo - < "$NS0"
case_start "$P/set/unprivileged"
DI=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
	python3 "$DEVINFO" --set "$LIMITS" - < "$NS0" 2>&1)
want_eq "unprivileged SET_NVME" EPERM "$DI"
devinfo --set "$LIMITS" --flags 3 "$NS0"
want_eq "SET_NVME with REFRESH" EINVAL "$DI"
devinfo --set "$LIMITS" --size 144 "$NS0"
want_eq "SET_NVME in a version 1 structure" EINVAL "$DI"
devinfo --set "$LIMITS" --nsid 1 "$NS0"
want_eq "SET_NVME with an nsid" EINVAL "$DI"
devinfo --set "$LIMITS" --reserved 1 "$NS0"
want_eq "SET_NVME with a reserved byte" EINVAL "$DI"
devinfo --set "0,$MCL,$MSSRL,$MSRC" "$NS0"
want_eq "SET_NVME: limits without Copy" EINVAL "$DI"
devinfo --set "1,0,$MSSRL,$MSRC" "$NS0"
want_eq "SET_NVME: Copy with MCL 0" EINVAL "$DI"
devinfo --set "1,$MCL,0,$MSRC" "$NS0"
want_eq "SET_NVME: Copy with MSSRL 0" EINVAL "$DI"
devinfo --set "$((1 << 16 | 1)),$MCL,$MSSRL,$MSRC" "$NS0"
want_eq "SET_NVME: an out-only cap" EINVAL "$DI"
case_end
case_start "$P/set/enodev"
devinfo --set "$LIMITS" /dev/shm
want_eq "SET_NVME on tmpfs" ENODEV "$DI"
for l in ${COPYOFFLOAD_LUNS:-}; do
	case $l in /dev/sd*)
		devinfo --set "$LIMITS" "$l"
		want_eq "SET_NVME on the SCSI LUN $l" ENODEV "$DI" ;;
	esac
done
case_end

# ---- no limits: no NVMe Copy, counted ---------------------------------------
mkfs_on "$NS0" xfs || { fail "$P/mkfs" "mkfs.xfs $NS0"; exit 1; }
random_file "$MNT/src" $((SIZE_MIB * 1024))
if [ "$no_limits" = 1 ]; then
	cp_case "no-limits/falls-back" "$MNT/src" "$MNT/nolimits" kernel \
		--reflink=never
	case_start "$P/no-limits/counted"
	[ "$(delta "$NS0" fallback_device)" -ge 1 ] ||
		why "fallback_device did not move"
	out=$("$CO_RANGE" info "$NS0" 2>&1)
	[[ $out == *"nvme copy offload: no: "*nvme-setup* ]] ||
		why "copyoffload info does not say why: $out"
	case_end
else
	skip "$P/no-limits" "$NS0 has limits and the module could not be reloaded to forget them"
fi
umount "$MNT"

# the tools' nvme-setup reads Identify and hands the limits over
case_start "$P/set/nvme-setup"
nvme_setup "$NS0" "$NS1" ||
	why "copyoffload nvme-setup failed: $NVME_SETUP_OUT"
devinfo "$NS0"
want_eq "DEVINFO after SET_NVME" \
	"transport=2 nsid=$nsid ncaps=0x10001 mcl=$MCL mssrl=$MSSRL msrc=$MSRC" \
	"${DI% status=*}"
out=$("$CO_RANGE" info "$NS0" 2>&1)
[[ $out == *"nvme mcl: $MCL blocks"*"nvme copy offload: yes"* ]] ||
	why "copyoffload info: $out"
case_end

# ---- copies on one namespace --------------------------------------------------
for fs in xfs ext4; do
	for layout in disk part; do
		t=$fs-$layout
		mkfs_on "$NS0" "$fs" "$layout" || { fail "$P/$t/mkfs" "mkfs $fs"; continue; }
		random_file "$MNT/src" $((SIZE_MIB * 1024))
		fragmented "$MNT/frag" 8
		sync
		c0=$(counter nvme_commands "$NS0")
		if [ "$fs" = xfs ]; then
			cp_case "$t/fresh" "$MNT/src" "$MNT/fresh" nvme_copy \
				--reflink=never
			mark=$(stat -c %s "$TRACE" 2>/dev/null || echo 0)
			cp_case "$t/fragmented" "$MNT/frag" "$MNT/frag.copy" \
				nvme_copy --reflink=never
			case_start "$P/$t/fragmented/extents-per-command"
			cmds=$(delta "$NS0" nvme_commands) rgs=$(delta "$NS0" nvme_ranges)
			[ "$rgs" -gt "$cmds" ] ||
				why "$rgs source ranges in $cmds commands: never several extents in one"
			want_eq "allocated blocks (holes kept)" \
				"$(stat -c %b "$MNT/frag")" "$(stat -c %b "$MNT/frag.copy")"
			case_end
			if [ -r "$TRACE" ]; then
				case_start "$P/$t/fragmented/trace"
				for _ in $(seq 100); do
					got=$(tail -c +$((mark + 1)) "$TRACE" | grep -c "pci_nvme_io_cmd .*nsid 0x$nsid .*opc 0x19 ")
					[ "$got" -ge "$cmds" ] && break
					sleep 0.2
				done
				want_eq "Copy commands in QEMU's trace" "$cmds" "$got"
				case_end
			fi
		else
			# ext4 has no way to give a fresh file written blocks on
			# this kernel (no FALLOC_FL_WRITE_ZEROES): the host copies
			cp_case "$t/fresh-falls-back" "$MNT/src" "$MNT/fresh" \
				kernel --reflink=never
		fi
		head -c $((SIZE_MIB * MiB)) /dev/zero > "$MNT/pre"
		range_case "$t/written-destination" "$MNT/src" "$MNT/pre" \
			nvme_copy --offload=nvme
		case_start "$P/$t/commands"
		c1=$(counter nvme_commands "$NS0")
		# MCL blocks of 512 bytes at most per command
		[ $((c1 - c0)) -ge $((SIZE_MIB * MiB / (MCL * 512))) ] ||
			why "$((c1 - c0)) commands for $SIZE_MIB MiB with MCL $MCL"
		case_end
		after_remount "$P/$t" "$fs" "$BDEV" src:pre
	done
done

# ---- wrong limits: harmless ---------------------------------------------------
# QEMU 7.2 does not enforce MCL: a larger MCL and MSRC let the engine send
# more source ranges than the device takes (Command Size Limit Exceeded);
# a larger MSSRL, longer ranges (Internal Error).  Each refused command
# sends its range to the kernel copy, counted; the bytes are right.
mkfs_on "$NS0" xfs || { fail "$P/wrong/mkfs" "mkfs.xfs"; exit 1; }
# many extents and no hole: one data run, more extents than MSRC+1 allows
fragmented "$MNT/frag" 8
python3 - "$MNT/frag" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
pos, size = 0, os.fstat(fd).st_size
while pos < size:
    hole = os.lseek(fd, pos, os.SEEK_HOLE)
    if hole >= size:
        break
    try:
        data = os.lseek(fd, hole, os.SEEK_DATA)
    except OSError:
        data = size
    os.pwrite(fd, os.urandom(data - hole), hole)
    os.fsync(fd)
    pos = data
PY
random_file "$MNT/src" $((SIZE_MIB * 1024))
sync
# wrong_case NAME LIMITS SRC COUNTER
wrong_case() {
	local name=$1
	case_start "$P/wrong-limits/$name"
	set_limits "$NS0" "$2"
	snap "$NS0"
	CO_OUT=$("$CO_CP" --json --reflink=never "$3" "$MNT/$name" 2>"$FS_ERRF") ||
		why "copyoffload-cp failed: $(tail -n 2 "$FS_ERRF")"
	[ "$(delta "$NS0" "$4")" -ge 1 ] || why "$4 did not move"
	echo 3 > /proc/sys/vm/drop_caches
	# (no block count compared: xfs counts a many-extent source's
	# extent tree blocks in st_blocks, which the copy needs fewer of)
	want "bytes differ after dropping caches" same_bytes "$3" "$MNT/$name"
	echo "# $CASE: $4 +$(delta "$NS0" "$4"), $(delta "$NS0" nvme_commands) commands succeeded"
	case_end
}
wrong_case msrc "1,65535,$MSSRL,63" "$MNT/frag" fallback_limits
wrong_case mssrl "1,$MCL,$((MSSRL * 4)),$MSRC" "$MNT/src" fallback_target

# Honest partial results: three data runs of 1 MiB between holes (each
# Copy takes one run: 8 ranges of MSSRL, within the real MSRC), then one
# of 4 MiB (32 ranges: over it, refused) with MSRC and MCL handed in too
# large.  The per-range report counts as nvme_copy exactly what the
# Copies that succeeded wrote (the module's nvme_bytes), the kernel
# copies the rest, the bytes are right.
case_start "$P/wrong-limits/partial"
python3 - "$MNT/half" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
for i in range(3):
    os.pwrite(fd, os.urandom(1 << 20), i * (2 << 20))
    os.fsync(fd)
os.pwrite(fd, os.urandom(4 << 20), 6 << 20)
os.close(fd)
PY
sync
set_limits "$NS0" "1,65535,$MSSRL,63"
snap "$NS0"
CO_OUT=$("$CO_CP" --json --reflink=never "$MNT/half" "$MNT/half.copy" 2>"$FS_ERRF") ||
	why "copyoffload-cp failed: $(tail -n 2 "$FS_ERRF")"
python3 -c '
import json, sys
o = json.loads(sys.argv[1].splitlines()[0])
m = o.get("methods") or o.get("method_bytes") or {}
nv, k = m.get("nvme_copy", m.get("method6", 0)), m.get("kernel", 0)
if not nv or k <= 65536:
    sys.exit("methods %s: not a partial NVMe Copy" % m)
if nv != int(sys.argv[2]):
    sys.exit("nvme_copy %d bytes reported, %s written by the Copies" % (nv, sys.argv[2]))
' "$CO_OUT" "$(delta "$NS0" nvme_bytes)" 2>"$FS_ERRF" || why "$(<"$FS_ERRF")"
[ "$(delta "$NS0" fallback_limits)" -ge 1 ] || why "fallback_limits did not move"
echo 3 > /proc/sys/vm/drop_caches
want "bytes differ after dropping caches" same_bytes "$MNT/half" "$MNT/half.copy"
echo "# $CASE: $(delta "$NS0" nvme_commands) commands, $(delta "$NS0" nvme_bytes) bytes by NVMe Copy, then the kernel"
case_end
set_limits "$NS0" "$LIMITS"

# ---- no Copy on the namespace, and --no-fallback -----------------------------
case_start "$P/no-copy/no-fallback"
set_limits "$NS0" "0,0,0,0"
head -c $((4 * MiB)) /dev/urandom > "$MNT/keep"
sync
sum=$(md5sum < "$MNT/keep")
snap "$NS0"
out=$("$CO_RANGE" copy --no-fallback "$MNT/src" "$MNT/keep" 0:0:4M 2>&1)
[[ $out == *"range 0: "*EOPNOTSUPP* ]] || why "no clear error: $out"
[ "$(delta "$NS0" fallback_device)" -ge 1 ] || why "fallback_device did not move"
echo 3 > /proc/sys/vm/drop_caches
[ "$(md5sum < "$MNT/keep")" = "$sum" ] ||
	why "the destination changed although nothing was copied"
case_end
set_limits "$NS0" "$LIMITS"
umount "$MNT"
fs_check "$P/wrong-limits" xfs "$NS0"

# ---- two namespaces: refused, counted -------------------------------------
if ! mkfs_on "$NS0" xfs || ! M0=$MNT || ! mkfs_on "$NS1" xfs; then
	fail "$P/cross-namespace/mkfs" "mkfs"
	exit 1
fi
M1=$MNT
random_file "$M0/src" $((4 * 1024))
NS=$NS1
cp_case "cross-namespace/falls-back" "$M0/src" "$M1/copy" kernel --reflink=never
case_start "$P/cross-namespace/counted"
[ "$(delta "$NS1" fallback_cross_namespace)" -ge 1 ] ||
	why "fallback_cross_namespace did not move"
case_end
umount "$M0" "$M1"

done_testing
