#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# odx-target.sh: tests/odx/odx-target, our ODX-capable test target, checked
# against clients we did not write: sg_inq and sg_vpd read its identity and
# Third Party Copy page, ddpt and ddptctl copy and zero through tokens (cmp
# after dropping caches says whether the bytes are right, the target's own
# counters whether they crossed the host), sg_raw sends spec-layout
# commands and shows the sense of each fault knob, and xfs and ext4 live on
# its LUNs.  Runs in the guest (tests/vm/run --odx, or any guest: it sets
# the target up itself beside the LIO LUNs).
. "$(dirname "$0")/../lib.sh"
. "$CO_TOP/tests/odx/lib.sh"

P=odx
odx_require "$P"
tools_scratch T
MiB=$((1024 * 1024))

# sense_of OUTPUT: "Key: ASC text" lines of sg3_utils/ddpt output, one line
sense_of() {
	grep -iE "sense key|additional sense|sense:" <<<"$1" | tr '\n' ' '
}

# hexbin HEX...: binary bytes from hex pairs on stdout
hexbin() {
	local h
	for h in $*; do printf "\\x$h"; done
}

# be HEX_WIDTH VALUE: VALUE as big-endian hex pairs
be() {
	printf "%0${1}x" "$2" | sed 's/../& /g'
}

# bytes FILE OFF LEN: LEN bytes of FILE from OFF as one decimal number
bytes() {
	local v=0 b
	for b in $(od -An -tu1 -v -j "$2" -N "$3" "$1"); do
		v=$((v * 256 + b))
	done
	echo "$v"
}

# ---- identity -------------------------------------------------------------
check_match "$P/inquiry/3pc" '3PC=1' "$(sg_inq "$ODX0" 2>&1)"
vpd=$(sg_vpd -p tpc "$ODX0" 2>&1)
check_match "$P/vpd-tpc/bdrtl" 'Maximum range descriptors: 64' "$vpd"
missing=
for w in 'Populate token' 'Write using token' 'Receive ROD token information' \
	 'point in time copy - change vulnerable' 'block device zero' \
	 'ROD token features' 'Maximum Bytes in block ROD'; do
	grep -qi "$w" <<<"$vpd" || missing+=" '$w'"
done
check_eq "$P/vpd-tpc/descriptors" "" "$missing"
naa0=$(sg_vpd -p di "$ODX0" 2>&1 | grep -o '0x6[0-9a-f]\{31\}' | head -n 1)
naa1=$(sg_vpd -p di "$ODX1" 2>&1 | grep -o '0x6[0-9a-f]\{31\}' | head -n 1)
if [ -n "$naa0" ] && [ -n "$naa1" ] && [ "$naa0" != "$naa1" ]; then
	pass "$P/vpd-di/naa6-per-lun"
else
	fail "$P/vpd-di/naa6-per-lun" "NAA '$naa0' and '$naa1'"
fi
check_match "$P/rsoc" 'Write using token' "$(sg_opcodes "$ODX0" 2>&1)"

# ---- the spec layout, by hand (sg_raw) --------------------------------------
# POPULATE TOKEN of LBA 0+2048 on ODX0 (list id 9, inactivity timeout
# 600 s: a loaded TCG guest can take more than the default 30 s between
# two commands), RRTI, then WRITE USING TOKEN of it to LBA 4096 of ODX1
# (list id 10).
odx_knobs
head -c $((2 * MiB)) /dev/urandom | dd of="$ODX0" bs=1M oflag=direct status=none
hexbin 00 1e 00 00 00 00 02 58 00 00 00 00 00 00 00 10 \
	$(be 16 0) $(be 8 2048) 00 00 00 00 > "$T/pt"
