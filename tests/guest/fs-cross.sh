#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Across filesystems (xfs -> ext4, btrfs -> xfs, ext4 -> btrfs), through the
# module: COPY works by the kernel method with holes kept, --allow-share
# falls back to it, --require-share fails with EXDEV and --no-fallback with
# EOPNOTSUPP, destination untouched; CLONE and DEDUPE are rejected: EXDEV.
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/guest/fslib.sh
. "$(dirname "$0")/fslib.sh"
P=cross
PAIRS=${CO_TEST_CROSS:-xfs:ext4 btrfs:xfs ext4:btrfs}

cross_pair() {
	local c=$P.$1-$2 s=/mnt/co-fs0/s d=/mnt/co-fs1 old

	data_file "$s" 2M 0:512K 1M:512K
	case_start "$c.copy"
	co copy "$s" "$d/fresh"
	want_rc 0
	want_range 0 2M ok kernel,hole
	want_same "$s" "$d/fresh"
	want_blocks "$d/fresh" "$s" 1
	want_hole "$d/fresh" 512K 512K
	resize "$d/sized" 2M
	co copy "$s" "$d/sized"
	want_rc 0
	want_range 0 2M ok kernel,hole
	want_same "$s" "$d/sized"
	want_blocks "$d/sized" "$s" 0
	want_hole "$d/sized" 512K 512K
	case_end

	case_start "$c.allow-share"
	co copy --allow-share "$s" "$d/allow"
	want_rc 0
	want_range 0 2M ok kernel,hole
	want_same "$s" "$d/allow"
	want_unshared "$d/allow"
	case_end

	data_file "$d/old" 1M
	fsum "$d/old"
	old=$FSC
	case_start "$c.require-share"
	co copy --require-share "$s" "$d/old" 0:0:1M
	want_rc 1
	want_range 0 0 EXDEV none
	want_sum "$d/old" "$old"
	case_end

	case_start "$c.no-fallback"
	co copy --no-fallback "${NOFB_OFFLOAD[@]}" "$s" "$d/old" 0:0:1M
	want_rc 1
	want_range 0 0 EOPNOTSUPP none
	want_sum "$d/old" "$old"
	case_end

	case_start "$c.clone-dedupe-exdev"
	co clone "$s" "$d/old" 0:0:1M
	want_rc 1
	want_rejected EXDEV
	want_range 0 0 EXDEV none
	co dedupe "$s" "$d/old" 0:0:1M
	want_rc 1
	want_rejected EXDEV
	want_sum "$d/old" "$old"
	case_end
}

read -ra NOFB_OFFLOAD < <(nofb_offload)
for pair in $PAIRS; do
	a=${pair%%:*} b=${pair#*:}
	if ! fs_mount "$a" 0 /mnt/co-fs0 || ! fs_mount "$b" 1 /mnt/co-fs1; then
		fail "$P.$a-$b.mkfs" "$FS_WHY"
		umount /mnt/co-fs0 /mnt/co-fs1 2>/dev/null
		continue
	fi
	BS=$(stat -f -c %S /mnt/co-fs1)
	cross_pair "$a" "$b"
	fs_umount /mnt/co-fs0
	fs_umount /mnt/co-fs1
done

done_testing
