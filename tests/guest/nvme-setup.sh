#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nvme-setup.sh: "copyoffload nvme-setup" against the QEMU NVMe namespaces
# of tests/vm/run --nvme.
#   - identify: what it reads (--dry-run --json: ONCS, OCFS, nsid, MSSRL,
#     MCL, MSRC, metadata) equals what nvme-cli's id-ctrl and id-ns say,
#     and the limits are the ones the harness gave QEMU (CO_NVME_*);
#     without arguments it finds every namespace, and a partition is
#     neither found nor accepted.
#   - engine: with a module that has the NVMe Copy engine (FEAT_NVME, a
#     real probe: "nvme" among the features of copyoffload info --json),
#     nvme-setup hands the limits over and "copyoffload info DEV" shows
#     them (transport nvme, the nsid, limits_set, MSSRL/MCL/MSRC, no
#     reason not to copy); unprivileged it is refused.  A module without
#     the engine: nvme-setup says so and exits 1, and the engine's cases
#     are skipped with that reason.
# Runs in the guest (tests/vm/run --nvme); skips when the guest has no
# NVMe namespace at all.
. "$(dirname "$0")/../lib.sh"

P=nvme-setup
CO=$CO_TOOLS/copyoffload
tools_scratch T
read -r NS0 NS1 _ <<<"${COPYOFFLOAD_NVME_NAMESPACES:-}"
if [ -z "${NS0:-}" ]; then
	if ! ls -d /sys/block/nvme*n* >/dev/null 2>&1; then
		skip "$P/namespaces" "this guest has no NVMe namespace (tests/vm/run --nvme adds them)"
		done_testing
	fi
	fail "$P/namespaces" "NVMe namespaces but COPYOFFLOAD_NVME_NAMESPACES is empty"
	done_testing
fi
if [ ! -x "$CO" ] || ! command -v nvme >/dev/null; then
	fail "$P/setup" "needs $CO (make tools) and nvme-cli (tests/deps)"
	done_testing
fi
MSSRL=${CO_NVME_MSSRL:?} MCL=${CO_NVME_MCL:?} MSRC=${CO_NVME_MSRC:?}

# py EXPR FILE...: EXPR with a, b, ... bound to the JSON of each FILE
# (/dev/stdin too); objects and lists are printed as JSON
py() {
	python3 -c '
import json, sys
v = {chr(ord("a") + i): json.load(open(f)) for i, f in enumerate(sys.argv[2:])}
r = eval(sys.argv[1], {}, v)
print(json.dumps(r) if isinstance(r, (dict, list)) else r)' "$@"
}