out=$(sg_raw -s 32 -i "$T/pt" "$ODX0" 83 10 00 00 00 00 00 00 00 09 00 00 00 20 00 00 2>&1)
check_match "$P/raw/pt" 'SCSI Status: Good' "$out"
sg_raw -r 1024 -o "$T/rrti" "$ODX0" 84 07 00 00 00 09 00 00 00 00 00 00 04 00 00 00 >/dev/null 2>&1
off=$((32 + $(bytes "$T/rrti" 13 1)))
got="status=$(bytes "$T/rrti" 5 1) tc=$(bytes "$T/rrti" 16 8) units=$(bytes "$T/rrti" 15 1)"
got+=" toklen=$(bytes "$T/rrti" "$off" 4) rodtype=$(bytes "$T/rrti" $((off + 6)) 4)"
check_eq "$P/raw/rrti" "status=1 tc=2048 units=241 toklen=514 rodtype=8388609" "$got"
dd if="$T/rrti" of="$T/token" bs=1 skip=$((off + 6)) count=512 status=none
{
	hexbin $(be 4 550) 00 00 00 00 00 00 $(be 16 0)
	cat "$T/token"
	hexbin 00 00 00 00 00 00 00 10 $(be 16 4096) $(be 8 2048) 00 00 00 00
} > "$T/wut"
out=$(sg_raw -s 552 -i "$T/wut" "$ODX1" 83 11 00 00 00 00 00 00 00 0a 00 00 02 28 00 00 2>&1)
check_match "$P/raw/wut" 'SCSI Status: Good' "$out"
drop_caches
check "$P/raw/wut-bytes" same_range "$ODX0" 0 "$ODX1" $((4096 * 512)) $MiB
# ddpt's layout (descriptors one byte early) must not be taken for the spec's
hexbin 00 1e 00 00 00 00 00 00 00 00 00 00 00 00 00 10 \
	00 00 00 00 00 00 00 $(be 8 131072) 00 00 00 00 00 > "$T/pt-shifted"
out=$(sg_raw -s 32 -i "$T/pt-shifted" "$ODX0" 83 10 00 00 00 00 00 00 00 0b 00 00 00 20 00 00 2>&1)
check_match "$P/raw/shifted-descriptors-rejected" 'Logical block address out of range' "$(sense_of "$out")"
out=$(sg_raw -r 1024 "$ODX0" 84 07 00 00 00 77 00 00 00 00 00 00 04 00 00 00 2>&1)
check_match "$P/raw/rrti-unknown-list-id" 'Invalid field in cdb' "$(sense_of "$out")"

# ---- ddpt ------------------------------------------------------------------
# ddpt <= 0.97 writes range descriptors one byte early (see odx.c); if this
# one does, the target is told to read them that way (odx_ddpt_quirk).
QUIRK=$(odx_ddpt_quirk "$ODX1")
[ -n "$QUIRK" ] &&
	echo "# $(ddpt --version 2>&1 | head -n 1): shifted range descriptors, using 'quirk ddpt'"
knobs() {	# knobs LINE...: odx_knobs, keeping the ddpt quirk if it is needed
	odx_knobs ${QUIRK:+"$QUIRK"} "$@"
}
knobs

# ddpt_ok NAME ARGS...: ddpt succeeds (its exit status, not its statistics)
ddpt_ok() {
	local name=$1 out
	shift
	if out=$(ddpt "$@" 2>&1); then
		pass "$name"
	else
		fail "$name" "ddpt $*: $(echo "$out" | grep -iv 'records\|retries\|errors' | tail -n 3 | tr '\n' ' ')"
	fi
}

dd if=/dev/urandom of="$ODX0" bs=1M count=16 oflag=direct status=none
drop_caches
r0=$(odx_stat "$ODX0" read) w1=$(odx_stat "$ODX1" write) c1=$(odx_stat "$ODX1" wut)
ddpt_ok "$P/ddpt/copy-across" --odx if="$ODX0" iflag=pt of="$ODX1" oflag=pt \
	bs=512 skip=0,32768 seek=0,32768
got="read=$(($(odx_stat "$ODX0" read) - r0)) write=$(($(odx_stat "$ODX1" write) - w1))"
got+=" wut=$(($(odx_stat "$ODX1" wut) - c1))"
check_eq "$P/ddpt/copy-across/offloaded" "read=0 write=0 wut=$((16 * MiB))" "$got"
drop_caches
check "$P/ddpt/copy-across/bytes" same_range "$ODX0" 0 "$ODX1" 0 $((16 * MiB))

ddpt_ok "$P/ddpt/copy-within" --odx if="$ODX0" iflag=pt of="$ODX0" oflag=pt \
	bs=512 skip=0,8192 seek=131072,4096,196608,4096
drop_caches
if same_range "$ODX0" 0 "$ODX0" $((64 * MiB)) $((2 * MiB)) &&
   same_range "$ODX0" $((2 * MiB)) "$ODX0" $((96 * MiB)) $((2 * MiB)); then
	pass "$P/ddpt/copy-within/bytes"
