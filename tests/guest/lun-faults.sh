#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# LUNs that stop answering or go away under offloaded copies.  Each case
# runs on a LUN of its own, added to lio-setup's or odx-setup's TPG as
# LUN 9 and taken away again, so the suite's other LUNs never go:
#   LIO: an iblock backstore over a device-mapper delay device (its reads
#        can be slowed at will, so that LIO's EXTENDED COPY takes seconds);
#   ODX: a user backstore of odx-target (its commands held by a knob).
# Cases:
#   timeout/param           cmd_timeout takes 1-3600 seconds, refuses
#                           0, 3601 and words;
#   timeout/xcopy[-nofb]    an EXTENDED COPY that outlives cmd_timeout
#                           (1 s): the midlayer aborts it (LIO logs the
#                           ABORT_TASK it got), the range falls back and the bytes
#                           are right; with --no-fallback the copy fails
#                           and reports nothing copied;
#   timeout/odx[-nofb]      the same for a WRITE USING TOKEN held 6 s;
#   kill-in-xcopy           SIGKILL while an EXTENDED COPY takes seconds:
#                           gone when it ends, the destination honest;
#   cp-sigint-in-xcopy      Ctrl-C on copyoffload-cp then: it dies of
#                           SIGINT once the command ends, the destination
#                           it created removed;
#   removed/xcopy, removed/odx
#                           the LUN taken out of its TPG while a command
#                           runs: the copy ends (no hang) without claiming
#                           bytes that are not on the disk; the LUN back,
#                           the bytes the copy said it offloaded are on the
#                           disk, the source is unchanged, every other
#                           destination block is its old one or the
#                           source's, xfs_repair is clean;
#   deleted/xcopy           the same with the initiator deleting the SCSI
#                           device (sysfs delete);
#   new-lun-same-devt/*     another disk under the old dev_t (a LUN with
#                           3PC off where one with 3PC was, and back): the
#                           module reports the new disk at once, without
#                           --refresh, and copies by what it offers.
# The filesystem on a LUN that goes shuts down; those errors (only) are
# expected (kernel_expect_fs_errors); everything else in the kernel log
# still fails the script.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/fslib.sh"
. "$CO_TOP/tests/odx/lib.sh"
# shellcheck source=tests/vm/tcm-loop.sh
. "$CO_TOP/tests/vm/tcm-loop.sh"

P="lun-faults"
require_module_luns "$P/setup"
PY=$CO_TOP/tests/guest/safety.py
py() { python3 "$PY" "$@"; }
TMO=/sys/module/copyoffload/parameters/cmd_timeout
LUN=9			# the LUN number this script adds and removes
MIB=16			# the size of the copies
tools_scratch T

# ---- the LUNs ----------------------------------------------------------------

# a device-mapper delay device over a loop device over a file on the LUNs'
# tmpfs: DM_DEV, its table's sectors DM_SECTORS
DM_NAME=co-delay
export DM_DISABLE_UDEV=1	# no udev here: dmsetup makes the nodes
dm_setup() {
	local img=/run/co-luns/delay.img loop
	modprobe -a loop dm-delay target_core_iblock || return 1
	truncate -s 512M "$img" &&
	loop=$(losetup -f --show "$img") || return 1
	CO_CLEANUP+=("losetup -d '$loop'; rm -f '$img'")
	DM_LOOP=$loop
	DM_SECTORS=$(blockdev --getsz "$loop")
	dmsetup create "$DM_NAME" --table "0 $DM_SECTORS delay $loop 0 0" || return 1
	CO_CLEANUP+=("dmsetup remove '$DM_NAME'")
	DM_DEV=/dev/mapper/$DM_NAME
}

# dm_delay_reads MS: reads of the delay device take MS ms more (writes none)
dm_delay_reads() {
	dmsetup suspend "$DM_NAME" &&
	dmsetup reload "$DM_NAME" --table \
		"0 $DM_SECTORS delay $DM_LOOP 0 $1 $DM_LOOP 0 0" &&
	dmsetup resume "$DM_NAME"
}

