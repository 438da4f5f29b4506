# SPDX-License-Identifier: GPL-2.0
# Host-side helpers of the guest harness: which Debian kernel, where its
# pieces are cached, and the DKMS build of our module for it.  Sourced by
# tests/vm/run and tests/deps.

CO_TOP=${CO_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CO_CACHE=${CO_CACHE:-/var/cache/copyoffload}

vm_die() { echo "tests/vm: $*" >&2; exit 1; }
vm_log() { [ -n "${CO_VM_QUIET:-}" ] || echo "tests/vm: $*" >&2; }

# kernel_suite LINE: the apt suite a kernel line comes from
kernel_suite() {
	case $1 in
	6.1)	echo bookworm ;;
	6.12)	echo bookworm-backports ;;
	7.2)	echo sid ;;
	*)	vm_die "unknown kernel line '$1' (6.1, 6.12 or 7.2)" ;;
	esac
}

# kernel_abi LINE: the ABI name (e.g. 6.1.0-57-amd64) of the newest kernel of
# LINE that the archive offers, read from linux-image-amd64's dependency.
kernel_abi() {
	local line=$1 ver
	ver=$(apt-cache madison linux-image-amd64 2>/dev/null |
	      awk -F'|' '{gsub(/ /, "", $2); print $2}' |
	      grep -E "^${line//./\\.}\.[0-9]" | sort -V | tail -n 1)
	[ -n "$ver" ] || return 1
	apt-cache show "linux-image-amd64=$ver" 2>/dev/null |
		sed -n 's/^Depends: *\(linux-image-[^ ,]*\).*/\1/p' | head -n 1 |
		sed 's/^linux-image-//'
}

# kernel_dir KVER: the cache folder of one kernel
kernel_dir() { echo "$CO_CACHE/kernels/$1"; }