else
	fail "$P/ddpt/copy-within/bytes" "LUN 0's 0+4M differs from its copies at 64M, 96M"
fi

ddpt_ok "$P/ddpt/copy-gather" --odx if="$ODX0" iflag=pt of="$ODX1" oflag=pt \
	bs=512 skip=0,2048,8192,2048,16384,2048 seek=65536,6144
drop_caches
if same_range "$ODX0" 0 "$ODX1" $((32 * MiB)) $MiB &&
   same_range "$ODX0" $((4 * MiB)) "$ODX1" $((33 * MiB)) $MiB &&
   same_range "$ODX0" $((8 * MiB)) "$ODX1" $((34 * MiB)) $MiB; then
	pass "$P/ddpt/copy-gather/bytes"
else
	fail "$P/ddpt/copy-gather/bytes" "three PT ranges did not land in order"
fi

n1=$(odx_stat "$ODX1" wut_cmds)
ddpt_ok "$P/ddpt/rod-offsets" --odx if="$ODX0" iflag=pt of="$ODX1" oflag=pt \
	bs=512 bpt=16384,4096 skip=0,16384 seek=98304,16384
drop_caches
check "$P/ddpt/rod-offsets/bytes" same_range "$ODX0" 0 "$ODX1" $((48 * MiB)) $((8 * MiB))
check_eq "$P/ddpt/rod-offsets/wuts" 4 $(($(odx_stat "$ODX1" wut_cmds) - n1))

dd if=/dev/urandom of="$ODX1" bs=1M count=4 seek=80 oflag=direct status=none
z1=$(odx_stat "$ODX1" zero)
ddpt_ok "$P/ddpt/zero" if=/dev/null rtype=zero bs=512 of="$ODX1" oflag=pt \
	seek=163840,8192
drop_caches
check "$P/ddpt/zero/bytes" cmp -n $((4 * MiB)) -i $((80 * MiB)):0 "$ODX1" /dev/zero
check_eq "$P/ddpt/zero/counted" $((4 * MiB)) $(($(odx_stat "$ODX1" zero) - z1))

# ---- tokens (ddptctl: PT to a token file, WUT from it) ---------------------
# (-v: ddptctl prints the sense data of a failure, not only its category;
# --timeout: tokens outlive slow guests unless a knob says otherwise)
pt() {	# pt GL: populate a token from ODX0 into $T/tok
	ddptctl -v --timeout=600 --pt="$1" --rtf="$T/tok" "$ODX0" 2>&1
}
wut() {	# wut SL [ARGS...]: write $T/tok to ODX1
	local sl=$1
	shift
	ddptctl -v --wut="$sl" --rtf="$T/tok" "$@" "$ODX1" 2>&1
}

out=$(pt 0,2048)
check_match "$P/token/pt" 'PT completes with a transfer count of 2048' "$out"
dd if=/dev/urandom of="$ODX0" bs=512 count=1 seek=5000 oflag=direct status=none
out=$(wut 8192,2048)
check_match "$P/token/write-elsewhere-keeps-it" 'WUT completes with a transfer count of 2048' "$out"
dd if=/dev/urandom of="$ODX0" bs=512 count=1 seek=100 oflag=direct status=none
out=$(wut 8192,2048)
check_match "$P/token/write-to-source-revokes" 'token revoked' "$out"

out=$(pt 0,2048; dd if=/dev/urandom of="$ODX1" bs=512 count=1 seek=0 oflag=direct status=none; wut 16384,2048)
check_match "$P/token/write-to-other-lun-keeps-it" 'WUT completes with a transfer count of 2048' "$out"

pt 0,2048 >/dev/null
out=$(wut 20480,1024 --del_tkn; wut 24576,1024)
check_match "$P/token/del-tkn" 'token deleted' "$out"

knobs "token-timeout 1"
pt 0,2048 >/dev/null
sleep 2.5
out=$(wut 8192,2048)
check_match "$P/token/inactivity-timeout" 'token expired' "$out"
knobs
pt 0,2048 >/dev/null
knobs expire-tokens
out=$(wut 8192,2048)
check_match "$P/token/expire-knob" 'token expired' "$out"
out=$(pt 0,2048; wut 8192,2048 --oir=512)
check_match "$P/token/oir-past-rod-end" 'WUT completes with a transfer count of 1536' "$out"