# backstores: configfs folders, removed at exit after any LUN using them
CFG=$TCM_LOOP_CFG
BS_DELAY=$CFG/core/iblock_9/co-delay	# 3PC on, over the delay device
BS_PLAIN=$CFG/core/fileio_9/co-no3pc	# 3PC off
BS_ODX=$CFG/core/user_1/odx9		# odx-target
lio_backstore_add() {	# lio_backstore_add FOLDER CONTROL 3PC
	mkdir -p "$1" &&
	echo -n "$2" > "$1/control" &&
	echo 1 > "$1/enable" &&
	cat /proc/sys/kernel/random/uuid > "$1/wwn/vpd_unit_serial" &&
	echo "$3" > "$1/attrib/emulate_3pc" || return 1
	CO_CLEANUP+=("rmdir '$(dirname "$1")'" "rmdir '$1'")
}

# lun_add WWN BACKSTORE: the LUN exported; DEV its disk, DEVT its dev_t,
# DEV_WWN its target
lun_add() {
	DEV=$(tcm_loop_lun_add "$1" "$LUN" "$2") || return 1
	DEV_WWN=$1
	DEVT=$(cat "/sys/class/block/$(basename "$DEV")/dev")
	CO_CLEANUP+=("tcm_loop_lun_remove '$1' '$LUN'")
}

setup_here "$P" "dm-delay" dm_setup
setup_here "$P" "iblock backstore" \
	lio_backstore_add "$BS_DELAY" "udev_path=$DM_DEV" 1
setup_here "$P" "fileio backstore" lio_backstore_add "$BS_PLAIN" \
	"fd_dev_name=/run/co-luns/no3pc.img,fd_dev_size=$((512 * MiB))" 0
odx_require "$P"
truncate -s 512M /run/co-luns/odx9.img
setup_here "$P" "user backstore" \
	tcmu_backstore_add odx9 /run/co-luns/odx9.img 512
CO_CLEANUP+=("rmdir '$BS_ODX'; rm -f /run/co-luns/odx9.img")

# ---- helpers -------------------------------------------------------------------

# fresh_fs: xfs on DEV, mounted on MNT, with src (MIB MiB of random data)
# and dst (as many MiB of D blocks), both on the disk; SRC_SUM the source's
fresh_fs() {
	mkfs_on "$DEV" xfs || return 1
	random_file "$MNT/src" $((MIB * 1024))
	py fill "$MNT/dst" "$MIB" D
	sync
	SRC_SUM=$(md5sum < "$MNT/src")
	drop_caches
}

# copy_bg ARGS...: a copy (--json) in the background, CPID; out in $T/out
copy_bg() {
	CSTART=${EPOCHREALTIME/./}
	"$CO_RANGE" copy --json "$@" > "$T/out" 2>&1 &
	CPID=$!
}

# copy_wait MS: the copy ends within MS ms of its start; its JSON fields
# in OUT_RC, OUT_BYTES (bytes_done) and OUT_OFFLOADED (bytes of xcopy and
# odx)
copy_wait() {
	local ms
	while kill -0 "$CPID" 2>/dev/null; do
		ms=$(((${EPOCHREALTIME/./} - CSTART) / 1000))
		if [ "$ms" -gt "$1" ]; then
			why "the copy still runs after $ms ms"
			kill -KILL "$CPID"
			break
		fi
		sleep 0.1
	done
	wait "$CPID"
	OUT_RC=$?
	read -r OUT_BYTES OUT_OFFLOADED < <(python3 -c '
import json, sys
o = json.loads(open(sys.argv[1]).readline())
m = o.get("method_bytes") or {}
print(o["bytes_done"], m.get("xcopy", 0) + m.get("odx", 0))' "$T/out" 2>/dev/null)
	[ -n "$OUT_BYTES" ] || why "no JSON result: $(tail -n 2 "$T/out" | tr '\n' ' ')"
	ms=$(((${EPOCHREALTIME/./} - CSTART) / 1000))
	echo "# $CASE: exit $OUT_RC after $ms ms, bytes_done ${OUT_BYTES:-?}, offloaded ${OUT_OFFLOADED:-?}"
}

# dmesg_wait TEXT SECONDS: the kernel logs TEXT (after the mark) in time
dmesg_wait() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		dmesg | awk -v m="$KMARK" 'index($0, m) { on = 1 } on' |
			grep -q "$1" && return 0
		sleep 0.1
	done
	return 1
}
kmark() {
	KMARK="copyoffload-test: $CASE $RANDOM$RANDOM"
	echo "$KMARK" > /dev/kmsg
}

