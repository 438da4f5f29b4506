#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Storage offload with ODX: file copies on xfs and ext4 on the LUNs of
# tests/odx/odx-target become POPULATE TOKEN / WRITE USING TOKEN commands
# sent by the module, and the data does not cross the host; every fault
# knob of the target ends in a right copy (a retry, a new token or the
# kernel fallback) or, with --no-fallback, in EOPNOTSUPP with the bytes
# reported done right and nothing else written.  EXTENDED COPY with the
# target's xcopy knob: several segment descriptors a command when it
# reports so, fewer commands, and no segment of a failed command counted.
# Then the choice of the engine: --offload=odx|xcopy|none on both kinds of
# LUN and the module parameter offload_engine.
#
# Witnesses, for every copy: cmp after dropping the caches (and after a
# remount); the target's statistics (read/write: bytes that crossed the
# host, which may only be the filesystem's metadata, 1 MiB + 1/8 of the
# file as in xcopy.sh; wut: bytes the target copied; pt, wut_cmds, rrti:
# the commands, per LU); the module's counters (odx_bytes, odx_tokens,
# odx_commands, fallback_*) globally and for the destination disk; the
# bytes per method that copyoffload-cp --json and copyoffload copy --json
# report.  Independent checks: ddpt reads the copied LBAs, sg_vpd still
# decodes the target's Third Party Copy page, xfs_repair -n and e2fsck -fn.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
FS_OFFLOAD=	# the module chooses the engine unless a case says otherwise
# shellcheck source=tests/guest/fslib.sh
. "$(dirname "$0")/fslib.sh"
# shellcheck source=tests/odx/lib.sh
. "$CO_TOP/tests/odx/lib.sh"

P=odx-engine
CO_SYS=/sys/kernel/copyoffload
PARAM=/sys/module/copyoffload/parameters/offload_engine
if [ ! -c /dev/copyoffload ]; then
	fail "$P/setup" "no /dev/copyoffload: the module is not loaded"
	exit 1
fi
info=$("$CO_RANGE" info 2>&1)
if [[ $info != *"features:"*" odx"* ]]; then
	fail "$P/setup" "the module has no ODX engine: $(grep -m1 features <<<"$info")"
	exit 1
fi
odx_require "$P"
odx_knobs
tools_scratch T
CO_CLEANUP+=("odx_knobs" "echo auto > $PARAM" "umount /mnt/${ODX0##*/}"
	     "umount /mnt/${ODX1##*/}")
N0=$(odx_backstore "$ODX0")
N1=$(odx_backstore "$ODX1")

# ---- witnesses --------------------------------------------------------------

declare -A B A MB
# snap ARRAY: into the associative array ARRAY, the module's counters
# (NAME globally, disk.NAME for the destination disk DDISK, MAJ:MIN) and
# the target's statistics: s0.FIELD for ODX0's LU, s1.FIELD for ODX1's,
# t.FIELD their sum
snap() {
	local -n _snap=$1
	local f k v
	declare -A st
	odx_stats_all st
	_snap=()
	for k in "${!st[@]}"; do
		case $k in
		"$N0".*)	_snap["s0.${k#*.}"]=${st[$k]} ;;
		"$N1".*)	_snap["s1.${k#*.}"]=${st[$k]} ;;
		*)		continue ;;
		esac
		_snap["t.${k#*.}"]=$((${_snap["t.${k#*.}"]:-0} + ${st[$k]}))
	done
	for f in "$CO_SYS"/*; do
		[ -f "$f" ] && read -r v < "$f" && _snap[${f##*/}]=$v
	done
	for f in "$CO_SYS/disks/${DDISK:-none}"/*; do
		[ -f "$f" ] && read -r v < "$f" && _snap["disk.${f##*/}"]=$v
	done
}

# d KEY: how much KEY (a key of snap) grew from snapshot B to A
d() {
	echo $((${A[$1]:-0} - ${B[$1]:-0}))
}

# want_d KEY VALUE: the case fails unless KEY grew by VALUE
want_d() {
	local v
	v=$(d "$1")
	[ "$v" = "$2" ] || why "$1 grew by $v, not $2"
}

# want_reason REASON...: one of the fallback_REASON counters grew
want_reason() {
	local r n=0 seen=
	for r in "$@"; do
		n=$((n + $(d "fallback_$r")))
	done
	[ "$n" -gt 0 ] && return
	for r in "${!A[@]}"; do
		[[ $r == fallback_* ]] && [ "$(d "$r")" != 0 ] && seen+=" ${r#fallback_}"
	done
	why "no fallback counted as $* (counted:${seen:- none})"
}

# dest_disk DEV: the destination disk for snap's disk.* keys
dest_disk() {
	DDISK=$(<"/sys/block/${1##*/}/dev")
}

# copy_with cp|range ARG...: a copy between snapshots B and A, by
# copyoffload-cp --json ARG... or copyoffload copy --json ARG... (through
# fslib's cp_run and co: CO_RC, CO_OUT, CO_ERR); then BYTES (bytes done),
# ERRNO, MB[METHOD] (bytes per method) and MS (milliseconds) from it
copy_with() {
	local tool=$1 t0
	shift
	sync
	snap B
	t0=${EPOCHREALTIME/./}
	if [ "$tool" = cp ]; then
		cp_run "$@"
	else
		co copy --json "$@"
	fi
	MS=$(((${EPOCHREALTIME/./} - t0) / 1000))
	snap A
	parse_result
}