# ---- partial transfers --------------------------------------------------------
knobs "wut-limit 1000"
dd if=/dev/zero of="$ODX1" bs=1M count=2 seek=40 oflag=direct status=none
pt 0,4096 >/dev/null
out=$(wut 81920,4096)
check_match "$P/partial/wut-transfer-count" 'WUT completes with a transfer count of 1000' "$out"
drop_caches
if same_range "$ODX0" 0 "$ODX1" $((40 * MiB)) $((1000 * 512)) &&
   cmp -s -n $((3096 * 512)) -i $((40 * MiB + 1000 * 512)):0 "$ODX1" /dev/zero; then
	pass "$P/partial/wut-wrote-only-that"
else
	fail "$P/partial/wut-wrote-only-that" "not exactly 1000 blocks written"
fi
knobs "pt-limit 100"
check_match "$P/partial/pt-transfer-count" 'PT completes with a transfer count of 100' "$(pt 0,4096)"

# ---- fault knobs --------------------------------------------------------------
knobs "fail op=read dev=$(odx_backstore "$ODX0") sense=3/11/00"
out=$(sg_raw -r 512 "$ODX0" 28 00 00 00 00 00 00 00 01 00 2>&1)
check_match "$P/fault/read-sense" 'Medium Error.*Unrecovered read error' "$(sense_of "$out")"
check_match "$P/fault/read-once" 'SCSI Status: Good' \
	"$(sg_raw -r 512 "$ODX0" 28 00 00 00 00 00 00 00 01 00 2>&1)"

knobs "fail op=wut nth=2 sense=4/44/00"
out=$(ddpt --odx if="$ODX0" iflag=pt of="$ODX1" oflag=pt bs=512 bpt=8192,2048 \
	skip=0,8192 seek=131072,8192 2>&1)
check_match "$P/fault/wut-nth-sense" 'Hardware Error.*Internal target failure' "$(sense_of "$out")"
drop_caches
check "$P/fault/wut-nth-first-done" same_range "$ODX0" 0 "$ODX1" $((64 * MiB)) $MiB
sg_raw -r 1024 -o "$T/rrti" "$ODX1" 84 07 00 00 01 01 00 00 00 00 00 00 04 00 00 00 >/dev/null 2>&1
check_eq "$P/fault/wut-rrti" "status=2 key=4 asc=68" \
	"status=$(bytes "$T/rrti" 5 1) key=$(($(bytes "$T/rrti" 34 1) & 15)) asc=$(bytes "$T/rrti" 44 1)"

knobs "fail op=pt sense=5/26/00"
check_match "$P/fault/pt-sense" 'Invalid field in parameter list' "$(pt 0,8)"

knobs "fail op=0x00 times=0 sense=2/04/01"
out=$(sg_raw "$ODX1" 00 00 00 00 00 00 2>&1; sg_raw "$ODX1" 00 00 00 00 00 00 2>&1)
check_match "$P/fault/tur-every-time" 'becoming ready.*becoming ready' "$(sense_of "$out")"

knobs "delay op=tur ms=1500"
start=$(date +%s%N)
sg_turs "$ODX1" >/dev/null 2>&1
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$ms" -ge 1400 ]; then
	pass "$P/fault/delay"
else
	fail "$P/fault/delay" "TEST UNIT READY took $ms ms"
fi
odx_knobs

# ---- EXTENDED COPY (the xcopy knob) ---------------------------------------------
# Served only with "xcopy SEGMENTS": RECEIVE COPY RESULTS reports the
# limits (SEGMENTS segment descriptors, 8 CSCDs, 0x02 and 0xE4), sg_xcopy
# and ddpt --xcopy (one segment a command, as LIO takes them) copy across
# the LUNs without a byte crossing the host, and a hand-made parameter
# list of several block-to-block segments (sg_raw) copies each of them;
# one more than SEGMENTS is TOO MANY SEGMENT DESCRIPTORS, an unknown NAA
# COPY TARGET DEVICE NOT REACHABLE, and a failing segment COPY ABORTED
# with the ones before it done and its index in the sense data.
odx_knobs
out=$(sg_raw -r 256 "$ODX0" 84 03 00 00 00 00 00 00 00 00 00 00 01 00 00 00 2>&1)
check_match "$P/xcopy/off-by-default" 'Invalid field in cdb' "$(sense_of "$out")"
odx_knobs "xcopy 4"
out=$(sg_copy_results -p "$ODX1" 2>&1)
check_match "$P/xcopy/rcr-segments" 'segment descriptor count: *4' "$out"
check_match "$P/xcopy/rcr-cscds" '(target|CSCD) descriptor count: *8' "$out"
check_match "$P/xcopy/rsoc" 'Extended copy' "$(sg_opcodes "$ODX0" 2>&1)"
check_match "$P/xcopy/vpd-tpc" 'Extended copy' "$(sg_vpd -p tpc "$ODX0" 2>&1)"

