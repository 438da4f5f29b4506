#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Discovery (COPYOFFLOAD_IOC_DEVINFO through `copyoffload info PATH`): what
# the module reports of a LUN must equal what sg3_utils reads from it
# independently; partitions and filesystems resolve to the whole disk; a
# target without 3PC, a loop device and tmpfs are told apart.
. "$(dirname "$0")/../lib.sh"

read -r -a luns <<< "${COPYOFFLOAD_LUNS:-}"
lun=${luns[0]} lun1=${luns[1]}
info() { "$CO_TOOLS/copyoffload" info --json "$@" 2>&1; }
# field JSON KEY: one value of a JSON object, lists space-separated
field() {
	/usr/bin/python3 -c 'import json,sys
v = json.loads(sys.argv[1])[sys.argv[2]]
print(" ".join(v) if isinstance(v, list) else v)' "$1" "$2" 2>/dev/null
}

# check_same NAME INDEPENDENT MODULE: the module's value equals what an
# independent client (sg3_utils) read, which must have read something: two
# empty answers are no agreement
check_same() {
	if [ -z "${2// /}" ]; then
		fail "$1" "the independent client read nothing (module: '$3')"
	else
		check_eq "$@"
	fi
}

j=$(info "$lun")
check_eq "discover/lun-caps" "scsi 3pc naa xcopy_lid1" "$(field "$j" caps)"

naa=$(sg_vpd -p di "$lun" 2>/dev/null | grep -A1 "designator type: NAA" |
      tail -n 1 | tr -d ' ' | sed 's/^0x//')
check_same "discover/naa-matches-sg_vpd" "$naa" "$(field "$j" naa)"

# RECEIVE COPY RESULTS as sg_copy_results decodes it.
rcr=$(sg_copy_results --params "$lun" 2>/dev/null)
want() { echo "$rcr" | sed -n "s/.*$1: *\([0-9]*\).*/\1/p" | head -n 1; }
check_same "discover/max-cscd-matches-sg_copy_results" \
	"$(want 'Maximum target descriptor count')" "$(field "$j" max_cscd_descriptors)"
check_same "discover/max-segments-matches-sg_copy_results" \
	"$(want 'Maximum segment descriptor count')" "$(field "$j" max_segment_descriptors)"
check_same "discover/max-segment-length-matches-sg_copy_results" \
	"$(want 'Maximum segment length')" "$(field "$j" max_segment_length)"

