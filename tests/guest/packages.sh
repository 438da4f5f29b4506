#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Debian packages (make deb: build/deb/*.deb) installed and used as on a
# machine that runs this stock kernel: dpkg -i the four; the postinst of
# copyoffload-dkms has DKMS build and install the module for the running
# kernel; that module loads; the tools and a program built against
# libcopyoffload-dev through pkg-config use the installed library; dpkg -r
# takes everything away again.  The harness's own module is put aside for
# the duration and restored at the end, for the tests that follow.
#
# set -u but not -e: like every test script this one reports each case and
# goes on after a failed one; under -e a failing command outside a check
# would end it silently, with the "ok" lines before counted (tests/lib.sh).
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/guest/fslib.sh
. "$(dirname "$0")/fslib.sh"
# Everything here must come from the packages, not from the checkout.
unset LD_LIBRARY_PATH PKG_CONFIG_PATH MANPATH
export DEBIAN_FRONTEND=noninteractive
P=packages

ver=$(cat "$CO_TOP/VERSION")
arch=$(dpkg --print-architecture)
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
kver=$(uname -r)
mdir=/lib/modules/$kver
libdir=/usr/lib/$ma
D=$CO_TOP/build/deb
pkgs=(copyoffload-dkms libcopyoffload1 libcopyoffload-dev copyoffload-tools)

# It installs packages, mounts over /boot and unloads the module: never on
# a real machine.
if [ -z "${CO_VM_KERNEL:-}" ]; then
	skip "$P" "runs only in the guest (tests/vm/run sets CO_VM_KERNEL)"
	done_testing
fi
# The guest sees the host's /usr/src: the harness links the headers of
# this kernel when the host has them installed (not 7.x, whose build tools
# need sid's: those are in a chroot on the host, which DKMS here cannot use).
if [ ! -e "$mdir/build/Makefile" ]; then
	skip "$P" "no headers of $kver in the guest ($mdir/build): DKMS could not build"
	done_testing
fi
debs=("$D/copyoffload-dkms_${ver}_all.deb")
for p in libcopyoffload1 libcopyoffload-dev copyoffload-tools; do
	debs+=("$D/${p}_${ver}_$arch.deb")
done
missing=
for f in "${debs[@]}"; do
	[ -f "$f" ] || missing+=" $f"
done
if [ -n "$missing" ]; then
	skip "$P" "not built:$missing (make deb; tests/run does it)"
	done_testing
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/co-$P.XXXXXX")
CO_CLEANUP+=("rm -rf '$T'")

# Only the running kernel, as on a machine that has just this one: the
# guest's /boot is the host's, with kernels this guest does not run, and
# the postinst would build for the newest of them too (twice the time).
# The man-db trigger would index all of /usr/share/man over 9p (minutes
# under TCG); "man -w" below needs no index.
mount -t tmpfs -o mode=0755 tmpfs /boot && CO_CLEANUP+=("umount /boot")
rm -f /var/lib/man-db/auto-update

# Put aside the module the harness staged (and loaded), and the module
# index as it is: after dpkg -i the only copyoffload.ko must be the one
# DKMS built from the package.  (DKMS would not replace it anyway: the
# harness's says VERSION+gGIT, newer than VERSION.)
harness_ko=$(modinfo -n copyoffload 2>/dev/null)
harness_ver=$(cat /sys/module/copyoffload/version 2>/dev/null)
saved=
mkdir "$T/moddb"
cp -a "$mdir"/modules.* "$T/moddb/"
if [ -f "$harness_ko" ]; then
	saved=$T/harness-$(basename "$harness_ko")
	mv "$harness_ko" "$saved"
fi

