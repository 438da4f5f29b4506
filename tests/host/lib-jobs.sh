#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# libcopyoffload's asynchronous jobs where no module can run: without one
# every function says EOPNOTSUPP (the netlink ones too: the family is not
# registered), bad arguments are EINVAL first; against the stand-in device
# (tests/progs/lib-fakedev.so) what SUBMIT, WAIT and CANCEL look like on
# the wire, and that wait's report is run's.  The module's side is
# tests/guest/lib-jobs.sh.
. "$(dirname "$0")/../lib.sh"
lib_setup lib-jobs

random_file "$T/src" 64
R1="r:$T/src,0,w:$T/dst,0,4K"
R2="r:$T/src,4K,w:$T/dst,8K,60K"
JOBS=0x17f	# the fake's features with COPYOFFLOAD_FEAT_JOBS

# sent: sent=yes when a SUBMIT reached the device
note_sent() {
	lib_note_if sent grep -q '^fake\.submit_size=' <<<"$LIB_OUT"
}

# Arguments first, then the missing module: nothing is ever guessed.
for how in -N real; do
	if [ "$how" = -N ]; then lib_check -N jobs-api; else lib_check jobs-api; fi
	lib_expect "$P/no-module-$how" has_module=0 \
		submit=EOPNOTSUPP submit_id=0 wait=EOPNOTSUPP cancel=EOPNOTSUPP \
		job_get=EOPNOTSUPP job_list=EOPNOTSUPP job_cancel=EOPNOTSUPP \
		events_open=EOPNOTSUPP events_open_sets_null=1 \
		events_open_all=EOPNOTSUPP
done
lib_expect "$P/bad-arguments" submit_null_handle=EINVAL \
	submit_null_args=EINVAL submit_null_id=EINVAL wait_null_handle=EINVAL \
	wait_bad_flags=EINVAL wait_id_0=EINVAL wait_small_report=EINVAL \
	cancel_null_handle=EINVAL cancel_id_0=EINVAL job_get_id_0=EINVAL \
	job_get_null=EINVAL job_get_small=EINVAL job_list_null_nr=EINVAL \
	job_list_null_jobs=EINVAL job_list_null_jobs_nr=0 \
	job_list_small=EINVAL job_cancel_id_0=EINVAL events_open_null=EINVAL \
	events_open_bad_flags=EINVAL events_open_failed_sets_null=1 \
	events_fd_null=EINVAL events_read_null=EINVAL
# the structures' sizes are ABI (COPYOFFLOAD_JOB_SIZE_VER0, _EVENT_)
lib_expect "$P/sizes" sizes=336,360,24

# A module without jobs: no SUBMIT is sent.
lib_fake submit copy - "$R1"
note_sent
lib_expect "$P/module-without-jobs" has_module=1 submit=EOPNOTSUPP sent=no
lib_fake CO_FAKE_FEATURES=$JOBS CO_FAKE_ABI=1 submit copy - "$R1"
note_sent
lib_expect "$P/abi1-module-no-jobs" submit=EOPNOTSUPP sent=no

# SUBMIT as the ABI wants it (version 2's size, no method array: the
# outputs come with WAIT), then WAIT's outputs as RUN gives them.
lib_fake CO_FAKE_FEATURES=$JOBS -M 16M submit copy allow,nofb "$R1" "$R2"
lib_expect "$P/submit-request" submit=0 id=7 fake.submit_size=136 \
	fake.submit_op=3 fake.submit_flags=0x5 fake.submit_nr=2 \
	fake.submit_range_size=48 fake.submit_max_bytes=$((16 << 20)) \
	fake.submit_method_bytes_ptr=0
lib_expect "$P/wait-request" fake.wait_size=24 fake.wait_flags=0 \
	fake.wait_job_id=7 fake.wait_reserved=0 fake.wait_req=set \
	fake.size=136 fake.nr=2 fake.range_size=48 fake.nr_method_bytes=32
wait_out=$(grep -v '^fake\.\|^submit=\|^id=\|^wait=' <<<"$LIB_OUT")
lib_expect "$P/wait-report" wait=0 ret=0 nr_processed=2 \
	bytes_done=$((64 * 1024)) no_module=0 stop=0 nr_methods=6 \
	r0.status=ok r0.bytes=4096 r0.methods=kernel r1.bytes=$((60 * 1024)) \
	mb.kernel=$((64 * 1024))
lib_fake CO_FAKE_FEATURES=$JOBS -M 16M -2 copy allow,nofb "$R1" "$R2"
check_eq "$P/wait-report-is-runs" \
	"$(grep -v '^fake\.' <<<"$LIB_OUT")" "$wait_out"

# A stride with room of the caller's own: kept as given, its tail checked.
lib_fake CO_FAKE_FEATURES=$JOBS -S 64 submit copy - "$R1" "$R2"
lib_expect "$P/submit-stride" submit=0 fake.submit_range_size=64 \
	r0.status=ok fake.range_size=64
lib_fake CO_FAKE_FEATURES=$JOBS -S 64 -T submit copy - "$R1"
note_sent
lib_expect "$P/submit-dirty-tail-not-sent" submit=E2BIG sent=no

# What the library refuses is never sent; what the module refuses is its
lib_fake CO_FAKE_FEATURES=$JOBS submit clone - "$R1"
note_sent
lib_expect "$P/clone-is-no-job" submit=EINVAL id=0 sent=no
lib_fake CO_FAKE_FEATURES=$JOBS submit copy 0x4000000000000000 "$R1"
note_sent
lib_expect "$P/unknown-flag-not-sent" submit=EINVAL sent=no
lib_fake CO_FAKE_FEATURES=$JOBS submit copy - "$R1,x65537"
note_sent
lib_expect "$P/too-many-ranges-not-sent" submit=E2BIG sent=no
lib_fake CO_FAKE_FEATURES=$JOBS CO_FAKE_SUBMIT_ERRNO=11 submit copy - "$R1"
lib_expect "$P/module-refuses" submit=EAGAIN id=0
lib_fake CO_FAKE_FEATURES=$JOBS submit dedupe - "$R1"
lib_expect "$P/dedupe-job" submit=0 fake.submit_op=2 wait=0

# WAIT's flags and errors; CANCEL; reaping without outputs
lib_fake CO_FAKE_FEATURES=$JOBS -n submit copy - "$R1"
lib_expect "$P/wait-nohang" fake.wait_flags=0x1 wait=0
lib_fake CO_FAKE_FEATURES=$JOBS CO_FAKE_WAIT_ERRNO=11 -n submit copy - "$R1"
lib_expect "$P/wait-eagain" wait=EAGAIN
lib_fake CO_FAKE_FEATURES=$JOBS cancel 7
lib_expect "$P/cancel" cancel=0 fake.cancel=7
lib_fake CO_FAKE_FEATURES=$JOBS cancel 8
lib_expect "$P/cancel-unknown" cancel=ENOENT
lib_fake CO_FAKE_FEATURES=$JOBS reap 7
lib_expect "$P/reap-without-outputs" reap=0 fake.wait_req=0
lib_fake CO_FAKE_FEATURES=$JOBS reap 9
lib_expect "$P/reap-unknown" reap=ENOENT

done_testing