# A partition and a file on its filesystem resolve to the whole disk.
sfdisk -q "$lun" <<< $'2048,409600\n411648,\n' >/dev/null 2>&1
blockdev --rereadpt "$lun" >/dev/null 2>&1
mkdir -p /dev/block
for b in /sys/class/block/*; do
	ln -sfn "../$(basename "$b")" "/dev/block/$(cat "$b/dev")"
done
part=${lun}2
if [ -b "$part" ] && mkfs.xfs -q -f "$part" && mkdir -p /mnt/disc &&
   mount "$part" /mnt/disc; then
	echo data > /mnt/disc/f
	jf=$(info /mnt/disc/f)
	check_same "discover/file-on-partition-disk" "$(field "$j" disk)" "$(field "$jf" disk)"
	check_eq "discover/file-on-partition-start" 411648 "$(field "$jf" start_sect)"
	check_eq "discover/file-on-partition-caps" "scsi 3pc naa xcopy_lid1" "$(field "$jf" caps)"
	umount /mnt/disc
else
	fail "discover/file-on-partition" "cannot partition and mount $lun"
fi
wipefs -q -a "$lun" 2>/dev/null
blockdev --rereadpt "$lun" >/dev/null 2>&1

# A target with emulate_3pc=0: refresh sees it (INQUIRY is sent afresh).
bs=$(lio_backstore "$lun1")
echo 0 > "$bs/attrib/emulate_3pc"
check_eq "discover/no-3pc-after-refresh" "scsi naa" \
	"$(field "$(info --refresh "$lun1")" caps)"
echo 1 > "$bs/attrib/emulate_3pc"
check_eq "discover/3pc-again-after-refresh" "scsi 3pc naa xcopy_lid1" \
	"$(field "$(info --refresh "$lun1")" caps)"

# Not SCSI: a loop device; no block device at all: tmpfs.
img=$(mktemp /tmp/disc.XXXXXX)
truncate -s 64M "$img"
modprobe loop
if loop=$(losetup -f --show "$img") && [ -b "$loop" ]; then
	jl=$(info "$loop")
	check_eq "discover/loop-disk" "7:" "$(field "$jl" disk | cut -c1-2)"
	check_eq "discover/loop-not-scsi" "" "$(field "$jl" caps)"
	losetup -d "$loop"
else
	fail "discover/loop-not-scsi" "no loop device"
fi
if out=$(info "$img"); then
	fail "discover/tmpfs-enodev" "answered: $out"
else
	case $out in *ENODEV*|*"No such device"*) pass "discover/tmpfs-enodev" ;;
	*) fail "discover/tmpfs-enodev" "$out" ;; esac
fi
rm -f "$img"

# --refresh is for root only: it sends commands to the device.
if out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$CO_TOOLS/copyoffload" info --refresh "$lun" 2>&1); then
	fail "discover/refresh-needs-cap" "an unprivileged refresh answered"
else
	case $out in *EPERM*|*"not permitted"*|*"Permission denied"*) pass "discover/refresh-needs-cap" ;;
	*) fail "discover/refresh-needs-cap" "$out" ;; esac
fi

# The Third Party Copy VPD page (0x8F), read from the ODX test target
# (tests/odx): its ROD token copies are seen, as sg_vpd decodes the page;
# LIO has no such page.
. "$CO_TOP/tests/odx/lib.sh"
odx_require discover/odx
jo=$(info "$ODX0")
if sg_vpd -p tpc "$ODX0" 2>/dev/null | grep -qi "ROD token"; then
	check_eq "discover/odx-caps" "scsi 3pc naa tpc_vpd rod_tokens" "$(field "$jo" caps)"
else
	fail "discover/odx-caps" "sg_vpd decodes no ROD token limits from $ODX0"
fi
check_eq "discover/odx-probe-status" 0 "$(field "$jo" probe_status)"

# Its Block Device ROD Token Limits, as sg_vpd decodes them.
tpc=$(sg_vpd -p tpc "$ODX0" 2>/dev/null)
rod() { echo "$tpc" | sed -n "s/^ *$1: *\([0-9]*\).*/\1/p" | head -n 1; }
check_same "discover/odx-rod-limits-match-sg_vpd" \
	"$(rod 'Maximum range descriptors') $(rod 'Maximum inactivity timeout') $(rod 'Default inactivity timeout') $(rod 'Maximum token transfer size') $(rod 'Optimal transfer count')" \
	"$(for k in rod_max_ranges rod_max_inactivity rod_default_inactivity rod_max_token_blocks rod_optimal_blocks; do field "$jo" "$k"; done | xargs)"

# The structure's sizes: below VER0 is refused; VER0 callers get VER0
# bytes and nothing after them; VER1 gets the ROD limits, a size between
# versions as much as it holds, VER2 the transport (1: SCSI); a larger
# caller gets what the module knows, unless its tail is not zero; none is
# larger than a page (E2BIG, as openat2 and clone3).
sizes=$(/usr/bin/python3 - "$ODX0" <<'PY'
import errno, fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
dev = os.open("/dev/copyoffload", os.O_RDWR)
IOC = (3 << 30) | (112 << 16) | (0xC5 << 8) | 0x02
out = []
for size, tail in ((111, 0), (112, 0), (144, 0), (160, 0), (280, 0),
                   (296, 0), (296, 1), (4104, 0)):
    buf = bytearray(size + 16)
    buf[size:] = b"\xaa" * 16
    struct.pack_into("<Ii", buf, 0, size, fd)
    if tail:
        buf[size - 1] = 1
    try:
        fcntl.ioctl(dev, IOC, buf)
    except OSError as e:
        out.append("%d:%s" % (size, errno.errorcode[e.errno]))
        continue
    past = buf[size:] == b"\xaa" * 16
    rod = struct.unpack_from("<H", buf, 112)[0] if size >= 144 else "-"
    tp = struct.unpack_from("<I", buf, 144)[0] if size >= 280 else "-"
    out.append("%d:%d:%s:%s:%s" % (size, struct.unpack_from("<I", buf)[0],
                                   rod, tp, "kept" if past else "overwritten"))
print(" ".join(out))
PY
)
mr=$(rod 'Maximum range descriptors')
check_eq "discover/devinfo-sizes" \
	"111:EINVAL 112:112:-:-:kept 144:144:$mr:-:kept 160:160:$mr:-:kept 280:280:$mr:1:kept 296:280:$mr:1:kept 296:E2BIG 4104:E2BIG" \
	"$sizes"
check_eq "discover/lio-no-tpc-vpd" "scsi 3pc naa xcopy_lid1" "$(field "$(info "$lun")" caps)"

done_testing
