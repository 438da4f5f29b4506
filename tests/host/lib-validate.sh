#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# libcopyoffload without the module: the handle, the API's edge cases, and
# the validation of requests and ranges.  A rejected request must fail with
# the exact errno of <linux/copyoffload.h>, carry it in the bad range's
# status, work on no range and leave the destination as it was.
. "$(dirname "$0")/../lib.sh"
lib_setup lib-validate

random_file "$T/src" 256
random_file "$T/dst" 256
S=r:$T/src
D=w:$T/dst

# rejects NAME ERRNO BAD [KEY=VALUE...] -- LIB-CHECK-ARGS...: the call
# fails with ERRNO, range BAD has it as status, nothing was processed, dst
# is untouched, and the KEY=VALUE lines hold too.  BAD "-" is for errors of
# the request itself, which come before the pre-fill: range 0 then keeps
# what copyoffload_range_init() put there.
rejects() {
	local name=$1 err=$2 bad=$3 before also=() status
	status="r$bad.status=$err"
	if [ "$bad" = - ]; then
		bad=0
		status=r0.status=not_run
	fi
	shift 3
	while [ "$1" != -- ]; do
		also+=("$1")
		shift
	done
	shift
	before=$(file_sum "$T/dst")
	lib_check "$@"
	[ "$(file_sum "$T/dst")" = "$before" ] && lib_note dst=untouched
	lib_expect "$P/$name" "ret=$err" nr_processed=0 bytes_done=0 \
		no_module=1 "$status" "r$bad.bytes=0" \
		"r$bad.methods=-" dst=untouched "${also[@]}"
}

# --- the handle -------------------------------------------------------------
if [ -e /dev/copyoffload ]; then
	skip "$P/open-require-module" "/dev/copyoffload exists here"
else
	lib_check -R open
	lib_expect "$P/open-require-module" open=ENODEV
fi
lib_check -N open
lib_expect "$P/open-no-module" open=0 has_module=0
lib_check -N -R open
lib_expect "$P/open-conflicting-flags" open=EINVAL
lib_check -N info
lib_expect "$P/info-no-module" open=0 ret=ENODEV

lib_check api
lib_expect "$P/api-null-arguments" open_null=EINVAL open_bad_flags=EINVAL \
	open_failed_sets_null=1 info_null=EINVAL copy_null_handle=EINVAL \
	copy_null_ranges=EFAULT copy_no_ranges=EINVAL has_module_null=0
lib_expect "$P/api-range-init" range_init=3,10,4,20,30,0,3,0
lib_expect "$P/api-null-result" null_result=EINVAL r0.status=EINVAL

lib_check names
lib_expect "$P/method-names" method0=clone method1=fs_copy method2=xcopy \
	method3=odx method4=kernel method5=hole method6=nvme_copy method7=NULL \
	method16=copy_file_range method17=userspace method31=no_module \
	method32=NULL
lib_expect "$P/status-names" status0=ok status1=same status2=differs \
	"status3=not run" "status4=stopped" "status5=unknown status" \
	"status-22=Invalid argument" "status-95=Operation not supported" \
	"status-41=unknown status" "status-4095=unknown status" \
	"status-2147483648=unknown status"

