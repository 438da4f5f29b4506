#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# DEDUPE through the module on xfs, btrfs and ext4 (the intent of fstests'
# common/reflink dedupe cases): equal data is reported SAME and shared,
# different data DIFFERS with nothing shared; a 40 MiB range (more than
# btrfs's 16 MiB per call) is deduplicated whole; a difference at 36 MiB
# reports DIFFERS with the 32 MiB before it shared; several ranges in one
# request each get their own status; ext4 cannot: EOPNOTSUPP.
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/guest/fslib.sh
. "$(dirname "$0")/fslib.sh"
P=dedupe

dedupe_reflink() {
	local c=$P.$FS

	data_file a 1M
	copy_plain a b
	case_start "$c.same"
	want_unshared b
	co dedupe a b
	want_rc 0
	want_range 0 1M same clone
	want_same a b
	want_shared b 0 1M
	want_shared a 0 1M
	case_end

	copy_plain a d
	flip d 512K
	copy_plain d d.old
	case_start "$c.differs"
	co dedupe a d
	want_rc 3
	want_range 0 0 differs none
	want_same d d.old
	want_unshared d
	case_end

	# Larger than a dedupe piece (COPYOFFLOAD_DEDUPE_PIECE, 16 MiB).
	data_file big 40M
	copy_plain big big2
	case_start "$c.40m"
	co dedupe big big2
	want_rc 0
	want_range 0 40M same clone
	want_shared big2 0 40M
	want_same big big2
	case_end

	copy_plain big big3
	flip big3 36M
	case_start "$c.40m-differs-at-36m"
	co dedupe big big3
	want_rc 3
	want_range 0 32M differs clone
	want_shared big3 0 32M
	want_unshared big3 32M 8M
	want_same_range big 0 big3 0 36M
	case_end

	# Several ranges, each with its own status; every one is attempted.
	data_file m 1M
	copy_plain m n
	flip n 300K
	case_start "$c.multi"
	co dedupe m n 0:0:256K 256K:256K:256K 512K:512K:512K
	want_rc 3
	want_range 0 256K same clone
	want_range 1 0 differs none
	want_range 2 512K same clone
	want_total 768K
	want_shared n 0 256K
	want_unshared n 256K 256K
	want_shared n 512K 512K
	case_end
}

dedupe_noreflink() {
	local c=$P.$FS old

	data_file a 1M
	copy_plain a b
	fsum b
	old=$FSC
	case_start "$c.eopnotsupp"
	co dedupe a b
	want_rc 1
	want_rejected EOPNOTSUPP
	want_range 0 0 EOPNOTSUPP none
	want_sum b "$old"
	case_end
}

dedupe_fs() {
	if fs_reflink; then
		dedupe_reflink
	else
		dedupe_noreflink
	fi
}

for_each_fs dedupe_fs

done_testing
