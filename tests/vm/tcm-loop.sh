# SPDX-License-Identifier: GPL-2.0
# Sourced inside the guest by lio-setup and odx-setup: finding the disks a
# tcm_loop TPG exported, and the chores once they are there.

# tcm_loop_disks WWN N: print the block device paths of LUNs 0..N-1 of
# tcm_loop target WWN's tpgt_1, space separated in LUN order.  The TPG's
# configfs "address" (HOST:0:TARGET) names the SCSI devices, so targets of
# different backstores (LIO fileio, TCMU) side by side are told apart.
tcm_loop_disks() {
	local wwn=$1 n=$2 tpg addr i t d devs=()
	tpg=/sys/kernel/config/target/loopback/$wwn/tpgt_1
	addr=$(cat "$tpg/address" 2>/dev/null) ||
		{ echo "no tcm_loop TPG $tpg" >&2; return 1; }
	for ((i = 0; i < n; i++)); do
		d=
		for ((t = 0; t < 50; t++)); do
			d=$(ls "/sys/bus/scsi/devices/$addr:$i/block" 2>/dev/null | head -n 1)
			[ -n "$d" ] && [ -b "/dev/$d" ] && break
			d=
			sleep 0.2
		done
		[ -n "$d" ] || { echo "no block device for LUN $i of $wwn" >&2; return 1; }
		devs+=("/dev/$d")
	done

	# No udev here: the /dev/block/MAJ:MIN links sg_xcopy looks for.
	mkdir -p /dev/block
	for d in /sys/class/block/*; do
		ln -sfn "../$(basename "$d")" "/dev/block/$(cat "$d/dev")"
	done
	# The first command after a LUN appears gets a UNIT ATTENTION.
	for d in "${devs[@]}"; do
		sg_turs "$d" >/dev/null 2>&1 || true
		sg_turs "$d" >/dev/null 2>&1 || true
	done
	echo "${devs[*]}"
}