# The interface version: the header's, the library's and the shared
# object's name (libcopyoffload.so.MAJOR.MINOR.0) agree.
lib_check version
so=$(lib_real_name)
so=${so#libcopyoffload.so.}
lib_expect "$P/lib-version" "header=${so%.0}" "library=${so%.0}" \
	check_built=0 check_older_minor=0 \
	check_newer_minor=ENOSYS check_older_major=ENOSYS check_newer_major=ENOSYS

# --- the request --------------------------------------------------------------
R=$S,0,$D,0,4K
lib_check copy -
lib_expect "$P/no-ranges" ret=EINVAL nr_processed=0 no_module=1
rejects unknown-flag EINVAL - -- copy 0x4000000000000000 "$R"
rejects unknown-flag-high EINVAL - -- copy 0x8000000000000000 "$R"
rejects require-share-with-offload EINVAL - -- copy require,xcopy "$R"
rejects two-offload-selectors EINVAL - -- copy xcopy,odx "$R"
rejects offload-none-and-odx EINVAL - -- copy none,odx "$R"
rejects offload-nvme-and-xcopy EINVAL - -- copy nvme,xcopy "$R"
rejects require-share-with-nvme EINVAL - -- copy require,nvme "$R"
rejects too-many-ranges E2BIG - -- copy - "$R,x65537"

# without the module, a selector only keeps storage offload to itself: the
# library's copy serves the range
lib_check copy nvme "$S,0,w:$T/nvme,0,4K"
lib_expect "$P/offload-nvme-accepted" ret=0 nr_processed=1 r0.status=ok \
	no_module=1

lib_check copy - "$S,0,w:$T/many,0,1,x65536"
lib_expect "$P/max-ranges-accepted" ret=0 nr_processed=65536 \
	bytes_done=65536 r0.status=ok r31.status=ok

# --- the ranges ---------------------------------------------------------------
rejects bad-src-fd EBADF 0 -- copy - "closed,0,$D,0,4K"
rejects bad-dst-fd EBADF 0 -- copy - "$S,0,closed,0,4K"
rejects src-write-only EBADF 0 -- copy - "w:$T/src,0,$D,0,4K"
rejects dst-read-only EBADF 0 -- copy - "$S,0,r:$T/dst,0,4K"
rejects dst-append EBADF 0 -- copy - "$S,0,wa:$T/dst,0,4K"
rejects src-o-path EBADF 0 -- copy - "path:$T/src,0,$D,0,4K"
rejects src-directory EISDIR 0 -- copy - "dir:$T,0,$D,0,4K"
rejects dst-directory EISDIR 0 -- copy - "$S,0,dir:$T,0,4K"
rejects src-pipe EINVAL 0 -- copy - "piper,0,$D,0,4K"
rejects dst-pipe EINVAL 0 -- copy - "$S,0,pipew,0,4K"
rejects src-char-device EINVAL 0 -- copy - "r:/dev/zero,0,$D,0,4K"
rejects zero-length EINVAL 0 -- copy - "$S,0,$D,0,0"
rejects overlap-same-file EINVAL 0 -- copy - "rw:$T/dst,0,rw:$T/dst,4K,64K"
rejects overlap-backwards EINVAL 0 -- copy - "rw:$T/dst,64K,rw:$T/dst,60K,8K"
rejects offset-wraps EOVERFLOW 0 -- copy - "$S,0xffffffffffff0000,$D,0,1M"
rejects dst-offset-wraps EOVERFLOW 0 -- copy - "$S,0,$D,0xfffffffffffff000,64K"
rejects past-loff-max EOVERFLOW 0 -- copy - "$S,0x7fffffffffff0000,$D,0,1M"
rejects clone-at-eof EINVAL 0 -- clone "$S,256K,$D,0,4K"
rejects dedupe-at-eof EINVAL 0 -- dedupe "$S,300K,$D,0,4K"
rejects dedupe-src-write-only EINVAL 0 -- dedupe "w:$T/src,0,$D,0,4K"
rejects clone-past-loff-max EINVAL 0 -- clone "$S,0x7fffffffffff0000,$D,0,1M"
rejects clone-dst-append EBADF 0 -- clone "$S,0,wa:$T/dst,0,4K"
rejects later-range-bad EBADF 1 r0.status=not_run r0.bytes=0 -- \
	copy - "$R" "$S,0,r:$T/dst,0,4K"

# EPERM needs the flag set after open: open(2) refuses to write otherwise.
if chattr +i "$T/src" 2>/dev/null && chattr -i "$T/src"; then
	CO_CLEANUP+=("chattr -i '$T/dst'")
	rejects immutable-dst EPERM 0 -- -x "chattr +i '$T/dst'" copy - "$R"
	chattr -i "$T/dst"
else
	skip "$P/immutable-dst" "chattr +i does not work on $T"
fi

# --- accepted corner cases -------------------------------------------------
plain_copy "$T/src" "$T/self"
lib_check copy - "rw:$T/self,0,rw:$T/self,128K,64K"
lib_note_if same same_range "$T/self" 0 "$T/self" 128K 64K
lib_expect "$P/same-file-disjoint" ret=0 r0.status=ok r0.bytes=65536 same=yes

lib_check copy allow,odx "$S,0,w:$T/flags,0,4K"
lib_expect "$P/allow-share-with-offload" ret=0 r0.status=ok r0.bytes=4096

lib_check copy - "$S,300K,w:$T/past,0,4K"
lib_expect "$P/copy-from-past-eof" ret=0 r0.status=ok r0.bytes=0 \
	nr_processed=1

done_testing
