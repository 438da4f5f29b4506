# SPDX-License-Identifier: GPL-2.0
# Helpers for guest tests that use tests/odx/odx-target (source after
# tests/lib.sh).  ODX_STATE is the target's state folder (knobs, stats).

ODX_STATE=${CO_ODX_STATE:-/run/odx-target}

# odx_require NAME: ODX0 and ODX1 become two LUNs of odx-target: those of
# tests/vm/run --odx (COPYOFFLOAD_ODX_LUNS), or, in a guest without them
# (tests/run boots its guests with --lio), two set up now with
# tests/vm/odx-setup beside the LIO ones (once per guest: later callers
# get the same two).  One failure line and exit if that cannot be done.
odx_require() {
	local luns=${COPYOFFLOAD_ODX_LUNS:-}

	# set up once per guest: a second odx-target cannot open the UIO
	# devices the first one serves, so later tests reuse its LUNs
	if [ -z "$luns" ] && [ -s "$ODX_STATE/luns" ] &&
	   kill -0 "$(cat "$ODX_STATE/pid" 2>/dev/null)" 2>/dev/null; then
		luns=$(<"$ODX_STATE/luns")
	fi
	if [ -z "$luns" ]; then
		if ! luns=$(CO_LUN_SIZE=${CO_LUN_SIZE:-512M} "$CO_TOP/tests/vm/odx-setup" 2 2>&1); then
			fail "$1/setup" "odx-setup: $(echo "$luns" | tail -n 3 | tr '\n' ' ')"
			exit 1
		fi
		echo "$luns" > "$ODX_STATE/luns"
	fi
	read -r ODX0 ODX1 _ <<<"$luns"
	if [ ! -b "${ODX0:-}" ] || [ ! -b "${ODX1:-}" ] || [ ! -d "$ODX_STATE" ]; then
		fail "$1/setup" "no two odx-target LUNs (got '$luns')"
		exit 1
	fi
}

# odx_knobs LINE...: replace the target's fault knobs (atomically; the
# target reads them before the next command it gets).  No LINE: no knobs.
odx_knobs() {
	printf '%s\n' "$@" > "$ODX_STATE/control.tmp" &&
		mv "$ODX_STATE/control.tmp" "$ODX_STATE/control"
}

# odx_backstore DEV: the backstore name (odxN) behind an odx-target LUN
odx_backstore() {
	local addr
	addr=$(basename "$(readlink -f "/sys/block/$(basename "$1")/device")")
	echo "odx${addr##*:}"
}

# odx_stat DEV FIELD: a counter of the target's stats for DEV's LU
# (read, write, wut, zero: bytes; pt, wut_cmds, rrti, cmds, faults)
odx_stat() {
	local name
	name=$(odx_backstore "$1")
	sleep 0.3	# rewritten at most every 100 ms
	sed -n "s/^$name .* $2=\([0-9]*\).*/\1/p" "$ODX_STATE/stats"
}

# odx_stats_all ARRAY: every LU's statistics at once, into the associative
# array ARRAY (declare -A it first) as ARRAY[NAME.FIELD], NAME being the
# backstore (odx_backstore) and FIELD one of odx_stat's
odx_stats_all() {
	local -n _odx_all=$1
	local name rest kv
	_odx_all=()
	sleep 0.3	# rewritten at most every 100 ms
	while read -r name rest; do
		for kv in $rest; do
			_odx_all[$name.${kv%%=*}]=${kv#*=}
		done
	done < "$ODX_STATE/stats"
}

# odx_ddpt_quirk DEV: prints "quirk ddpt" (the knob) when this ddpt puts
# its range descriptors one byte early, as ddpt 0.97 does (README.md),
# and nothing when it follows the spec.  The probe zeroes DEV's first
# 65536 blocks with the zero ROD token (call it before DEV holds
# anything, with no quirk knob set); read one byte late, that range asks
# for 16M blocks, out of range on any LUN here, and fails.
odx_ddpt_quirk() {
	ddpt if=/dev/null rtype=zero bs=512 of="$1" oflag=pt seek=0,65536 \
		>/dev/null 2>&1 || echo "quirk ddpt"
}

# drop_caches: the next read comes from the target
drop_caches() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
}
