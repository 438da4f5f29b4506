#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module's rejections: bad input gets a clear errno and loses nothing.
# tests/progs/abi-check runs the cases (INFO, unknown ioctls, request-level
# and per-range rejections) through raw ioctls and prints one result line
# per case; this script gives it its filesystems: xfs with reflink on the
# first LUN for the files, ext4 on the second for the cross-filesystem and
# s_maxbytes cases, a swapfile on the xfs, and the second LUN as the block
# device passed as a descriptor.  Arguments are case patterns for abi-check
# (e.g. tests/guest/abi.sh 'abi/range/*').  Without arguments it also runs
# tests/progs/abi-v1-user, a program built against version 1's header: the
# module keeps version 1's answers for it.
. "$(dirname "$0")/../lib.sh"

P=abi
PROG=$CO_TOP/tests/progs/abi-check
X=/mnt/co-abi-xfs
E=/mnt/co-abi-ext4

if [ ! -x "$PROG" ]; then
	fail "$P" "tests/progs/abi-check is not built: make guest-test-progs"
	exit 1
fi
require_module_luns "$P"


two_filesystems "$P" "$X" "$E"
mkdir -p "$X/t" "$E/t"

# A swapfile written in full (no holes, no unwritten extents); abi-check
# swapon()s it after opening it, and swapoff()s it; this is the safety net.
setup_step "$P" "swapfile" dd if=/dev/zero of="$X/swapfile" bs=1M count=4 status=none
chmod 600 "$X/swapfile"
setup_step "$P" "mkswap" mkswap "$X/swapfile"
CO_CLEANUP+=("swapoff '$X/swapfile'")

# abi-check names its cases (-l): a case it never reports is a failure
V1_CASES=0
[ $# -eq 0 ] && V1_CASES=5
plan $(($("$PROG" -l "$@" | wc -l) + V1_CASES))
start=$(date +%s)
"$PROG" -x "$X/t" -e "$E/t" -b "$LUN1" -s "$X/swapfile" "$@"
echo "# abi-check: exit $?, $(($(date +%s) - start)) s"
if [ "$V1_CASES" -gt 0 ]; then
	"$CO_TOP/tests/progs/abi-v1-user" "$X/t" "$LUN1"
	echo "# abi-v1-user: exit $?"
fi

done_testing
