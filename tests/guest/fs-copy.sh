#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# COPY through the module on xfs, btrfs and ext4 (the intent of fstests'
# generic/430-434 copy_file_range cases and more):
# - a default copy moves the bytes by the kernel method and shares nothing,
#   even where the filesystem could reflink (the DESIGN.md trap:
#   vfs_copy_file_range clones on one xfs/btrfs superblock);
# - --allow-share clones (and copies an unaligned tail), --require-share
#   clones or fails with the destination untouched, --no-fallback fails
#   with EOPNOTSUPP on a local filesystem, destination untouched;
# - holes (head, middle, tail, all) stay holes: same bytes, same allocated
#   blocks into a pre-sized destination, at most one block more into a
#   fresh one; a hole copied over old data reads back as zeroes;
# - past EOF (short, ok), LEN eof, a source of 256 extents, a gather from
#   several files, the callers' file offsets left alone, and data that
#   sits in xfs's CoW fork before writeback.
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/guest/fslib.sh
. "$(dirname "$0")/fslib.sh"
P=copy

copy_sharing() {
	local c=$P.$FS old

	data_file a 2M
	case_start "$c.default"
	co copy a b
	want_rc 0
	want_range 0 2M ok kernel
	want_same a b
	want_unshared b
	want_unshared a
	case_end

	case_start "$c.allow-share"
	co copy --allow-share a s
	want_rc 0
	want_same a s
	if fs_reflink; then
		want_range 0 2M ok clone
		want_shared s 0 2M
	else
		want_range 0 2M ok kernel
		want_unshared s
	fi
	case_end

	# Not block-aligned and not at EOF: the aligned head is shared and
	# the rest copied.
	case_start "$c.allow-share-unaligned"
	co copy --allow-share a u 0:0:$((256 * KiB + 1000))
	want_rc 0
	want_size u $((256 * KiB + 1000))
	want_same_range a 0 u 0 $((256 * KiB + 1000))
	if fs_reflink; then
		want_range 0 $((256 * KiB + 1000)) ok clone,kernel
		want_shared u 0 256K
	else
		want_range 0 $((256 * KiB + 1000)) ok kernel
		want_unshared u
	fi
	case_end

	data_file d 1M
	fsum d
	old=$FSC
	case_start "$c.require-share"
	co copy --require-share a d 0:0:1M
	if fs_reflink; then
		want_rc 0
		want_range 0 1M ok clone
		want_same_range a 0 d 0 1M
		want_shared d 0 1M
	else
		want_rc 1
		want_range 0 0 EOPNOTSUPP none
		want_sum d "$old"
	fi
	case_end

	# No offload method serves a local filesystem here: no fs copy of
	# its own, and storage offload is excluded (--offload=none) when the
	# build has an engine, so the answer is EOPNOTSUPP either way.
	fsum d
	old=$FSC
	case_start "$c.no-fallback"
	co copy --no-fallback "${NOFB_OFFLOAD[@]}" a d 0:0:1M
	want_rc 1
	want_range 0 0 EOPNOTSUPP none
	want_sum d "$old"
	case_end
}

# copy_holes NAME METHODS [HOLE_OFF:LEN]...: copy the source s-NAME (holes at
# the given places) into a pre-sized destination (as copyoffload-cp once did):
# same bytes, same allocated blocks, holes where s has them; and into a
# fresh one: the same but for one block more at most (the module allocates
# the last byte when the range ends in a hole past the destination's EOF)
copy_holes() {
	local c=$P.$FS.holes-$1 s=s-$1 p=p-$1 n=n-$1 methods=$2 size h o l
	shift 2
	fsc size "$s"
	size=$FSC
	resize "$p" "$size"
	case_start "$c.presized"
	co copy "$s" "$p"
	want_rc 0
	want_range 0 "$size" ok "$methods"
	want_same "$s" "$p"
	want_blocks "$p" "$s" 0
	for h; do
		want_hole "$p" "${h%%:*}" "${h#*:}"
	done
	want_unshared "$p"
	case_end

	case_start "$c.fresh"
	co copy "$s" "$n"
	want_rc 0
	want_range 0 "$size" ok "$methods"
	want_same "$s" "$n"
	want_blocks "$n" "$s" 1
	for h; do
		to_bytes o "${h%%:*}"
		to_bytes l "${h#*:}"
		((o + l < size)) || l=$((l - BS))
		want_hole "$n" "$o" "$l"
	done
	case_end
}