# fetch_kernel KVER: download and unpack the image package (not installed:
# the host never runs it), extract the ELF vmlinux for a PVH boot.
fetch_kernel() {
	local kver=$1 dir tmp deb
	dir=$(kernel_dir "$kver")
	[ -s "$dir/vmlinux" ] && [ -d "$dir/root/lib/modules/$kver" ] && return 0
	vm_log "fetching linux-image-$kver"
	tmp=$(mktemp -d "$CO_CACHE/tmp.XXXXXX")
	(cd "$tmp" && apt-get download "linux-image-$kver" >/dev/null 2>&1 ||
	 apt-get download "linux-image-$kver-unsigned" >/dev/null 2>&1) ||
		{ rm -rf "$tmp"; vm_die "cannot download linux-image-$kver"; }
	mkdir -p "$tmp/root"
	for deb in "$tmp"/*.deb; do
		dpkg-deb -x "$deb" "$tmp/root"
	done
	# Debian 6.12+ ships /lib as a symlink target under usr/lib
	if [ ! -d "$tmp/root/lib/modules" ] && [ -d "$tmp/root/usr/lib/modules" ]; then
		mkdir -p "$tmp/root/lib"
		mv "$tmp/root/usr/lib/modules" "$tmp/root/lib/modules"
	fi
	"$CO_TOP/tests/vm/extract-vmlinux" "$tmp/root/boot/vmlinuz-$kver" \
		> "$tmp/vmlinux" || { rm -rf "$tmp"; vm_die "cannot extract vmlinux"; }
	rm -f "$tmp"/*.deb
	rm -rf "$dir"
	mkdir -p "$(dirname "$dir")"
	mv "$tmp" "$dir"
}

# ensure_headers KVER: the headers package DKMS builds against
ensure_headers() {
	[ -e "/lib/modules/$1/build/Makefile" ] && return 0
	vm_log "installing linux-headers-$1"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "linux-headers-$1" >/dev/null ||
		vm_die "cannot install linux-headers-$1"
}

# dkms_build KVER: build and install our module for KVER with DKMS, into
# private DKMS trees under the cache (the host's own DKMS state is left
# alone).  Prints the path of the installed copyoffload.ko.  A build of the
# same sources for the same kernel is reused; concurrent runs take turns.
dkms_build() {
	local kver=$1 ver d src tree inst log sum ko
	ver=$(cat "$CO_TOP/VERSION")
	d=$CO_CACHE/dkms
	src=$d/src tree=$d/tree inst=$d/install log=$d/last.log
	mkdir -p "$src" "$tree" "$inst/$kver"
	exec 9> "$d/lock"
	flock 9
	sum=$(cd "$CO_TOP" && { cat Kbuild dkms.conf VERSION; find module uapi -type f \
		\( -name '*.[ch]' -o -name Kbuild -o -name '*.include' \) \
		-print0 | sort -z | xargs -0 cat; } | sha256sum | cut -c1-16)
	ko=$(find "$inst/$kver" -name 'copyoffload.ko*' 2>/dev/null | head -n 1)
	if [ -n "$ko" ] && [ "$(cat "$inst/$kver/.sum" 2>/dev/null)" = "$sum" ]; then
		exec 9>&-
		echo "$ko"
		return 0
	fi
	rm -f "$inst/$kver/.sum"
	rm -rf "${src:?}/copyoffload-$ver"
	mkdir -p "$src/copyoffload-$ver"
	(cd "$CO_TOP" && cp -a Kbuild dkms.conf VERSION module uapi \
		"$src/copyoffload-$ver/")
	(cd "$src/copyoffload-$ver" && find . \( -name '*.o' -o -name '*.ko' \
		-o -name '*.cmd' -o -name '*.mod*' -o -name 'modules.order' \
		-o -name Module.symvers \) -delete)
	git -C "$CO_TOP" describe --always --dirty 2>/dev/null \
		> "$src/copyoffload-$ver/module/GIT_VERSION" || true
	local dk=(dkms --sourcetree "$src" --dkmstree "$tree"
		  --installtree "$inst" --no-depmod)
	"${dk[@]}" remove "copyoffload/$ver" --all >/dev/null 2>&1
	rm -rf "${tree:?}/copyoffload"
	{
		"${dk[@]}" add "copyoffload/$ver" &&
		"${dk[@]}" build "copyoffload/$ver" -k "$kver" &&
		"${dk[@]}" install "copyoffload/$ver" -k "$kver" --force
	} > "$log" 2>&1 || {
		cat "$log" >&2
		cat "$tree/copyoffload/$ver/build/make.log" 2>/dev/null >&2
		exec 9>&-
		vm_die "DKMS build for $kver failed (log: $log)"
	}
	local mlog
	mlog=$(ls "$tree/copyoffload/$ver/$kver"/*/log/make.log 2>/dev/null)
	if [ -z "$mlog" ] || grep -q "warning:" "$mlog"; then
		[ -n "$mlog" ] && grep "warning:" "$mlog" >&2
		exec 9>&-
		vm_die "the module builds with warnings for $kver"
	fi
	ko=$(find "$inst/$kver" -name 'copyoffload.ko*' | head -n 1)
	[ -n "$ko" ] || vm_die "DKMS installed no copyoffload.ko for $kver"
	echo "$sum" > "$inst/$kver/.sum"
	exec 9>&-
	echo "$ko"
}

# stage_modules KVER KO OUT: a module tree of the stock kernel plus our
# module, hard-linked from the cache, with its own depmod.
stage_modules() {
	local kver=$1 ko=$2 out=$3 dir
	dir=$(kernel_dir "$kver")
	rm -rf "$out"
	mkdir -p "$out/lib/modules"
	cp -al "$dir/root/lib/modules/$kver" "$out/lib/modules/$kver"
	mkdir -p "$out/lib/modules/$kver/updates/dkms"
	cp "$ko" "$out/lib/modules/$kver/updates/dkms/"
	depmod -b "$out" "$kver" || vm_die "depmod failed for $kver"
}