# ---- identify: nvme-setup's reading against nvme-cli's ---------------------
run_cmd "$CO" nvme-setup --dry-run --json $NS0 $NS1
echo "$CO_OUT" > "$T/setup.json"
check_eq "$P/dry-run" 0 "$CO_RC"
for ns in $NS0 $NS1; do
	n=${ns#/dev/}
	if ! nvme id-ctrl "$ns" -o json > "$T/ctrl" 2> "$T/err" ||
	   ! nvme id-ns "$ns" -o json > "$T/ns" 2>> "$T/err"; then
		fail "$P/identify/$n" "nvme-cli: $(tr '\n' ' ' < "$T/err")"
		continue
	fi
	# this namespace's entry of nvme-setup's output
	py "([x for x in a['namespaces'] if x['path'] == '$ns'] + [{}])[0]" \
		"$T/setup.json" > "$T/mine" 2>/dev/null || echo '{}' > "$T/mine"
	check_eq "$P/identify/$n/ctrl" \
		"$(py "(b['oncs'], b.get('ocfs', a.get('ocfs')), (b['oncs'] >> 8) & 1 == 1)" "$T/mine" "$T/ctrl")" \
		"$(py "(a.get('oncs'), a.get('ocfs'), a.get('copy'))" "$T/mine")"
	check_eq "$P/identify/$n/ns" \
		"$(py "($(cat "/sys/block/$n/nsid"), b['mssrl'], b['mcl'], b['msrc'], b['lbafs'][b['flbas'] & 15]['ms'], b['dps'] & 7)" "$T/mine" "$T/ns")" \
		"$(py "(a.get('nsid'), a.get('mssrl'), a.get('mcl'), a.get('msrc'), a.get('metadata_size'), a.get('protection'))" "$T/mine")"
	check_eq "$P/identify/$n/harness-limits" "$MSSRL $MCL $MSRC" \
		"$(py "'%s %s %s' % (a.get('mssrl'), a.get('mcl'), a.get('msrc'))" "$T/mine")"
	check_eq "$P/identify/$n/state" dry_run "$(py "a.get('state')" "$T/mine")"
done
check_match "$P/dry-run/text" "^$NS0: nsid [0-9]+: copy yes, mssrl $MSSRL, mcl $MCL, msrc $MSRC \($((MSRC + 1)) ranges\): not handed over \(dry run\)$" \
	"$("$CO" nvme-setup --dry-run "$NS0" 2>&1)"

# every namespace, and no partition: one on NS1 for the while
found=$(cd /sys/class/block && for b in nvme*n*; do
	[ -e "$b/partition" ] || [[ $b == nvme*c* ]] || echo "/dev/$b"; done | sort -V | tr '\n' ' ')
if echo 'start=2048, size=4096' | sfdisk -q "$NS1" >/dev/null 2>&1 &&
   blockdev --rereadpt "$NS1" 2>/dev/null; then
	CO_CLEANUP+=("wipefs -q -a '$NS1' >/dev/null; blockdev --rereadpt '$NS1'")
	for ((i = 0; i < 50; i++)); do
		[ -b "${NS1}p1" ] && break
		sleep 0.1
	done
	run_cmd "$CO" nvme-setup --dry-run --json
	check_eq "$P/all/found" "${found% }" \
		"$(py "' '.join(x['path'] for x in a['namespaces'])" /dev/stdin <<<"$CO_OUT")"
	check_eq "$P/all/exit" 0 "$CO_RC"
	check_exit "$P/partition" 1 "$CO" nvme-setup --dry-run "${NS1}p1"
	check_match "$P/partition/msg" "^copyoffload: ${NS1}p1: a partition: give the namespace" "$CO_ERR"
else
	fail "$P/partition" "could not partition $NS1 (sfdisk, blockdev --rereadpt)"
fi

# ---- engine: handing the limits over --------------------------------------
features=$("$CO" info --json 2>/dev/null | python3 -c 'import json, sys; print(" ".join(json.load(sys.stdin).get("features", [])))')
if [[ " $features " != *" nvme "* ]]; then
	why="the module has no NVMe Copy engine (copyoffload info: features '$features', no nvme)"
	check_exit "$P/no-engine" 1 "$CO" nvme-setup
	check_match "$P/no-engine/msg" "has no NVMe Copy engine" "$CO_ERR"
	run_cmd "$CO" info "$NS0"
	check_match "$P/no-engine/info" "^nvme copy offload: no: the module has no NVMe Copy engine" "$CO_OUT"
	for c in set info info-json unprivileged; do
		skip "$P/engine/$c" "$why"
	done
	done_testing
fi

check_exit "$P/engine/set" 0 "$CO" nvme-setup $NS0 $NS1
for ns in $NS0 $NS1; do
	check_match "$P/engine/set/${ns#/dev/}" "^$ns: nsid [0-9]+: copy yes, mssrl $MSSRL, mcl $MCL, msrc $MSRC \($((MSRC + 1)) ranges\): handed to the module$" "$CO_OUT"
done
run_cmd "$CO" info "$NS0"
check_match "$P/engine/info" "^nvme copy offload: yes$" "$CO_OUT"
run_cmd "$CO" info --json "$NS0"
check_eq "$P/engine/info-json" \
	"nvme $(cat "/sys/block/${NS0#/dev/}/nsid") True True $MSSRL $MCL $MSRC None" \
	"$(py "' '.join(str(x) for x in (a['transport'], a['nvme']['nsid'], a['nvme']['copy'], a['nvme']['limits_set'], a['nvme']['mssrl'], a['nvme']['mcl'], a['nvme']['msrc'], a['nvme']['why_not']))" /dev/stdin <<<"$CO_OUT" 2>&1)"
run_cmd setpriv --reuid=65534 --regid=65534 --clear-groups "$CO" nvme-setup "$NS0"
check_eq "$P/engine/unprivileged" 1 "$CO_RC"
check_match "$P/engine/unprivileged/msg" "needs CAP_SYS_ADMIN" "$CO_ERR"

done_testing