copy_holes_all() {
	data_file s-head 2M 1M:1M
	copy_holes head kernel,hole 0:1M
	data_file s-middle 1792K 0:256K 768K:256K 1536K:256K
	copy_holes middle kernel,hole 256K:512K 1M:512K
	data_file s-tail 2M 0:512K
	copy_holes tail kernel,hole 512K:1536K
	resize s-sparse 2M
	copy_holes sparse hole 0:2M
}

# A hole copied over old data must read back as zeroes, from the page
# cache and from the disk: the middle of an existing file is overwritten
# by a source with a hole in its middle.
copy_over_old() {
	local c=$P.$FS
	data_file old 4M
	copy_plain old old.ref
	data_file so 2M 0:512K 1536K:512K
	sync
	case_start "$c.hole-over-old-data"
	co copy so old 0:1M:eof
	want_rc 0
	want_range 0 2M ok kernel,hole
	want_size old 4M
	want_same_range so 0 old 1M 2M
	want_zeroes old 1536K 1M
	want_same_range old.ref 0 old 0 1M
	want_same_range old.ref 3M old 3M 1M
	want_hole old 1536K 1M
	drop_caches
	want_same_range so 0 old 1M 2M
	want_zeroes old 1536K 1M
	case_end
}

copy_eof() {
	local c=$P.$FS
	data_file a 1M
	case_start "$c.past-eof"
	co copy a pe 768K:0:1M
	want_rc 0
	want_range 0 256K ok kernel
	want_size pe 256K
	want_same_range a 768K pe 0 256K
	co copy a pe 1M:256K:64K 2M:256K:4K
	want_rc 0
	want_range 0 0 ok none
	want_range 1 0 ok none
	want_size pe 256K
	case_end

	case_start "$c.len-eof"
	co copy a le 256K:64K:eof
	want_rc 0
	want_range 0 768K ok kernel
	want_size le 832K
	want_same_range a 256K le 64K 768K
	want_zeroes le 0 64K
	case_end
}

copy_fragmented() {
	frag_file fr 2M
	resize frc 2M
	case_start "$P.$FS.fragmented"
	co copy fr frc
	want_rc 0
	want_range 0 2M ok kernel,hole
	want_same fr frc
	fiemap_bytes frc
	want_eq "data bytes (FIEMAP)" 1048576 "$FB"
	want_blocks frc fr 0
	case_end
}

copy_gather() {
	data_file g1 512K
	data_file g2 512K
	data_file g3 256K
	case_start "$P.$FS.gather"
	co copy --stdin <<-EOF
	g1 gat 0 0 256K
	g2 gat 128K 256K 256K
	g3 gat 0 512K eof
	g1 gat 256K 768K 256K
	EOF
	want_rc 0
	want_range 0 256K ok kernel
	want_range 1 256K ok kernel
	want_range 2 256K ok kernel
	want_range 3 256K ok kernel
	want_total 1M
	want_size gat 1M
	want_same_range g1 0 gat 0 256K
	want_same_range g2 128K gat 256K 256K
	want_same_range g3 0 gat 512K 256K
	want_same_range g1 256K gat 768K 256K
	case_end
}

# The request names offsets; the descriptors' own file positions stay
# where the caller left them (the module seeks holes on a private file).
copy_fd_offsets() {
	data_file fo 1M 0:256K 512K:256K
	case_start "$P.$FS.fd-offsets"
	fsc fdpos fo fod || why "the ioctl failed: $FSC"
	want_eq "src pos, dst pos, status, bytes" "12345 777 0 1048576" "$FSC"
	want_same fo fod
	case_end
}

# Data written next to a shared block of a reflinked file, before
# writeback, lives in xfs's CoW fork over a hole of the data fork: the copy
# must still see it as data (DESIGN.md section 3: the SEEK_DATA trap).
copy_cow_fork() {
	data_file cf 64K
	case_start "$P.$FS.cow-fork-data"
	co clone cf cg
	want_rc 0
	resize cg 1M
	write_random cg 0 4K
	write_random cg 96K 4K
	write_random cg 800K 4K
	co copy cg ch
	want_rc 0
	want_same cg ch
	case_end
}

copy_fs() {
	copy_sharing
	copy_holes_all
	copy_over_old
	copy_eof
	copy_fragmented
	copy_gather
	copy_fd_offsets
	if fs_reflink; then
		copy_cow_fork
	fi
}

read -ra NOFB_OFFLOAD < <(nofb_offload)
for_each_fs copy_fs

done_testing
