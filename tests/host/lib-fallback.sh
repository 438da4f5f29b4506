#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# libcopyoffload without the module on loop-mounted btrfs, xfs (reflink=1)
# and ext4: CLONE, DEDUPE and COPY with the bytes compared, the sharing seen
# through FIEMAP (filefrag), holes counted in blocks, and every errno and
# status asserted.
. "$(dirname "$0")/../lib.sh"
lib_setup lib-fallback

# Test files are copied with plain_copy: sharing must come from the library.

# holey_file PATH: 8 MiB, data at 0-1M, 3M-4M and 6M-6.5M, a hole to EOF
holey_file() {
	local piece

	rm -f "$1"
	truncate -s 8M "$1"
	for piece in 0:16 48:16 96:8; do
		dd if=/dev/urandom of="$1" bs=64K seek="${piece%:*}" \
			count="${piece#*:}" conv=notrunc status=none
	done
}

# note_shared FILE: shared=yes|no from FIEMAP, after writing the file back
note_shared() {
	sync "$1"
	lib_note_if shared extents_shared "$1"
}

# note_untouched FILE SUM: untouched=yes when file_sum still gives SUM
note_untouched() {
	if [ "$(file_sum "$1")" = "$2" ]; then
		lib_note untouched=yes
	else
		lib_note untouched=no
	fi
}

# note_blocks FILE1 FILE2: blocks=same when both allocate as many blocks
note_blocks() {
	sync "$1" "$2"
	if [ "$(stat -c %b "$1")" = "$(stat -c %b "$2")" ]; then
		lib_note blocks=same
	else
		lib_note "blocks=$(stat -c %b "$1")/$(stat -c %b "$2")"
	fi
}

clone_cases() {
	local p=$1 m=$2 size

	size=$(stat -c %s "$m/src")
	lib_check clone "r:$m/src,0,w:$m/c-whole,0,eof"
	lib_note_if same cmp -s "$m/src" "$m/c-whole"
	note_shared "$m/c-whole"
	lib_expect "$p/clone-whole" ret=0 nr_processed=1 r0.status=ok \
		"r0.bytes=$size" "bytes_done=$size" r0.methods=clone+no_module \
		"mb.clone=$size" no_module=1 same=yes shared=yes

	plain_copy "$m/other" "$m/c-head"
	lib_check clone "r:$m/src,0,w:$m/c-head,0,1M"
	lib_note_if same same_range "$m/src" 0 "$m/c-head" 0 $MiB
	lib_note_if rest same_range "$m/other" $MiB "$m/c-head" $MiB $((3 * MiB))
	note_shared "$m/c-head"
	lib_expect "$p/clone-head" ret=0 r0.status=ok r0.bytes=$MiB \
		same=yes rest=yes shared=yes

	plain_copy "$m/other" "$m/c-mid"
	lib_check clone "r:$m/src,1M,w:$m/c-mid,2M,1M"
	lib_note_if same same_range "$m/src" $MiB "$m/c-mid" $((2 * MiB)) $MiB
	lib_note_if rest cmp -s -n $((2 * MiB)) "$m/other" "$m/c-mid"
	note_shared "$m/c-mid"
	lib_expect "$p/clone-middle" ret=0 r0.status=ok r0.bytes=$MiB \
		same=yes rest=yes shared=yes

	# The source's unaligned EOF block can only land at the dst's EOF.
	plain_copy "$m/other" "$m/c-tail"
	lib_check clone "r:$m/src,3M,w:$m/c-tail,4M,eof"
	lib_note_if same same_range "$m/src" $((3 * MiB)) "$m/c-tail" \
		$((4 * MiB)) $((size - 3 * MiB))
	lib_note "size=$(stat -c %s "$m/c-tail")"
	note_shared "$m/c-tail"
	lib_expect "$p/clone-tail-to-eof" ret=0 r0.status=ok \
		"r0.bytes=$((size - 3 * MiB))" same=yes shared=yes \
		"size=$((size + MiB))"

	plain_copy "$m/other" "$m/c-stop"
	lib_check clone "r:$m/src,0,w:$m/c-stop,0,64K" \
		"r:$m/src,100,w:$m/c-stop,64K,64K" \
		"r:$m/src,0,w:$m/c-stop,128K,64K"
	lib_note_if rest same_range "$m/other" $((64 * KiB)) "$m/c-stop" \
		$((64 * KiB)) $((4 * MiB - 64 * KiB))
	lib_expect "$p/clone-misaligned-stops" ret=0 nr_processed=2 \
		r0.status=ok r0.bytes=65536 r1.status=EINVAL r1.bytes=0 \
		r1.methods=no_module r2.status=not_run r2.bytes=0 r2.methods=- \
		bytes_done=65536 rest=yes
}

