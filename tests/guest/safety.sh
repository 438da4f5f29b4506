#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Storage offload is safe for every user.  /dev/copyoffload is mode 0666, so
# what the storage path does, an unprivileged user can make it do.  Each
# case runs as nobody (setpriv: uid and gid 65534, no groups, no
# capabilities) where it is about users, as root where it is about what
# root's own copies must never do:
#   unpriv/*     an unprivileged copy of a file the caller does not own is
#                offloaded into written destination blocks, setuid and
#                setgid dropped; a destination without written blocks
#                falls back (counted as perm);
#   read-only-disk  a disk set read-only is never written;
#   eof-zeroing  a copy that starts past the destination's EOF never
#                exposes what the disk held beyond it (the filesystem grows
#                the file and zeroes the old last block);
#   rlimit/*     RLIMIT_FSIZE holds on every method: a short copy to the
#                limit, then EFBIG, and SIGXFSZ;
#   race/*       XFS_IOC_SWAPEXT, hole punching, FIDEDUPERANGE of both
#                files and EOF trimming on close
#                racing repeated offloaded copies while another user
#                writes files: no other file changes, no destination block
#                holds anything but the source's bytes, zeroes or its
#                owner's, never a deleted file's (stale) blocks;
#   lock-bound   a writer of the source or the destination waits for at
#                most one device command, a reader of the source not at all
#                (ODX target, commands slowed down by a knob).
# Every case but lock-bound runs once per storage engine the guest has
# (ENGINES): EXTENDED COPY on LIO LUNs (cases safety/...; counter
# xcopy_bytes) and NVMe Copy on NVMe namespaces (safety/nvme/...; counter
# nvme_bytes; the limits handed over by copyoffload nvme-setup first).
# tests/vm/run --nvme alone puts the namespaces in COPYOFFLOAD_LUNS: NVMe
# Copy only.  CO_SAFETY_ENGINES="xcopy nvme" (or either) narrows it.
# lock-bound is SCSI-only: it slows commands down with the ODX target's
# delay knob, which NVMe has no counterpart of.
. "$(dirname "$0")/../lib.sh"
FS_OFFLOAD=	# storage offload is what this test is about
. "$(dirname "$0")/fslib.sh"
. "$CO_TOP/tests/odx/lib.sh"

P=safety
require_module_luns "$P/setup"
CO_SYS=/sys/kernel/copyoffload
PY=$CO_TOP/tests/guest/safety.py
SWAPEXT=$CO_TOP/tests/progs/race-swapext
RACE_SECONDS=${CO_TEST_RACE_SECONDS:-20}
NOBODY=(setpriv --reuid 65534 --regid 65534 --clear-groups --)

counter() { cat "$CO_SYS/$1"; }

# the engines to run the cases on: EXTENDED COPY when COPYOFFLOAD_LUNS are
# LIO LUNs, NVMe Copy when there are two NVMe namespaces
ENGINES=()
case $LUN0 in
/dev/nvme*) ;;
*)	ENGINES+=(xcopy) ;;
esac
read -r NS0 NS1 _ <<<"${COPYOFFLOAD_NVME_NAMESPACES:-}"
[ -b "${NS0:-}" ] && [ -b "${NS1:-}" ] && ENGINES+=(nvme)
if [ -n "${CO_SAFETY_ENGINES:-}" ]; then
	read -r -a ENGINES <<<"$CO_SAFETY_ENGINES"
fi
[ ${#ENGINES[@]} -gt 0 ] ||
	fail "safety/setup" "no engine: NVMe LUNs without COPYOFFLOAD_NVME_NAMESPACES"

# engine_use ENGINE: the cases' engine (also the --offload= value), its
# method name (METHOD), byte counter (COUNTER), disk (DISK) and case name
# prefix (P); false, with a failure line, when it cannot be set up
engine_use() {
	ENGINE=$1
	case $1 in
	xcopy)	METHOD=xcopy COUNTER=xcopy_bytes DISK=$LUN0 P=safety ;;
	nvme)	METHOD=nvme_copy COUNTER=nvme_bytes DISK=$NS0 P=safety/nvme
		if ! nvme_setup "$NS0" "$NS1"; then
			fail "$P/setup" "copyoffload nvme-setup $NS0 $NS1: $NVME_SETUP_OUT"
			return 1
		fi ;;
	*)	fail "safety/setup" "unknown engine $1 in CO_SAFETY_ENGINES"
		return 1 ;;
	esac
}