# honest_after_loss: the disk is back as DEV: mount it and check what the
# copy reported (copy_wait) against what is on the disk
honest_after_loss() {
	mount "$DEV" "$MNT" || { why "cannot mount $DEV again"; return; }
	[ "$(md5sum < "$MNT/src")" = "$SRC_SUM" ] || why "the source changed"
	# offloaded bytes go to the disk by the command itself: the ones
	# reported are there (the copy works from the start, in order)
	if [ "${OUT_OFFLOADED:-0}" -gt 0 ] &&
	   ! cmp -s -n "$OUT_OFFLOADED" "$MNT/src" "$MNT/dst"; then
		why "the $OUT_OFFLOADED bytes reported offloaded are not all on the disk"
	fi
	want "a destination block neither its old one nor the source's" \
		py judge "$MNT/dst" "$MNT/src" letter:D
	umount "$MNT"
	want "xfs_repair -n found problems after the LUN came back" \
		xfs_repair -n "$DEV"
}

# ---- timeouts ----------------------------------------------------------------
case_start "$P/timeout/param"
old=$(cat "$TMO")
[ "$old" = 120 ] || why "cmd_timeout is $old, not 120, by default"
for v in 0 3601 -1 ten ""; do
	echo "$v" > "$TMO" 2>/dev/null && why "cmd_timeout took '$v'"
done
echo 3600 > "$TMO" || why "cmd_timeout refused 3600"
echo 1 > "$TMO" || why "cmd_timeout refused 1"
[ "$(cat "$TMO")" = 1 ] || why "cmd_timeout reads $(cat "$TMO") after 1"
echo 120 > "$TMO"
case_end

setup_here "$P" "LUN $LUN on the delay device" lun_add "$LIO_WWN" "$BS_DELAY"
DELAY_DEVT=$DEVT

# timeout_case NAME MS START_HOLD STOP_HOLD ARGS...: with cmd_timeout 1 s,
# START_HOLD makes the next command outlive it; the abort must be logged
# within MS ms; then STOP_HOLD, and the copy (ARGS) ends
timeout_case() {
	local name=$1 ms=$2 start=$3 stop=$4
	shift 4
	case_start "$P/timeout/$name"
	fresh_fs || { why "mkfs"; case_end; return; }
	echo 1 > "$TMO"
	kmark
	$start
	copy_bg "$@" "$MNT/src" "$MNT/dst" 0:0:eof
	dmesg_wait "ABORT_TASK: Sending" $((ms / 1000)) ||
		why "no ABORT_TASK within $ms ms: the command did not time out"
	$stop
	echo 120 > "$TMO"
	copy_wait 60000
	drop_caches
	[ "$(md5sum < "$MNT/src")" = "$SRC_SUM" ] || why "the source changed"
	if [[ " $* " == *" --no-fallback "* ]]; then
		[ "$OUT_RC" != 0 ] || why "the copy succeeded without offload"
		[ "${OUT_BYTES:-1}" = 0 ] ||
			why "bytes_done ${OUT_BYTES:-?}: the only command timed out"
		want "a destination block neither its old one nor the source's" \
			py judge "$MNT/dst" "$MNT/src" letter:D
	else
		[ "$OUT_RC" = 0 ] || why "the copy failed: $(tail -n 1 "$T/out")"
		want "the bytes differ" same_bytes "$MNT/src" "$MNT/dst"
	fi
	umount "$MNT"
	want "xfs_repair -n found problems" xfs_repair -n "$DEV"
	case_end
}

# LIO reads the source in pieces of at most 1 MiB: 16 MiB at 200 ms a
# read is some seconds for the one EXTENDED COPY of the range
xcopy_hold() { dm_delay_reads 200; }
xcopy_release() { dm_delay_reads 0; }
timeout_case xcopy 20000 xcopy_hold xcopy_release --offload=xcopy
timeout_case xcopy-nofb 20000 xcopy_hold xcopy_release \
	--offload=xcopy --no-fallback

