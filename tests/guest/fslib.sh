# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Helpers of the guest tests of CLONE, DEDUPE and COPY on real filesystems
# (tests/guest/fs-*.sh, tests/guest/nfs.sh).  Source it after tests/lib.sh:
#   . "$(dirname "$0")/../lib.sh"
#   . "$(dirname "$0")/fslib.sh"
#
# - Scratch filesystems on the LIO LUNs of COPYOFFLOAD_LUNS (loop devices
#   over images in /tmp when there are none), made fresh for every type;
#   for_each_fs runs a function once per type.
# - One result line per case, built from several assertions:
#     case_start NAME; co copy a b; want_rc 0; want_same a b; case_end
#   every want_* that does not hold adds a reason; case_end prints
#   "ok NAME" or "not ok NAME: reason; reason".
# - co runs tools/copyoffload with --require-module: a case fails when the
#   library did the work without the module.
# - Sharing and holes are read back with FIEMAP (filefrag -v), allocation
#   with stat %b.
# Under TCG every exec costs a fifth of a second or more: the helpers parse
# in bash, and byte comparisons, sizes, block counts and the test files are
# the work of one Python process per script (fslib.py, through fsc) rather
# than of a cmp, stat, dd or truncate each.

KiB=1024
MiB=$((1024 * 1024))
export KiB MiB
CO_RANGE=$CO_TOOLS/copyoffload
CO_CP=$CO_TOOLS/copyoffload-cp
# The fs-* tests are about clone, the filesystem's copy and the kernel
# copy: their copies keep storage offload out (the LIO LUNs under them can
# do EXTENDED COPY; tests/guest/xcopy.sh tests that).  FS_OFFLOAD= (empty)
# lets a test have the module's default.  Not with --require-share or
# --reflink=always, which take no --offload (a clone is all they allow).
FS_OFFLOAD=${FS_OFFLOAD---offload=none}
# Filesystem types to run on, in order (CO_TEST_FS overrides).
FS_TYPES=${CO_TEST_FS:-xfs btrfs ext4}
FS_ERRF=$(mktemp "${TMPDIR:-/tmp}/co-fs-err.XXXXXX")
CO_CLEANUP+=("rm -f '$FS_ERRF'")

# to_bytes VAR VALUE: VALUE, a number with an optional binary suffix K, M,
# G or T, into VAR as a number
to_bytes() {
	local v=$2 m=1
	case $v in
	*[kK])	m=$KiB ;;
	*M)	m=$MiB ;;
	*G)	m=$((1 << 30)) ;;
	*T)	m=$((1 << 40)) ;;
	esac
	[ "$m" = 1 ] || v=${v%?}
	printf -v "$1" %d $((v * m))
}

# bytes VALUE: to_bytes, printed
bytes() {
	local b
	to_bytes b "$1"
	echo "$b"
}

# ---- scratch filesystems -------------------------------------------------

FS_DEV=()

# fs_init: pick two scratch block devices into FS_DEV; false (with the
# reason in FS_WHY) when there are none and no loop device can be made
fs_init() {
	local i img dev
	# shellcheck disable=SC2206
	FS_DEV=(${COPYOFFLOAD_LUNS:-})
	for i in 0 1; do
		[ -n "${FS_DEV[i]:-}" ] && continue
		img=$(mktemp "${TMPDIR:-/tmp}/co-fs$i.XXXXXX.img")
		truncate -s 640M "$img"
		if ! dev=$(losetup -f --show "$img" 2>&1); then
			FS_WHY="no LUNs in COPYOFFLOAD_LUNS and no loop device: $dev"
			rm -f "$img"
			return 1
		fi
		CO_CLEANUP+=("losetup -d '$dev'; rm -f '$img'")
		FS_DEV[i]=$dev
	done
}

# fs_mkfs FSTYPE DEV: make an empty FSTYPE on DEV (xfs with reflink).
# ext4's inode tables and journal are zeroed by mkfs itself: left to the
# kernel's ext4lazyinit thread, they are zeroed some seconds after the
# mount, in the middle of whatever a test is counting (xcopy.sh's block
# layer witness once saw 12 MB of it).
fs_mkfs() {
	case $1 in
	xfs)	mkfs.xfs -q -f -m reflink=1 "$2" ;;
	btrfs)	mkfs.btrfs -q -f "$2" ;;
	ext4)	mkfs.ext4 -q -F -b 4096 \
			-E lazy_itable_init=0,lazy_journal_init=0 "$2" ;;
	*)	echo "fs_mkfs: unknown type $1" >&2; return 1 ;;
	esac
}

