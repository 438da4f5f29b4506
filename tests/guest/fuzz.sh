#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Randomised and mutated requests against every ioctl (tests/progs/fuzz):
# half of the calls as root, half as an unprivileged user, on xfs (reflink)
# and ext4 on the two LUNs, with the second LUN's block device in the
# descriptor pool and a sibling thread rewriting the range array and
# swapping descriptors during the calls.  Each run must return from every
# call and leave its sentinel files unchanged; the kernel log is judged by
# tests/run after the script.  CO_TEST_FUZZ_CALLS (default 10000) calls in
# all, CO_TEST_FUZZ_SEED to repeat a run (the seed is printed).
. "$(dirname "$0")/../lib.sh"

P=fuzz
FUZZ=$CO_TOP/tests/progs/fuzz
CALLS=${CO_TEST_FUZZ_CALLS:-10000}
SEED=${CO_TEST_FUZZ_SEED:-$(od -An -tu4 -N4 /dev/urandom | tr -d ' ')}
X=/mnt/co-fuzz-xfs
E=/mnt/co-fuzz-ext4

require_module_luns "$P"
two_filesystems "$P" "$X" "$E"
mkdir -p "$X/root" "$E/root" "$X/nobody" "$E/nobody"
chown 65534:65534 "$X/nobody" "$E/nobody"

# fuzz_as NAME SEED DIR DIR2 [PREFIX...]: one run of CALLS/2 calls
fuzz_as() {
	local name=$1 seed=$2 d=$3 e=$4 out rc t0
	shift 4
	t0=$(date +%s)
	out=$("$@" "$FUZZ" -d "$d" -e "$e" -b "$LUN1" -n $((CALLS / 2)) \
		-s "$seed" 2>&1)
	rc=$?
	grep '^# fuzz' <<<"$out"
	echo "# $P/$name: exit $rc in $(($(date +%s) - t0)) s"
	if [ "$rc" = 0 ] && grep -q '^fuzz: ok$' <<<"$out"; then
		pass "$P/$name"
	else
		fail "$P/$name" "seed $seed: $(grep -v '^#' <<<"$out" | tail -n 3 | tr '\n' ' ')"
	fi
}

fuzz_as root "$SEED" "$X/root" "$E/root"
fuzz_as unprivileged $((SEED + 1)) "$X/nobody" "$E/nobody" \
	setpriv --reuid 65534 --regid 65534 --clear-groups --
umount "$X" && umount "$E"
check "$P/xfs_repair" xfs_repair -n "$LUN0"
check "$P/e2fsck" e2fsck -fn "$LUN1"
mount "$LUN0" "$X" && mount "$LUN1" "$E"

done_testing
