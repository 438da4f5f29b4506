#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Signals and a big COPY: a fatal signal stops the in-kernel copy promptly
# (the module checks for one between 4 MiB chunks) and leaves a destination
# that holds a prefix of the source; a signal that is not fatal (a caught
# SIGUSR1, SIGSTOP/SIGCONT) does not interrupt it.  A 600 MiB source of
# random data on xfs on the first LUN, destinations on xfs on the second (two
# copies of it do not fit one 1 GiB LUN), copied with
# "copyoffload copy --offload=none" (the in-kernel copy: a default COPY on
# xfs neither clones nor has a filesystem copy); a caught SIGUSR1 over its
# first 160 MiB, SIGSTOP/SIGCONT over all of it (a shorter copy could end
# before the stop lands).  Writing the source takes most of the time
# (60-80 s: LIO LUN writes run at ~9 MB/s under TCG); CO_TEST_SIGNAL_MIB
# sets a smaller size for a quicker run.
. "$(dirname "$0")/../lib.sh"

P=signal
ABI=$CO_TOP/tests/progs/abi-check
TOOL=$CO_TOOLS/copyoffload
S=/mnt/co-signal-src
D=/mnt/co-signal-dst
SIZE_MIB=${CO_TEST_SIGNAL_MIB:-600}
NONFATAL_MIB=$((SIZE_MIB < 160 ? SIZE_MIB : 160))

if [ ! -x "$ABI" ] || [ ! -x "$TOOL" ]; then
	fail "$P" "tests/progs/abi-check or tools/copyoffload is not built"
	exit 1
fi
require_module_luns "$P"


mkdir -p "$S" "$D"
setup_step "$P" "mkfs.xfs $LUN0" mkfs.xfs -q -f -m reflink=1 "$LUN0"
setup_step "$P" "mkfs.xfs $LUN1" mkfs.xfs -q -f -m reflink=1 "$LUN1"
setup_step "$P" "mount $LUN0" mount "$LUN0" "$S"
CO_CLEANUP+=("umount '$S'")
setup_step "$P" "mount $LUN1" mount "$LUN1" "$D"
CO_CLEANUP+=("umount '$D'")

# The LUNs advertise an 8 MiB optimal I/O size, so the kernel reads ahead
# 16 MiB at a time (read_ahead_kb 16384); under TCG a copy stuck in such a
# readahead took up to 1.3-1.7 s to die, against 65-130 ms with the
# kernel's default 128 KiB.  That is the emulated disk, not the module:
# measure with 128 KiB.
for lun in "$LUN0" "$LUN1"; do
	ra=/sys/block/$(basename "$lun")/queue/read_ahead_kb
	[ -w "$ra" ] || continue
	CO_CLEANUP+=("echo $(cat "$ra") > '$ra'")
	echo 128 > "$ra"
done

# The source: pseudo-random bytes (/dev/urandom manages ~10 MB/s in a TCG
# guest) written through a pipe (cp and cat may reflink or use
# copy_file_range here), every block written, nothing shared.
t=$(date +%s)
setup_step "$P" "write the source" bash -o pipefail -c \
	"'$ABI' random $((SIZE_MIB << 20)) | dd of='$S/src' bs=4M iflag=fullblock oflag=direct status=none"
sync
echo "# $SIZE_MIB MiB source written in $(($(date +%s) - t)) s"
SRC_SIZE=$(stat -c %s "$S/src")

# fatal_case SIG: start a copy from cold caches, send SIG after 1 s while
# the tool is inside its one ioctl (abi-check sigafter reads
# /proc/PID/syscall as it signals: 16, ioctl, or "running", copying on a
# CPU), and check that it is gone within 2 s (measured through a pidfd),
# with a prefix of the source in place (some of it, not all: the signal
# landed mid-copy) and no kernel complaint.
fatal_case() {
	local sig=$1 name=$P/sig${1,,}-stops-copy dst=$D/dst-$1 pid out arc rc
	local lat size log_lines new sc

	rm -f "$dst"
	sync
	echo 3 > /proc/sys/vm/drop_caches
	log_lines=$(dmesg | wc -l)
	"$TOOL" copy --offload=none "$S/src" "$dst" > /dev/null 2>&1 &
	pid=$!
	out=$("$ABI" sigafter 1000 "$(kill -l "$sig")" "$pid" 2>&1)
	arc=$?
	# x86_64: ioctl is system call 16
	sc=$(sed -n 's/.*syscall_at_signal=\([^ ]*\).*/\1/p' <<<"$out")
	wait "$pid" 2>/dev/null
	rc=$?
	size=$(stat -c %s "$dst" 2>/dev/null || echo 0)
	lat=$(sed -n 's/.*signal_to_exit_ms=\([0-9]*\).*/\1/p' <<<"$out")
	echo "# SIG$sig: $out; exit $rc; destination $size of $SRC_SIZE bytes"
	if [ "$sc" != 16 ] && [ "$sc" != running ]; then
		fail "$name" "the tool was not in the ioctl when signalled (system call '${sc:-none}')"
	elif [ "$arc" -ne 0 ] || [ -z "$lat" ]; then
		fail "$name" "$out"
	elif [ "$lat" -gt 2000 ]; then
		fail "$name" "gone only after $lat ms (limit 2000 ms)"
	elif [ "$rc" -ne $((128 + $(kill -l "$sig"))) ]; then
		fail "$name" "exit status $rc, not death by SIG$sig"
	else
		pass "$name"
	fi

	name=$P/sig${1,,}-destination-is-prefix
	if [ "$size" -ge "$SRC_SIZE" ]; then
		fail "$name" "the destination is complete ($size bytes): the signal came too late to test anything"
	elif [ "$size" -eq 0 ]; then
		fail "$name" "the destination is empty: the signal came before the copy did anything"
	elif ! cmp -s -n "$size" "$S/src" "$dst"; then
		fail "$name" "the first $size bytes differ from the source"
	else
		pass "$name"
	fi

	name=$P/sig${1,,}-no-kernel-warnings
	new=$(dmesg | tail -n +$((log_lines + 1)) |
	      "$CO_TOP/tests/vm/kernel-problems" | head -n 3 | tr '\n' ' ')
	if [ -n "$new" ]; then
		fail "$name" "kernel log: $new"
	else
		pass "$name"
	fi
	rm -f "$dst"
}

