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
	# built here from 6.12's linux-source (build_debug_kernel)
	debug)	echo bookworm-backports ;;
	*)	vm_die "unknown kernel line '$1' (6.1, 6.12, 7.2 or debug)" ;;
	esac
}

# ensure_suites: the archive suites the other kernel lines come from, with
# bookworm pinned above them so that apt never upgrades the machine itself
# to backports or sid (only what is asked for by name comes from there).
ensure_suites() {
	local src=/etc/apt/sources.list.d/copyoffload-kernels.sources
	local pin=/etc/apt/preferences.d/copyoffload-pin
	[ -e "$src" ] && [ -e "$pin" ] && return 0
	vm_log "adding bookworm-backports and sid to apt's sources (bookworm pinned)"
	cat > "$pin" <<'PIN'
# Written by copyoffload's tests/deps: kernels for the guest harness come
# from backports and sid; everything else stays bookworm.
Package: *
Pin: release n=bookworm
Pin-Priority: 990

Package: *
Pin: release n=bookworm-security
Pin-Priority: 990

Package: *
Pin: release n=bookworm-updates
Pin-Priority: 990

Package: *
Pin: release n=bookworm-backports
Pin-Priority: 100

Package: *
Pin: release n=sid
Pin-Priority: 50
PIN
	cat > "$src" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	apt-get -o DPkg::Lock::Timeout=900 update -q >/dev/null
}

# kernel_abi LINE: the ABI name (e.g. 6.1.0-57-amd64) of the newest stock
# amd64 kernel of LINE that the archive offers, in any configured suite
# (bookworm-security carries 6.12 too, newer than backports' metapackage).
kernel_abi() {
	local re
	[ "$1" = debug ] && { debug_kver; return; }
	re="^linux-image-${1//./\\.}\\.[0-9][^ ]*-amd64\$"
	apt-cache search --names-only "$re" 2>/dev/null | awk '{print $1}' |
		grep -v -e -dbg -e -unsigned -e -rt- -e -cloud- | sed 's/^linux-image-//' |
		sort -V | tail -n 1 | grep .
}

# line_kernel LINE: like kernel_abi, but adds the suite LINE comes from and
# refreshes apt's lists when the archive does not know the line yet (a new
# machine, or lists older than the archive's newest ABI).
line_kernel() {
	local line=$1
	[ "$line" = 6.1 ] || ensure_suites
	kernel_abi "$line" && return 0
	apt-get -o DPkg::Lock::Timeout=900 update -q >/dev/null
	kernel_abi "$line"
}

# kernel_dir KVER: the cache folder of one kernel
kernel_dir() { echo "$CO_CACHE/kernels/$1"; }