# tool_as NAME SHELL-PREFIX...: a wrapper script NAME around
# tools/copyoffload, started after SHELL-PREFIX (e.g. a ulimit), for co
tool_as() {
	local f
	f=$(mktemp "${TMPDIR:-/tmp}/co-$1.XXXXXX")
	shift
	printf '#!/bin/sh\n%s\nexec %s %q "$@"\n' "$1" "${2:-}" "$CO_RANGE" > "$f"
	chmod 755 "$f"
	CO_CLEANUP+=("rm -f '$f'")
	echo "$f"
}
AS_NOBODY=$(tool_as nobody : "${NOBODY[*]}")
# RLIMIT_FSIZE of 4 MiB (sh counts ulimit -f in 512-byte blocks), SIGXFSZ
# ignored (the status tells) or not
LIMITED_NOBODY=$(tool_as limited "ulimit -f 8192; trap '' XFSZ" "${NOBODY[*]}")
LIMITED_ROOT=$(tool_as limited-root "ulimit -f 8192; trap '' XFSZ")
KILLED_NOBODY=$(tool_as killed "ulimit -f 8192" "${NOBODY[*]}")

# py CMD ARG...: safety.py as root; py_nobody: as nobody
py() { python3 "$PY" "$@"; }
py_nobody() { "${NOBODY[@]}" python3 "$PY" "$@"; }

