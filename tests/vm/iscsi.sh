# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # the names are the sourcing scripts'
# Sourced inside the guest by lio-setup and odx-setup (after tcm-loop.sh)
# when tests/vm/run --iscsi asks for it (CO_FABRIC=iscsi): the backstores
# are exported through LIO's iSCSI target on 127.0.0.1:3260 instead of
# tcm_loop, and open-iscsi (iscsid, iscsi_tcp) logs in to them over the
# loopback, so every byte of data crosses a TCP connection that tc can
# shape (tests/bench/link).

ISCSI_PORTAL=127.0.0.1:3260
# the targets of lio-setup (fileio LUNs) and odx-setup (TCMU)
LIO_IQN=iqn.2003-01.org.linux-iscsi.copyoffload:lio
ODX_IQN=iqn.2003-01.org.linux-iscsi.copyoffload:odx

# iscsi_export IQN BACKSTORE...: a target IQN with one TPG on
# $ISCSI_PORTAL (one portal serves every target), the backstores (their
# configfs folders) as LUNs 0, 1, ... in order; no authentication, every
# initiator gets read-write access (demo mode).  PDUs of 256 KiB each way
# (LIO's default MaxRecvDataSegmentLength is 8 KiB: under TCG the per-PDU
# cost, not the link, would set the pace).
iscsi_export() {
	local tpg=$TCM_LOOP_CFG/iscsi/$1/tpgt_1 b i=0 a
	shift
	modprobe iscsi_target_mod || return 1
	mkdir -p "$tpg/np/$ISCSI_PORTAL" || return 1
	for b in "$@"; do
		mkdir -p "$tpg/lun/lun_$i" || return 1
		ln -s "$b" "$tpg/lun/lun_$i/$(basename "$b")" || return 1
		i=$((i + 1))
	done
	for a in authentication=0 generate_node_acls=1 cache_dynamic_acls=1 \
		 demo_mode_write_protect=0; do
		echo "${a#*=}" > "$tpg/attrib/${a%=*}" || return 1
	done
	echo 262144 > "$tpg/param/MaxRecvDataSegmentLength" || return 1
	echo 1 > "$tpg/enable"
}

# iscsi_login IQN N: log open-iscsi in to target IQN on $ISCSI_PORTAL
# (iscsid started first when it is not running) and print the block
# device paths of its LUNs 0..N-1, space separated in LUN order.  NOP-Out
# pings are off: a link shaped to a crawl under TCG would miss their 5 s
# deadline and drop the connection mid-benchmark.
iscsi_login() {
	local iqn=$1 n=$2 s host i t d devs=()
	modprobe iscsi_tcp || return 1
	mkdir -p /run/lock/iscsi /etc/iscsi/nodes /etc/iscsi/send_targets
	if ! pgrep -x iscsid >/dev/null; then
		iscsid || return 1
	fi
	iscsiadm -m discovery -t sendtargets -p "$ISCSI_PORTAL" >/dev/null || return 1
	iscsiadm -m node -T "$iqn" -p "$ISCSI_PORTAL" -o update \
		-n node.conn[0].timeo.noop_out_interval -v 0 || return 1
	iscsiadm -m node -T "$iqn" -p "$ISCSI_PORTAL" -o update \
		-n node.conn[0].timeo.noop_out_timeout -v 0 || return 1
	iscsiadm -m node -T "$iqn" -p "$ISCSI_PORTAL" --login >/dev/null || return 1
	for s in /sys/class/iscsi_session/session*; do
		[ "$(cat "$s/targetname" 2>/dev/null)" = "$iqn" ] || continue
		host=$(readlink -f "$s/device")
		host=${host%/session*}
		host=${host##*/host}
	done
	[ -n "${host:-}" ] || { echo "no iSCSI session to $iqn" >&2; return 1; }
	for ((i = 0; i < n; i++)); do
		for ((t = 0; t < 50; t++)); do
			d=$(ls "/sys/bus/scsi/devices/$host:0:0:$i/block" 2>/dev/null | head -n 1)
			[ -n "$d" ] && [ -b "/dev/$d" ] && break
			d=
			sleep 0.2
		done
		[ -n "$d" ] || { echo "no block device for LUN $i of $iqn" >&2; return 1; }
		devs+=("/dev/$d")
	done
	tcm_loop_ready "${devs[@]}"
	echo "${devs[*]}"
}

# iscsi_session_bytes IQN: data bytes the initiator sent and received in
# its session to IQN so far ("TX RX"; iSCSI data PDUs' payload, from the
# session's statistics)
iscsi_session_bytes() {
	local sid
	sid=$(iscsiadm -m session 2>/dev/null | awk -v t="$1" '$4 == t {gsub(/[][]/, "", $2); print $2; exit}')
	[ -n "$sid" ] || return 1
	iscsiadm -m session -r "$sid" -s |
		awk '/txdata_octets/ {tx = $2} /rxdata_octets/ {rx = $2} END {printf "%.0f %.0f\n", tx, rx}'
}