# fetch_kernel KVER: download and unpack the image package (not installed:
# the host never runs it), extract the ELF vmlinux for a PVH boot.
fetch_kernel() {
	local kver=$1 dir tmp deb
	case $kver in *-co-debug) build_debug_kernel "$kver"; return ;; esac
	dir=$(kernel_dir "$kver")
	[ -s "$dir/vmlinux" ] && [ -d "$dir/root/lib/modules/$kver" ] && return 0
	vm_log "fetching linux-image-$kver"
	tmp=$(mktemp -d "$CO_CACHE/tmp.XXXXXX")
	(cd "$tmp" && apt-get download "linux-image-$kver" >/dev/null 2>&1 ||
	 apt-get download "linux-image-$kver-unsigned" >/dev/null 2>&1) ||
		{ rm -rf "$tmp"; vm_die "cannot download linux-image-$kver"; }
	# Newer kernels split the image into linux-binary-KVER (vmlinuz) and
	# linux-modules-KVER: fetch the parts the image package depends on.
	local parts
	parts=$(dpkg-deb -f "$tmp"/linux-image-*.deb Depends | tr ',|' '\n\n' |
		sed 's/^ *//; s/[ (].*//' | grep -F -- "-$kver" |
		grep -E '^linux-(binary|modules|base)-' || true)
	for deb in $parts; do
		(cd "$tmp" && apt-get download "$deb" >/dev/null 2>&1) ||
			{ rm -rf "$tmp"; vm_die "cannot download $deb"; }
	done
	mkdir -p "$tmp/root"
	for deb in "$tmp"/*.deb; do
		dpkg-deb -x "$deb" "$tmp/root"
	done
	# Debian 6.12+ ships /lib as a symlink target under usr/lib
	if [ ! -d "$tmp/root/lib/modules" ] && [ -d "$tmp/root/usr/lib/modules" ]; then
		mkdir -p "$tmp/root/lib"
		mv "$tmp/root/usr/lib/modules" "$tmp/root/lib/modules"
	fi
	local vmlinuz
	for vmlinuz in "$tmp/root/boot/vmlinuz-$kver" \
		       "$tmp/root/lib/modules/$kver/vmlinuz" ""; do
		[ -e "$vmlinuz" ] && break
	done
	[ -n "$vmlinuz" ] || { rm -rf "$tmp"; vm_die "no vmlinuz in linux-image-$kver"; }
	"$CO_TOP/tests/vm/extract-vmlinux" "$vmlinuz" > "$tmp/vmlinux" ||
		{ rm -rf "$tmp"; vm_die "cannot extract vmlinux"; }
	rm -f "$tmp"/*.deb
	rm -rf "$dir"
	mkdir -p "$(dirname "$dir")"
	mv "$tmp" "$dir"
}

# The debug kernel (line "debug"): Debian's linux-source-6.12 built here
# with tests/vm/debug/config (KASAN, lockdep, KMEMLEAK, KFENCE, UBSAN,
# DEBUG_ATOMIC_SLEEP: checkers no stock Debian kernel has).  It lives in the
# cache like the stock kernels, plus its build tree (KVER/build), which is
# what DKMS builds our module against; the tree is kept, so a change of the
# config fragment rebuilds incrementally.

# debug_kver: the release of the debug kernel.  The one built already is
# kept until its cache folder is removed; else the archive's newest
# linux-source-6.12, e.g. 6.12.118 from 6.12.118-1~deb12u1, plus -co-debug.
debug_kver() {
	local d v
	v=$(for d in "$CO_CACHE"/kernels/*-co-debug; do
		[ -s "$d/vmlinux" ] && echo "${d##*/}"
	done | sort -V | tail -n 1)
	[ -n "$v" ] && { echo "$v"; return 0; }
	v=$(apt-cache policy linux-source-6.12 2>/dev/null | awk '$1 == "Candidate:" { print $2 }')
	case $v in ''|'(none)') return 1 ;; esac
	echo "${v%%-*}-co-debug"
}

# debug_config_sum: what the built kernel must match: the config fragment,
# the patches and this recipe's revision
debug_config_sum() {
	local p
	{
		echo 1
		cat "$CO_TOP/tests/vm/debug/config"
		for p in "$CO_TOP"/tests/vm/debug/*.patch; do
			[ -e "$p" ] && cat "$p"
		done
	} | sha256sum | cut -c1-16
}

# debug_config_check CONFIG: every value the fragment asks for is in the
# final CONFIG (a typo or an unmet dependency would silently drop a checker)
debug_config_check() {
	awk '
	NR == FNR {
		if (/^CONFIG_/) { k = $0; sub(/=.*/, "", k); want[k] = substr($0, length(k) + 2) }
		else if (/^# CONFIG_.* is not set$/) want[$2] = "n"
		next
	}
	/^CONFIG_/ { k = $0; sub(/=.*/, "", k); have[k] = substr($0, length(k) + 2) }
	END {
		for (k in want) {
			h = (k in have) ? have[k] : "n"
			if (h != want[k]) { printf "%s: asked %s, got %s\n", k, want[k], h; bad = 1 }
		}
		exit bad
	}' "$CO_TOP/tests/vm/debug/config" "$1"
}

