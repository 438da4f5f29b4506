# SPDX-License-Identifier: GPL-2.0
# Sourced inside the guest by lio-setup and odx-setup, and by guest tests
# that add and remove LUNs: finding the disks a tcm_loop TPG exported, and
# the chores once they are there.

TCM_LOOP_CFG=/sys/kernel/config/target
# the tcm_loop targets of lio-setup (fileio LUNs) and odx-setup (TCMU)
LIO_WWN=naa.5001405c0ff10ad0
ODX_WWN=naa.5001405c0ff10dd0

# tcm_loop_disk WWN LUN: print the block device path of LUN LUN of
# tcm_loop target WWN's tpgt_1, once it has appeared (10 s at most).  The
# TPG's configfs "address" (HOST:0:TARGET) names the SCSI devices, so
# targets of different backstores (LIO fileio, TCMU) side by side are told
# apart.
tcm_loop_disk() {
	local tpg=$TCM_LOOP_CFG/loopback/$1/tpgt_1 addr d t
	addr=$(cat "$tpg/address" 2>/dev/null) ||
		{ echo "no tcm_loop TPG $tpg" >&2; return 1; }
	for ((t = 0; t < 50; t++)); do
		d=$(ls "/sys/bus/scsi/devices/$addr:$2/block" 2>/dev/null | head -n 1)
		if [ -n "$d" ] && [ -b "/dev/$d" ]; then
			echo "/dev/$d"
			return 0
		fi
		sleep 0.2
	done
	echo "no block device for LUN $2 of $1" >&2
	return 1
}

# tcm_loop_ready DEV...: the chores once disks appeared: the
# /dev/block/MAJ:MIN links sg_xcopy looks for (there is no udev here), and
# the UNIT ATTENTION the first command after a LUN appears gets
tcm_loop_ready() {
	local d
	mkdir -p /dev/block
	for d in /sys/class/block/*; do
		ln -sfn "../$(basename "$d")" "/dev/block/$(cat "$d/dev")"
	done
	for d in "$@"; do
		sg_turs "$d" >/dev/null 2>&1 || true
		sg_turs "$d" >/dev/null 2>&1 || true
	done
}

# tcm_loop_disks WWN N: print the block device paths of LUNs 0..N-1 of
# tcm_loop target WWN's tpgt_1, space separated in LUN order.
tcm_loop_disks() {
	local i d devs=()
	for ((i = 0; i < $2; i++)); do
		d=$(tcm_loop_disk "$1" "$i") || return 1
		devs+=("$d")
	done
	tcm_loop_ready "${devs[@]}"
	echo "${devs[*]}"
}

# tcm_loop_clear_ua WWN: a LUN added to or removed from a TPG leaves every
# other LUN of it a UNIT ATTENTION (REPORTED LUNS DATA HAS CHANGED), which
# sd retries past but an sg3_utils client would get as its answer: take
# them now, with TEST UNIT READY on each disk of WWN's tpgt_1
tcm_loop_clear_ua() {
	local addr d
	addr=$(cat "$TCM_LOOP_CFG/loopback/$1/tpgt_1/address" 2>/dev/null) ||
		return 0
	for d in /sys/bus/scsi/devices/"$addr":*/block/*; do
		[ -e "$d" ] || continue
		sg_turs "/dev/${d##*/}" >/dev/null 2>&1 || true
		sg_turs "/dev/${d##*/}" >/dev/null 2>&1 || true
	done
}

# tcm_loop_lun_add WWN LUN BACKSTORE: export the backstore (its configfs
# folder, core/HBA/NAME) as LUN LUN of WWN's tpgt_1 (linking it scans it:
# the initiator sends INQUIRY at once); print the new disk's path
tcm_loop_lun_add() {
	local lun=$TCM_LOOP_CFG/loopback/$1/tpgt_1/lun/lun_$2 d
	mkdir "$lun" || return 1
	ln -s "$3" "$lun/$(basename "$3")" || { rmdir "$lun"; return 1; }
	d=$(tcm_loop_disk "$1" "$2") || return 1
	tcm_loop_ready "$d"
	tcm_loop_clear_ua "$1"
	echo "$d"
}

# tcm_loop_lun_remove WWN LUN: take LUN LUN out of WWN's tpgt_1.  tcm_loop
# removes the initiator's SCSI device first, which waits for the commands
# in flight on it; the backstore stays.
tcm_loop_lun_remove() {
	local lun=$TCM_LOOP_CFG/loopback/$1/tpgt_1/lun/lun_$2 l
	for l in "$lun"/*; do
		[ -L "$l" ] && { rm "$l" || return 1; }
	done
	rmdir "$lun" || return 1
	tcm_loop_clear_ua "$1"
}

# tcmu_backstore_add NAME IMAGE BLOCK_SIZE: a user backstore (HBA user_1)
# NAME served by tests/odx/odx-target over IMAGE (its size is the LU's),
# configured before it is enabled (the running handler learns of it over
# netlink; nl_reply_supported=-1: the kernel never waits for a reply).
# Prints its configfs folder.
tcmu_backstore_add() {
	local bs=$TCM_LOOP_CFG/core/user_1/$1 bytes
	bytes=$(stat -c %s "$2") || return 1
	mkdir -p "$bs" || return 1
	echo -n "dev_config=odx/$2,dev_size=$bytes,hw_block_size=$3,hw_max_sectors=1024,nl_reply_supported=-1,max_data_area_mb=64" \
		> "$bs/control" || { echo "$1: control rejected" >&2; return 1; }
	echo 1 > "$bs/enable" || { echo "$1: enable failed" >&2; return 1; }
	echo "$bs"
}