dedupe_cases() {
	local p=$1 m=$2

	head -c $MiB "$m/src" | cat > "$m/d-a"
	plain_copy "$m/d-a" "$m/d-same"
	plain_copy "$m/d-a" "$m/d-diff"
	printf 'X' | dd of="$m/d-diff" bs=1 seek=$((512 * KiB)) conv=notrunc \
		status=none
	lib_check dedupe "r:$m/d-a,0,w:$m/d-diff,0,1M" \
		"r:$m/d-a,0,w:$m/d-same,0,eof"
	note_shared "$m/d-same"
	lib_expect "$p/dedupe-differs-and-same" ret=0 nr_processed=2 \
		r0.status=differs r0.bytes=0 r0.methods=no_module \
		r1.status=same r1.bytes=$MiB r1.methods=clone+no_module \
		shared=yes
	LIB_OUT=
	note_shared "$m/d-diff"
	lib_expect "$p/dedupe-differs-not-shared" shared=no

	head -c $((40 * MiB)) /dev/urandom > "$m/d-big"
	plain_copy "$m/d-big" "$m/d-big-same"
	plain_copy "$m/d-big" "$m/d-big-diff"
	printf 'X' | dd of="$m/d-big-diff" bs=1 seek=$((36 * MiB)) \
		conv=notrunc status=none
	lib_check dedupe "r:$m/d-big,0,w:$m/d-big-same,0,40M"
	note_shared "$m/d-big-same"
	lib_expect "$p/dedupe-40m-whole" ret=0 r0.status=same \
		r0.bytes=$((40 * MiB)) shared=yes
	lib_check dedupe "r:$m/d-big,0,w:$m/d-big-diff,0,40M"
	lib_note_if same cmp -s "$m/d-big" "$m/d-big-diff"
	lib_expect "$p/dedupe-40m-differs-after-32m" ret=0 r0.status=differs \
		r0.bytes=$((32 * MiB)) same=no
}