# naa DEV: DEV's NAA designator as 16 hex pairs
naa() {
	sg_vpd -p di "$1" 2>&1 | grep -o '0x6[0-9a-f]\{31\}' | head -n 1 |
		sed 's/^0x//; s/../& /g'
}
# cscd NAA: an identification CSCD descriptor (0xE4) for NAA, 512-byte blocks
cscd() {
	echo e4 00 00 00 01 03 00 10 "$@" 00 00 00 00 00 00 02 00
}
# seg SRC DST BLOCKS SLBA DLBA: a block-to-block segment descriptor (0x02)
seg() {
	echo 02 00 00 18 $(be 4 "$1") $(be 4 "$2") 00 00 $(be 4 "$3") \
		$(be 16 "$4") $(be 16 "$5")
}
# xcopy_raw DEV CSCDS SEGS...: EXTENDED COPY (LIST ID USAGE 11b) of SEGS
# (each a seg's hex) naming the CSCDS (hex), sent to DEV by sg_raw
xcopy_raw() {
	local dev=$1 cscds=$2 nc nseg s len
	shift 2
	nc=$(($(wc -w <<<"$cscds") / 32)) nseg=$#
	{
		hexbin 00 18 $(be 4 $((nc * 32))) 00 00 00 00 \
			$(be 8 $((nseg * 28))) 00 00 00 00
		hexbin $cscds
		for s in "$@"; do hexbin $s; done
	} > "$T/xcopy"
	len=$((16 + nc * 32 + nseg * 28))
	sg_raw -s "$len" -i "$T/xcopy" "$dev" 83 00 00 00 00 00 00 00 00 00 \
		$(be 8 "$len") 00 00 2>&1
}
N0=$(naa "$ODX0") N1=$(naa "$ODX1")
CSCDS="$(cscd $N0) $(cscd $N1)"

dd if=/dev/urandom of="$ODX0" bs=1M count=8 seek=200 oflag=direct status=none
drop_caches
r0=$(odx_stat "$ODX0" read) w1=$(odx_stat "$ODX1" write) x1=$(odx_stat "$ODX1" xcopy)
if out=$(sg_xcopy if="$ODX0" of="$ODX1" bs=512 skip=409600 seek=409600 \
	count=8192 2>&1); then
	pass "$P/xcopy/sg_xcopy"
else
	fail "$P/xcopy/sg_xcopy" "$(tail -n 2 <<<"$out" | tr '\n' ' ')"
fi
got="read=$(($(odx_stat "$ODX0" read) - r0)) write=$(($(odx_stat "$ODX1" write) - w1))"
got+=" xcopy=$(($(odx_stat "$ODX1" xcopy) - x1))"
check_eq "$P/xcopy/sg_xcopy/offloaded" "read=0 write=0 xcopy=$((4 * MiB))" "$got"
drop_caches
check "$P/xcopy/sg_xcopy/bytes" same_range "$ODX0" $((200 * MiB)) "$ODX1" $((200 * MiB)) $((4 * MiB))
ddpt_ok "$P/xcopy/ddpt" --xcopy if="$ODX0" of="$ODX1" bs=512 skip=417792 \
	seek=450560 count=8192
drop_caches
check "$P/xcopy/ddpt/bytes" same_range "$ODX0" $((204 * MiB)) "$ODX1" $((220 * MiB)) $((4 * MiB))