# parse_result: BYTES, ERRNO and MB from the first line of CO_OUT (both
# tools' JSON); the case fails if the library did the work without the
# module
parse_result() {
	local line=${CO_OUT%%$'\n'*} kv kvs
	local re_b='"(bytes|bytes_done)":([0-9]+)' re_e='"errno":"([A-Z0-9]+)"'
	local re_m='"(methods|method_bytes)":\{([^}]*)\}'
	BYTES='' ERRNO=''
	MB=()
	# copyoffload-cp's objects have a type, copyoffload copy's do not
	COPY_TOOL=range
	[[ $line == *'"type":"file"'* ]] && COPY_TOOL=cp
	[[ $line =~ $re_b ]] && BYTES=${BASH_REMATCH[2]}
	[[ $line =~ $re_e ]] && ERRNO=${BASH_REMATCH[1]}
	if [[ $line =~ $re_m ]]; then
		IFS=, read -ra kvs <<<"${BASH_REMATCH[2]//\"/}"
		for kv in "${kvs[@]}"; do
			MB[${kv%%:*}]=${kv#*:}
		done
	fi
	[[ $line == *'"no_module":true'* ]] &&
		why "the library worked without the module"
	[ -n "$BYTES" ] || why "no result: ${CO_OUT:-$CO_ERR}"
}

# methods: the bytes per method of the last copy, for messages
methods() {
	local m out=
	for m in "${!MB[@]}"; do out+=" $m=${MB[$m]}"; done
	echo "methods:${out:- none}"
}

# cp_tail: TAIL, the bytes copyoffload-cp copied apart as the file's last
# block (after the rest, never by storage offload, so that the size
# reaches the source's only with it: the kernel's, at most 64 KiB); 0 for
# the range tool
cp_tail() {
	TAIL=0
	[ "$COPY_TOOL" = cp ] || return 0
	TAIL=${MB[kernel]:-0}
	[ "$TAIL" -le 65536 ] ||
		why "the kernel copied $TAIL bytes, more than a last block ($(methods))"
}

# want_odx DATA SIZE [loose]: ODX alone made the copy of SIZE bytes, DATA
# of them data (the rest holes): odx's bytes, the module's odx_bytes
# (globally and for the destination disk) and the target's WUT bytes are
# DATA; the kernel and XCOPY did nothing; at most 1 MiB + SIZE/8 crossed
# the host (the target's READ and WRITE bytes on both LUs: the
# filesystem's metadata).  Unless "loose" (a knob failed some commands),
# odx_commands and odx_tokens are the WUTs and PTs the target served.
want_odx() {
	local data=$1 size=$2 host
	cp_tail
	data=$((data - TAIL))
	[ "${MB[odx]:-0}" = "$data" ] ||
		why "odx did ${MB[odx]:-0} bytes, not $data ($(methods))"
	[ -z "${MB[xcopy]:-}" ] && [ "${MB[kernel]:-0}" = "$TAIL" ] ||
		why "not ODX alone ($(methods))"
	want_d odx_bytes "$data"
	want_d disk.odx_bytes "$data"
	want_d t.wut "$data"
	host=$(($(d t.read) + $(d t.write)))
	[ "$host" -le $((MiB + size / 8)) ] ||
		why "$host bytes crossed the host for $size (the target's READ and WRITE)"
	[ "${3:-}" = loose ] && return
	want_d odx_commands "$(d t.wut_cmds)"
	want_d odx_tokens "$(d t.pt)"
}

# want_fallback SIZE: the kernel copied what ODX did not: methods include
# kernel, all SIZE bytes are done, and odx's bytes (if any) are what the
# module counted and no more than the target copied
want_fallback() {
	[ -n "${MB[kernel]:-}" ] || why "no kernel fallback ($(methods))"
	[ "$BYTES" = "$1" ] || why "$BYTES bytes done, not $1"
	want_d odx_bytes "${MB[odx]:-0}"
	[ "$(d t.wut)" -ge "${MB[odx]:-0}" ] ||
		why "odx counted ${MB[odx]} bytes, the target copied $(d t.wut)"
}

# want_nofb: the last copy (with --no-fallback) failed with EOPNOTSUPP
want_nofb() {
	want_rc 1
	[ "$ERRNO" = EOPNOTSUPP ] || why "errno ${ERRNO:-none}, not EOPNOTSUPP"
	[ -z "${MB[kernel]:-}" ] || why "the kernel copied with --no-fallback ($(methods))"
	want_d odx_bytes "${MB[odx]:-0}"
}

# data_bytes FILE: DATA = bytes of FILE in written extents (FIEMAP)
data_bytes() {
	local all
	fiemap_bytes "$1"
	all=$FB
	fiemap_bytes "$1" 0 1T unwritten
	DATA=$((all - FB))
}

# extents FILE: the number of FILE's extents (FIEMAP records)
extents() {
	xfs_io -r -c fiemap "$1" | grep -c ']: [0-9]'
}

# ---- xfs and ext4, whole disk and partition, one LUN --------------------------
# Sources: SIZE bytes of random data, and a 16 MiB fragmented file (64 KiB
# pieces written out of order, a fifth of them holes).  Fresh destinations
# through copyoffload-cp, written ones (random data, same size) through
# copyoffload copy.
SIZE=$((24 * MiB))
WZ=
for fs in xfs ext4; do
	for layout in disk part; do
		t=$fs-$layout
		if ! mkfs_on "$ODX0" "$fs" "$layout"; then
			fail "$P/$t/mkfs" "mkfs $fs ($layout) on $ODX0"
			continue
		fi
		BS=$(stat -f -c %S "$MNT")
		dest_disk "$ODX0"
		if [ "$fs" = ext4 ] && [ -z "$WZ" ]; then
			WZ=$(wz_probe "$MNT/wz-probe")
			rm -f "$MNT/wz-probe"
			[ "$WZ" = ok ] || skip "$P/ext4-fresh-write-zeroes" \
				"fallocate(FALLOC_FL_WRITE_ZEROES) on ext4 on $ODX0: $WZ"
		fi
		data_file "$MNT/src" "$SIZE"
		fragmented "$MNT/frag" 16
		data_file "$MNT/pre" "$SIZE"
		[ "$fs" = ext4 ] && data_file "$MNT/frag.copy" 16M
		sync

		if [ "$fs" = xfs ] || [ "$WZ" = ok ]; then
			case_start "$P/$t/fresh"
			copy_with cp --reflink=never "$MNT/src" "$MNT/fresh"
			want_rc 0
			want_odx "$SIZE" "$SIZE"
		else
			# ext4 gives a new file written blocks without
			# writing them only with FALLOC_FL_WRITE_ZEROES
			case_start "$P/$t/fresh-falls-back"
			copy_with cp --reflink=never "$MNT/src" "$MNT/fresh"
			want_rc 0
			want_fallback "$SIZE"
		fi
		drop_caches
		want_same "$MNT/src" "$MNT/fresh"
		case_end

		case_start "$P/$t/written"
		copy_with range "$MNT/src" "$MNT/pre"
		want_rc 0
		want_odx "$SIZE" "$SIZE"
		drop_caches
		want_same "$MNT/src" "$MNT/pre"
		case_end

		# many extents, and holes: a batch spans holes (up to 64 data
		# runs, each file's map up to 64 extents) and a token carries
		# up to 64 ranges (the target's limit), holes skipped: ext4's
		# 52 extents (one a data run) are one token, xfs's (pieces
		# between holes are extents of their own) ceil(extents / 64)
		# and a batch cut where a map was full.  Holes stay holes (xfs:
		# a fresh destination keeps them unallocated; ext4 needs a
		# written destination, and lays the pieces out contiguously)
		case_start "$P/$t/fragmented"
		data_bytes "$MNT/frag"
		n=$(extents "$MNT/frag")
		if [ "$fs" = xfs ]; then
			copy_with cp --reflink=never "$MNT/frag" "$MNT/frag.copy"
		else
			copy_with range "$MNT/frag" "$MNT/frag.copy"
		fi
		want_rc 0
		want_odx "$DATA" $((16 * MiB))
		[ "${n:-0}" -gt 16 ] || why "only ${n:-no} extents in the source"
		max=$(((${n:-0} + 63) / 64))
		[ "$fs" = xfs ] && max=$((max + 1))
		[ "$(d t.pt)" -le "$max" ] ||
			why "$(d t.pt) PTs for $n extents: not up to 64 ranges a token across holes"
		echo "# $t: $n extents, $(d t.pt) PTs, $(d t.wut_cmds) WUTs, $(d t.rrti) RRTIs"
		drop_caches
		want_same "$MNT/frag" "$MNT/frag.copy"
		[ "$fs" = xfs ] && want_blocks "$MNT/frag.copy" "$MNT/frag"
		case_end

		after_remount "$P/$t" "$fs" "$BDEV" src:fresh src:pre \
			frag:frag.copy
	done
done

# ---- two LUNs, one filesystem each --------------------------------------------
if ! { mkfs_on "$ODX0" xfs && M0=$MNT && mkfs_on "$ODX1" xfs && M1=$MNT; }; then
	fail "$P/cross-lun/mkfs" "mkfs xfs on $ODX0 and $ODX1"
	exit 1
fi
dest_disk "$ODX1"
FSZ=$((16 * MiB))
SRC=$M0/src DST=$M1/copy WDST=$M1/written OLD=$T/old
data_file "$SRC" "$FSZ"
data_file "$OLD" "$FSZ"

case_start "$P/cross-lun/fresh"
copy_with cp --reflink=never "$SRC" "$DST"
want_rc 0
want_odx "$FSZ" "$FSZ"
# tokens from the source's LU, written on the destination's
{ [ "$(d s0.pt)" -ge 1 ] && [ "$(d s1.pt)" = 0 ]; } ||
	why "PTs: $(d s0.pt) on the source's LU, $(d s1.pt) on the destination's"
{ [ "$(d s1.wut_cmds)" -ge 1 ] && [ "$(d s0.wut_cmds)" = 0 ]; } ||
	why "WUTs: $(d s1.wut_cmds) on the destination's LU, $(d s0.wut_cmds) on the source's"
drop_caches
want_same "$SRC" "$DST"
case_end

case_start "$P/cross-lun/written"
copy_plain "$OLD" "$WDST"
copy_with range "$SRC" "$WDST"
want_rc 0
want_odx "$FSZ" "$FSZ"
drop_caches
want_same "$SRC" "$WDST"
case_end

# ddpt reads the destination's blocks from the LUN itself (SCSI READs
# through sg, around the page cache): the source's bytes, extent by extent
ddpt_reads() {	# ddpt_reads FILE DEV REF
	local line re='^ *[0-9]+: \[([0-9]+)\.\.([0-9]+)\]: ([0-9]+)\.\.'
	local n=0 a b p
	sync
	while read -r line; do
		[[ $line =~ $re ]] || continue
		a=${BASH_REMATCH[1]} b=${BASH_REMATCH[2]} p=${BASH_REMATCH[3]}
		n=$((n + 1))
		ddpt if="$2" iflag=pt bs=512 skip="$p" count=$((b - a + 1)) \
			of="$T/ddpt.out" status=none >/dev/null 2>&1 ||
			{ why "ddpt cannot read $2 at $p"; return; }
		same_range "$T/ddpt.out" 0 "$3" $((a * 512)) $(((b - a + 1) * 512)) ||
			why "ddpt reads other bytes at LBA $p than $3 has at $((a * 512))"
	done < <(xfs_io -r -c fiemap "$1")
	[ "$n" -gt 0 ] || why "no extent in $1"
}
case_start "$P/cross-lun/ddpt-reads-the-copy"
ddpt_reads "$DST" "$ODX1" "$SRC"
ddpt_reads "$WDST" "$ODX1" "$SRC"
case_end
check_match "$P/cross-lun/sg_vpd-tpc" 'Maximum range descriptors: 64' \
	"$(sg_vpd -p tpc "$ODX1" 2>&1)"

# ---- fault knobs ---------------------------------------------------------------
# knob_case NAME [OPTION...]: case NAME: with the knobs set just
# before (odx_knobs; reset here after the copy), copyoffload-cp --json
# --reflink=never OPTION... SRC to a fresh DST; the bytes must be right.
# The caller adds its own checks, then case_end.
knob_case() {
	local name=$1
	shift
	case_start "$P/$name"
	rm -f "$DST"
	copy_with cp --reflink=never "$@" "$SRC" "$DST"
	odx_knobs
	want_rc 0
	drop_caches
	want_same "$SRC" "$DST"
}

# nofb_case NAME HOW [OPTION...]: case NAME/no-fallback: with the
# knobs set just before, copyoffload copy --no-fallback OPTION... SRC onto
# WDST, given OLD's bytes first: EOPNOTSUPP, and WDST holds the source's
# bytes up to the bytes reported done and OLD's after them (HOW strict),
# or OLD's or the source's, block by block (HOW loose: a command may have
# moved blocks its count never reported).  The caller adds its checks.
nofb_case() {
	local name=$1 how=$2
	shift 2
	case_start "$P/$name/no-fallback"
	copy_plain "$OLD" "$WDST"
	copy_with range --no-fallback "$@" "$SRC" "$WDST"
	odx_knobs
	want_nofb
	drop_caches
	fsc kept "$SRC" "$WDST" "$OLD" "${BYTES:-0}" "$how" || why "$FSC"
}

# PT refused: invalid field in the parameter list, or a target failure
odx_knobs "fail op=pt sense=5/26/00"
knob_case knob/pt-invalid-field
want_fallback "$FSZ"
want_reason unsupported target
case_end
odx_knobs "fail op=pt sense=5/26/00"
nofb_case knob/pt-invalid-field strict
want_eq "bytes done" 0 "$BYTES"
case_end
odx_knobs "fail op=pt sense=4/44/00"
knob_case knob/pt-target-failure
want_fallback "$FSZ"
want_reason target unsupported
case_end

# copyoffload-cp --no-fallback: exit 1, EOPNOTSUPP, its message, and the
# destination it created is gone
odx_knobs "fail op=pt sense=5/26/00"
case_start "$P/knob/pt-invalid-field/cp-no-fallback"
rm -f "$DST"
copy_with cp --reflink=never --no-fallback "$SRC" "$DST"
odx_knobs
want_rc 1
want_eq errno EOPNOTSUPP "$ERRNO"
[[ $CO_ERR == *"could not be offloaded"* ]] || why "message: $CO_ERR"
[ ! -e "$DST" ] || why "the destination it created is still there"
case_end

# WUT refused after two WUTs of 4096 blocks (2 MiB) did their work: those
# stay done (and counted), the rest falls back
odx_knobs "wut-limit 4096" "fail op=wut nth=3 sense=4/44/00"
knob_case knob/wut-target-failure
want_fallback "$FSZ"
want_eq "odx bytes" $((4 * MiB)) "${MB[odx]:-0}"
want_reason target unsupported
case_end
odx_knobs "wut-limit 4096" "fail op=wut nth=3 sense=4/44/00"
nofb_case knob/wut-target-failure strict
want_eq "bytes done" $((4 * MiB)) "$BYTES"
case_end
odx_knobs "fail op=wut sense=5/26/00"
knob_case knob/wut-invalid-field
want_fallback "$FSZ"
want_reason unsupported target
case_end
odx_knobs "fail op=wut sense=5/26/00"
nofb_case knob/wut-invalid-field strict
want_eq "bytes done" 0 "$BYTES"
case_end

# Token errors: a new token from where it stopped, at most 3 times per
# batch (16 MiB in one extent is one batch), then the fallback, counted as
# fallback_token
odx_knobs "fail op=wut sense=5/23/07"
knob_case knob/wut-token-expired-once
want_odx "$FSZ" "$FSZ" loose
[ "$(d s0.pt)" -ge 2 ] || why "no new token: $(d s0.pt) PTs"
want_d fallback_token 0
case_end
odx_knobs "fail op=wut times=3 sense=5/23/06"
knob_case knob/wut-token-revoked-3-times
want_odx "$FSZ" "$FSZ" loose
[ "$(d s0.pt)" -ge 4 ] || why "$(d s0.pt) PTs for 3 revoked tokens"
want_d fallback_token 0
case_end
odx_knobs "fail op=wut times=0 sense=5/23/06"
knob_case knob/wut-token-revoked-always
want_fallback "$FSZ"
want_eq "odx bytes" 0 "${MB[odx]:-0}"
want_reason token
{ [ "$(d s0.pt)" -ge 2 ] && [ "$(d s0.pt)" -le 4 ]; } ||
	why "$(d s0.pt) PTs: not 1 + 1 to 3 new tokens"
case_end
odx_knobs "fail op=wut times=0 sense=5/23/06"
nofb_case knob/wut-token-revoked-always strict
want_eq "bytes done" 0 "$BYTES"
want_reason token
case_end

# Tokens no new token would cure (23h/01 unsupported token type, 02/03
# remote tokens, 0A invalid token length): the range falls back at once,
# counted as refused, after the one PT that made the token
for q in 01 02 03 0A; do
	odx_knobs "fail op=wut times=0 sense=5/23/$q"
	knob_case knob/wut-token-unusable-$q
	want_fallback "$FSZ"
	want_eq "odx bytes" 0 "${MB[odx]:-0}"
	want_reason unsupported
	want_d fallback_token 0
	want_d s0.pt 1
	case_end
done

# Token errors after a first WUT did its work (2 MiB): the bounded new
# tokens, then the rest falls back, counted as a token fallback
odx_knobs "wut-limit 4096" "fail op=wut nth=2 times=0 sense=5/23/06"
knob_case knob/wut-token-revoked-after-progress
want_fallback "$FSZ"
want_eq "odx bytes" $((2 * MiB)) "${MB[odx]:-0}"
want_reason token
echo "# token revoked after progress: $(d s0.pt) PTs, $(d s1.wut_cmds) WUTs served"
case_end

# RRTI refused: for the token (on the source's LU) or for the transfer
# count (on the destination's: the WUT copied, but bytes are counted only
# from a transfer count)
odx_knobs "fail op=rrti dev=$N0 sense=4/44/00"
knob_case knob/rrti-token
want_fallback "$FSZ"
case_end
odx_knobs "fail op=rrti dev=$N0 sense=4/44/00"
nofb_case knob/rrti-token strict
want_eq "bytes done" 0 "$BYTES"
case_end
odx_knobs "fail op=rrti dev=$N1 sense=4/44/00"
knob_case knob/rrti-transfer-count
want_fallback "$FSZ"
want_eq "odx bytes without a transfer count" 0 "${MB[odx]:-0}"
case_end
odx_knobs "fail op=rrti dev=$N1 sense=4/44/00"
nofb_case knob/rrti-transfer-count loose
want_eq "bytes done" 0 "$BYTES"
case_end

# RRTI says "in progress" for 4 s after each operation (and to ask again
# in 100 ms) while the copying thread has a caught signal pending (SIGUSR1
# with a handler, sent 1 s in): the module polls with killable sleeps, so
# the signal neither ends the copy nor turns the wait into a busy loop (an
# interruptible sleep returns at once while a signal is pending).  The
# witness is the number of RRTIs the target answered: about 40 per busy
# operation when the module sleeps between them, hundreds when it spins.
case_start "$P/knob/rrti-busy-signal-pending"
copy_plain "$OLD" "$WDST"
sync
snap B
odx_knobs "rrti-busy 4000"
rm -f "$T/rrti.ready"
python3 - "$SRC" "$WDST" "$T/rrti.ready" > "$T/rrti.out" 2>&1 <<'PY' &
import ctypes, fcntl, os, resource, signal, struct, sys
signal.signal(signal.SIGUSR1, lambda *a: None)
src, dst = os.open(sys.argv[1], os.O_RDONLY), os.open(sys.argv[2], os.O_WRONLY)
rng = ctypes.create_string_buffer(struct.pack("<iiQQQQiI", src, dst, 0, 0,
                                              os.fstat(src).st_size, 0, 0, 0))
req = bytearray(112)
# COPY, OFFLOAD_ODX | NO_FALLBACK, one range of 48 bytes
struct.pack_into("<IIQQII", req, 0, 112, 3, (1 << 4) | (1 << 2),
                 ctypes.addressof(rng), 1, 48)
dev = os.open("/dev/copyoffload", os.O_RDWR)
open(sys.argv[3], "w").close()    # the handler is in place: signal away
t0 = resource.getrusage(resource.RUSAGE_SELF).ru_stime
fcntl.ioctl(dev, (3 << 30) | (112 << 16) | (0xC5 << 8) | 0x01, req)
sys_s = resource.getrusage(resource.RUSAGE_SELF).ru_stime - t0
done, status = struct.unpack_from("<Qi", rng.raw, 32)
print("%d %d %.2f" % (done, status, sys_s))
PY
py=$!
for _ in $(seq 100); do [ -e "$T/rrti.ready" ] && break; sleep 0.1; done
sleep 1
kill -USR1 $py
wait $py
odx_knobs
snap A
read -r done status sys_s < "$T/rrti.out"
echo "# $CASE: $(cat "$T/rrti.out") (bytes, status, system seconds); $(d t.rrti) RRTIs, $(d t.pt) PTs, $(d t.wut_cmds) WUTs"
want_eq "bytes done" "$FSZ" "$done"
want_eq "status" 0 "$status"
[ "$(d t.rrti)" -le $((60 * ($(d t.pt) + $(d t.wut_cmds)))) ] ||
	why "$(d t.rrti) RRTIs for $(d t.pt) PTs and $(d t.wut_cmds) WUTs: polled in a busy loop"
drop_caches
want_same "$SRC" "$WDST"
case_end

# Partial transfers: WUTs of at most 2048 blocks go on at an offset into
# the same token
odx_knobs "wut-limit 2048"
knob_case knob/wut-limit
want_odx "$FSZ" "$FSZ"
[ "$(d s1.wut_cmds)" -ge $((FSZ / 2048 / 512)) ] ||
	why "$(d s1.wut_cmds) WUTs of at most 2048 blocks for $FSZ bytes"
[ "$(d s0.pt)" -lt "$(d s1.wut_cmds)" ] ||
	why "a token per WUT ($(d s0.pt) PTs, $(d s1.wut_cmds) WUTs): no offset into the ROD"
case_end

# Tokens that cover fewer blocks than asked: more tokens (several
# tokens and WUTs for one file)
odx_knobs "pt-limit 2048"
knob_case knob/pt-limit
want_odx "$FSZ" "$FSZ"
[ "$(d s0.pt)" -ge $((FSZ / 2048 / 512)) ] ||
	why "$(d s0.pt) PTs of at most 2048 blocks for $FSZ bytes"
case_end

# Tokens that time out before their WUT (1 s of inactivity; the token's
# RRTI answers 1.5 s late): every new token expires too, so the bounded
# repopulation ends in the fallback
odx_knobs "token-timeout 1" "delay op=rrti dev=$N0 ms=1500"
knob_case knob/token-timeout
want_fallback "$FSZ"
want_reason token
{ [ "$(d s0.pt)" -ge 2 ] && [ "$(d s0.pt)" -le 4 ]; } ||
	why "$(d s0.pt) PTs: not 1 + 1 to 3 new tokens"
case_end
odx_knobs "token-timeout 1" "delay op=rrti dev=$N0 ms=1500"
nofb_case knob/token-timeout strict
want_eq "bytes done" 0 "$BYTES"
case_end

# Tokens expired by the target while the engine waits for the token's
# RRTI (held 4 s): one new token, then ODX goes on
case_start "$P/knob/expire-tokens"
rm -f "$DST"
delay="delay op=rrti dev=$N0 ms=4000"
odx_knobs "$delay"
sync
snap B
"$CO_CP" --json --reflink=never "$SRC" "$DST" > "$T/out" 2> "$T/err" &
cpid=$!
for ((i = 0; i < 100; i++)); do
	[ "$(odx_stat "$ODX0" rrti)" -gt "${B[s0.rrti]}" ] && break
	kill -0 "$cpid" 2>/dev/null || break
done
odx_knobs "$delay" expire-tokens
wait "$cpid"
CO_RC=$? CO_OUT=$(<"$T/out") CO_ERR=$(<"$T/err")
odx_knobs
snap A
parse_result
want_rc 0
want_odx "$FSZ" "$FSZ" loose
[ "$(d s0.pt)" -ge 2 ] || why "no new token after the expiry: $(d s0.pt) PTs"
want_d fallback_token 0
drop_caches
want_same "$SRC" "$DST"
case_end

# Slow WUTs (2 s each): ODX waits for them
odx_knobs "delay op=wut ms=2000"
knob_case knob/delay-wut
want_odx "$FSZ" "$FSZ"
[ "$MS" -ge 2000 ] || why "the copy took $MS ms: no WUT was delayed"
case_end

# ---- sparse sources: one token over many data runs ------------------------------
# A source of 52 data runs (64, 128 or 192 KiB, in order, so one extent
# each) with holes between them is one batch: one POPULATE TOKEN and one
# WRITE USING TOKEN for all of its runs (at most ceil(52 / 64) of each: the
# target takes 64 ranges a command), where a token used to end at every
# hole (52 of each, 104 RRTIs).  The destination keeps the holes: its
# SEEK_DATA/SEEK_HOLE layout and its allocated blocks are the source's,
# fresh or written before (the data where the source has holes punched).
# Transfer counts are data: bytes done are the file offset after that many
# data bytes, the holes before them included and the one after them not.
SP=$M0/sparse SPC=$M1/sparse.copy SPW=$M1/sparse.written SPOLD=$T/sparse.old
SPRUNS=52
ext=()
SPDATA=0
for ((i = 0; i < SPRUNS; i++)); do
	n=$(((64 + 64 * (i % 3)) * KiB))
	ext+=("$((i * 320 * KiB)):$n")
	SPDATA=$((SPDATA + n))
done
# the file ends with its last run: a last block copied apart is data
SPSIZE=$(((SPRUNS - 1) * 320 * KiB + n))
data_file "$SP" "$SPSIZE" "${ext[@]}"
data_file "$SPOLD" "$SPSIZE"
BS=$(stat -f -c %S "$M1")
sync

# sp_runs FILE: SPR, the data runs of FILE (OFF+LEN, SEEK_DATA/SEEK_HOLE)
sp_runs() {
	fsc runs "$1" || why "cannot list the data runs of $1: $FSC"
	SPR=$FSC
}

# want_sparse_copy DST: DST holds the sparse source's bytes (cmp), its
# holes where the source has them, and no more blocks than it
want_sparse_copy() {
	local src
	drop_caches
	cmp -s "$SP" "$1" || why "cmp: $1 differs from $SP"
	sp_runs "$SP"
	src=$SPR
	sp_runs "$1"
	[ "$SPR" = "$src" ] ||
		why "data runs of $1 are not the source's: $(head -c 200 <<<"$SPR") ..."
	want_blocks "$1" "$SP"
}

# sp_per: the POPULATE TOKENs (and WRITE USING TOKENs) one batch of the
# sparse source may take: ceil(runs / 64)
sp_per() {
	echo $(((SPRUNS + 63) / 64))
}

case_start "$P/sparse/layout"
sp_runs "$SP"
want_eq "data runs of the sparse source" "$SPRUNS" "$(wc -w <<<"$SPR")"
want_eq "extents of the sparse source" "$SPRUNS" "$(extents "$SP")"
case_end

case_start "$P/sparse/fresh"
rm -f "$SPC"
copy_with cp --reflink=never --offload=odx "$SP" "$SPC"
want_rc 0
want_odx "$SPDATA" "$SPSIZE"
[ "$(d s0.pt)" -le "$(sp_per)" ] ||
	why "$(d s0.pt) POPULATE TOKENs for $SPRUNS data runs in one batch"
[ "$(d s1.wut_cmds)" -le "$(sp_per)" ] ||
	why "$(d s1.wut_cmds) WRITE USING TOKENs for $SPRUNS data runs in one batch"
want_d t.rrti "$(($(d t.pt) + $(d t.wut_cmds)))"
echo "# sparse/fresh: $SPRUNS data runs: $(d t.pt) PTs, $(d t.wut_cmds) WUTs, $(d t.rrti) RRTIs"
want_sparse_copy "$SPC"
case_end

case_start "$P/sparse/written"
copy_plain "$SPOLD" "$SPW"
copy_with range --offload=odx "$SP" "$SPW"
want_rc 0
want_odx "$SPDATA" "$SPSIZE"
[ "$(d s0.pt)" -le "$(sp_per)" ] ||
	why "$(d s0.pt) POPULATE TOKENs for $SPRUNS data runs in one batch"
echo "# sparse/written: $SPRUNS data runs: $(d t.pt) PTs, $(d t.wut_cmds) WUTs, $(d t.rrti) RRTIs"
want_sparse_copy "$SPW"
case_end

# WUTs of at most 1000 blocks: transfer counts inside runs, at offsets
# into the one token
odx_knobs "wut-limit 1000"
case_start "$P/sparse/wut-limit"
rm -f "$SPC"
copy_with cp --reflink=never --offload=odx "$SP" "$SPC"
odx_knobs
want_rc 0
want_odx "$SPDATA" "$SPSIZE"
# (the first WUT, asked for all of the token, sets DEL_TKN and writes
# short: that token is gone, one more is made, then no DEL_TKN)
[ "$(d s0.pt)" -le $(($(sp_per) + 1)) ] ||
	why "$(d s0.pt) POPULATE TOKENs: not one token at several offsets"
[ "$(d s1.wut_cmds)" -ge $((SPDATA / 512000)) ] ||
	why "$(d s1.wut_cmds) WUTs of at most 1000 blocks for $SPDATA bytes"
want_sparse_copy "$SPC"
case_end

# sp_partial NAME NTH LIMIT: the NTH WUT (at most LIMIT blocks each) fails:
# with the kernel fallback, the copy is right and ODX counted what the
# WUTs before it moved; with --no-fallback, bytes done are the file offset
# after those data bytes (the holes before them included) and the
# destination holds the source's bytes up to there and its old ones after.
# Where those bytes end a run, the walk then makes the hole after them
# itself (punched, then counted) before the engine, stopped, refuses the
# next run: bytes done are that run's offset, and still strictly kept.
sp_partial() {
	local name=$1 nth=$2 limit=$3 data want r end=-1
	data=$(((nth - 1) * limit * 512 / BS * BS))
	fsc data_end "$SP" "$data" || why "data_end: $FSC"
	want=$FSC
	sp_runs "$SP"
	for r in $SPR; do
		[ "$end" = "$want" ] && { want=${r%+*}; break; }
		end=$((${r%+*} + ${r#*+}))
	done
	odx_knobs "wut-limit $limit" "fail op=wut nth=$nth sense=4/44/00"
	case_start "$P/sparse/$name"
	rm -f "$SPC"
	copy_with cp --reflink=never --offload=odx "$SP" "$SPC"
	odx_knobs
	want_rc 0
	want_fallback "$SPSIZE"
	want_eq "odx bytes" "$data" "${MB[odx]:-0}"
	want_sparse_copy "$SPC"
	case_end
	odx_knobs "wut-limit $limit" "fail op=wut nth=$nth sense=4/44/00"
	case_start "$P/sparse/$name/no-fallback"
	copy_plain "$SPOLD" "$SPW"
	copy_with range --no-fallback --offload=odx "$SP" "$SPW"
	odx_knobs
	want_nofb
	want_eq "bytes done (after $data data bytes)" "$want" "$BYTES"
	drop_caches
	fsc kept "$SP" "$SPW" "$SPOLD" "${BYTES:-0}" strict || why "$FSC"
	echo "# sparse/$name: $data data bytes copied: $BYTES bytes done"
	case_end
}
# the first run (64 KiB) exactly: the hole after it is not done
sp_partial wut-fails-at-a-hole 2 128
# 1000 KiB of data: inside the 9th run, eight holes before it done
sp_partial wut-fails-in-a-run 3 1000

# ---- EXTENDED COPY: several segments a command ----------------------------------
# With the target's xcopy knob, EXTENDED COPY (--offload=xcopy) of the
# sparse source: with 1 segment descriptor a command (LIO's limit) one
# command an extent piece; with 16 (RECEIVE COPY RESULTS says so, the
# module reads it again with copyoffload info --refresh) a batch spans the
# holes and a command carries up to 16 pieces.  The same for a file of
# many extents and no hole (one data run).  A command that fails counts
# none of its segments, even those the target says it copied: with the
# fallback the copy is right and EXTENDED COPY counted only the commands
# that succeeded; with --no-fallback, bytes done end with the last command
# that succeeded, the destination strictly kept after them.
# xcopy_segments N: the target serves EXTENDED COPY with N segments a
# command (0: not at all) and the module knows it
xcopy_segments() {
	if [ "$1" = 0 ]; then odx_knobs "${@:2}"; else odx_knobs "xcopy $1" "${@:2}"; fi
	"$CO_RANGE" info --refresh "$ODX0" >/dev/null 2>&1
	"$CO_RANGE" info --refresh "$ODX1" >/dev/null 2>&1
}
# want_xcopy DATA: the last copy was EXTENDED COPY's alone, its DATA bytes
# the target's (with cp_tail's last block the kernel's)
want_xcopy() {
	cp_tail
	want_eq "xcopy bytes" "$(($1 - TAIL))" "${MB[xcopy]:-0}"
	[ -z "${MB[odx]:-}" ] && [ "${MB[kernel]:-0}" = "$TAIL" ] ||
		why "not EXTENDED COPY alone ($(methods))"
	want_d t.xcopy "$(($1 - TAIL))"
	want_d xcopy_bytes "$(($1 - TAIL))"
	want_d xcopy_commands "$(d s1.xcopy_cmds)"
	want_d t.pt 0
}
# want_xcopy_fallback: the last copy is all done, the kernel did what
# EXTENDED COPY did not, and EXTENDED COPY counted no more than the target
# copied
want_xcopy_fallback() {
	want_rc 0
	[ -n "${MB[kernel]:-}" ] || why "no kernel fallback ($(methods))"
	[ "$BYTES" = "$SPSIZE" ] || why "$BYTES bytes done, not $SPSIZE"
	want_d xcopy_bytes "${MB[xcopy]:-0}"
	[ "$(d t.xcopy)" -ge "${MB[xcopy]:-0}" ] ||
		why "xcopy counted ${MB[xcopy]} bytes, the target copied $(d t.xcopy)"
}

# XF: 8 MiB in 128 pieces of 64 KiB and no hole (a block of another
# file, removed, allocated after each), one data run of many extents (xfs
# still puts some pieces side by side: 52 in trial runs)
XF=$M0/xfrag XFC=$M1/xfrag.copy
python3 - "$XF" "$M0/xfrag.pad" <<'PY'
import os, sys
path, pad = sys.argv[1], sys.argv[2]
piece, n = 64 << 10, 128
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
pfd = os.open(pad, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
for i in range(n):
    os.posix_fallocate(fd, i * piece, piece)
    os.posix_fallocate(pfd, i * 4096, 4096)
os.close(pfd)
os.unlink(pad)
os.pwrite(fd, os.urandom(n * piece), 0)
os.fsync(fd)
os.close(fd)
PY
XFEXT=$(extents "$XF")
sync

# xcopy_pair N: copy the sparse source and XF with N segments a command;
# XCS and XCF: the EXTENDED COPYs each took, XSS and XSF their segments,
# XMS and XMF their milliseconds
xcopy_pair() {
	xcopy_segments "$1"
	case_start "$P/xcopy-segments/$1/sparse"
	rm -f "$SPC"
	copy_with cp --reflink=never --offload=xcopy "$SP" "$SPC"
	want_rc 0
	want_xcopy "$SPDATA"
	XCS=$(d s1.xcopy_cmds) XSS=$(d s1.xcopy_segs) XMS=$MS
	want_sparse_copy "$SPC"
	case_end
	case_start "$P/xcopy-segments/$1/extents"
	rm -f "$XFC"
	copy_with cp --reflink=never --offload=xcopy "$XF" "$XFC"
	want_rc 0
	want_xcopy "$((128 * 64 * KiB))"
	XCF=$(d s1.xcopy_cmds) XSF=$(d s1.xcopy_segs) XMF=$MS
	drop_caches
	cmp -s "$XF" "$XFC" || why "cmp: $XFC differs from $XF"
	case_end
}

case_start "$P/xcopy-segments/extents-layout"
fsc runs "$XF" || why "cannot list the data runs of $XF: $FSC"
want_eq "data runs of $XF" 1 "$(wc -w <<<"$FSC")"
[ "$XFEXT" -ge 32 ] || why "$XF has $XFEXT extents, not 32 or more"
case_end

xcopy_pair 1
XC1S=$XCS XC1F=$XCF XM1S=$XMS XM1F=$XMF
case_start "$P/xcopy-segments/1/a-command-a-piece"
[ "$XC1S" -ge "$SPRUNS" ] || why "$XC1S EXTENDED COPYs for $SPRUNS data runs, one segment each"
[ "$XC1F" -ge "$XFEXT" ] || why "$XC1F EXTENDED COPYs for $XFEXT extents, one segment each"
want_eq "segments (sparse)" "$XC1S" "$XSS"
want_eq "segments (extents)" "$XC1F" "$XSF"
case_end

xcopy_pair 16
case_start "$P/xcopy-segments/16/fewer-commands"
# every command but a batch's last carries 16 segments: with batches of
# at most 64 extents, at most a quarter of the pieces, plus one a batch
[ "$XSS" -ge "$XC1S" ] || why "$XSS segments for the sparse source, $XC1S pieces"
[ "$((XCS * 8))" -le "$XC1S" ] ||
	why "$XCS EXTENDED COPYs with 16 segments each, $XC1S with one (sparse)"
[ "$((XCF * 8))" -le "$XC1F" ] ||
	why "$XCF EXTENDED COPYs with 16 segments each, $XC1F with one (extents)"
echo "# xcopy-segments: sparse, $SPRUNS data runs: $XC1S EXTENDED COPYs ($XM1S ms) with 1 segment a command, $XCS ($XMS ms) with up to 16 ($XSS segments)"
echo "# xcopy-segments: $XFEXT extents, 1 data run: $XC1F EXTENDED COPYs ($XM1F ms) with 1 segment a command, $XCF ($XMF ms) with up to 16 ($XSF segments)"
case_end

# the second command fails whole: the first one's 16 segments are done
xcopy_segments 16 "fail op=xcopy nth=2 sense=4/44/00"
case_start "$P/xcopy-segments/second-command-fails"
rm -f "$SPC"
copy_with cp --reflink=never --offload=xcopy "$SP" "$SPC"
xcopy_segments 16
want_xcopy_fallback
want_eq "xcopy bytes (the first command's)" "$(d t.xcopy)" "${MB[xcopy]:-0}"
want_eq "EXTENDED COPYs that succeeded" 1 "$(d xcopy_commands)"
want_reason target
want_sparse_copy "$SPC"
case_end

xcopy_segments 16 "fail op=xcopy nth=2 sense=4/44/00"
case_start "$P/xcopy-segments/second-command-fails/no-fallback"
copy_plain "$SPOLD" "$SPW"
copy_with range --no-fallback --offload=xcopy "$SP" "$SPW"
xcopy_segments 16
want_nofb
want_d t.xcopy "${MB[xcopy]:-0}"
want_d xcopy_bytes "${MB[xcopy]:-0}"
[ "${MB[xcopy]:-0}" -gt 0 ] || why "the first command's segments not counted ($(methods))"
fsc data_end "$SP" "${MB[xcopy]:-0}" || why "data_end: $FSC"
want=$FSC end=-1
sp_runs "$SP"
for r in $SPR; do
	[ "$end" = "$want" ] && { want=${r%+*}; break; }
	end=$((${r%+*} + ${r#*+}))
done
want_eq "bytes done (after ${MB[xcopy]:-0} data bytes)" "$want" "$BYTES"
drop_caches
fsc kept "$SP" "$SPW" "$SPOLD" "${BYTES:-0}" strict || why "$FSC"
echo "# xcopy-segments/second-command-fails: ${MB[xcopy]:-0} data bytes copied: $BYTES bytes done"
case_end

# the third segment of every command fails (COPY ABORTED, the target
# copied the two before it): no command with three or more segments
# counts anything; the target's bytes are more than EXTENDED COPY's
xcopy_segments 16 "xcopy-fail-segment 3"
case_start "$P/xcopy-segments/segment-fails"
rm -f "$SPC"
copy_with cp --reflink=never --offload=xcopy "$SP" "$SPC"
xcopy_segments 16
want_xcopy_fallback
[ "$(d t.xcopy)" -gt "${MB[xcopy]:-0}" ] ||
	why "the target copied $(d t.xcopy) bytes, xcopy counted ${MB[xcopy]:-0}: no failed command copied a segment"
want_reason target unreachable
want_sparse_copy "$SPC"
echo "# xcopy-segments/segment-fails: target copied $(d t.xcopy) bytes, xcopy counted ${MB[xcopy]:-0}, $(d xcopy_commands) commands succeeded"
case_end

# a segment fails inside the first command: nothing counted, though the
# target copied the segments before it (loose: those blocks may be new)
xcopy_segments 16 "xcopy-fail-segment 3"
case_start "$P/xcopy-segments/segment-fails/no-fallback"
copy_plain "$SPOLD" "$SPW"
copy_with range --no-fallback --offload=xcopy "$SP" "$SPW"
xcopy_segments 16
want_nofb
want_eq "bytes done" 0 "$BYTES"
want_eq "xcopy bytes" 0 "${MB[xcopy]:-0}"
want_d xcopy_bytes 0
[ "$(d t.xcopy)" -gt 0 ] || why "the target copied no segment before the failing one"
drop_caches
fsc kept "$SP" "$SPW" "$SPOLD" 0 loose || why "$FSC"
case_end
xcopy_segments 0
rm -f "$XF" "$XFC"

# ---- which engine -----------------------------------------------------------
case_start "$P/engine/odx-target-has-rod-tokens"
[[ $("$CO_RANGE" info "$ODX0" 2>&1) == *"caps:"*rod_tokens* ]] ||
	why "copyoffload info $ODX0 shows no rod_tokens"
case_end
case_start "$P/engine/param-default-auto"
[ -f "$PARAM" ] && want_eq "$PARAM" auto "$(<"$PARAM")"
[ -f "$PARAM" ] || why "no $PARAM"
case_end

knob_case engine/forced-odx --offload=odx
want_odx "$FSZ" "$FSZ"
case_end
# no EXTENDED COPY on the ODX target
knob_case engine/forced-xcopy-on-odx-target --offload=xcopy
want_fallback "$FSZ"
want_eq "odx bytes" 0 "${MB[odx]:-0}"
want_d t.pt 0
case_end
nofb_case engine/forced-xcopy-on-odx-target strict --offload=xcopy
want_eq "bytes done" 0 "$BYTES"
case_end
knob_case engine/offload-none --offload=none
want_fallback "$FSZ"
want_eq "odx bytes" 0 "${MB[odx]:-0}"
want_d t.pt 0
case_end

case_start "$P/engine/param-rejects-invalid"
out=$( { echo bogus > "$PARAM"; } 2>&1 )
[[ $out == *"Invalid argument"* ]] || why "writing 'bogus': ${out:-accepted}"
want_eq "$PARAM after it" auto "$(<"$PARAM")"
case_end

# offload_engine=xcopy: XCOPY first, then ODX (an order, not a rule): the
# ODX target, which has no EXTENDED COPY, still gets ODX
echo xcopy > "$PARAM"
knob_case engine/param-xcopy-first-on-odx-target
want_odx "$FSZ" "$FSZ"
case_end
echo auto > "$PARAM"

# ---- ext4 on both LUNs; xfs to ext4 --------------------------------------------
# The module maps both files the same way (xfs layouts, or ext4's block
# map): from xfs to ext4 it does not offload (fallback_fs).
umount "$M1"
if mkfs_on "$ODX1" ext4; then
	E1=$MNT
	case_start "$P/cross-fs/xfs-to-ext4-falls-back"
	data_file "$E1/written" "$FSZ"
	copy_with range "$SRC" "$E1/written"
	want_rc 0
	want_fallback "$FSZ"
	want_eq "odx bytes" 0 "${MB[odx]:-0}"
	want_reason fs
	drop_caches
	want_same "$SRC" "$E1/written"
	case_end
	umount "$M0"
	fs_check "$P/cross-lun" xfs "$ODX0"
	if mkfs_on "$ODX0" ext4; then
		E0=$MNT
		case_start "$P/cross-lun/ext4-written"
		data_file "$E0/src" "$FSZ"
		data_file "$E1/written" "$FSZ"
		copy_with range "$E0/src" "$E1/written"
		want_rc 0
		want_odx "$FSZ" "$FSZ"
		drop_caches
		want_same "$E0/src" "$E1/written"
		ddpt_reads "$E1/written" "$ODX1" "$E0/src"
		case_end
		umount "$E0"
		check "$P/cross-lun/fsck-src" e2fsck -fn "$ODX0"
	else
		fail "$P/cross-lun/ext4-mkfs" "mkfs ext4 on $ODX0"
	fi
	umount "$E1"
	fs_check "$P/cross-lun" ext4 "$ODX1"
else
	fail "$P/cross-fs/mkfs" "mkfs ext4 on $ODX1"
fi

# ---- a LIO LUN: EXTENDED COPY, no ROD tokens ------------------------------------
read -r LIO0 _ <<<"${COPYOFFLOAD_LUNS:-}"
lb=
[ -b "${LIO0:-}" ] && lb=$(lio_backstore "$LIO0")
if [[ $lb != */fileio_* ]]; then
	skip "$P/lio" "no LIO fileio LUN in COPYOFFLOAD_LUNS ('${COPYOFFLOAD_LUNS:-}'): boot with --lio"
elif ! mkfs_on "$LIO0" xfs; then
	fail "$P/lio/mkfs" "mkfs xfs on $LIO0"
else
	dest_disk "$LIO0"
	SRC=$MNT/src DST=$MNT/copy WDST=$MNT/written
	data_file "$SRC" "$FSZ"
	knob_case lio/forced-odx --offload=odx
	want_fallback "$FSZ"
	want_eq "odx bytes" 0 "${MB[odx]:-0}"
	want_eq "xcopy bytes" 0 "${MB[xcopy]:-0}"
	case_end
	nofb_case lio/forced-odx strict --offload=odx
	want_eq "bytes done" 0 "$BYTES"
	case_end
	# offload_engine=odx: ODX first, then XCOPY: LIO gets XCOPY
	echo odx > "$PARAM"
	knob_case lio/param-odx-first
	cp_tail
	want_eq "xcopy bytes" "$((FSZ - TAIL))" "${MB[xcopy]:-0}"
	want_eq "odx bytes" 0 "${MB[odx]:-0}"
	want_d xcopy_bytes "$((FSZ - TAIL))"
	case_end
	echo auto > "$PARAM"
	umount "$MNT"
fi

if kill -0 "$(cat "$ODX_STATE/pid")" 2>/dev/null; then
	pass "$P/odx-target-alive"
else
	fail "$P/odx-target-alive" "odx-target died: $(tail -n 3 "$ODX_STATE/log" | tr '\n' ' ')"
fi
echo "# odx-target: $(grep -c 'fault:' "$ODX_STATE/log") injected faults; stats: $(tr '\n' ';' < "$ODX_STATE/stats")"

done_testing