# The sharing policy: reflink only when allowed (DESIGN.md section 1).
share_cases() {
	local p=$1 m=$2 reflink=$3 mover=$4 size sum

	size=$(stat -c %s "$m/src")
	lib_check copy - "r:$m/src,0,w:$m/k-default,0,eof"
	lib_note_if same cmp -s "$m/src" "$m/k-default"
	note_shared "$m/k-default"
	lib_expect "$p/copy-default-not-shared" ret=0 r0.status=ok \
		"r0.bytes=$size" "r0.methods=$mover+no_module" "mb.$mover=$size" \
		same=yes shared=no

	lib_check copy allow "r:$m/src,0,w:$m/k-allow,0,eof"
	lib_note_if same cmp -s "$m/src" "$m/k-allow"
	note_shared "$m/k-allow"
	if [ "$reflink" = yes ]; then
		lib_expect "$p/copy-allow-share" ret=0 r0.status=ok \
			"r0.bytes=$size" r0.methods=clone+no_module same=yes \
			shared=yes
	else
		lib_expect "$p/copy-allow-share" ret=0 r0.status=ok \
			"r0.bytes=$size" "r0.methods=$mover+no_module" \
			same=yes shared=no
	fi

	plain_copy "$m/other" "$m/k-require"
	sum=$(file_sum "$m/k-require")
	lib_check copy require "r:$m/src,0,w:$m/k-require,0,1M"
	if [ "$reflink" = yes ]; then
		lib_note_if same same_range "$m/src" 0 "$m/k-require" 0 $MiB
		note_shared "$m/k-require"
		lib_expect "$p/copy-require-share" ret=0 r0.status=ok \
			r0.bytes=$MiB r0.methods=clone+no_module same=yes \
			shared=yes
	else
		# FICLONERANGE on a filesystem without ->remap_file_range
		note_untouched "$m/k-require" "$sum"
		lib_expect "$p/copy-require-share-unsupported" ret=0 \
			r0.status=EOPNOTSUPP r0.bytes=0 r0.methods=no_module \
			untouched=yes
	fi

	plain_copy "$m/other" "$m/k-nofb"
	sum=$(file_sum "$m/k-nofb")
	lib_check copy nofb "r:$m/src,0,w:$m/k-nofb,0,1M" \
		"r:$m/src,1M,w:$m/k-nofb,1M,1M"
	note_untouched "$m/k-nofb" "$sum"
	lib_expect "$p/copy-no-fallback" ret=0 nr_processed=2 \
		r0.status=EOPNOTSUPP r0.bytes=0 r1.status=EOPNOTSUPP \
		bytes_done=0 untouched=yes

	lib_check copy nofb,allow "r:$m/src,0,w:$m/k-nofb,0,1M"
	if [ "$reflink" = yes ]; then
		lib_expect "$p/copy-no-fallback-clone" ret=0 r0.status=ok \
			r0.bytes=$MiB r0.methods=clone+no_module
	else
		note_untouched "$m/k-nofb" "$sum"
		lib_expect "$p/copy-no-fallback-clone" ret=0 \
			r0.status=EOPNOTSUPP untouched=yes
	fi
}

hole_cases() {
	local p=$1 m=$2 mover=$3

	holey_file "$m/h-src"
	lib_check copy - "r:$m/h-src,0,w:$m/h-new,0,eof"
	lib_note_if same cmp -s "$m/h-src" "$m/h-new"
	note_blocks "$m/h-src" "$m/h-new"
	lib_expect "$p/copy-holes-kept" ret=0 r0.status=ok \
		r0.bytes=$((8 * MiB)) "r0.methods=hole+$mover+no_module" \
		mb.hole=$((5 * MiB + 512 * KiB)) \
		"mb.$mover=$((2 * MiB + 512 * KiB))" same=yes blocks=same pos0=0

	head -c $((8 * MiB)) /dev/urandom > "$m/h-over"
	lib_check copy - "r:$m/h-src,0,w:$m/h-over,0,8M"
	lib_note_if same cmp -s "$m/h-src" "$m/h-over"
	note_blocks "$m/h-src" "$m/h-over"
	lib_expect "$p/copy-holes-punched" ret=0 r0.status=ok \
		r0.bytes=$((8 * MiB)) same=yes blocks=same

	# Ending in a hole past the destination's EOF: the size still follows.
	lib_check copy - "r:$m/h-src,3M,w:$m/h-tail,0,5M"
	lib_note "size=$(stat -c %s "$m/h-tail")"
	lib_note_if same same_range "$m/h-src" $((3 * MiB)) "$m/h-tail" 0 \
		$((5 * MiB))
	lib_expect "$p/copy-ends-in-hole" ret=0 r0.status=ok \
		r0.bytes=$((5 * MiB)) size=$((5 * MiB)) same=yes
}

copy_cases() {
	local p=$1 m=$2

	head -c $((100 * KiB)) /dev/urandom > "$m/g1"
	head -c $((64 * KiB + 7)) /dev/urandom > "$m/g2"
	head -c $MiB /dev/urandom > "$m/g3"
	lib_check copy - "r:$m/g1,0,w:$m/p-eof,0,1M"
	lib_note "size=$(stat -c %s "$m/p-eof")"
	lib_note_if same cmp -s "$m/g1" "$m/p-eof"
	lib_expect "$p/copy-past-eof" ret=0 r0.status=ok \
		r0.bytes=$((100 * KiB)) size=$((100 * KiB)) same=yes

	lib_check copy - "r:$m/g1,0,w:$m/gather,0,eof" \
		"r:$m/g2,0,w:$m/gather,100K,eof" \
		"r:$m/g3,0,w:$m/gather,$((164 * KiB + 7)),1M"
	cat "$m/g1" "$m/g2" "$m/g3" > "$m/gather.want"
	lib_note_if same cmp -s "$m/gather.want" "$m/gather"
	lib_expect "$p/copy-gather" ret=0 nr_processed=3 r0.status=ok \
		r1.status=ok r2.status=ok \
		bytes_done=$((164 * KiB + 7 + MiB)) same=yes
}