# three segments in one command: ODX0 -> ODX1 twice, ODX0 -> ODX0 once
dd if=/dev/zero of="$ODX1" bs=1M count=4 seek=240 oflag=direct status=none
c1=$(odx_stat "$ODX1" xcopy_cmds) s1=$(odx_stat "$ODX1" xcopy_segs)
out=$(xcopy_raw "$ODX1" "$CSCDS" "$(seg 0 1 2048 409600 491520)" \
	"$(seg 0 1 1024 413696 493568)" "$(seg 0 0 2048 409600 499712)")
check_match "$P/xcopy/raw/three-segments" 'SCSI Status: Good' "$out"
check_eq "$P/xcopy/raw/three-segments/counted" "cmds=1 segs=3" \
	"cmds=$(($(odx_stat "$ODX1" xcopy_cmds) - c1)) segs=$(($(odx_stat "$ODX1" xcopy_segs) - s1))"
drop_caches
if same_range "$ODX0" $((200 * MiB)) "$ODX1" $((240 * MiB)) $MiB &&
   same_range "$ODX0" $((202 * MiB)) "$ODX1" $((241 * MiB)) $((MiB / 2)) &&
   same_range "$ODX0" $((200 * MiB)) "$ODX0" $((244 * MiB)) $MiB; then
	pass "$P/xcopy/raw/three-segments/bytes"
else
	fail "$P/xcopy/raw/three-segments/bytes" "a segment's blocks are not where it put them"
fi
s=$(seg 0 1 8 409600 491520)
out=$(xcopy_raw "$ODX1" "$CSCDS" "$s" "$s" "$s" "$s" "$s")
check_match "$P/xcopy/raw/too-many-segments" 'Too many segment descriptors' "$(sense_of "$out")"
out=$(xcopy_raw "$ODX1" "$(cscd $N0) $(cscd 60 01 40 50 00 00 00 00 00 00 00 00 00 00 00 99)" "$s")
check_match "$P/xcopy/raw/unknown-naa" '[Cc]opy [Aa]borted.*not reachable' "$(sense_of "$out")"
out=$(xcopy_raw "$ODX1" "$CSCDS" "$(seg 0 1 8 409600 491520 | sed 's/^02/0a/')")
check_match "$P/xcopy/raw/segment-type" 'Unsupported segment descriptor type' "$(sense_of "$out")"

# the second of three segments fails: the first is done, the third not
odx_knobs "xcopy 4" "xcopy-fail-segment 2"
dd if=/dev/zero of="$ODX1" bs=1M count=4 seek=240 oflag=direct status=none
out=$(xcopy_raw "$ODX1" "$CSCDS" "$(seg 0 1 2048 409600 491520)" \
	"$(seg 0 1 2048 411648 493568)" "$(seg 0 1 2048 413696 495616)")
check_match "$P/xcopy/raw/failing-segment" '[Cc]opy [Aa]borted.*[Tt]hird party device failure' "$(sense_of "$out")"
drop_caches
if same_range "$ODX0" $((200 * MiB)) "$ODX1" $((240 * MiB)) $MiB &&
   cmp -s -n $((2 * MiB)) -i $((241 * MiB)):0 "$ODX1" /dev/zero; then
	pass "$P/xcopy/raw/failing-segment/before-it-done"
else
	fail "$P/xcopy/raw/failing-segment/before-it-done" "not exactly the first segment copied"
fi
odx_knobs

# ---- file systems ---------------------------------------------------------------
fs_roundtrip() {	# fs_roundtrip FSTYPE DEV
	local mnt=$T/mnt-$1
	mkdir -p "$mnt"
	case $1 in
	xfs)	mkfs.xfs -q -f "$2" ;;
	ext4)	mkfs.ext4 -q -F "$2" ;;
	esac || return 1
	mount "$2" "$mnt" || return 1
	random_file "$T/data" 8192
	cp "$T/data" "$mnt/data" && sync || { umount "$mnt"; return 1; }
	umount "$mnt" && drop_caches && mount "$2" "$mnt" || return 1
	cmp -s "$T/data" "$mnt/data"
	local rc=$?
	umount "$mnt"
	return $rc
}
check "$P/fs/xfs" fs_roundtrip xfs "$ODX0"
check "$P/fs/ext4" fs_roundtrip ext4 "$ODX1"

faults=$(grep -c 'fault:' "$ODX_STATE/log")
echo "# odx-target: $faults injected faults; stats: $(tr '\n' ';' < "$ODX_STATE/stats")"

done_testing
