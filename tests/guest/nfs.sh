#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# NFS 4.2 server-side copy through the module.  knfsd in the guest exports
# an xfs filesystem on a LUN over loopback (NFSv4 only: no rpcbind, no
# lockd; the grace period is ended at once), mounted with vers=4.2.  A COPY
# through our ioctl between two files of the mount must go to the server as
# NFS COPY operations: method fs_copy (no kernel fallback, also with
# --no-fallback), the client's COPY counter up, its READ and WRITE
# counters and byte counts (/proc/self/mountstats) still while 64 MiB are
# copied, the bytes equal on the server.  --allow-share and CLONE go to
# the server as NFS CLONE.
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/guest/fslib.sh
. "$(dirname "$0")/fslib.sh"
P=nfs
EXP=/srv/co-export
MNT=/mnt/co-nfs
BIG=64M

# nfs_start: knfsd exporting a fresh xfs on EXP, mounted on MNT; false with
# the reason in FS_WHY
nfs_start() {
	local out
	modprobe nfsd 2>/dev/null
	if ! grep -q nfsd /proc/filesystems; then
		FS_WHY="no nfsd in this kernel (modprobe nfsd failed)"
		return 1
	fi
	if ! mountpoint -q /proc/fs/nfsd; then
		mount -t nfsd nfsd /proc/fs/nfsd ||
			{ FS_WHY="cannot mount the nfsd filesystem"; return 1; }
		CO_CLEANUP+=("umount /proc/fs/nfsd")
	fi
	fs_mount xfs 0 "$EXP" || return 1
	BS=$(stat -f -c %S "$EXP")
	# fsid=0: the export is the NFSv4 root (the guest's / is an overlay,
	# which cannot be the pseudo-root's parent).
	if ! out=$(exportfs -o rw,no_root_squash,no_subtree_check,insecure,fsid=0 \
			"127.0.0.1:$EXP" 2>&1); then
		FS_WHY="exportfs failed: $out"
		return 1
	fi
	CO_CLEANUP+=("exportfs -u '127.0.0.1:$EXP'")
	rpc.mountd -F -N 3 >/tmp/co-mountd.log 2>&1 &
	CO_CLEANUP+=("kill $!")
	if ! out=$(rpc.nfsd -N 3 4 2>&1); then
		FS_WHY="rpc.nfsd -N 3 4 failed: $out"
		return 1
	fi
	CO_CLEANUP+=("rpc.nfsd 0")
	# No client has state to reclaim: end the grace period now (an OPEN
	# would wait for it otherwise, 90 s).
	echo Y > /proc/fs/nfsd/v4_end_grace ||
		{ FS_WHY="cannot end the grace period"; return 1; }
	mkdir -p "$MNT"
	if ! out=$(mount -t nfs -o vers=4.2 127.0.0.1:/ "$MNT" 2>&1); then
		FS_WHY="mount -t nfs -o vers=4.2 failed: $out $(cat /tmp/co-mountd.log)"
		return 1
	fi
	CO_CLEANUP+=("umount '$MNT'")
	if ! grep -q "^device 127.0.0.1:/ mounted on $MNT with fstype nfs4" \
			/proc/self/mountstats; then
		FS_WHY="not an NFSv4 mount: $(grep " $MNT " /proc/mounts)"
		return 1
	fi
}

# nfs_ops OP: how many OP operations (READ, WRITE, COPY, CLONE...) the
# client sent on MNT
nfs_ops() {
	awk -v m="$MNT" -v op="$1:" '
		$1 == "device" { on = $5 == m }
		on && $1 == op { print $2; exit }' /proc/self/mountstats
}

# nfs_bytes: the bytes the client read and wrote on MNT (the bytes: line,
# normal, direct and server reads and writes)
nfs_bytes() {
	awk -v m="$MNT" '
		$1 == "device" { on = $5 == m }
		on && $1 == "bytes:" { print $2 + $3 + $4 + $5 + $6 + $7; exit }' \
		/proc/self/mountstats
}

# nfs_snapshot: the counters, as "READ WRITE COPY CLONE BYTES"
nfs_snapshot() {
	echo "$(nfs_ops READ) $(nfs_ops WRITE) $(nfs_ops COPY) $(nfs_ops CLONE) $(nfs_bytes)"
}

# nfs_delta BEFORE AFTER: what the client sent between two snapshots, in
# NFS_DELTA (text), NFS_COPIES (COPY operations); true when data crossed
# the client: a READ or WRITE sent (one of each is let pass), or half a MiB
nfs_delta() {
	local r0 w0 c0 k0 b0 r1 w1 c1 k1 b1
	read -r r0 w0 c0 k0 b0 <<<"$1"
	read -r r1 w1 c1 k1 b1 <<<"$2"
	NFS_COPIES=$((c1 - c0))
	NFS_DELTA="READ $((r1 - r0)), WRITE $((w1 - w0)), COPY $((c1 - c0)), CLONE $((k1 - k0)), $((b1 - b0)) bytes read and written"
	((r1 - r0 > 1 || w1 - w0 > 1 || b1 - b0 >= MiB / 2))
}

