#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The LIO target the harness sets up, checked with independent clients
# (sg3_utils) before any of our code is involved: 3PC reported, distinct
# NAA designators, and an EXTENDED COPY by sg_xcopy that moves the bytes
# inside the target.
. "$(dirname "$0")/../lib.sh"

read -r -a luns <<< "${COPYOFFLOAD_LUNS:-}"
if [ ${#luns[@]} -lt 2 ]; then
	fail "lio/luns" "COPYOFFLOAD_LUNS has ${#luns[@]} devices: '${COPYOFFLOAD_LUNS:-}'"
	done_testing
fi
pass "lio/luns"

for d in "${luns[@]}"; do
	if sg_inq "$d" 2>/dev/null | grep -q "3PC=1"; then
		pass "lio/3pc $d"
	else
		fail "lio/3pc $d" "sg_inq reports no 3PC"
	fi
done

naa() { sg_vpd -p di "$1" 2>/dev/null | grep -A1 "designator type: NAA" | tail -n 1 | tr -d ' '; }
a=$(naa "${luns[0]}") b=$(naa "${luns[1]}")
if [ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ]; then
	pass "lio/naa-distinct"
else
	fail "lio/naa-distinct" "NAA '$a' and '$b'"
fi

# 16 MiB of random data onto LUN 0, EXTENDED COPY to LUN 1, read back.
mib=16
blocks=$((mib * 2048))
dd if=/dev/urandom of="${luns[0]}" bs=1M count=$mib oflag=direct status=none
dd if=/dev/zero of="${luns[1]}" bs=1M count=$mib oflag=direct status=none
r0=$(lio_mbytes "${luns[0]}" read) w1=$(lio_mbytes "${luns[1]}" write)
h0=$(awk '{print $3}' "/sys/block/$(basename "${luns[0]}")/stat")
if out=$(sg_xcopy if="${luns[0]}" of="${luns[1]}" bs=512 count=$blocks 2>&1); then
	pass "lio/sg_xcopy"
else
	fail "lio/sg_xcopy" "$(echo "$out" | tail -n 2 | tr '\n' ' ')"
fi
# The target copied internally: its per-LU counters for the host's reads
# of LUN 0 and writes to LUN 1 did not move by the 16 MiB (the copy
# manager's own I/O is not counted there), nor did the host's block stats.
r0b=$(lio_mbytes "${luns[0]}" read) w1b=$(lio_mbytes "${luns[1]}" write)
h0b=$(awk '{print $3}' "/sys/block/$(basename "${luns[0]}")/stat")
if [ -n "$r0" ] && [ $((r0b - r0)) -lt 2 ] && [ $((w1b - w1)) -lt 2 ] &&
   [ $(((h0b - h0) / 2048)) -lt 2 ]; then
	pass "lio/sg_xcopy-no-host-bytes"
else
	fail "lio/sg_xcopy-no-host-bytes" \
	     "LU read $r0->$r0b MB, write $w1->$w1b MB, host sectors $h0->$h0b"
fi

sum0=$(dd if="${luns[0]}" bs=1M count=$mib iflag=direct status=none | md5sum)
sum1=$(dd if="${luns[1]}" bs=1M count=$mib iflag=direct status=none | md5sum)
check_eq "lio/sg_xcopy-bytes" "$sum0" "$sum1"

done_testing