# copyoffload_run() without the module: max_bytes bounds the work in whole
# MiB and the stopped range resumes where it stopped; the report keeps the
# library's own work (lib.MOVER) out of the ranges' methods; any stride.
run_cases() {
	local p=$1 m=$2 mover=$3 size

	size=$(stat -c %s "$m/src")
	lib_check -M 1M copy - "r:$m/src,0,w:$m/r-dst,0,eof"
	lib_note "size=$(stat -c %s "$m/r-dst")"
	lib_note_if same same_range "$m/src" 0 "$m/r-dst" 0 $MiB
	lib_expect "$p/run-max-bytes-stops" ret=0 nr_processed=0 stop=2 \
		r0.status=stopped r0.bytes=$MiB bytes_done=$MiB \
		"lib.$mover=$MiB" r0.methods=- no_module=1 size=$MiB same=yes
	lib_check -M 2M copy - "r:$m/src,1M,w:$m/r-dst,1M,eof"
	lib_expect "$p/run-resumes" ret=0 stop=2 r0.status=stopped \
		r0.bytes=$((2 * MiB))
	lib_check -M 2M copy - "r:$m/src,3M,w:$m/r-dst,3M,eof"
	lib_note_if same cmp -s "$m/src" "$m/r-dst"
	lib_expect "$p/run-resumed-to-the-end" ret=0 stop=0 nr_processed=1 \
		r0.status=ok "r0.bytes=$((size - 3 * MiB))" same=yes

	lib_check -M 1M copy - "r:$m/src,0,w:$m/r2,0,512K" \
		"r:$m/src,512K,w:$m/r2,512K,1M"
	lib_expect "$p/run-max-bytes-between-ranges" ret=0 stop=2 \
		nr_processed=1 r0.status=ok r1.status=not_run r1.bytes=0

	lib_check -S 64 copy - "r:$m/src,0,w:$m/r3,0,64K" \
		"r:$m/src,64K,w:$m/r3,64K,64K"
	lib_note_if same cmp -s -n $((128 * KiB)) "$m/src" "$m/r3"
	lib_expect "$p/run-stride-64" ret=0 nr_processed=2 r1.status=ok \
		same=yes
	lib_check -S 64 -T copy - "r:$m/src,0,w:$m/r4,0,64K"
	lib_expect "$p/run-stride-nonzero-tail" ret=E2BIG
	lib_check -S 52 copy - "r:$m/src,0,w:$m/r4,0,64K"
	lib_expect "$p/run-stride-52" ret=EINVAL
	lib_check -M 4K copy - "r:$m/src,0,w:$m/r4,0,64K"
	lib_expect "$p/run-max-bytes-unaligned" ret=EINVAL
	lib_check -M 1M clone "r:$m/src,0,w:$m/r4,0,64K"
	lib_expect "$p/run-max-bytes-clone" ret=EINVAL
	rm -f "$m"/r-dst "$m"/r[234]
}

# fill_fs MNT: fill the filesystem but for about 2 MiB
fill_fs() {
	local m=$1 n=0 size

	fallocate -l 2M "$m/fill.keep"
	for size in 64M 4M 256K; do
		while fallocate -l $size "$m/fill.$n" 2>/dev/null; do
			n=$((n + 1))
		done
		rm -f "$m/fill.$n"
	done
	rm -f "$m/fill.keep"
	sync -f "$m"
}

