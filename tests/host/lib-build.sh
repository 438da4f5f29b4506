#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# libcopyoffload as a package: the shared object's soname and exports, the
# static library, "make install-lib" into a scratch root, a program built
# from the installed files through pkg-config alone, and the man pages.
. "$(dirname "$0")/../lib.sh"
lib_setup lib-build

L=$CO_TOP/lib
FUNCS="copyoffload_clone copyoffload_close copyoffload_copy copyoffload_dedupe copyoffload_devinfo
copyoffload_has_module copyoffload_info copyoffload_method_name
copyoffload_open copyoffload_range_init copyoffload_status_name"
# added in LIBCOPYOFFLOAD_1.1, 1.2, 1.3, 1.4
FUNCS_1_1="copyoffload_devinfo_size"
FUNCS_1_2="copyoffload_check_version copyoffload_lib_version_major
copyoffload_lib_version_minor copyoffload_info_size copyoffload_run
copyoffload_lib_method_name"
FUNCS_1_3="copyoffload_submit copyoffload_wait copyoffload_cancel
copyoffload_job_get copyoffload_job_list copyoffload_job_cancel
copyoffload_events_open copyoffload_events_fd copyoffload_events_read
copyoffload_events_close"
FUNCS_1_4="copyoffload_nvme_set"
# libcopyoffload.so.MAJOR.MINOR.0, named as lib/lib.mk names it
SO=$(lib_real_name)

check_eq "$P/soname" libcopyoffload.so.1 \
	"$(readelf -d "$L/$SO" |
	   sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')"

check_eq "$P/links" "libcopyoffload.so.1 $SO" \
	"$(readlink "$L/libcopyoffload.so") $(readlink "$L/libcopyoffload.so.1")"

want=$({ for f in $FUNCS; do echo "$f@@LIBCOPYOFFLOAD_1.0"; done
	for f in $FUNCS_1_1; do echo "$f@@LIBCOPYOFFLOAD_1.1"; done
	for f in $FUNCS_1_2; do echo "$f@@LIBCOPYOFFLOAD_1.2"; done
	for f in $FUNCS_1_3; do echo "$f@@LIBCOPYOFFLOAD_1.3"; done
	for f in $FUNCS_1_4; do echo "$f@@LIBCOPYOFFLOAD_1.4"; done; } | sort)
got=$(nm -D --defined-only "$L/$SO" |
      awk '$2 == "T" { print $3 }' | sort)
check_eq "$P/exports-exactly-the-api" "$want" "$got"

got=$(nm -g --defined-only "$L/libcopyoffload.a" | awk 'NF == 3 { print $3 }' |
      sort)
check_eq "$P/static-exports-exactly-the-api" "$(echo "$want" | sed 's/@@.*//' | sort)" \
	"$got"

# the C library, and libmnl for the jobs' netlink family
check_eq "$P/needs-only-libc-and-libmnl" "libmnl.so.0 libc.so.6" \
	"$(readelf -d "$L/$SO" |
	   sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ' |
	   sed 's/ $//')"

# The static library and what its .pc file's Requires.private name (libmnl)
# must make a working program.
if cc -std=gnu11 -D_GNU_SOURCE -I"$L" \
	-o "$T/lib-check-static" "$CO_TOP/tests/progs/lib-check.c" \
	"$L/libcopyoffload.a" -lmnl 2>"$T/cc.err" &&
   ! ldd "$T/lib-check-static" | grep -q libcopyoffload; then
	LIB_OUT=$(LD_LIBRARY_PATH= "$T/lib-check-static" names)
	lib_expect "$P/static-library" method0=clone status3="not run"
else
	fail "$P/static-library" "$(head -n 3 "$T/cc.err")"
fi

