#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# libcopyoffload's COPY without the module when system calls fail: errors
# are injected by tests/progs/lib-fakedev.so (preloaded) on a loop-mounted
# ext4, where copy_file_range(2) is the first method.  bytes_done must count
# exactly the bytes that are in the destination, and the status the errno.
. "$(dirname "$0")/../lib.sh"
lib_setup lib-faults

M=$T/ext4

# faulty LIB-CHECK-ARGS...: lib-check without the module, faults injected
# as the CO_FAKE_* variables in the environment say
faulty() {
	LD_PRELOAD=$FAKE lib_check -N "$@"
}

if ! loop_fs ext4 256 "$M" 2>"$T/why"; then
	skip "$P" "$(cat "$T/why")"
	done_testing
fi

# 8 MiB: data at 0-1M and 3M-4M, holes elsewhere
truncate -s 8M "$M/sparse"
dd if=/dev/urandom of="$M/sparse" bs=1M count=1 conv=notrunc status=none
dd if=/dev/urandom of="$M/sparse" bs=1M seek=3 count=1 conv=notrunc status=none
head -c $((4 * MiB)) /dev/urandom > "$M/src"

# note_prefix SRC DST N: prefix=yes when the first N bytes are equal,
# size=the destination's size
note_prefix() {
	lib_note_if prefix same_range "$1" 0 "$2" 0 "$3"
	lib_note "size=$(stat -c %s "$2")"
}

head -c $((8 * MiB)) /dev/urandom > "$M/over1"
CO_FAKE_PUNCH_ERRNO=95 faulty copy - "r:$M/sparse,0,w:$M/over1,0,eof"
lib_note_if same cmp -s "$M/sparse" "$M/over1"
lib_expect "$P/punch-refused-writes-zeroes" ret=0 r0.status=ok \
	r0.bytes=$((8 * MiB)) mb.userspace=$((6 * MiB)) \
	mb.copy_file_range=$((2 * MiB)) same=yes

head -c $((8 * MiB)) /dev/urandom > "$M/over2"
CO_FAKE_PUNCH_ERRNO=5 faulty copy - "r:$M/sparse,0,w:$M/over2,0,eof"
note_prefix "$M/sparse" "$M/over2" $MiB
lib_expect "$P/punch-error-is-status" ret=0 r0.status=EIO r0.bytes=$MiB \
	prefix=yes size=$((8 * MiB))

CO_FAKE_CFR_ERRNO=18 faulty copy - "r:$M/src,0,w:$M/exdev,0,eof"
lib_note_if same cmp -s "$M/src" "$M/exdev"
lib_expect "$P/copy-file-range-exdev-falls-back" ret=0 r0.status=ok \
	r0.bytes=$((4 * MiB)) r0.methods=userspace+no_module same=yes

CO_FAKE_CFR_ERRNO=5 faulty copy - "r:$M/src,0,w:$M/eio,0,eof" \
	"r:$M/src,0,w:$M/eio2,0,eof"
lib_note "size=$(stat -c %s "$M/eio")"
lib_expect "$P/copy-file-range-error-is-status" ret=0 nr_processed=2 \
	r0.status=EIO r0.bytes=0 r1.status=EIO size=0

CO_FAKE_CFR_ERRNO=18 CO_FAKE_WRITE_LIMIT=1500000 \
	faulty copy - "r:$M/src,0,w:$M/short,0,eof"
note_prefix "$M/src" "$M/short" 1500000
lib_expect "$P/short-write-then-enospc" ret=0 r0.status=ENOSPC \
	r0.bytes=1500000 bytes_done=1500000 mb.userspace=1500000 \
	prefix=yes size=1500000

done_testing