# storage_cases: every case but lock-bound, on the engine engine_use set
storage_cases() {
	mkfs_on "$DISK" xfs || { fail "$P/mkfs" "mkfs xfs on $DISK"; return 1; }
	U=$MNT/u
	mkdir -p "$U" && chown 65534:65534 "$U"
	random_file "$MNT/src" $((16 * 1024))
	chmod 644 "$MNT/src"

	# ---- unprivileged copies --------------------------------------------------

	# A file nobody does not own, into nobody's written file: offloaded (no
	# lease, no ownership needed: the locks and the change counters are the
	# fence, the same on every kernel)
	case_start "$P/unpriv/written-destination"
	py_nobody fill "$U/dst" 16 D
	x0=$(counter "$COUNTER")
	CO_RANGE=$AS_NOBODY co copy "$MNT/src" "$U/dst" 0:0:eof
	want_rc 0
	want_range 0 16M ok "$METHOD"
	want_eq "$COUNTER grew by" $((16 * MiB)) $(($(counter "$COUNTER") - x0))
	drop_caches
	want_same "$MNT/src" "$U/dst"
	case_end

	# Nothing written in the destination: allocating and committing extents
	# underneath xfs is for callers who may read the raw disk; nobody's copy
	# falls back (perm), and with --no-fallback fails and leaves the file be
	case_start "$P/unpriv/fresh-destination"
	p0=$(counter fallback_perm)
	CO_RANGE=$AS_NOBODY co copy "$MNT/src" "$U/fresh" 0:0:eof
	want_rc 0
	want_range 0 16M ok kernel
	[ "$(counter fallback_perm)" -gt "$p0" ] || why "fallback_perm did not grow"
	drop_caches
	want_same "$MNT/src" "$U/fresh"
	CO_RANGE=$AS_NOBODY co copy --no-fallback "$MNT/src" "$U/fresh2" 0:0:eof
	want_range 0 0 EOPNOTSUPP
	want_size "$U/fresh2" 0
	case_end

	# An offloaded copy into a setuid/setgid file drops both bits, as a write
	# by its owner does
	case_start "$P/unpriv/privileges-dropped"
	py_nobody fill "$U/suid" 16 D
	chmod 6755 "$U/suid"
	CO_RANGE=$AS_NOBODY co copy "$MNT/src" "$U/suid" 0:0:eof
	want_range 0 16M ok "$METHOD"
	want_eq "mode after the copy" 755 "$(stat -c %a "$U/suid")"
	case_end

	# A disk set read-only (blockdev --setro) is never written by the copy
	# manager: the range falls back (device), and --no-fallback fails
	case_start "$P/read-only-disk"
	py fill "$MNT/rodst" 16 D
	sync
	d0=$(counter fallback_device)
	blockdev --setro "$BDEV"
	co copy --offload="$ENGINE" --no-fallback "$MNT/src" "$MNT/rodst" 0:0:eof
	blockdev --setrw "$BDEV"
	want_range 0 0 EOPNOTSUPP
	[ "$(counter fallback_device)" -gt "$d0" ] || why "fallback_device did not grow"
	case_end

	# ---- EOF zeroing ------------------------------------------------------------

	# The destination ends 100 bytes into a block whose tail on the disk holds
	# something else (planted on the LUN behind the filesystem's back); a copy
	# to 8 KiB grows the file: the bytes from the old EOF on read as zeroes.
	case_start "$P/eof-zeroing"
	head -c 100 /dev/zero | tr '\0' A > "$MNT/eof"
	sync
	lba=$(lba_of "$MNT/eof")
	if [ -z "$lba" ]; then
		why "no extent for the destination"
	else
		{ head -c 100 /dev/zero | tr '\0' A; head -c 3996 /dev/zero | tr '\0' G; } |
			dd of="$BDEV" bs=4096 count=1 seek=$((lba * 512)) iflag=fullblock \
			oflag=seek_bytes,direct conv=notrunc status=none ||
			why "cannot write the block on $BDEV"
		drop_caches
		# the disk now holds G past the file's EOF, in its last block
		[ "$(dd if="$BDEV" bs=1 skip=$((lba * 512 + 100)) count=8 status=none)" = GGGGGGGG ] ||
			why "the block past EOF was not planted"
		co copy "$MNT/src" "$MNT/eof" 0:8K:eof
		want_rc 0
		want_range 0 16M ok "$METHOD"
		drop_caches
		want_zeroes "$MNT/eof" 100 $((8192 - 100))
		want_same_range "$MNT/src" 0 "$MNT/eof" 8K 16M
	fi
	case_end

	# ---- RLIMIT_FSIZE -------------------------------------------------------------

	# rlimit_case NAME TOOL DST METHOD [OPTION...]: a 16 MiB copy under a 4 MiB
	# RLIMIT_FSIZE: 4 MiB done by METHOD, then EFBIG; DST never larger
	rlimit_case() {
		local name=$1 tool=$2 dst=$3 method=$4
		shift 4
		case_start "$P/rlimit/$name"
		CO_RANGE=$tool co copy "$@" "$MNT/src" "$dst" 0:0:eof
		want_range 0 4M EFBIG "$method"
		drop_caches
		want_same_range "$MNT/src" 0 "$dst" 0 4M
	}
	py_nobody fill "$U/lim" 16 D
	py fill "$MNT/Dref" 16 D
	rlimit_case written-destination "$LIMITED_NOBODY" "$U/lim" "$METHOD" \
		--offload="$ENGINE" --no-fallback
	want_same_range "$U/lim" 4M "$MNT/Dref" 4M 12M
	case_end
	rlimit_case fresh-destination "$LIMITED_NOBODY" "$U/lim2" kernel
	want_size "$U/lim2" 4M
	case_end
	rlimit_case root-fresh-destination "$LIMITED_ROOT" "$MNT/lim3" "$METHOD"
	want_size "$MNT/lim3" 4M
	case_end
	case_start "$P/rlimit/sigxfsz"
	CO_RANGE=$KILLED_NOBODY co copy "$MNT/src" "$U/lim4" 0:0:eof
	want_eq "exit status (128 + SIGXFSZ)" 153 "$CO_RC"
	case_end

	# ---- races --------------------------------------------------------------------

	# race_setup: a deleted file's blocks (stale data) in the free space, a
	# victims folder, the race's source (root's, readable by all)
	race_setup() {
		py secret "$MNT/secret" 400 && rm -f "$MNT/secret" && sync
		rm -rf "$MNT/victims" && mkdir "$MNT/victims"
		random_file "$MNT/rsrc" $((32 * 1024))
		chmod 644 "$MNT/rsrc"
	}

	# copy_loop TOOL DST [fresh]: copy the race's source to DST with TOOL again
	# and again for RACE_SECONDS (a new DST each time with "fresh"); N copies
	# made; one that hangs fails the case
	copy_loop() {
		local end=$((SECONDS + RACE_SECONDS))
		N=0
		while [ $SECONDS -lt $end ]; do
			[ "${3:-}" = fresh ] && rm -f "$2"
			timeout 120 "$1" copy "$MNT/rsrc" "$2" 0:0:eof >/dev/null 2>&1
			[ $? = 124 ] && why "a copy hung"
			N=$((N + 1))
		done
	}

	# race_judge FILE...: every FILE holds only the source's blocks, zeroes or
	# its owner's letters; every victim file is intact
	race_judge() {
		local f out
		sync
		drop_caches
		for f in "$@"; do
			out=$(py judge "$f" "$MNT/rsrc" letter:D letter:T letter:E) ||
				why "$out"
		done
		out=$(py victims-check "$MNT/victims") || why "$out"
		echo "# $CASE: $out"
	}

	# nobody owns D (the copies' destination) and T; while nobody copies the
	# source into D again and again, it swaps D's and T's extents
	# (XFS_IOC_SWAPEXT) and punches and rewrites T, and root writes files
	case_start "$P/race/swapext"
	race_setup
	py_nobody fill "$U/D" 32 D && py_nobody fill "$U/T" 32 T
	x0=$(counter "$COUNTER")
	"${NOBODY[@]}" "$SWAPEXT" "$RACE_SECONDS" "$U/D" "$U/T" > "$MNT/swaps" 2>&1 &
	sw=$!
	py_nobody punch "$U/T" "$RACE_SECONDS" T > /dev/null &
	pu=$!
	py victims "$MNT/victims" "$RACE_SECONDS" > /dev/null &
	vi=$!
	copy_loop "$AS_NOBODY" "$U/D"
	wait $sw $pu $vi
	echo "# $CASE: $N copies, $(cat "$MNT/swaps"), $ENGINE $(($(counter "$COUNTER") - x0)) bytes"
	grep -q '^swaps [1-9]' "$MNT/swaps" || why "no extent swap happened: $(cat "$MNT/swaps")"
	[ "$(counter "$COUNTER")" -gt "$x0" ] || why "no copy was offloaded during the race"
	race_judge "$U/D" "$U/T"
	case_end

	# nobody copies its S (rsrc's bytes, a MiB an extent) into its D (D
	# letters, written) again and again, both made afresh each time (xfs maps
	# no blocks of a file that ever shared any), and as each copy runs it
	# deduplicates the two: MiBs of S onto a twin's blocks, MiBs of D not yet
	# copied onto a file of D letters (one, the other, then neither, in
	# turn).  Each frees the blocks the file held, and another
	# user's files take them.  A copy must notice, between its commands, and
	# never read or write the blocks it mapped before; it must also never
	# report bytes it did not put into D.
	case_start "$P/race/dedupe"
	race_setup
	"${NOBODY[@]}" cp --reflink=never "$MNT/rsrc" "$U/W"
	py_nobody fill "$U/DW" 32 D
	x0=$(counter "$COUNTER")
	rm -f "$U/go"
	# each copy costs setting up two files: half again as long as the others
	secs=$((RACE_SECONDS * 3 / 2))
	py_nobody dedupe "$U/S" "$U/W" "$U/D" "$U/DW" "$U/go" "$secs" > "$MNT/dedupes" 2>&1 &
	dd=$!
	py victims "$MNT/victims" "$RACE_SECONDS" > /dev/null &
	vi=$!
	end=$((SECONDS + secs)) N=0 ok=0 ms=0 turned=0
	while [ $SECONDS -lt $end ]; do
		rm -f "$U/S" "$U/D" "$U/spacer"
		py_nobody fragmented "$U/S" 32 "$U/spacer" < "$MNT/rsrc"
		py_nobody fill "$U/D" 32 D
		t0=${EPOCHREALTIME/./}
		timeout 120 "$AS_NOBODY" copy --json "$U/S" "$U/D" 0:0:eof \
			> "$MNT/dedupe.out" 2>&1 &
		cp=$!
		touch "$U/go"	# the racer's cue
		wait $cp
		rc=$?
		rm -f "$U/go"
		ms=$((ms + (${EPOCHREALTIME/./} - t0) / 1000))
		[ $rc = 124 ] && why "a copy hung"
		N=$((N + 1))
		# a copy that says it is done put every byte in place
		# a copy that offloaded a part only was turned away mid-way
		grep -q "\"$METHOD\":[1-9]" "$MNT/dedupe.out" &&
			! grep -q "\"$METHOD\":$((32 * MiB))[,}]" "$MNT/dedupe.out" &&
			turned=$((turned + 1))
		if [ $rc = 0 ]; then
			ok=$((ok + 1))
			same_bytes "$MNT/rsrc" "$U/D" ||
				why "copy $N reported success; D does not hold the source's bytes"
		fi
		out=$(py judge "$U/D" "$MNT/rsrc" letter:D) || why "copy $N: $out"
	done
	wait $dd $vi
	echo "# $CASE: $N copies ($ok complete, $((ms / N)) ms each, $turned offloaded in part), $(cat "$MNT/dedupes"), $ENGINE $(($(counter "$COUNTER") - x0)) bytes"
	grep -q "remapped [1-9].*remapped [1-9]" "$MNT/dedupes" ||
		why "the racer did not remap both files: $(cat "$MNT/dedupes")"
	[ "$(counter "$COUNTER")" -gt "$x0" ] || why "no copy was offloaded during the race"
	drop_caches
	same_bytes "$MNT/rsrc" "$U/W" || why "the source's twin changed"
	out=$(py judge "$U/DW" letter:D) || why "the destination's twin changed: $out"
	race_judge
	case_end

	# root copies into a new file again and again (the path that allocates
	# and commits extents) while another of root's processes appends to it
	# and closes it (xfs trims the blocks past EOF on close) and another user
	# writes files
	case_start "$P/race/eof-trim"
	race_setup
	x0=$(counter "$COUNTER")
	python3 - "$MNT/rdst" "$RACE_SECONDS" <<'EOF' &
import os, sys, time
path, end = sys.argv[1], time.time() + float(sys.argv[2])
blk = b"E" * 4096
while time.time() < end:
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        time.sleep(0.01)
        continue
    os.pwrite(fd, blk, os.fstat(fd).st_size)
    os.close(fd)
    time.sleep(0.05)
EOF
	ap=$!
	py victims "$MNT/victims" "$RACE_SECONDS" > /dev/null &
	vi=$!
	copy_loop "$CO_RANGE" "$MNT/rdst" fresh
	wait $ap $vi
	echo "# $CASE: $N copies, $ENGINE $(($(counter "$COUNTER") - x0)) bytes"
	[ "$(counter "$COUNTER")" -gt "$x0" ] || why "no copy was offloaded during the race"
	race_judge "$MNT/rdst"
	case_end

	umount "$MNT"
	fs_check "$P" xfs "$BDEV"
}