# restore: remove what the packages left (after a failure), then bring back
# the harness's module and the module index (copied back: depmod takes a
# minute here) and load it.
restore() {
	local p inst=()
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null |
			grep -q ' installed$' && inst+=("$p")
	done
	[ ${#inst[@]} -eq 0 ] || dpkg -r "${inst[@]}" >/dev/null 2>&1
	[ -n "$saved" ] || return 0
	rmmod copyoffload 2>/dev/null
	mkdir -p "$(dirname "$harness_ko")"
	mv "$saved" "$harness_ko" && cp -a "$T/moddb"/modules.* "$mdir/" &&
		modprobe copyoffload
	saved=
}
CO_CLEANUP+=(restore)

# --- install ------------------------------------------------------------
# stamp: prefix every line with the time in seconds, to time DKMS's steps
stamp() {
	local l
	while IFS= read -r l; do printf '%(%s)T %s\n' -1 "$l"; done
}
t0=$(date +%s)
dpkg -i "${debs[@]}" 2>&1 | stamp > "$T/dpkg-i.log"
if [ "${PIPESTATUS[0]}" = 0 ]; then
	pass "$P/install"
else
	fail "$P/install" "dpkg -i failed: $(tail -n 5 "$T/dpkg-i.log" | tr '\n' ' ')"
	exit 1
fi
# The postinst's build: from "Building initial module" to "Done."; DKMS's
# install (copy, depmod): from there to the end of the "depmod..." line.
t_b=$(awk '/ Building initial module for/ { print $1; exit }' "$T/dpkg-i.log")
t_d=$(awk '/^[0-9]+ Done\.$/ { print $1; exit }' "$T/dpkg-i.log")
t_i=$(awk '/ depmod/ { print $1; exit }' "$T/dpkg-i.log")
echo "# $P: dpkg -i took $(($(date +%s) - t0)) s: DKMS build" \
	"$((${t_d:-0} - ${t_b:-0})) s, install (depmod) $((${t_i:-0} - ${t_d:-0})) s;" \
	"$(grep -m1 ' Building for' "$T/dpkg-i.log" | cut -d' ' -f2-)"

st=$(dkms status -m copyoffload -v "$ver" -k "$kver" 2>/dev/null)
src=$(readlink "/var/lib/dkms/copyoffload/$ver/source")
if grep -qx "copyoffload/$ver, $kver, [^:]*: installed" <<<"$st" &&
   [ "$src" = "/usr/src/copyoffload-$ver" ] &&
   [ "$(dpkg -S "$src/dkms.conf" 2>/dev/null)" = "copyoffload-dkms: $src/dkms.conf" ]; then
	pass "$P/dkms-installed"
else
	fail "$P/dkms-installed" "dkms status '$st', source '$src'"
fi

# --- the package's module ---------------------------------------------
rmmod copyoffload 2>/dev/null
modprobe copyoffload
path=$(modinfo -n copyoffload 2>/dev/null)
built=$(find "/var/lib/dkms/copyoffload/$ver/$kver" -path '*/module/copyoffload.ko*' \
	2>/dev/null | head -n 1)
loaded=$(cat /sys/module/copyoffload/version 2>/dev/null)
# A package build says VERSION alone; the harness's adds +gGIT.
if [[ $path == "$mdir/updates/dkms/copyoffload.ko"* ]] &&
   [ -n "$built" ] && cmp -s "$path" "$built" && [ "$loaded" = "$ver" ] &&
   [ -c /dev/copyoffload ]; then
	pass "$P/module-loads"
else
	fail "$P/module-loads" "modinfo -n '$path', dkms built '$built', loaded version '$loaded'"
fi

# --- loaded at boot: the package's modules-load.d entry, read by
# systemd-modules-load as at boot
conf=/usr/lib/modules-load.d/copyoffload.conf
loader=/usr/lib/systemd/systemd-modules-load
if [ ! -x "$loader" ]; then
	skip "$P/loaded-at-boot" "no $loader here"
elif [ "$(dpkg -S "$conf" 2>/dev/null)" != "copyoffload-dkms: $conf" ]; then
	fail "$P/loaded-at-boot" "$conf is not copyoffload-dkms's"
else
	rmmod copyoffload 2>/dev/null
	out=$("$loader" "$conf" 2>&1)
	if [ -c /dev/copyoffload ] && [ -d /sys/module/copyoffload ]; then
		pass "$P/loaded-at-boot"
	else
		fail "$P/loaded-at-boot" "systemd-modules-load $conf did not load it: $out"
		modprobe copyoffload
	fi
fi

# --- tools and library ------------------------------------------------
# installed_lib PATH: PATH is the package's libcopyoffload.so.1, named
# /usr/lib/MA/ or, as the dynamic loader's cache has it with merged /usr,
# /lib/MA/
installed_lib() {
	case $1 in
	"$libdir/libcopyoffload.so.1"|"/lib/$ma/libcopyoffload.so.1") ;;
	*) return 1 ;;
	esac
	[ "$(readlink -f "$1")" = "$libdir/$real_lib" ] &&
	[ "$(dpkg -S "$libdir/$real_lib" 2>/dev/null)" = \
		"libcopyoffload1:$arch: $libdir/$real_lib" ]
}
real_lib=$(lib_real_name)
# lib_of PROGRAM: where the dynamic loader finds libcopyoffload.so.1 for it
lib_of() {
	ldd "$1" 2>&1 | awk '$1 == "libcopyoffload.so.1" { print $3 }'
}

lib=$(lib_of /usr/bin/copyoffload-cp)
if installed_lib "$lib"; then
	pass "$P/tools-use-installed-lib"
else
	fail "$P/tools-use-installed-lib" "ldd: libcopyoffload.so.1 => '$lib'"
fi

json_check "$P/info" "(d[0]['abi_version'] == 2 and d[0]['version'] == '$ver' and
	all(f in d[0]['features'] for f in ('clone', 'dedupe', 'copy')))" \
	"$(/usr/bin/copyoffload info --json 2>&1)"