# fs_mount FSTYPE N MNT: a fresh FSTYPE on scratch device N, mounted on
# MNT; false with the reason in FS_WHY when it cannot be made or mounted.
# Call it in the test's shell (not in $(...)): it registers the unmount.
fs_mount() {
	local out
	[ ${#FS_DEV[@]} -ge 2 ] || fs_init || return 1
	mkdir -p "$3"
	if ! out=$(fs_mkfs "$1" "${FS_DEV[$2]}" 2>&1); then
		FS_WHY="mkfs $1 on ${FS_DEV[$2]} failed: ${out//$'\n'/ }"
		return 1
	fi
	if ! out=$(mount -t "$1" "${FS_DEV[$2]}" "$3" 2>&1); then
		FS_WHY="mount $1 ${FS_DEV[$2]} failed: $out"
		return 1
	fi
	CO_CLEANUP+=("umount '$3'")
}

# fs_umount MNT
fs_umount() {
	cd / || return
	umount "$1"
}

# fs_reflink: does the current FS share extents (clone, dedupe)?  By type:
# the cases assert that xfs and btrfs do and that ext4 does not.
fs_reflink() {
	[ "$FS" = xfs ] || [ "$FS" = btrfs ]
}

# for_each_fs FUNC: for every type of FS_TYPES, make it on scratch device
# 0, mount it on /mnt/co-fs0 and run FUNC there (current directory) with
# FS (the type), M (the mount point) and BS (the block size) set; then
# unmount it.  A type that cannot be made fails one case, P.FS.mkfs.
for_each_fs() {
	for FS in $FS_TYPES; do
		M=/mnt/co-fs0
		if ! fs_mount "$FS" 0 "$M"; then
			fail "$P.$FS.mkfs" "$FS_WHY"
			continue
		fi
		BS=$(stat -f -c %S "$M")
		cd "$M" && "$1"
		fs_umount "$M" || fail "$P.$FS.umount" "cannot unmount $M"
	done
}

# nofb_offload: the option that keeps storage offload out of a
# --no-fallback copy on a local filesystem, when this build has an engine
# (then a LUN-backed filesystem could be served by it)
nofb_offload() {
	local line
	while read -r line; do
		case $line in
		"features:"*" xcopy"*|"features:"*" odx"*)
			echo --offload=none ;;
		esac
	done < <("$CO_RANGE" info 2>/dev/null)
}

# ---- whole LUNs (storage offload tests) -------------------------------------

# mkfs_on DEV FS [part]: a fresh FS on DEV (on a partition of it when
# "part"); the block device in BDEV, mounted on /mnt/$(basename DEV)
# (MNT).  Unmount it yourself.
mkfs_on() {
	local dev=$1 fs=$2 mnt
	mnt=/mnt/$(basename "$dev")
	umount "$mnt" 2>/dev/null
	wipefs -q -a "$dev" >/dev/null 2>&1
	BDEV=$dev
	if [ "${3:-}" = part ]; then
		echo 'start=2048, type=83' | sfdisk -q "$dev" >/dev/null
		# a name ending in a digit (nvme0n1) gets "p" (nvme0n1p1)
		case $dev in
		*[0-9])	BDEV=${dev}p1 ;;
		*)	BDEV=${dev}1 ;;
		esac
		for _ in 1 2 3 4 5; do [ -b "$BDEV" ] && break; sleep 1; done
	fi
	fs_mkfs "$fs" "$BDEV" || return 1
	mkdir -p "$mnt"
	mount "$BDEV" "$mnt" || return 1
	MNT=$mnt
}

# nvme_setup NS...: hand the NVMe namespaces' limits (read with Identify)
# to the module with copyoffload nvme-setup, as root; its output in
# NVME_SETUP_OUT, false when it failed
nvme_setup() {
	NVME_SETUP_OUT=$("$CO_RANGE" nvme-setup "$@" 2>&1)
}

# fs_check NAME FS DEV: the unmounted FS on DEV checked read-only, as case
# NAME/xfs_repair (xfs_repair -n) or NAME/fsck (e2fsck -fn)
fs_check() {
	if [ "$2" = xfs ]; then
		check "$1/xfs_repair" xfs_repair -n "$3"
	else
		check "$1/fsck" e2fsck -fn "$3"
	fi
}

