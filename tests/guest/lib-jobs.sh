#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Asynchronous jobs through libcopyoffload and "copyoffload jobs", against
# the module: tests/progs/lib-jobs-check submits jobs and checks what WAIT gives
# against copyoffload_run() for the same ranges (outputs and destination
# bytes), reads the events (seq in order, one DONE per job, after every
# PROGRESS, with WAIT's outputs), cancels by the device and by netlink,
# queries and lists; then the tool lists a job that is not reaped yet
# (text and --json), cancels one (--cancel) and watches events (--watch).
# Arguments are case patterns for lib-jobs-check (e.g. 'jobs/events').  The
# files live on a scratch filesystem of each type of CO_TEST_FS (default
# xfs: the jobs run the same range loop as RUN, which the fs-* tests cover).
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/guest/fslib.sh
. "$(dirname "$0")/fslib.sh"
P=lib-jobs
PROG=$CO_TOP/tests/progs/lib-jobs-check
FS_TYPES=${CO_TEST_FS:-xfs}
PARAM=/sys/module/copyoffload/parameters/job_progress_ms

if [ ! -x "$PROG" ]; then
	fail "$P" "tests/progs/lib-jobs-check is not built: make guest-test-progs"
	exit 1
fi
if [ ! -c /dev/copyoffload ]; then
	fail "$P" "no /dev/copyoffload: the module is not loaded"
	exit 1
fi
if ! "$CO_RANGE" info 2>/dev/null | grep -q '^features:.* jobs'; then
	fail "$P" "the module has no jobs: $("$CO_RANGE" info 2>&1 | grep features)"
	exit 1
fi

# progress events often enough that every job of the test has some
if [ -w "$PARAM" ]; then
	CO_CLEANUP+=("echo $(cat "$PARAM") > $PARAM")
	echo 20 > "$PARAM"
fi

jobs_cases() {
	local start
	start=$(date +%s)
	"$PROG" "$M" "${PATTERNS[@]}" |
		sed "s|^\(\(not \)\{0,1\}ok \)jobs/|\1$P.$FS.|"
	echo "# lib-jobs-check on $FS: $(($(date +%s) - start)) s"
}

# tool_cases: "copyoffload jobs" beside a job that lib-jobs-check holds
tool_cases() {
	local t=$P.$FS.tool in out2 id json
	fsc data "$M/hold-src" 64M || { fail "$t" "cannot make hold-src: $FSC"; return; }

	in=$(mktemp -u "${TMPDIR:-/tmp}/co-jobs-in.XXXXXX")
	mkfifo "$in"
	CO_CLEANUP+=("rm -f '$in'")
	"$PROG" hold "$M/hold-src" "$M/hold-dst" < "$in" > "$out" &
	pid=$!
	exec 7> "$in"
	for _ in $(seq 100); do
		grep -q '^id=' "$out" && break
		sleep 0.1
	done
	id=$(sed -n 's/^id=//p' "$out")
	if [ -z "$id" ]; then
		fail "$t" "lib-jobs-check hold: $(cat "$out")"
		exec 7>&-
		wait "$pid"
		return
	fi

	# listed, until it is reaped, whatever its state
	check_exit "$t.list" 0 "$CO_RANGE" jobs
	check_match "$t.list-row" "^ *$id +root +$pid +copy +(queued|running|done) " "$CO_OUT"
	check_match "$t.list-header" "^ *ID +USER +PID +OP +STATE +DONE +TOTAL +RANGES +METHOD +ELAPSED" "$CO_OUT"
	check_exit "$t.json" 0 "$CO_RANGE" jobs --json
	json="$CO_OUT"
	json_check "$t.json-job" "[j for j in d[0]['jobs'] if j['id'] == $id and j['pid'] == $pid and j['uid'] == 0 and j['op'] == 'copy' and j['nr_ranges'] == 1 and j['bytes_total'] == 64 << 20]" "$json"

	# --cancel: by id, from another process; a second time is still 0
	# (the job is finished, not reaped), an unknown id is 1
	check_exit "$t.cancel" 0 "$CO_RANGE" jobs --cancel "$id"
	check_exit "$t.cancel-unknown" 1 "$CO_RANGE" jobs --cancel 999999
	check_match "$t.cancel-unknown-msg" "999999.*(ENOENT|No such)" "$CO_ERR"
	check_exit "$t.cancel-usage" 2 "$CO_RANGE" jobs --cancel x1

	echo >&7
	exec 7>&-
	wait "$pid"
	check_match "$t.cancelled" "^stop=(3|0)$" "$(cat "$out")"
	check_exit "$t.list-reaped" 0 "$CO_RANGE" jobs --json
	json_check "$t.list-reaped-gone" "not [j for j in d[0]['jobs'] if j['id'] == $id]" "$CO_OUT"

	# --watch: the events of a job, as lines, until interrupted
	out2=$(mktemp "${TMPDIR:-/tmp}/co-jobs-watch.XXXXXX")
	CO_CLEANUP+=("rm -f '$out2'")
	"$CO_RANGE" jobs --watch --json > "$out2" 2>&1 &
	pid=$!
	sleep 1
	"$CO_RANGE" copy --offload=none "$M/hold-src" "$M/watch-dst" >/dev/null
	# a synchronous copy is no job: its events would be a bug
	"$PROG" hold "$M/hold-src" "$M/watch-dst2" <<<"" > "$out"
	id=$(sed -n 's/^id=//p' "$out")
	sleep 1
	kill -INT "$pid"
	wait "$pid"
	check_eq "$t.watch-exit" 0 "$?"
	json_check "$t.watch-events" "[e for e in d if e['id'] == $id and e['event'] == 'done' and e['seq'] >= 1] and all(e['id'] == $id for e in d)" "$(cat "$out2")"
}