fatal_case KILL
# SIGTERM is not caught by the tool: its default action makes it fatal too
# (the kernel turns it into a group SIGKILL), so it must stop the copy as well.
fatal_case TERM

# The signals that are not fatal, over the first NONFATAL_MIB of the source
# (40 chunks of the in-kernel copy; a whole 600 MiB copy and compare takes
# minutes of TCG time and proves nothing more).
NONFATAL=$((NONFATAL_MIB << 20))

# A caught SIGUSR1 every 20 ms (handler without SA_RESTART, so an EINTR
# would reach the caller): the copy completes with every byte.
name=$P/sigusr1-does-not-interrupt-copy
rm -f "$D/dst-usr1"
if out=$("$ABI" sigcopy "$S/src" "$D/dst-usr1" "$NONFATAL" 2>&1); then
	echo "# $out"
	if cmp -s -n "$NONFATAL" "$S/src" "$D/dst-usr1" &&
	   [ "$(stat -c %s "$D/dst-usr1")" = "$NONFATAL" ]; then
		pass "$name"
	else
		fail "$name" "the destination differs from the source"
	fi
else
	fail "$name" "$(echo "$out" | tail -n 1)"
fi
rm -f "$D/dst-usr1"

# ABI version 2 requests stop for any signal and for max_bytes, and resume
# from where they stopped (abi-check stopcopy checks every stop): the whole
# copy ends with every byte.
stop_case() {
	local name=$P/$1 mode=$2 out

	rm -f "$D/dst-stop2"
	head -c $((64 << 20)) "$S/src" > "$S/src-part"
	if out=$("$ABI" stopcopy "$mode" "$S/src-part" "$D/dst-stop2" 2>&1); then
		echo "# $out"
		if cmp -s "$S/src-part" "$D/dst-stop2"; then
			pass "$name"
		else
			fail "$name" "the destination differs from the source"
		fi
	else
		fail "$name" "$(echo "$out" | tail -n 1)"
	fi
	rm -f "$D/dst-stop2" "$S/src-part"
}
stop_case v2-sigusr1-stops-and-resumes signal
stop_case v2-max-bytes-pieces $((16 << 20))

# SIGSTOP and SIGCONT during the copy (of the whole source, so that the
# stop lands while it runs): the copy completes with every byte.
name=$P/sigstop-sigcont-copy-completes
NONFATAL=$SRC_SIZE
rm -f "$D/dst-stop"
t=$(date +%s%N)
"$TOOL" copy --offload=none "$S/src" "$D/dst-stop" 0:0:eof \
	> "$S/stop.out" 2>&1 &
pid=$!
sleep 0.5
stopped=0
kill -STOP "$pid" 2>/dev/null && stopped=1
sleep 0.5
kill -CONT "$pid" 2>/dev/null
wait "$pid"
rc=$?
echo "# SIGSTOP/SIGCONT: exit $rc after $((($(date +%s%N) - t) / 1000000)) ms: $(tail -n 1 "$S/stop.out")"
if [ "$stopped" = 0 ]; then
	fail "$name" "the copy was over before SIGSTOP: nothing was tested"
elif [ "$rc" -ne 0 ]; then
	fail "$name" "exit $rc: $(tail -n 2 "$S/stop.out" | tr '\n' ' ')"
elif ! cmp -s -n "$NONFATAL" "$S/src" "$D/dst-stop" ||
     [ "$(stat -c %s "$D/dst-stop")" != "$NONFATAL" ]; then
	fail "$name" "the destination differs from the source"
else
	pass "$name"
fi
rm -f "$D/dst-stop" "$S/stop.out"

done_testing
