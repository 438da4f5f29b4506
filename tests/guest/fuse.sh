#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The filesystem's own copy is not always an offload.  A FUSE server that
# cannot copy (tests/progs/fuse-nocopy answers copy_file_range with
# EOPNOTSUPP) makes the kernel's ->copy_file_range splice the bytes through
# this host and report them copied, as cifs and ceph do when their server
# cannot.  With --no-fallback the module must not call it: EOPNOTSUPP and
# nothing written, the server never asked.  Without --no-fallback the copy
# is made and reported as fs_copy, as the uapi header says.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/fslib.sh"

P=fuse
NOCOPY=$CO_TOP/tests/progs/fuse-nocopy
modprobe fuse 2>/dev/null
if [ ! -c /dev/fuse ]; then
	skip "$P" "no /dev/fuse in this kernel (modprobe fuse failed)"
	done_testing
fi
d=$(scratch_dir)
mkdir "$d/backing" "$d/mnt"
"$NOCOPY" "$d/backing" "$d/mnt" > "$d/fuse.log" 2>&1 &
fpid=$!
for _ in $(seq 50); do
	mountpoint -q "$d/mnt" && break
	sleep 0.2
done
if ! mountpoint -q "$d/mnt"; then
	fail "$P/mount" "fuse-nocopy did not mount: $(tail -n 2 "$d/fuse.log")"
	exit 1
fi
CO_CLEANUP+=("fusermount3 -u '$d/mnt' 2>/dev/null; kill $fpid 2>/dev/null")
M=$d/mnt
random_file "$M/src" 4096

case_start "$P/no-fallback-refused"
co copy --no-fallback "$M/src" "$M/dst" 0:0:eof
want_range 0 0 EOPNOTSUPP
want_size "$M/dst" 0
[ ! -e "$d/backing/.copy-requests" ] ||
	why "the server was asked to copy $(cat "$d/backing/.copy-requests") time(s)"
case_end

case_start "$P/fs-copy"
co copy "$M/src" "$M/dst2" 0:0:eof
want_rc 0
want_range 0 4M ok fs_copy
want_same "$M/src" "$M/dst2"
[ -e "$d/backing/.copy-requests" ] || why "the server was never asked to copy"
case_end

done_testing
