#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "copyoffload jobs" where no module can run: every form says that the
# module (or its jobs) is missing and exits 1, --json still prints JSON,
# usage errors exit 2 before anything is asked; "copyoffload info" names
# the jobs feature (against lib-fakedev.so).  Listing, cancelling and
# watching real jobs is tests/guest/lib-jobs.sh.
. "$(dirname "$0")/../lib.sh"
CO=$CO_TOOLS/copyoffload
FAKE=$CO_TOP/tests/progs/lib-fakedev.so
if [ ! -x "$CO" ]; then
	fail tools-jobs "$CO is missing: run make tools"
	exit 1
fi
P=tools-jobs

check_exit "$P/list-no-module" 1 "$CO" jobs
check_match "$P/list-no-module-msg" "^copyoffload: cannot list the jobs: .*not loaded or has no jobs \(EOPNOTSUPP\)" "$CO_ERR"
check_eq "$P/list-no-module-stdout" "" "$CO_OUT"
check_exit "$P/json-no-module" 1 "$CO" jobs --json
json_check "$P/json-no-module-null" "d == [{'jobs': None}]" "$CO_OUT"
check_exit "$P/cancel-no-module" 1 "$CO" jobs --cancel 3 4
check_eq "$P/cancel-no-module-each" 2 "$(grep -c 'cannot cancel job' <<<"$CO_ERR")"
check_exit "$P/cancel-json" 1 "$CO" jobs --cancel --json 3
json_check "$P/cancel-json-errno" "d == [{'cancel': [{'id': 3, 'errno': 'EOPNOTSUPP'}], 'exit': 1}]" "$CO_OUT"
check_exit "$P/watch-no-module" 1 "$CO" jobs --watch
check_match "$P/watch-no-module-msg" "cannot watch the jobs: .*EOPNOTSUPP" "$CO_ERR"

# usage errors: nothing is asked of the module
for args in "--cancel" "--cancel 0" "--cancel x" "--cancel -- -1" \
	"--cancel 4294967296" "--all" "--cancel --watch 1" "extra" "--bogus"; do
	# shellcheck disable=SC2086 # the words are the arguments
	check_exit "$P/usage.${args// /_}" 2 "$CO" jobs $args
done
check_match "$P/usage-msg" "^Try 'copyoffload jobs --help'" "$CO_ERR"
check_exit "$P/help" 0 "$CO" jobs --help
check_match "$P/help-text" "^Usage: copyoffload jobs" "$CO_OUT"
check_exit "$P/main-help" 0 "$CO" --help
check_match "$P/main-help-lists-jobs" "^  jobs " "$CO_OUT"

# copy --async: a job needs the module
T=$(mktemp -d "${TMPDIR:-/tmp}/co-tools-jobs.XXXXXX")
CO_CLEANUP+=("rm -rf '$T'")
echo data > "$T/a"
check_exit "$P/async-no-module" 1 "$CO" copy --async "$T/a" "$T/b"
check_match "$P/async-no-module-msg" "request rejected: --async needs the module's jobs: EOPNOTSUPP" "$CO_ERR"
check_match "$P/async-no-module-not-run" "^range 0: .* not run" "$CO_OUT"
check_exit "$P/async-clone-usage" 2 "$CO" clone --async "$T/a" "$T/b"
check_exit "$P/async-no-module-usage" 2 "$CO" copy --async --no-module "$T/a" "$T/b"

if [ -f "$FAKE" ]; then
	run_cmd env LD_PRELOAD="$FAKE" CO_FAKE_FEATURES=0x1ff "$CO" info
	check_match "$P/info-feature" "^features: .* devinfo jobs$" "$CO_OUT"
else
	fail "$P/info-feature" "tests/progs/lib-fakedev.so is not built: make lib-test-progs"
fi

done_testing