# async_cases: copyoffload copy --async gives what copy gives; SIGINT
# cancels the job, and the output says where it stopped
async_cases() {
	local t=$P.$FS.async err
	fsc data "$M/async-src" 24M 0:8M 12M:12M || { fail "$t" "cannot make async-src: $FSC"; return; }
	check_exit "$t.sync" 0 "$CO_RANGE" copy --offload=none --json \
		"$M/async-src" "$M/async-sync" 0:0:5M 5M:7M:eof 100K:30M:12345
	sync_json=$CO_OUT
	err=$(mktemp "${TMPDIR:-/tmp}/co-async-err.XXXXXX")
	CO_CLEANUP+=("rm -f '$err'")
	check_exit "$t.run" 0 "$CO_RANGE" copy --async -v --offload=none --json \
		"$M/async-src" "$M/async-job" 0:0:5M 5M:7M:eof 100K:30M:12345
	# the same JSON but for the destination's name
	json_check "$t.same-output" "(lambda s: s(d[0]) == s(d[1]))(lambda o: {**o, 'ranges': [{k: v for k, v in r.items() if k != 'dst'} for r in o['ranges']]})" "$sync_json
$CO_OUT"
	check_match "$t.verbose-events" "^job [0-9]+: .*, done$" "$CO_ERR"
	check "$t.same-bytes" cmp "$M/async-sync" "$M/async-job"

	fsc data "$M/async-big" 256M || { fail "$t" "cannot make async-big: $FSC"; return; }
	"$CO_RANGE" copy --async --offload=none --json "$M/async-big" \
		"$M/async-int" > "$out" 2> "$err" &
	pid=$!
	# the first bytes: the job runs (the handler is set before it is
	# submitted); 1 MiB was too late once, a 128 MiB job had finished
	for _ in $(seq 400); do
		[ "$(stat -c %s "$M/async-int" 2>/dev/null || echo 0)" -gt 0 ] && break
		sleep 0.02
	done
	kill -INT "$pid"
	wait "$pid"
	check_eq "$t.sigint-exit" 130 "$?"
	check_match "$t.sigint-msg" "interrupted by SIGINT: the job was cancelled" "$(cat "$err")"
	json_check "$t.sigint-stopped" "d[0]['ranges'][0]['status'] == 'stopped' and 0 < d[0]['ranges'][0]['bytes_done'] < 256 << 20 and d[0]['exit'] == 1" "$(cat "$out")"
	check_exit "$t.sigint-reaped" 0 "$CO_RANGE" jobs --json
	json_check "$t.sigint-reaped-none" "d[0]['jobs'] == []" "$CO_OUT"
}

# Each phase's files go before the next: lib-jobs-check alone leaves about
# 900 MiB on the 1 GiB LUN, and a copy that meets ENOSPC fails a range.
run_fs() {
	jobs_cases
	if [ ${#PATTERNS[@]} -eq 0 ]; then
		find "$M" -maxdepth 1 -type f -delete
		tool_cases
		find "$M" -maxdepth 1 -type f -delete
		async_cases
	fi
}

PATTERNS=("$@")
out=$(mktemp "${TMPDIR:-/tmp}/co-jobs-out.XXXXXX")
CO_CLEANUP+=("rm -f '$out'")
for_each_fs run_fs
tainted_badly && fail "$P.taint" "kernel taint $(cat /proc/sys/kernel/tainted)"

done_testing
