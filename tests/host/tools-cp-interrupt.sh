#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# copyoffload-cp stopped in the middle of a large copy: SIGINT, SIGTERM and
# SIGHUP end it promptly, remove a destination it created and say that an
# existing one is incomplete; it dies of the signal as GNU cp does (status
# 128 + N); SIGKILL leaves a destination whose size is not the source's;
# a progress line on a terminal is erased before the message.
# The copies are of real data (no holes) on the scratch directory's
# filesystem, large enough to be caught half-way.
. "$(dirname "$0")/../lib.sh"

tools_cp_setup cp.interrupt

SIZE=$((512 * 1024 * 1024))

# src: real data, no holes: written zeroes, then random bytes at the end
truncate -s "$SIZE" src
dd if=/dev/zero of=src bs=1M count=$((SIZE >> 20)) conv=notrunc status=none
head -c 4096 /dev/urandom | dd of=src bs=4096 seek=$(((SIZE >> 12) - 1)) conv=notrunc status=none

# --- SIGINT: a destination this run created is removed ----------------------
if landed cp.interrupt.int.status 130 'rm -f new' INT new "$CP" -q --reflink=never src new; then
	[ ! -e new ] && pass cp.interrupt.int.removed ||
		fail cp.interrupt.int.removed "new left behind: $(stat -c %s new) bytes"
	check_match cp.interrupt.int.msg \
		"^copyoffload-cp: interrupted by SIGINT: removed 'new', which was not complete$" "$INT_ERR"
	[ "$INT_MS" -lt 2000 ] && pass cp.interrupt.int.prompt ||
		fail cp.interrupt.int.prompt "took $INT_MS ms to stop"
fi
rm -f new

# GNU cp dies of the signal too (same status), but leaves its partial copy
landed cp.interrupt.int.status-like-cp 130 'rm -f gnu' INT gnu "$GNU_CP" --reflink=never src gnu
rm -f gnu

# --- SIGINT while the progress line is on a terminal: erased first --------------
TTY_SIGNAL=INT COPYOFFLOAD_CP_PIECE=1M tty_run 100 tty.out \
	env --default-signal "$CP" -q --progress=0 --reflink=never src new
check_eq cp.interrupt.progress.status 130 "$CO_RC"
check_eq cp.interrupt.progress.screen \
	"copyoffload-cp: interrupted by SIGINT: removed 'new', which was not complete" \
	"$(tty_screen tty.out 100)"
rm -f new

# --- SIGHUP: the same ---------------------------------------------------------
if landed cp.interrupt.hup.status 129 'rm -f new' HUP new "$CP" -q --reflink=never src new; then
	[ ! -e new ] && pass cp.interrupt.hup.removed ||
		fail cp.interrupt.hup.removed "new left behind: $(stat -c %s new) bytes"
fi
rm -f new

# --- SIGTERM: an existing destination is said to be incomplete --------------
if landed cp.interrupt.term.status 143 'echo "old content" > old' \
	TERM old "$CP" -q --reflink=never src old; then
	size=$(stat -c %s old)
	[ "$size" -lt "$SIZE" ] && pass cp.interrupt.term.not-complete ||
		fail cp.interrupt.term.not-complete "old has the source's size ($size bytes)"
	check_match cp.interrupt.term.msg \
		"^copyoffload-cp: interrupted by SIGTERM: 'old' is incomplete$" "$INT_ERR"
	same_bytes src old "$size" && pass cp.interrupt.term.prefix ||
		fail cp.interrupt.term.prefix "the $size bytes in old are not the source's"
fi
rm -f old

# --- SIGKILL: no cleanup possible, but the size is not the source's ---------
if landed cp.interrupt.kill.status 137 'rm -f new' KILL new "$CP" -q --reflink=never src new; then
	size=$(stat -c %s new 2>/dev/null || echo 0)
	[ "$size" -lt "$SIZE" ] && pass cp.interrupt.kill.not-complete ||
		fail cp.interrupt.kill.not-complete "new has the source's size ($size bytes)"
	same_bytes src new "$size" && pass cp.interrupt.kill.prefix ||
		fail cp.interrupt.kill.prefix "the $size bytes in new are not the source's"
fi
rm -f new

# --- stuck opening a FIFO (no reader): SIGINT still ends it --------------------
mkfifo fifo
env --default-signal "$CP" -q src fifo 2>/dev/null &
pid=$!
sleep 0.3
kill -INT "$pid"
for ((i = 0; i < 100; i++)); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.02
done
if kill -0 "$pid" 2>/dev/null; then
	fail cp.interrupt.fifo "still running 2 s after SIGINT"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
else
	wait "$pid" 2>/dev/null
	check_eq cp.interrupt.fifo 130 "$?"
fi
rm -f fifo

# --- an ignored SIGINT stays ignored, as with GNU cp ----------------------------
interrupt_copy INT new --ignore-signal=INT "$CP" -q --reflink=never src new
check_eq cp.interrupt.ignored.status 0 "$INT_RC"
same_bytes src new && pass cp.interrupt.ignored.copied || fail cp.interrupt.ignored.copied "differ"
rm -f new

done_testing