# A full filesystem: the bytes reported are the bytes written, no more.
enospc_case() {
	local p=$1 m=$2 done

	head -c $((8 * MiB)) /dev/urandom > "$m/n-src"
	fill_fs "$m"
	lib_check copy - "r:$m/n-src,0,w:$m/n-dst,0,eof"
	done=$(lib_value r0.bytes)
	lib_note_if prefix same_range "$m/n-src" 0 "$m/n-dst" 0 "$done"
	lib_note_if short test "$done" -lt $((8 * MiB))
	lib_note "size=$(stat -c %s "$m/n-dst")"
	lib_expect "$p/copy-enospc" ret=0 r0.status=ENOSPC "bytes_done=$done" \
		short=yes prefix=yes "size=$done"
	rm -f "$m"/fill.* "$m/n-dst"
}

# fs_cases FSTYPE: all cases on a fresh filesystem mounted at $T/FSTYPE
fs_cases() {
	local fs=$1 m=$T/$1 p=lib-fallback/$1 reflink=no mover

	if ! loop_fs "$fs" 512 "$m" 2>"$T/why"; then
		skip "$p" "$(cat "$T/why")"
		return
	fi
	head -c $((4 * MiB + 1000)) /dev/urandom > "$m/src"
	head -c $((4 * MiB)) /dev/urandom > "$m/other"
	case $fs in
	xfs|btrfs)
		# copy_file_range(2) would clone here: read/write it is.
		reflink=yes
		mover=userspace
		clone_cases "$p" "$m"
		dedupe_cases "$p" "$m"
		;;
	*)
		mover=copy_file_range
		lib_check clone "r:$m/src,0,w:$m/c-none,0,64K" \
			"r:$m/src,0,w:$m/c-none,64K,64K"
		lib_expect "$p/clone-unsupported" ret=0 nr_processed=1 \
			r0.status=EOPNOTSUPP r1.status=not_run
		lib_check dedupe "r:$m/src,0,w:$m/other,0,64K" \
			"r:$m/src,0,w:$m/other,64K,64K"
		lib_expect "$p/dedupe-unsupported" ret=0 nr_processed=2 \
			r0.status=EOPNOTSUPP r1.status=EOPNOTSUPP
		;;
	esac
	share_cases "$p" "$m" $reflink $mover
	hole_cases "$p" "$m" $mover
	copy_cases "$p" "$m"
	run_cases "$p" "$m" $mover
	enospc_case "$p" "$m"
}

# cross_cases FROM TO: between two of the filesystems above
cross_cases() {
	local a=$T/$1 b=$T/$2 p=lib-fallback/$1-to-$2

	if ! mountpoint -q "$a" || ! mountpoint -q "$b"; then
		skip "$p" "$1 or $2 is not mounted"
		return
	fi
	lib_check copy - "r:$a/src,0,w:$b/x-copy,0,eof"
	lib_note_if same cmp -s "$a/src" "$b/x-copy"
	lib_expect "$p/copy" ret=0 r0.status=ok \
		"r0.bytes=$(stat -c %s "$a/src")" r0.methods=userspace+no_module \
		same=yes
	lib_check copy - "r:$a/h-src,0,w:$b/x-holes,0,eof"
	lib_note_if same cmp -s "$a/h-src" "$b/x-holes"
	note_blocks "$a/h-src" "$b/x-holes"
	lib_expect "$p/copy-holes" ret=0 r0.status=ok same=yes blocks=same
	lib_check copy allow "r:$a/src,0,w:$b/x-allow,0,eof"
	lib_note_if same cmp -s "$a/src" "$b/x-allow"
	lib_expect "$p/copy-allow-share" ret=0 r0.status=ok same=yes \
		r0.methods=userspace+no_module
	lib_check copy require "r:$a/src,0,w:$b/x-require,0,1M"
	lib_expect "$p/copy-require-share" ret=0 r0.status=EXDEV r0.bytes=0
	lib_check clone "r:$a/src,0,w:$b/x-clone,0,1M"
	lib_expect "$p/clone" ret=EXDEV nr_processed=0 r0.status=EXDEV
	lib_check dedupe "r:$a/src,0,w:$b/x-copy,0,1M"
	lib_expect "$p/dedupe" ret=EXDEV nr_processed=0 r0.status=EXDEV
}

for fs in btrfs xfs ext4; do
	fs_cases $fs
done
cross_cases btrfs xfs
cross_cases ext4 btrfs

done_testing