# build_debug_kernel KVER: fetch linux-source-6.12 (the version KVER names),
# configure it (make defconfig + tests/vm/debug/config) and build it with
# nice and make -j(CPUs); install vmlinux and the module tree into the cache
# folder of KVER as fetch_kernel does for a stock kernel.  About 20 minutes
# on 2 CPUs the first time; nothing when it is built with this config.
build_debug_kernel() {
	local kver=$1 dir tree sum
	dir=$(kernel_dir "$kver")
	tree=$dir/build
	sum=$(debug_config_sum)
	[ -s "$dir/vmlinux" ] && [ -d "$dir/root/lib/modules/$kver" ] &&
		[ "$(cat "$dir/config.sum" 2>/dev/null)" = "$sum" ] && return 0
	mkdir -p "$dir"
	# One build at a time (tests/vm/run calls tests/deps too).
	exec 8> "$dir/lock"
	flock 8
	if [ -s "$dir/vmlinux" ] && [ -d "$dir/root/lib/modules/$kver" ] &&
	   [ "$(cat "$dir/config.sum" 2>/dev/null)" = "$sum" ]; then
		exec 8>&-
		return 0
	fi
	if [ ! -e "$tree/Makefile" ]; then
		local up=${kver%-co-debug} pv tmp
		pv=$(apt-cache madison linux-source-6.12 2>/dev/null |
			awk -v up="$up" 'index($3, up "-") == 1 { print $3; exit }')
		[ -n "$pv" ] || vm_die "no linux-source-6.12 of version $up in the archive"
		vm_log "fetching linux-source-6.12 $pv"
		tmp=$(mktemp -d "$CO_CACHE/tmp.XXXXXX")
		(cd "$tmp" && apt-get download "linux-source-6.12=$pv" >/dev/null 2>&1) ||
			{ rm -rf "$tmp"; vm_die "cannot download linux-source-6.12 $pv"; }
		mkdir -p "$tmp/build"
		dpkg-deb --fsys-tarfile "$tmp"/linux-source-6.12_*.deb |
			tar -xO --wildcards '*/linux-source-6.12.tar.xz' |
			tar -xJ -C "$tmp/build" --strip-components=1 ||
			{ rm -rf "$tmp"; vm_die "cannot unpack linux-source-6.12 $pv"; }
		rm -rf "$tree"
		mv "$tmp/build" "$tree"
		rm -rf "$tmp"
	fi
	# tests/vm/debug/*.patch, each applied once (a patch dropped later
	# stays in the tree: remove the cache folder to start over)
	local p
	for p in "$CO_TOP"/tests/vm/debug/*.patch; do
		[ -e "$p" ] || continue
		patch -d "$tree" -p1 -R --dry-run -s -f < "$p" >/dev/null 2>&1 && continue
		patch -d "$tree" -p1 -s -f < "$p" >/dev/null ||
			vm_die "$p does not apply to linux-source-6.12"
	done
	local log=$dir/build.log jobs start mins rel
	jobs=$(nproc)
	start=$(date +%s)
	vm_log "building the debug kernel $kver with nice make -j$jobs (about" \
		"20 minutes on 2 CPUs the first time; log: $log)"
	# LOCALVERSION= (empty, not unset): no "+" from setlocalversion
	local mk=(nice make -C "$tree" LOCALVERSION= -j"$jobs")
	{
		"${mk[@]}" defconfig &&
		(cd "$tree" && scripts/kconfig/merge_config.sh -m .config \
			"$CO_TOP/tests/vm/debug/config") &&
		"${mk[@]}" olddefconfig
	} > "$log" 2>&1 || {
		tail -n 20 "$log" >&2
		vm_die "cannot configure the debug kernel (log: $log)"
	}
	debug_config_check "$tree/.config" >&2 ||
		vm_die "tests/vm/debug/config asks for what the kernel config does not have"
	"${mk[@]}" vmlinux modules >> "$log" 2>&1 ||
		{ tail -n 30 "$log" >&2; vm_die "the debug kernel does not build (log: $log)"; }
	rel=$("${mk[@]}" -s kernelrelease)
	[ "$rel" = "$kver" ] ||
		vm_die "the debug kernel calls itself $rel, not $kver (CONFIG_LOCALVERSION?)"
	rm -rf "$dir/root.tmp"
	"${mk[@]}" INSTALL_MOD_PATH="$dir/root.tmp" modules_install >> "$log" 2>&1 || {
		tail -n 20 "$log" >&2
		vm_die "modules_install of the debug kernel failed (log: $log)"
	}
	rm -f "$dir/root.tmp/lib/modules/$kver/build" "$dir/root.tmp/lib/modules/$kver/source"
	rm -rf "$dir/root"
	mv "$dir/root.tmp" "$dir/root"
	{ cp "$tree/vmlinux" "$dir/vmlinux.tmp" && mv "$dir/vmlinux.tmp" "$dir/vmlinux"; } ||
		vm_die "cannot install the debug kernel's vmlinux"
	# What was made for the previous build: the initramfs, our module
	rm -f "$dir/initramfs.cpio"
	rm -rf "${CO_CACHE:?}/dkms/install/$kver"
	echo "$sum" > "$dir/config.sum"
	mins=$((($(date +%s) - start + 59) / 60))
	echo "built in $mins min with -j$jobs" >> "$log"
	vm_log "built the debug kernel $kver in $mins min"
	exec 8>&-
}

# kernel_build_root KVER: the chroot to build modules for KVER in, or
# nothing for the host.  Kernels newer than the host's toolchain (sid's
# 7.x needs glibc >= 2.38 and gcc-16 for its build tools) get a sid chroot.
kernel_build_root() {
	case $1 in
	7.*)	echo "$CO_CACHE/sid-root" ;;
	esac
}

# ensure_build_root KVER: a sid chroot with KVER's headers and DKMS, made
# with debootstrap once and kept in the cache.
ensure_build_root() {
	local kver=$1 root tmp
	root=$(kernel_build_root "$kver")
	[ -e "$root/lib/modules/$kver/build/Makefile" ] && return 0
	command -v debootstrap >/dev/null ||
		apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends debootstrap >/dev/null
	if [ ! -x "$root/usr/bin/apt-get" ]; then
		vm_log "debootstrap sid into $root (once; takes a few minutes)"
		tmp=$root.tmp
		rm -rf "$tmp"
		debootstrap --variant=minbase sid "$tmp" "$(host_mirror)" \
			> "$CO_CACHE/debootstrap.log" 2>&1 ||
			vm_die "debootstrap failed (log: $CO_CACHE/debootstrap.log)"
		mv "$tmp" "$root"
	fi
	vm_log "installing linux-headers-$kver, dkms and make in $root"
	carry_apt_config "$root"
	mkdir -p "$root/proc"
	mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
	local rc=0 log=$CO_CACHE/build-root.log
	{
		chroot "$root" apt-get update -q &&
		INITRD=No DEBIAN_FRONTEND=noninteractive chroot "$root" \
			apt-get install -y -q --no-install-recommends \
			"linux-headers-$kver" dkms make
	} > "$log" 2>&1 || rc=$?
	umount -l "$root/proc"
	[ "$rc" = 0 ] || {
		tail -n 15 "$log" >&2
		vm_die "cannot install linux-headers-$kver in $root (log: $log)"
	}
}

# host_mirror: the Debian archive as the host's apt reaches it (the first
# URI of its sources that serves bookworm), so that a chroot uses the same
# mirror or proxy-fronted address the host uses.
host_mirror() {
	local uri
	uri=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
		awk '$2 == "bookworm" { print $1; exit }')
	echo "${uri:-http://deb.debian.org/debian/}"
}

# carry_apt_config ROOT: give a chroot the host's way of reaching the
# archive: apt.conf and apt.conf.d (proxies, Check-Valid-Until for a
# snapshot mirror, retries), auth.conf(.d) for mirrors behind credentials,
# and the proxy variables of this environment (inherited by chroot).  Only
# configuration is copied, never the host's sources or pins: the chroot
# keeps debootstrap's sid source.
carry_apt_config() {
	local root=$1 f
	mkdir -p "$root/etc/apt/apt.conf.d" "$root/etc/apt/auth.conf.d"
	for f in /etc/apt/apt.conf /etc/apt/auth.conf; do
		[ -e "$f" ] && cp "$f" "$root$f"
	done
	for f in /etc/apt/apt.conf.d/* /etc/apt/auth.conf.d/*; do
		[ -f "$f" ] || continue
		# Hooks naming programs the chroot lacks (PackageKit,
		# appstream) would fail its apt-get update.
		grep -q -e 'Invoke' -e 'Pre-Install-Pkgs' "$f" && continue
		cp "$f" "$root$f"
	done
	cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
	return 0
}

# ensure_headers KVER: the headers package DKMS builds against (for the
# debug kernel: its build tree, linked where a headers package would be)
ensure_headers() {
	if [ -n "$(kernel_build_root "$1")" ]; then
		ensure_build_root "$1"
		return
	fi
	case $1 in *-co-debug)
		local tree
		tree=$(kernel_dir "$1")/build
		[ -e "$tree/Module.symvers" ] ||
			vm_die "no build tree of the debug kernel $1 in $tree"
		[ "$(readlink "/lib/modules/$1/build")" = "$tree" ] && return 0
		mkdir -p "/lib/modules/$1"
		ln -sfn "$tree" "/lib/modules/$1/build"
		return 0
	esac
	[ -e "/lib/modules/$1/build/Makefile" ] && return 0
	vm_log "installing linux-headers-$1"
	# Newer Debian headers pull in their kernel image; it is never booted
	# here, so skip building an initramfs for it (INITRD=No).
	INITRD=No DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -q \
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
	local root dk=()
	root=$(kernel_build_root "$kver")
	if [ -n "$root" ]; then
		# Build inside the chroot that has this kernel's build tools;
		# the DKMS trees are bind-mounted at the same path.
		mkdir -p "$root$d" "$root/proc"
		mountpoint -q "$root$d" || mount --bind "$d" "$root$d"
		mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
		dk=(chroot "$root")
	fi
	dk+=(dkms --sourcetree "$src" --dkmstree "$tree" --installtree "$inst"
	     --no-depmod)
	"${dk[@]}" remove "copyoffload/$ver" --all >/dev/null 2>&1
	rm -rf "${tree:?}/copyoffload"
	{
		"${dk[@]}" add "copyoffload/$ver" &&
		"${dk[@]}" build "copyoffload/$ver" -k "$kver" \
			--kernelsourcedir "/lib/modules/$kver/build" &&
		"${dk[@]}" install "copyoffload/$ver" -k "$kver" --force \
			--kernelsourcedir "/lib/modules/$kver/build"
	} > "$log" 2>&1
	local rc=$?
	if [ -n "$root" ]; then
		umount -l "$root$d" "$root/proc" 2>/dev/null
	fi
	[ "$rc" = 0 ] || {
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
	# The headers' link, as linux-headers-KVER installs it: DKMS in the
	# guest (tests/guest/packages.sh) builds against it.
	if [ -d "/usr/src/linux-headers-$kver" ]; then
		ln -sfn "/usr/src/linux-headers-$kver" "$out/lib/modules/$kver/build"
	elif [ -e "$dir/build/Module.symvers" ]; then
		ln -sfn "$dir/build" "$out/lib/modules/$kver/build"
	fi
	depmod -b "$out" "$kver" || vm_die "depmod failed for $kver"
}

# nvme_qemu RUN N ON: with ON=1, the QEMU arguments of one NVMe controller
# (serial co-nvme) with N namespaces in NVME_QEMU_ARGS, each namespace an
# explicit nvme-ns on a sparse raw file RUN/nvmeI.img of CO_TEST_LUN_SIZE
# (default 1G, as lio-setup sizes LUNs) with the Copy limits MSSRL, MCL and
# MSRC of CO_NVME_MSSRL, CO_NVME_MCL and CO_NVME_MSRC (default 256, 1024,
# 15: distinct, so that each limit can be exceeded alone), and QEMU's trace
# of its I/O commands, completions and Copy events in RUN/out/nvme-trace
# (the folder the guest mounts at the same path).  CO_NVME_DISCARD=unmap
# (default ignore) makes a Deallocate (blkdiscard in the guest) punch a
# hole in the image, as a fresh namespace has (tests/bench/nvme).  Prints
# the environment the guest gets (exports for env.sh; CO_VM_NVME=N tells
# guest-init to wait for the namespaces).  With ON=0: nothing.
nvme_qemu() {
	local run=$1 n=$2 i size
	local mssrl=${CO_NVME_MSSRL:-256} mcl=${CO_NVME_MCL:-1024} msrc=${CO_NVME_MSRC:-15}
	local discard=${CO_NVME_DISCARD:-ignore}
	NVME_QEMU_ARGS=()
	[ "$3" = 1 ] || return 0
	size=${CO_TEST_LUN_SIZE:-1G}
	case $n in ''|*[!0-9]*|0) vm_die "--namespaces wants a number from 1, not '$n'" ;; esac
	case $discard in ignore|unmap) ;; *) vm_die "CO_NVME_DISCARD is ignore or unmap, not '$discard'" ;; esac
	printf '%s\n' pci_nvme_io_cmd pci_nvme_enqueue_req_completion \
		'pci_nvme_copy*' pci_nvme_aio_copy_in_cb pci_nvme_err_copy_invalid_format \
		pci_nvme_err_invalid_lba_range > "$run/nvme-trace-events"
	: > "$run/out/nvme-trace"
	NVME_QEMU_ARGS+=(-device nvme,id=convme,serial=co-nvme
		-trace "events=$run/nvme-trace-events,file=$run/out/nvme-trace")
	for ((i = 1; i <= n; i++)); do
		truncate -s "$size" "$run/nvme$i.img" || return 1
		NVME_QEMU_ARGS+=(
			-blockdev "driver=file,node-name=convmef$i,filename=$run/nvme$i.img,cache.direct=off,discard=$discard"
			-blockdev "driver=raw,node-name=convme$i,file=convmef$i,discard=$discard"
			-device "nvme-ns,drive=convme$i,bus=convme,nsid=$i,mssrl=$mssrl,mcl=$mcl,msrc=$msrc")
	done
	printf 'export CO_NVME_MSSRL=%q CO_NVME_MCL=%q CO_NVME_MSRC=%q\n' "$mssrl" "$mcl" "$msrc"
	printf 'export COPYOFFLOAD_NVME_TRACE=%q CO_VM_NVME=%q\n' "$run/out/nvme-trace" "$n"
}
