#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The harness's own judges, on made-up input: tests/vm/kernel-problems
# (what in a kernel log is a problem, what is excused) and
# tests/vm/stall-watch (the processes dumped once a stall, not before, and
# again after the next stall).
. "$(dirname "$0")/../lib.sh"

KP=$CO_TOP/tests/vm/kernel-problems
SW=$CO_TOP/tests/vm/stall-watch
tools_scratch T

# problems NAME WANT LOG: kernel-problems on LOG prints WANT (its lines)
# and exits 0, or with WANT empty prints nothing and exits 1
problems() {
	local out rc
	out=$(printf '%b' "$3" | "$KP")
	rc=$?
	if [ -z "$2" ] && [ "$rc" = 1 ] && [ -z "$out" ]; then
		pass "$1"
	elif [ -n "$2" ] && [ "$rc" = 0 ] && [ "$out" = "$2" ]; then
		pass "$1"
	else
		fail "$1" "exit $rc, printed '$(tr '\n' '|' <<<"$out")', wanted '$2'"
	fi
}

problems kernel-problems.clean "" \
	'[ 1.0] XFS (sda): Mounting V5 Filesystem\n[ 1.1] copyoffload: loaded\n'
problems kernel-problems.warning "[ 2.0] WARNING: CPU: 0 PID: 1 at x.c:1 f+0x1/0x2" \
	'[ 1.0] ok\n[ 2.0] WARNING: CPU: 0 PID: 1 at x.c:1 f+0x1/0x2\n'
problems kernel-problems.crlf "[ 2.0] BUG: unable to handle page fault" \
	'[ 1.0] ok\r\n[ 2.0] BUG: unable to handle page fault\r\n'
problems kernel-problems.hung-task "[ 3.0] INFO: task xfs_io:12 blocked for more than 120 seconds." \
	'[ 3.0] INFO: task xfs_io:12 blocked for more than 120 seconds.\n'
# TCG's clock jump under the deadline server: that report only, whole
problems kernel-problems.tcg-hrtimer "" \
	'[ 1.0] WARNING: kernel/time/hrtimer.c:1052 at hrtimer_forward+0x1/0x2\n[ 1.1] Call Trace:\n[ 1.2]  dl_task_timer+0x1/0x2\n[ 1.3] ---[ end trace 0000000000000000 ]---\n'
problems kernel-problems.other-hrtimer \
	"$(printf '[ 1.0] WARNING: kernel/time/hrtimer.c:1052 at hrtimer_forward+0x1/0x2\n[ 1.1] Call Trace:')" \
	'[ 1.0] WARNING: kernel/time/hrtimer.c:1052 at hrtimer_forward+0x1/0x2\n[ 1.1] Call Trace:\n[ 1.2]  tick_sched_timer+0x1/0x2\n[ 1.3] ---[ end trace 0000000000000000 ]---\n'
# a disk taken away on purpose: its filesystem's errors, and only until
# the test says the end
problems kernel-problems.expected-fs-errors \
	"$(printf '[ 1.3] XFS (sdc): Corruption detected. Unmount and run xfs_repair\n[ 1.5] XFS (sdb): Filesystem has been shut down due to log error (0x2).')" \
	'[ 1.0] copyoffload-test: expect fs-errors on sdb\n[ 1.1] XFS (sdb1): Corruption detected. Unmount and run xfs_repair\n[ 1.2] XFS (sdb): Filesystem has been shut down due to log error (0x2).\n[ 1.3] XFS (sdc): Corruption detected. Unmount and run xfs_repair\n[ 1.4] copyoffload-test: expect end\n[ 1.5] XFS (sdb): Filesystem has been shut down due to log error (0x2).\n'
# stall-watch's dump: command lines may hold any word
problems kernel-problems.stall-dump "" \
	'[ 1.0] copyoffload-test: stall: 12<1 S do_wait grep -E WARNING:|BUG: log\n[ 1.1] copyoffload-test: stall:   12 [<0>] do_wait+0x53/0x120\n'

# stall-watch: a stamp 10 s old, a stall of 3 s, a process asleep to find
dumps() { grep -c '^# stall: harness.sh printed nothing for 3 s' "$T/out"; }
: > "$T/stamp"
touch -d '-10 sec' "$T/stamp"
sleep 60 &
sleeper=$!
CO_TEST_STALL=3 "$SW" harness.sh "$T/stamp" "$T/log" > "$T/out" &
watch=$!
sleep 4
check_eq stall-watch.once 1 "$(dumps)"
check_match stall-watch.process "^# stall: $sleeper<$$ S [^ ]+ sleep 60" "$(cat "$T/out")"
if cat "/proc/$sleeper/stack" > /dev/null 2>&1; then
	check_match stall-watch.stack "^# stall:   $sleeper \[<" "$(cat "$T/out")"
else
	skip stall-watch.stack "/proc/PID/stack cannot be read here"
fi
check_eq stall-watch.log "$(sed 's/^# /copyoffload-test: /' "$T/out")" "$(cat "$T/log")"
# a line printed (the stamp touched): quiet until the next stall
: > "$T/stamp"
sleep 1
check_eq stall-watch.rearmed 1 "$(dumps)"
sleep 5
check_eq stall-watch.again 2 "$(dumps)"
# the stamp gone (the script's run over): the watcher ends by itself
rm -f "$T/stamp"
sleep 2
check_fails stall-watch.ends kill -0 "$watch"
kill "$sleeper" "$watch" 2>/dev/null
wait "$sleeper" "$watch" 2>/dev/null
done_testing