# signal_in_xcopy SIGNAL CMD...: CMD (output in $T/out) in the background
# with EXTENDED COPY slowed down; SIGNAL 1 s into it; GONE_MS until it
# ended (30 s at most), RC its exit status (128 + the signal when it died
# of one)
signal_in_xcopy() {
	local sig=$1 pid t0
	shift
	xcopy_hold
	# a non-interactive shell's background job ignores SIGINT (and a
	# program finds it ignored and leaves it so, as cp does): not here
	env --default-signal=INT,QUIT "$@" > "$T/out" 2>&1 &
	pid=$!
	sleep 1
	kill -0 "$pid" 2>/dev/null || why "it was over before the signal"
	kill "-$sig" "$pid"
	t0=${EPOCHREALTIME/./}
	while kill -0 "$pid" 2>/dev/null &&
	      [ $(((${EPOCHREALTIME/./} - t0) / 1000)) -lt 30000 ]; do
		sleep 0.05
	done
	GONE_MS=$(((${EPOCHREALTIME/./} - t0) / 1000))
	kill -0 "$pid" 2>/dev/null && why "still there $GONE_MS ms after SIG$sig"
	wait "$pid" 2>/dev/null
	RC=$?
	echo "# $CASE: gone $GONE_MS ms after SIG$sig, exit $RC"
	xcopy_release
}

# SIGKILL while the module waits for an EXTENDED COPY: gone when the
# command ends (it is not abandoned: its buffer and the locks are the
# module's until then), what was copied is honest
case_start "$P/kill-in-xcopy"
if fresh_fs; then
	signal_in_xcopy KILL "$CO_RANGE" copy --offload=xcopy --no-fallback \
		"$MNT/src" "$MNT/dst" 0:0:eof
	drop_caches
	[ "$(md5sum < "$MNT/src")" = "$SRC_SUM" ] || why "the source changed"
	want "a destination block neither its old one nor the source's" \
		py judge "$MNT/dst" "$MNT/src" letter:D
	umount "$MNT"
else
	why "mkfs"
fi
case_end

# Ctrl-C on copyoffload-cp while its EXTENDED COPY takes seconds: it dies
# of SIGINT as cp does once the command ends, and the file it created is
# gone, not left looking complete
case_start "$P/cp-sigint-in-xcopy"
if fresh_fs; then
	signal_in_xcopy INT "$CO_CP" --reflink=never "$MNT/src" "$MNT/new"
	want_eq "exit status (128 + SIGINT)" 130 "$RC"
	[ -e "$MNT/new" ] && why "the unfinished destination is still there"
	grep -q "interrupted by SIGINT: removed" "$T/out" ||
		why "no word of it: $(tail -n 1 "$T/out")"
	[ "$(md5sum < "$MNT/src")" = "$SRC_SUM" ] || why "the source changed"
	umount "$MNT"
else
	why "mkfs"
fi
case_end

# ---- the LUN taken away mid-copy -------------------------------------------------

# removed_case NAME HOLD RELEASE REMOVE RESTORE ARGS...: a copy (ARGS) of
# 64 MiB, more than one command moves, whose commands are held (HOLD);
# REMOVE 1.5 s into it, RELEASE, the copy ends, RESTORE brings the LUN
# back as DEV, and the disk is judged
removed_case() {
	local name=$1 hold=$2 release=$3 remove=$4 restore=$5 MIB=64
	shift 5
	case_start "$P/$name"
	fresh_fs || { why "mkfs"; case_end; return; }
	kernel_expect_fs_errors "$DEV"
	$hold
	copy_bg "$@" "$MNT/src" "$MNT/dst" 0:0:eof
	sleep 1.5
	kill -0 "$CPID" 2>/dev/null || why "the copy was over before the LUN went"
	$remove || why "$remove failed"
	$release
	copy_wait 60000
	[ "${OUT_OFFLOADED:-0}" -lt $((MIB * MiB)) ] ||
		why "every byte was offloaded before the LUN went: nothing was tested"
	umount "$MNT" || why "cannot unmount the filesystem of the LUN that went"
	$restore || { why "$restore failed"; kernel_expect_end; case_end; return; }
	kernel_expect_end
	honest_after_loss
	case_end
}

lio_remove() { tcm_loop_lun_remove "$LIO_WWN" "$LUN"; }
lio_restore() { lun_add "$LIO_WWN" "$BS_DELAY"; }
# 64 MiB are two EXTENDED COPYs of 32 MiB; at 50 ms a read the first one
# takes about 2 s, and the LUN goes while it runs
xcopy_slow() { dm_delay_reads 50; }
removed_case removed/xcopy xcopy_slow xcopy_release lio_remove lio_restore \
	--offload=xcopy

