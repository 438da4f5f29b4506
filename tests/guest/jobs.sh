#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Asynchronous jobs (COPYOFFLOAD_IOC_SUBMIT / WAIT / CANCEL and the
# copyoffload generic netlink family), on xfs and ext4 on the LIO LUNs:
#   - tests/progs/jobs-check's cases (raw ioctl()s and libmnl): rejections,
#     a job's outputs and destination equal a RUN's (COPY with storage
#     offload, kernel copy, max_bytes, DEDUPE, the submitter's
#     RLIMIT_FSIZE, an unprivileged user's credentials on ext4), the
#     per-user limit, cancelling half of six jobs, events in order, another
#     user seeing nothing, close() cancelling.  The module's job_step_mib is
#     1 meanwhile, so every job runs in many steps and resumes ranges, and
#     job_progress_ms 4 (a jiffy), so that the events case's jobs (112 MiB)
#     have progress events however fast the machine copies.
#   - kill-submitter: SIGKILL to a process with a job running: its jobs
#     are cancelled and gone (the device file's release).
#   - unload: rmmod is refused while a job runs (its file is open), works
#     once the submitter is gone.
#   - odx-cancel: a slow job made with the ODX target's delay knob (every
#     WRITE USING TOKEN 1.5 s late) is cancelled mid-command: it waits for
#     the command, stops with a true bytes_done, the destination a prefix.
#   - kill-in-close: a process blocked in close() of the device, waiting
#     for such a job's command (4 s late), dies at once of SIGKILL; the
#     job, cancelled and orphaned, frees itself when the command ends.
#     (The wait is killable because a job may wait for the closing process
#     itself: a FUSE server copying its own files.)
. "$(dirname "$0")/../lib.sh"
. "$CO_TOP/tests/odx/lib.sh"

P=jobs
JC=$CO_TOP/tests/progs/jobs-check
PARAMS=/sys/module/copyoffload/parameters
X=/mnt/co-jobs-xfs
E=/mnt/co-jobs-ext4

if [ ! -x "$JC" ]; then
	fail "$P" "tests/progs/jobs-check is not built"
	exit 1
fi
require_module_luns "$P"
two_filesystems "$P" "$X" "$E"
chmod 1777 "$E"

# job_params: the module's job parameters for these tests (again after a
# reload); restored at exit
job_params() {
	echo 1 > "$PARAMS/job_step_mib" && echo 8 > "$PARAMS/max_jobs_per_user" &&
		echo 4 > "$PARAMS/job_progress_ms"
}
CO_CLEANUP+=("echo $(cat "$PARAMS/job_step_mib") > $PARAMS/job_step_mib"
	     "echo $(cat "$PARAMS/job_progress_ms") > $PARAMS/job_progress_ms"
	     "echo $(cat "$PARAMS/max_jobs_per_user") > $PARAMS/max_jobs_per_user")
setup_step "$P" "job parameters" job_params

"$JC" -d "$X" -e "$E"

# start_holder DIR [SRC]: a process with a slow job in DIR running, as
# HOLDER (pid) and HOLD_ID (the job's id); SRC: jobs-check hold's ODX job
start_holder() {
	coproc HOLD { exec "$JC" hold "$@"; }
	HOLDER=$HOLD_PID
	read -r -t 60 HOLD_ID <&"${HOLD[0]}"
	[ -n "$HOLD_ID" ]
}

# stop_holder: SIGKILL the holder and reap it
stop_holder() {
	kill -KILL "$HOLDER" 2>/dev/null
	wait "$HOLDER" 2>/dev/null
}

name=$P/kill-submitter
if ! start_holder "$X"; then
	fail "$name" "the holder did not submit its job"
else
	stop_holder
	check "$name" "$JC" gone "$HOLD_ID"
fi

name=$P/unload
if ! start_holder "$X"; then
	fail "$name" "the holder did not submit its job"
elif rmmod copyoffload 2>/dev/null; then
	stop_holder
	fail "$name" "rmmod succeeded while a job ran"
	modprobe copyoffload && job_params
else
	stop_holder
	if ! "$JC" gone "$HOLD_ID"; then
		fail "$name" "the job outlived its submitter"
	elif ! rmmod copyoffload; then
		fail "$name" "rmmod failed once the submitter was gone"
	elif ! modprobe copyoffload || ! job_params; then
		fail "$name" "modprobe after rmmod failed"
	else
		pass "$name"
	fi
fi

# A job of ODX commands that each take 1.5 s: cancelled after 2 s it
# stops after the command in flight, part-way.
name=$P/odx-cancel
odx_require "$P"
O=/mnt/co-jobs-odx
mkdir -p "$O"
setup_step "$P" "mkfs.xfs $ODX0" mkfs.xfs -q -f -m reflink=0 "$ODX0"
setup_step "$P" "mount $ODX0" mount "$ODX0" "$O"
CO_CLEANUP+=("odx_knobs" "umount '$O'")
setup_step "$P" "the source" bash -c \
	"head -c $((32 << 20)) /dev/urandom > '$O/src' && sync"
echo 2 > "$PARAMS/job_step_mib"
odx_knobs "delay op=wut ms=1500"
if out=$("$JC" cancel-slow "$O/src" "$O/dst" 2000 2>&1); then
	done_bytes=$(sed -n 's/.*bytes_done=\([0-9]*\).*/\1/p' <<<"$out")
	if same_bytes "$O/src" "$O/dst" "$done_bytes"; then
		pass "$name"
	else
		fail "$name" "the destination is not the source's first $done_bytes bytes ($out)"
	fi
else
	fail "$name" "$out"
fi
echo "# $name: $out"

name=$P/kill-in-close
odx_knobs "delay op=wut ms=4000"
if ! start_holder "$O" "$O/src"; then
	fail "$name" "the holder did not submit its job"
else
	sleep 2		# a WUT is in flight
	kill -USR1 "$HOLDER"
	out=$("$CO_TOP/tests/progs/abi-check" sigafter 500 9 "$HOLDER" 2>&1)
	lat=$(sed -n 's/.*signal_to_exit_ms=\([0-9]*\).*/\1/p' <<<"$out")
	wait "$HOLDER" 2>/dev/null
	echo "# $name: $out"
	if [ -z "$lat" ] || [ "$lat" -gt 1500 ]; then
		fail "$name" "the process in close() took too long to die: $out"
	elif ! "$JC" gone "$HOLD_ID"; then
		fail "$name" "the orphaned job did not free itself"
	else
		pass "$name"
	fi
fi
odx_knobs
job_params

done_testing