nfs_copy() {
	local before after old k0

	data_file "$EXP/src" $BIG
	sync
	before=$(nfs_snapshot)
	case_start "$P.copy"
	co copy "$MNT/src" "$MNT/dst"
	after=$(nfs_snapshot)
	want_rc 0
	want_range 0 $BIG ok fs_copy
	want_same "$EXP/src" "$EXP/dst"
	case_end
	echo "# nfs counters (READ WRITE COPY CLONE bytes): before $before, after $after"
	fiemap_bytes "$EXP/dst" 0 $BIG shared
	if [ "$FB" != 0 ]; then
		echo "# note: the server (knfsd on xfs) made the NFS COPY a clone: dst shares its extents with src"
	fi

	case_start "$P.copy.server-side"
	nfs_delta "$before" "$after" && why "data crossed the client: $NFS_DELTA"
	[ "$NFS_COPIES" -ge 1 ] || why "no NFS COPY sent: $NFS_DELTA"
	case_end

	# Offsets inside existing files, two ranges in one request.
	data_file "$EXP/old" 8M
	copy_plain "$EXP/old" "$EXP/old.ref"
	sync
	case_start "$P.copy.ranges"
	co copy "$MNT/src" "$MNT/old" 1M:2M:3M 40M:6M:1M
	want_rc 0
	want_range 0 3M ok fs_copy
	want_range 1 1M ok fs_copy
	want_same_range "$EXP/src" 1M "$EXP/old" 2M 3M
	want_same_range "$EXP/src" 40M "$EXP/old" 6M 1M
	want_same_range "$EXP/old.ref" 0 "$EXP/old" 0 2M
	want_same_range "$EXP/old.ref" 5M "$EXP/old" 5M 1M
	want_same_range "$EXP/old.ref" 7M "$EXP/old" 7M 1M
	case_end

	# A server-side copy is an offload: --no-fallback takes it.
	case_start "$P.copy.no-fallback"
	co copy --no-fallback "$MNT/src" "$MNT/nofb" 0:0:8M
	want_rc 0
	want_range 0 8M ok fs_copy
	want_same_range "$EXP/src" 0 "$EXP/nofb" 0 8M
	want_size "$EXP/nofb" 8M
	case_end

	k0=$(nfs_ops CLONE)
	case_start "$P.copy.allow-share"
	co copy --allow-share "$MNT/src" "$MNT/shared" 0:0:8M
	want_rc 0
	want_range 0 8M ok clone
	want_same_range "$EXP/src" 0 "$EXP/shared" 0 8M
	want_shared "$EXP/shared" 0 8M
	[ "$(nfs_ops CLONE)" -gt "$k0" ] || why "no NFS CLONE sent"
	case_end

	# Within one file the NFS client cannot have the server copy (its
	# ->copy_file_range refuses and splices through the client instead):
	# bytes that cross the client must be reported as a kernel copy, and
	# --no-fallback must refuse them.
	data_file "$EXP/one" 8M
	sync
	before=$(nfs_snapshot)
	case_start "$P.copy.same-file"
	co copy "$MNT/one" "$MNT/one" 0:8M:4M
	after=$(nfs_snapshot)
	want_rc 0
	want_same_range "$EXP/one" 0 "$EXP/one" 8M 4M
	if nfs_delta "$before" "$after"; then
		want_range 0 4M ok kernel
	else
		want_range 0 4M ok fs_copy
	fi
	case_end
	echo "# nfs same-file copy sent: $NFS_DELTA"

	fsum "$EXP/one"
	old=$FSC
	before=$(nfs_snapshot)
	case_start "$P.copy.same-file-no-fallback"
	co copy --no-fallback "$MNT/one" "$MNT/one" 0:12M:4M
	after=$(nfs_snapshot)
	range_result 0
	if nfs_delta "$before" "$after"; then
		why "data crossed the client under --no-fallback ($NFS_DELTA), reported '$RR'"
	elif [ "$CO_RC" = 0 ]; then
		want_range 0 4M ok fs_copy
		want_same_range "$EXP/one" 0 "$EXP/one" 12M 4M
	else
		want_range 0 0 EOPNOTSUPP none
		want_sum "$EXP/one" "$old"
	fi
	case_end

	k0=$(nfs_ops CLONE)
	case_start "$P.clone"
	co clone "$MNT/src" "$MNT/cloned" 0:0:4M
	want_rc 0
	want_range 0 4M ok clone
	want_same_range "$EXP/src" 0 "$EXP/cloned" 0 4M
	want_shared "$EXP/cloned" 0 4M
	[ "$(nfs_ops CLONE)" -gt "$k0" ] || why "no NFS CLONE sent"
	case_end
}

if ! nfs_start; then
	fail "$P.setup" "$FS_WHY"
	done_testing
fi
pass "$P.setup"
nfs_copy

done_testing