# after_remount NAME FS DEV A:B...: unmount $MNT, mount DEV there again and
# compare each pair of its files A and B, as case NAME/after-remount;
# unmounted again, the filesystem checked (fs_check NAME FS DEV)
after_remount() {
	local name=$1 fs=$2 dev=$3 pair
	shift 3
	umount "$MNT"
	case_start "$name/after-remount"
	if mount "$dev" "$MNT"; then
		for pair in "$@"; do
			want_same "$MNT/${pair%%:*}" "$MNT/${pair#*:}"
		done
		umount "$MNT"
	else
		why "cannot mount $dev again"
	fi
	case_end
	fs_check "$name" "$fs" "$dev"
}

# fragmented FILE MIB: MIB MiB of random data in many extents, with holes:
# 64 KiB pieces written out of order, every fifth one left a hole
fragmented() {
	python3 - "$1" "$2" <<'EOF'
import os, random, sys
path, mib = sys.argv[1], int(sys.argv[2])
piece = 64 * 1024
n = mib * 1024 * 1024 // piece
order = list(range(n))
random.shuffle(order)
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
os.ftruncate(fd, n * piece)
for i in order:
    if i % 5 == 2:
        continue
    os.pwrite(fd, os.urandom(piece), i * piece)
    if i % 7 == 0:
        os.fsync(fd)
os.close(fd)
EOF
}

# wz_probe FILE: "ok" when fallocate(FALLOC_FL_WRITE_ZEROES) works on the
# filesystem of FILE (created), else why not.  ext4 gives a fresh
# destination written blocks without writing them only that way (kernel
# 6.17, a disk that zeroes by unmapping); elsewhere such copies fall back.
wz_probe() {
	python3 - "$1" <<'EOF'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_long, ctypes.c_long]
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
ok = libc.fallocate(fd, 0x80, 0, 1 << 20) == 0  # FALLOC_FL_WRITE_ZEROES
print("ok" if ok else os.strerror(ctypes.get_errno()))
EOF
}

# ---- cases ----------------------------------------------------------------

# case_start NAME: begin a case; the want_* below collect what went wrong
# (and so do the helpers that set a case up, before case_start)
case_start() {
	CASE=$1
}