for e in "${ENGINES[@]}"; do
	engine_use "$e" && storage_cases
done

# ---- how long the locks are held ------------------------------------------------

# ODX target: WRITE USING TOKENs of at most 4 MiB, each 3 s late: a 32 MiB
# copy takes 8 of them.  A reader of the source does not wait; a writer of
# the source or of the destination waits for one command, not for the batch
# (24 s).
P=safety
odx_require "$P/lock-bound"
mkfs_on "$ODX0" xfs || { fail "$P/lock-bound/mkfs" "mkfs xfs on $ODX0"; exit 1; }
random_file "$MNT/src" $((32 * 1024))
py fill "$MNT/dst" 32 D
sync

# waited CMD...: milliseconds CMD took
waited() {
	local t0=${EPOCHREALTIME/./}
	"$@" >/dev/null 2>&1
	echo $(((${EPOCHREALTIME/./} - t0) / 1000))
}
write_block() {
	python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
os.pwrite(fd, b"W" * 4096, int(sys.argv[2]))' "$@"
}

case_start "$P/lock-bound"
# what starting the writer costs (python under TCG), waiting for nothing
py fill "$MNT/other" 1 O
base=$(waited write_block "$MNT/other" 0)
odx_knobs "wut-limit 8192" "delay op=wut ms=3000"
"$CO_RANGE" copy --offload=odx "$MNT/src" "$MNT/dst" 0:0:eof > "$MNT/out" 2>&1 &
cp=$!
sleep 5
r=$(waited dd if="$MNT/src" of=/dev/null bs=4096 count=1 skip=4000)
ws=$(waited write_block "$MNT/src" $((20 * MiB)))
sleep 1
wd=$(waited write_block "$MNT/dst" $((24 * MiB)))
wait $cp
rc=$?
odx_knobs
echo "# $CASE: source read ${r} ms, source write ${ws} ms, destination write ${wd} ms; a write waiting for nothing ${base} ms; commands 3000 ms"
want_eq "copy exit status" 0 "$rc"
[ "$r" -lt 2000 ] || why "a reader of the source waited $r ms"
# one command is 3 s, the batch of 8 is 24 s: a writer may meet the
# command running and the next one taking the locks first (slow TCG)
[ $((ws - base)) -lt 9000 ] ||
	why "a writer of the source waited $((ws - base)) ms (more than a command or two)"
[ $((wd - base)) -lt 9000 ] ||
	why "a writer of the destination waited $((wd - base)) ms (more than a command or two)"
case_end
umount "$MNT"

done_testing