# the initiator deletes the device.  A scan of the host cannot find it
# again (tcm_loop's hosts say max_lun 0: its LUNs appear only when the
# target links them), so the LUN is relinked.
sdev_delete() { echo 1 > "/sys/block/$(basename "$DEV")/device/delete"; }
sdev_relink() { lio_remove && lio_restore; }
removed_case deleted/xcopy xcopy_slow xcopy_release sdev_delete sdev_relink \
	--offload=xcopy

# ---- another disk under the old dev_t --------------------------------------------

# devinfo DEV FIELD: a field of the module's (cached) report on DEV
devinfo() {
	"$CO_RANGE" info --json "$1" 2>/dev/null | python3 -c '
import json, sys
v = json.load(sys.stdin)[sys.argv[1]]
print(" ".join(v) if isinstance(v, list) else v)' "$2" 2>/dev/null
}

# same_devt_case NAME WWN BACKSTORE CAPS METHOD: the LUN replaced by
# BACKSTORE's in WWN's TPG, under the old dev_t (else skip: the kernel
# chose another); the module's report (no --refresh) says CAPS and the new
# NAA at once, and a copy on it moves its data by METHOD
same_devt_case() {
	local name=$1 wwn=$2 bs=$3 caps=$4 method=$5 naa out
	case_start "$P/new-lun-same-devt/$name"
	devinfo "$DEV" caps >/dev/null	# the old disk is in the cache
	tcm_loop_lun_remove "$DEV_WWN" "$LUN" || why "cannot remove LUN $LUN"
	lun_add "$wwn" "$bs" || { why "cannot add LUN $LUN"; case_end; return; }
	if [ "$DEVT" != "$DELAY_DEVT" ]; then
		skip "$CASE" "the kernel gave the new disk $DEVT, not the old $DELAY_DEVT"
		CASE_WHY=()
		return
	fi
	want_eq "caps without --refresh" "$caps" "$(devinfo "$DEV" caps)"
	naa=$(sg_vpd -p di "$DEV" 2>/dev/null | grep -A1 "designator type: NAA" |
	      tail -n 1 | tr -d ' ' | sed 's/^0x//')
	[ -n "$naa" ] && want_eq "NAA without --refresh" "$naa" "$(devinfo "$DEV" naa)"
	fresh_fs || { why "mkfs"; case_end; return; }
	out=$("$CO_RANGE" copy --json "$MNT/src" "$MNT/dst" 0:0:eof 2>&1) ||
		why "the copy failed: $out"
	python3 -c '
import json, sys
m = {k: v for k, v in json.loads(sys.argv[1].splitlines()[0])["method_bytes"].items() if v and k != "hole"}
sys.exit(0 if list(m) == [sys.argv[2]] else "methods %s" % m)' "$out" "$method" \
		2>"$T/err" || why "not by $method alone: $(cat "$T/err")"
	drop_caches
	want "the bytes differ" same_bytes "$MNT/src" "$MNT/dst"
	umount "$MNT"
	case_end
}
same_devt_case no-3pc "$LIO_WWN" "$BS_PLAIN" "scsi naa" kernel
same_devt_case 3pc-again "$LIO_WWN" "$BS_DELAY" "scsi 3pc naa xcopy_lid1" xcopy
# the sd index is global: the ODX target's LUN (another host) takes it;
# it offers what the suite's ODX LUNs offer
ODX_CAPS=$(devinfo "$ODX0" caps)
same_devt_case odx "$ODX_WWN" "$BS_ODX" "$ODX_CAPS" odx

# ---- on the ODX target -------------------------------------------------------
odx_hold() { odx_knobs "wut-limit 8192" "delay op=wut dev=odx9 ms=6000"; }
odx_release() { odx_knobs; }
timeout_case odx 20000 odx_hold odx_release --offload=odx
timeout_case odx-nofb 20000 odx_hold odx_release --offload=odx --no-fallback

odx_remove() { tcm_loop_lun_remove "$ODX_WWN" "$LUN"; }
odx_restore() { lun_add "$ODX_WWN" "$BS_ODX"; }
removed_case removed/odx odx_hold odx_release odx_remove odx_restore \
	--offload=odx

done_testing
