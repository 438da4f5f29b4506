#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The library and the tools on a C library that is not glibc: built with
# musl-gcc (Debian's musl-tools) under -Werror from a copy of the tree, and
# run, without libmnl (LIBMNL=no: there is none for musl here; the jobs'
# netlink functions then say ENOSYS).  Nothing may need glibc's extensions:
# the status names come from musl's strerror_l, statx from the library's
# own system call where musl lacks it (before 1.2.5), the tools' errno and
# signal names from their fallbacks (musl has no strerrorname_np or
# sigabbrev_np).
. "$(dirname "$0")/../lib.sh"
lib_setup lib-musl

if ! command -v musl-gcc >/dev/null; then
	skip "$P" "no musl-gcc here (Debian's musl-tools; tests/deps installs it)"
	done_testing
fi

# musl-gcc sees musl's headers only: the kernel's (linux-libc-dev) come
# from a folder of their own, as on a musl distribution.
K=$T/kernel-headers
mkdir -p "$K"
ln -s /usr/include/linux /usr/include/asm-generic "$K/"
ln -s "/usr/include/$(gcc -print-multiarch)/asm" "$K/asm"

S=$T/src
mkdir -p "$S"
(cd "$CO_TOP" && tar -cf - Makefile VERSION debian.mk uapi lib tools udev \
	tests/tests.mk tests/bench/bench.mk tests/odx/odx.mk \
	tests/progs/lib-check.c) | tar -C "$S" -xf -
if make -s -C "$S" clean-lib clean-tools >"$T/make.log" 2>&1 &&
   make -s -C "$S" CC=musl-gcc CPPFLAGS="-isystem $K" LIBMNL=no \
	lib tools tests/progs/lib-check >>"$T/make.log" 2>&1; then
	pass "$P/build"
else
	fail "$P/build" "$(grep -m 3 -E 'error|Error' "$T/make.log" | tr '\n' ' ')"
	done_testing
fi

check_eq "$P/needs-only-musl" libc.so \
	"$(readelf -d "$S/lib/libcopyoffload.so.1" |
	   sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ' | sed 's/ $//')"

# The programs run with musl's dynamic linker and the musl-built library.
export LD_LIBRARY_PATH=$S/lib
CO_LIB_CHECK=$S/tests/progs/lib-check

lib_check names
lib_expect "$P/status-names" status0=ok "status3=not run" \
	"status4=stopped" "status5=unknown status" "status-22=Invalid argument" \
	"status-41=unknown status" "status-4095=unknown status" \
	"status-2147483648=unknown status"
lib_check version
# (errnos by number without strerrorname_np: ENOSYS is 38)
lib_expect "$P/version" check_built=0 check_newer_minor=E38

# Built without libmnl: the jobs' netlink functions say so (ENOSYS, 38);
# the device's say the module is missing (EOPNOTSUPP, 95).
lib_check -N jobs-api
lib_expect "$P/jobs-without-libmnl" job_get=E38 job_list=E38 job_cancel=E38 \
	events_open=E38 events_open_sets_null=1 submit=E95 wait=E95

# A copy without the module: statx, copy_file_range and the rest.
random_file "$T/a" 1024
lib_check -N copy - "r:$T/a,0,w:$T/b,0,eof"
lib_note_if same same_bytes "$T/a" "$T/b"
lib_expect "$P/copy" ret=0 r0.status=ok r0.bytes=1048576 same=yes

check "$P/cp" "$S/tools/copyoffload-cp" --reflink=never "$T/a" "$T/cp"
check "$P/cp-same" same_bytes "$T/a" "$T/cp"
# an errno without strerrorname_np: its number and musl's text
run_cmd "$S/tools/copyoffload" copy "$T/a" "$T/cp" 0:0:0
check_match "$P/errno-text" "errno 22 \(Invalid argument\)" "$CO_ERR"

# A signal without sigabbrev_np: the tools' own name for it.
truncate -s 256M "$T/big"
dd if=/dev/zero of="$T/big" bs=1M count=256 conv=notrunc status=none
if landed "$P/cp-sigint" 130 "rm -f '$T/new'" INT "$T/new" \
	"$S/tools/copyoffload-cp" -q --reflink=never "$T/big" "$T/new"; then
	check_match "$P/cp-sigint-name" "interrupted by SIGINT: removed" "$INT_ERR"
fi

done_testing