# Install with the paths the tree was configured with.
pc_var() {
	sed -n "s/^$1=//p" "$L/libcopyoffload.pc"
}
prefix=$(pc_var prefix)
libdir=$(pc_var libdir)
incdir=$(pc_var includedir)
R=$T/root
if make -s -C "$CO_TOP" install-lib DESTDIR="$R" PREFIX="$prefix" \
	LIBDIR="$libdir" INCLUDEDIR="$incdir" >"$T/make.log" 2>&1; then
	missing=
	for f in "$libdir/$SO" "$libdir/libcopyoffload.so.1" \
		"$libdir/libcopyoffload.so" "$libdir/libcopyoffload.a" \
		"$libdir/pkgconfig/libcopyoffload.pc" "$incdir/copyoffload.h" \
		"$incdir/libcopyoffload/copyoffload.h" \
		"$prefix/share/man/man3/copyoffload_copy.3" \
		"$prefix/share/man/man4/copyoffload.4"; do
		[ -e "$R$f" ] || missing+=" $f"
	done
	check_eq "$P/install" "" "$missing"
	# the library's API and a copy of the module's ABI, in the library's
	# own folder: nothing in include/linux/, which is the kernel's
	check_eq "$P/install-headers" "copyoffload.h libcopyoffload/copyoffload.h" \
		"$(cd "$R$incdir" && find . ! -type d | sed 's|^\./||' | sort | tr '\n' ' ' |
		   sed 's/ $//')"
	check "$P/install-abi-header" cmp "$CO_TOP/uapi/linux/copyoffload.h" \
		"$R$incdir/libcopyoffload/copyoffload.h"
else
	fail "$P/install" "$(tail -n 3 "$T/make.log")"
fi

# A program that knows only what pkg-config says about the installed tree
# (and the system's, for libmnl's .pc file).
PKG_CONFIG_LIBDIR=$R$libdir/pkgconfig:$(pkg-config --variable pc_path pkg-config)
export PKG_CONFIG_SYSROOT_DIR=$R PKG_CONFIG_LIBDIR
check_eq "$P/pkg-config-version" "$(cat "$CO_TOP/VERSION")" \
	"$(pkg-config --modversion libcopyoffload 2>&1)"
if pkg_user_build "$T/user"; then
	check_eq "$P/pkg-config-build" "ok hole" \
		"$(LD_LIBRARY_PATH=$R$libdir "$T/user" 2>&1)"
else
	fail "$P/pkg-config-build" "$(head -n 3 "$T/user.err")"
fi
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR

if command -v c++ >/dev/null; then
	echo '#include <copyoffload.h>' > "$T/cxx.cc"
	check "$P/header-cxx" c++ -Wall -Wextra -Werror -I"$R$incdir" \
		-c -o "$T/cxx.o" "$T/cxx.cc"
else
	skip "$P/header-cxx" "no C++ compiler"
fi

# One page per function plus the overview (or a .so link to the page that
# documents it), each with the usual sections and silent under
# man --warnings.
bad=
for page in libcopyoffload $FUNCS $FUNCS_1_1 $FUNCS_1_2 $FUNCS_1_3; do
	f=$CO_TOP/man/man3/$page.3
	if [ ! -f "$f" ]; then
		bad+=" $page:missing"
		continue
	fi
	if so=$(sed -n '1s/^\.so //p' "$f") && [ -n "$so" ]; then
		f=$CO_TOP/man/$so
		grep -Eq "^\.BI? \"?[^\"]*[ *]$page\(" "$f" ||
			bad+=" $page:not-in-$so"
	fi
	for s in NAME SYNOPSIS DESCRIPTION "RETURN VALUE" ERRORS "SEE ALSO"; do
		grep -qx "\.SH \"\?$s\"\?" "$f" || bad+=" $page:no-$s"
	done
	[ -z "$(man -l --warnings -E UTF-8 "$f" 2>&1 >/dev/null)" ] ||
		bad+=" $page:warnings"
done
check_eq "$P/man-pages" "" "$bad"

done_testing