# A copy and a clone on xfs (a LIO LUN, else a loop device) through the
# module: the packaged tools, library and module together.
if fs_mount xfs 0 "$T/xfs"; then
	random_file "$T/xfs/src" 4096
	out=$(/usr/bin/copyoffload-cp --json --reflink=never "$T/xfs/src" "$T/xfs/dst" 2>&1)
	if same_bytes "$T/xfs/src" "$T/xfs/dst" && ! extents_shared "$T/xfs/dst"; then
		json_check "$P/cp-xfs" "d[0]['status'] == 'ok' and not d[0]['no_module']" "$out"
	else
		fail "$P/cp-xfs" "copyoffload-cp --reflink=never: $out"
	fi
	out=$(/usr/bin/copyoffload-cp --json --reflink=always "$T/xfs/src" "$T/xfs/clone" 2>&1)
	if same_bytes "$T/xfs/src" "$T/xfs/clone" && extents_shared "$T/xfs/clone"; then
		json_check "$P/cp-xfs-reflink" "d[0]['status'] == 'ok' and not d[0]['no_module']" "$out"
	else
		fail "$P/cp-xfs-reflink" "copyoffload-cp --reflink=always: $out"
	fi
	fs_umount "$T/xfs"
else
	fail "$P/cp-xfs" "$FS_WHY"
fi

# --- libcopyoffload-dev -------------------------------------------------
# (pkg-config leaves out -L and -I of the system's own directories)
pc_libs=$(pkg-config --libs libcopyoffload 2>&1)
check_eq "$P/pkg-config" "$ver $libdir -lcopyoffload" \
	"$(pkg-config --modversion libcopyoffload 2>&1) $(
	   pkg-config --variable=libdir libcopyoffload 2>&1) ${pc_libs% }"

# the module's ABI in the library's own folder, nothing in the kernel's
check_eq "$P/dev-headers" "/usr/include/copyoffload.h /usr/include/libcopyoffload/copyoffload.h" \
	"$(dpkg -L libcopyoffload-dev | grep '^/usr/include/.*\.h$' | sort | tr '\n' ' ' |
	   sed 's/ $//')"

if pkg_user_build "$T/user"; then
	out=$("$T/user" module 2>&1)
	lib=$(lib_of "$T/user")
	if [ "$out" = "abi=2 version=$ver" ] && installed_lib "$lib"; then
		pass "$P/dev-program"
	else
		fail "$P/dev-program" "prints '$out', ldd: libcopyoffload.so.1 => '$lib'"
	fi
else
	fail "$P/dev-program" "cc: $(head -n 3 "$T/user.err" | tr '\n' ' ')"
fi
if ! pkg_user_build "$T/user-static" static; then
	fail "$P/dev-static" "cc with libcopyoffload.a: $(head -n 3 "$T/user-static.err" | tr '\n' ' ')"
elif [ -n "$(lib_of "$T/user-static")" ]; then
	fail "$P/dev-static" "linked with libcopyoffload.so.1: $(lib_of "$T/user-static")"
else
	check_eq "$P/dev-static" "abi=2 version=$ver" "$("$T/user-static" module 2>&1)"
fi

check_eq "$P/man" "/usr/share/man/man1/copyoffload-cp.1.gz /usr/share/man/man3/copyoffload_copy.3.gz /usr/share/man/man4/copyoffload.4.gz" \
	"$(man -w copyoffload-cp 2>&1) $(man -w 3 copyoffload_copy 2>&1) $(man -w 4 copyoffload 2>&1)"

# --- remove -------------------------------------------------------------
t0=$(date +%s)
files=$(dpkg -L "${pkgs[@]}" 2>/dev/null | while read -r f; do
	[ -d "$f" ] || echo "$f"; done)
if dpkg -r "${pkgs[@]}" > "$T/dpkg-r.log" 2>&1; then
	pass "$P/remove"
else
	fail "$P/remove" "dpkg -r failed: $(tail -n 5 "$T/dpkg-r.log" | tr '\n' ' ')"
fi
echo "# $P: dpkg -r took $(($(date +%s) - t0)) s"
left=
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f '${Status}' "$p" 2>/dev/null)
	case $st in ""|*not-installed) ;; *) left+=" $p ($st)" ;; esac
done
for f in $files; do
	if [ -e "$f" ] || [ -L "$f" ]; then left+=" $f"; fi
done
for f in "$mdir"/updates/dkms/copyoffload.ko* /var/lib/dkms/copyoffload; do
	if [ -e "$f" ]; then left+=" $f"; fi
done
[ -n "$(dkms status -m copyoffload 2>/dev/null)" ] && left+=" (dkms status lists it)"
modinfo -n copyoffload >/dev/null 2>&1 && left+=" (modinfo still finds copyoffload)"
if [ -z "$left" ] && [ -n "$files" ]; then
	pass "$P/removed"
else
	fail "$P/removed" "left behind:$left"
fi

# --- the harness's module again, for the tests that follow ---------------
restore
if [ -n "$harness_ko" ] && [ "$(modinfo -n copyoffload 2>/dev/null)" = "$harness_ko" ] &&
   [ "$(cat /sys/module/copyoffload/version 2>/dev/null)" = "$harness_ver" ]; then
	pass "$P/harness-module-back"
else
	fail "$P/harness-module-back" "modinfo -n '$(modinfo -n copyoffload 2>&1)', version '$(
		cat /sys/module/copyoffload/version 2>&1)', was '$harness_ko' '$harness_ver'"
fi

done_testing
