#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# CLONE through the module on xfs, btrfs and ext4 (the intent of fstests'
# common/reflink clone cases): whole file, head, middle, unaligned tail at
# EOF, several ranges from two files in one request, same-file ranges; the
# request stops at an unaligned range (earlier ranges stay cloned, later
# ones are not run); past EOF and same-file overlap are EINVAL; ext4 has no
# reflink: EOPNOTSUPP.  Sharing is read back with FIEMAP.
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/guest/fslib.sh
. "$(dirname "$0")/fslib.sh"
P=clone

clone_reflink() {
	local c=$P.$FS old

	data_file a 1M
	data_file c 1M

	case_start "$c.whole"
	co clone a whole
	want_rc 0
	want_range 0 1M ok clone
	want_same a whole
	want_shared whole 0 1M
	want_shared a 0 1M
	case_end

	# Head, middle: only the range changes and only it is shared.
	data_file d 1M
	fsum d
	old=$FSC
	copy_plain d d.old
	case_start "$c.head"
	co clone a d 0:0:256K
	want_rc 0
	want_range 0 256K ok clone
	want_same_range a 0 d 0 256K
	want_same_range d.old 256K d 256K 768K
	want_shared d 0 256K
	want_unshared d 256K 768K
	case_end

	data_file e 1M
	copy_plain e e.old
	case_start "$c.middle"
	co clone a e 512K:256K:128K
	want_rc 0
	want_range 0 128K ok clone
	want_same_range a 512K e 256K 128K
	want_same_range e.old 0 e 0 256K
	want_same_range e.old 384K e 384K 640K
	want_shared e 256K 128K
	want_unshared e 0 256K
	want_unshared e 384K 640K
	want_size e 1M
	case_end

	# The tail: a length that ends at the source's EOF may be unaligned.
	data_file t $((MiB + 1000))
	data_file f 1M
	case_start "$c.tail-unaligned"
	co clone t f 768K:768K:eof
	want_rc 0
	want_range 0 $((256 * KiB + 1000)) ok clone
	want_size f $((MiB + 1000))
	want_same_range t 768K f 768K $((256 * KiB + 1000))
	want_shared f 768K $((256 * KiB + 1000))
	want_unshared f 0 768K
	case_end

	# Several ranges, two sources, one destination, one request.
	case_start "$c.multi"
	co clone --stdin <<-EOF
	a g 0 0 256K
	c g 256K 256K 256K
	a g 768K 512K 256K
	c g 0 768K 128K
	EOF
	want_rc 0
	want_range 0 256K ok clone
	want_range 1 256K ok clone
	want_range 2 256K ok clone
	want_range 3 128K ok clone
	want_total 896K
	want_same_range a 0 g 0 256K
	want_same_range c 256K g 256K 256K
	want_same_range a 768K g 512K 256K
	want_same_range c 0 g 768K 128K
	want_shared g 0 896K
	case_end

	# An unaligned range in the middle of a request: it fails with
	# EINVAL, the one before it stays cloned, the one after is not run.
	data_file h 512K
	copy_plain h h.old
	case_start "$c.unaligned-stops"
	co clone a h 0:0:64K $((64 * KiB + 512)):64K:64K 128K:128K:64K
	want_rc 1
	want_range 0 64K ok clone
	want_range 1 0 EINVAL none
	want_range 2 0 "not run" none
	want_same_range a 0 h 0 64K
	want_shared h 0 64K
	want_same_range h.old 64K h 64K 448K
	want_unshared h 64K 448K
	case_end

	# Past the source's EOF: the request is rejected, nothing changes.
	data_file i 512K
	fsum i
	old=$FSC
	case_start "$c.past-eof"
	co clone a i 768K:0:512K
	want_rc 1
	want_rejected EINVAL
	want_range 0 0 EINVAL none
	want_sum i "$old"
	co clone a i 1M:0:64K
	want_rc 1
	want_rejected EINVAL
	want_sum i "$old"
	case_end

	# Same file: overlapping ranges are EINVAL, separate ones work.
	copy_plain a a.old
	fsum a
	old=$FSC
	case_start "$c.same-file-overlap"
	co clone a a 0:64K:128K
	want_rc 1
	want_rejected EINVAL
	want_range 0 0 EINVAL none
	want_sum a "$old"
	case_end

	case_start "$c.same-file"
	co clone a a 0:512K:256K
	want_rc 0
	want_range 0 256K ok clone
	want_same_range a.old 0 a 512K 256K
	want_same_range a.old 0 a 0 512K
	want_same_range a.old 768K a 768K 256K
	want_shared a 512K 256K
	case_end
}

clone_noreflink() {
	local c=$P.$FS old

	data_file a 1M
	data_file d 1M
	fsum d
	old=$FSC
	case_start "$c.eopnotsupp"
	co clone a d
	want_rc 1
	want_rejected EOPNOTSUPP
	want_range 0 0 EOPNOTSUPP none
	want_sum d "$old"
	co clone --stdin <<-EOF
	a d 0 0 64K
	a d 64K 64K 64K
	EOF
	want_rc 1
	want_rejected EOPNOTSUPP
	want_range 0 0 EOPNOTSUPP none
	want_range 1 0 "not run" none
	want_sum d "$old"
	case_end
}

clone_fs() {
	if fs_reflink; then
		clone_reflink
	else
		clone_noreflink
	fi
}

for_each_fs clone_fs

done_testing