# case_end: print the case's result line
case_end() {
	local IFS=';'
	if [ ${#CASE_WHY[@]} -eq 0 ]; then
		pass "$CASE"
	else
		fail "$CASE" "${CASE_WHY[*]}"
	fi
	CASE_WHY=()
}
CASE_WHY=()

# why TEXT: the case fails for this reason
why() {
	CASE_WHY+=("$*")
}

# want TEXT COMMAND...: the case fails with TEXT when COMMAND fails
want() {
	local text=$1
	shift
	"$@" >/dev/null 2>&1 || why "$text"
}

# want_eq TEXT EXPECTED ACTUAL
want_eq() {
	[ "$2" = "$3" ] || why "$1: expected $2, got $3"
}

# co OP [ARG]...: tools/copyoffload OP --require-module ARG...; exit status
# in CO_RC, stdout in CO_OUT, stderr in CO_ERR.  The case fails when the
# module did not run the request, or on a usage error.
# (CO_FS_DEBUG_NO_MODULE=1 drops --require-module, to debug the scripts
# on the host.)
co() {
	local op=$1
	shift
	[ "${CO_FS_DEBUG_NO_MODULE:-}" = 1 ] || set -- --require-module "$@"
	[ "$op" = copy ] && [ -n "$FS_OFFLOAD" ] &&
		[[ " $* " != *" --require-share "* ]] && set -- "$FS_OFFLOAD" "$@"
	CO_OUT=$("${CO_PREFIX[@]}" "$CO_RANGE" "$op" "$@" 2>"$FS_ERRF")
	CO_RC=$?
	CO_ERR=$(<"$FS_ERRF")
	[ "${CO_FS_DEBUG_NO_MODULE:-}" = 1 ] && return 0
	[[ $CO_OUT == *"(no module)"* ]] &&
		why "the library worked without the module"
	[[ $CO_ERR == *ENODEV* ]] && why "the module is not loaded"
	[ "$CO_RC" = 2 ] && why "usage error: $CO_ERR"
	return 0
}

# CO_PREFIX: a command co runs the tool under (e.g. prlimit), none by default
CO_PREFIX=()

# want_rc CODE: the last co exited with CODE
want_rc() {
	[ "$CO_RC" = "$1" ] || why "exit $CO_RC, not $1 (${CO_ERR##*$'\n'})"
}

# range_result I: RR = BYTES|STATUS|METHODS of range I in CO_OUT, STATUS
# being ok, same, differs, not run or an errno name
range_result() {
	local line re="^range $1: .* -> ([0-9]+) bytes, (.*), methods (.*)\$"
	RR=
	while IFS= read -r line; do
		[[ $line =~ $re ]] || continue
		RR="${BASH_REMATCH[1]}|${BASH_REMATCH[2]%% (*}|${BASH_REMATCH[3]}"
		return
	done <<<"$CO_OUT"
}

# want_range I BYTES STATUS [METHODS]: range I of the last co did BYTES
# (a number or with a suffix) with STATUS and, if given, exactly METHODS
# (comma-separated, in the tool's order)
want_range() {
	local b want
	range_result "$1"
	to_bytes b "$2"
	want="$b|$3"
	if [ $# -ge 4 ]; then
		want+="|$4"
	else
		RR=${RR%|*}
	fi
	[ "$RR" = "$want" ] || why "range $1: expected '$want', got '${RR:-no line}'"
}

# want_rejected ERRNO: the last co's request was rejected with ERRNO
want_rejected() {
	[[ $CO_ERR == *"request rejected: $1 "* ]] ||
		why "not rejected with $1: ${CO_ERR:-accepted}"
}

# want_total BYTES: the total line of the last co
want_total() {
	local b
	to_bytes b "$1"
	[[ $'\n'$CO_OUT == *$'\n'"total: $b bytes"* ]] ||
		why "total: expected $b bytes: ${CO_OUT##*$'\n'}"
}

# want_same A B: the files are equal, byte for byte and in size
want_same() {
	fsc same "$1" "$2" || why "$1 and $2 differ${FSC:+ ($FSC)}"
}

# want_same_range A A_OFF B B_OFF LEN: byte ranges equal (with suffixes)
want_same_range() {
	fsc same_range "$@" || why "$1@$2 and $3@$4 differ over $5${FSC:+ ($FSC)}"
}

# want_zeroes FILE OFF LEN: the range reads back as zeroes
want_zeroes() {
	fsc zeroes "$@" || why "$1@$2+$3 is not zeroes${FSC:+ ($FSC)}"
}

# want_size FILE SIZE
want_size() {
	local b
	to_bytes b "$2"
	fsc size "$1"
	want_eq "size of $1" "$b" "$FSC"
}

# fsum FILE: FSC = checksum, size and allocated blocks of FILE, for want_sum
fsum() {
	fsc sum "$1"
}

# want_sum FILE SUM: FILE unchanged since "fsum FILE; SUM=$FSC"
want_sum() {
	fsc sum "$1"
	[ "$FSC" = "$2" ] || why "$1 changed"
}

# drop_caches: make the next reads come from the disk
drop_caches() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
}

# ---- FIEMAP and allocation ----------------------------------------------

# fiemap_bytes FILE [OFF LEN [FLAG]]: FB = bytes of FILE inside
# [OFF, OFF+LEN) covered by extents (FIEMAP after a sync of the file), only
# those flagged FLAG (a filefrag flag: shared, unwritten...) when given
fiemap_bytes() {
	local off len line s e fl
	local re='^[0-9]+: +([0-9]+)\.\. *([0-9]+):'
	to_bytes off "${2:-0}"
	to_bytes len "${3:-1T}"
	FB=0
	while read -r line; do
		[[ $line =~ $re ]] || continue
		if [ -n "${4:-}" ]; then
			fl=${line##*:}
			fl=",${fl// /},"
			[[ $fl == *",$4,"* ]] || continue
		fi
		s=$((BASH_REMATCH[1] * KiB))
		e=$(((BASH_REMATCH[2] + 1) * KiB))
		((s < off)) && s=$off
		((e > off + len)) && e=$((off + len))
		((e > s)) && FB=$((FB + e - s))
	done < <(filefrag -k -s -v "$1" 2>/dev/null)
}

# want_shared FILE OFF LEN: FIEMAP shows all of the range shared
want_shared() {
	local n
	to_bytes n "$3"
	fiemap_bytes "$1" "$2" "$3" shared
	[ "$FB" = "$n" ] || why "$1@$2+$3: $FB bytes shared, not all"
}

# want_unshared FILE [OFF LEN]: FIEMAP shows no shared extent in the range
want_unshared() {
	fiemap_bytes "$1" "${2:-0}" "${3:-1T}" shared
	[ "$FB" = 0 ] || why "$1@${2:-0}+${3:-all}: $FB bytes shared"
}

# want_hole FILE OFF LEN: no extent at all in the range
want_hole() {
	fiemap_bytes "$1" "$2" "$3"
	[ "$FB" = 0 ] || why "$1@$2+$3: $FB bytes allocated, not a hole"
}

# want_blocks FILE REF [SLACK]: FILE has as many allocated blocks (stat
# %b, after an fsync: ext4 counts its extent tree blocks once allocated)
# as file REF, or at most SLACK filesystem blocks more
want_blocks() {
	local a b
	fsc blocks "$1" "$2"
	read -r a b <<<"$FSC"
	((a >= b && a <= b + ${3:-0} * BS / 512)) ||
		why "$1 has $a blocks of 512, $2 has $b (slack ${3:-0} fs blocks)"
}

# data_file PATH SIZE [OFF:LEN]...: a new SIZE-byte file of random data, or
# with data in the given extents only and holes elsewhere (with suffixes;
# sized first, so that xfs preallocates nothing over the holes)
data_file() {
	fsc data "$@" || why "cannot make $1: $FSC"
}

# frag_file PATH SIZE: random data in every other 4 KiB block (the even
# ones), holes in the odd ones: SIZE/8 KiB extents
frag_file() {
	fsc frag "$@" || why "cannot make $1: $FSC"
}

# copy_plain SRC DST: DST a new copy of SRC made with write(2), sharing
# nothing (cp may reflink, cat uses copy_file_range(2), which clones)
copy_plain() {
	fsc copy "$@" || why "cannot copy $1: $FSC"
}

# flip FILE OFF: change the byte at OFF
flip() {
	fsc flip "$@" || why "cannot change $1: $FSC"
}

# write_random FILE OFF LEN: random data over the range of FILE
write_random() {
	fsc write "$@" || why "cannot write $1: $FSC"
}

# resize FILE SIZE: truncate FILE (created if need be) to SIZE
resize() {
	fsc truncate "$@" || why "cannot resize $1: $FSC"
}

# fsc CMD [ARG]...: a request to the check helper, tests/guest/fslib.py
# (started on first use); its answer after OK, NO or ERR in FSC; true
# when the answer is OK
fsc() {
	local ans IFS=$'\t'
	if [ -z "${FSCK_PID:-}" ]; then
		coproc FSCK { cd / && exec python3 "$CO_TOP/tests/guest/fslib.py"; }
		CO_CLEANUP+=("kill $FSCK_PID")
	fi
	if ! printf '%s\n' "$PWD$IFS$*" >&"${FSCK[1]}" ||
	   ! read -r ans <&"${FSCK[0]}"; then
		FSC="the check helper died"
		return 1
	fi
	FSC=
	[[ $ans == *" "* ]] && FSC=${ans#* }
	[ "${ans%% *}" = OK ]
}

# ---- copyoffload-cp --------------------------------------------------------

# cp_run ARG...: tools/copyoffload-cp --json ARG...; CO_RC, CO_OUT, CO_ERR
# as for co
cp_run() {
	[ -n "$FS_OFFLOAD" ] && [[ " $* " != *" --reflink=always "* ]] &&
		set -- "$FS_OFFLOAD" "$@"
	CO_OUT=$("$CO_CP" --json "$@" 2>"$FS_ERRF")
	CO_RC=$?
	CO_ERR=$(<"$FS_ERRF")
}

# want_cp_json [TEXT EXPR]...: each Python expression EXPR is true, d being
# the list of the entry objects in CO_OUT (one a line; the offload and
# summary records are left out); and the module copied every file (no
# "no_module")
want_cp_json() {
	local entries
	entries=$(grep -F '"kind":"entry"' <<<"$CO_OUT")
	fsc json "${entries//$'\n'/$'\x1e'}" \
		"the library worked without the module" \
		'all(not o["no_module"] for o in d if o["type"] == "file")' "$@" ||
		why "$FSC: $(head -c 300 <<<"${CO_OUT//$'\n'/ }")"
}
