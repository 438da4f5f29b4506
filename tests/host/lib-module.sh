#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# libcopyoffload's module path, against a stand-in for /dev/copyoffload
# (tests/progs/lib-fakedev.so, preloaded): how the device is opened and
# probed, what a request looks like on the wire, how the answer is turned
# into results, and when the library falls back on its own.  The real module
# is tested in the guest.
. "$(dirname "$0")/../lib.sh"
lib_setup lib-module

random_file "$T/src" 64
R1="r:$T/src,0,w:$T/dst,0,4K"
R2="r:$T/src,4K,w:$T/dst,8K,60K"

# fake [VAR=VALUE...] LIB-CHECK-ARGS...: lib-check with the stand-in
fake() {
	local env=()

	while [[ $1 == CO_FAKE_*=* ]]; do
		env+=("$1")
		shift
	done
	LIB_OUT=$(env "${env[@]}" LD_PRELOAD="$FAKE" "$CO_LIB_CHECK" "$@" 2>&1)
}

# note_ran: ran=yes when the request reached the device
note_ran() {
	if grep -q '^fake\.size=' <<<"$LIB_OUT"; then
		lib_note ran=yes
	else
		lib_note ran=no
	fi
}

fake open
lib_expect "$P/open-probes-device" open=0 has_module=1 \
	fake.open_flags=$(printf '%#x' $((0x80002))) fake.info_size=64

fake info
lib_expect "$P/info" ret=0 abi_version=1 features=0x7f max_ranges=65536

fake -N open
lib_note_if probed grep -q '^fake\.open_flags=' <<<"$LIB_OUT"
lib_expect "$P/open-no-module-flag" open=0 has_module=0 probed=no

fake CO_FAKE_OPEN_ERRNO=6 open
lib_expect "$P/open-enxio-falls-back" open=0 has_module=0
fake CO_FAKE_OPEN_ERRNO=19 -R open
lib_expect "$P/open-enodev-require-module" open=ENODEV
fake CO_FAKE_OPEN_ERRNO=13 open
lib_expect "$P/open-eacces-is-an-error" open=EACCES
fake CO_FAKE_INFO_ERRNO=25 open
lib_expect "$P/open-enotty-not-our-device" open=0 has_module=0

fake copy allow,nofb "$R1" "$R2"
note_ran
lib_expect "$P/copy-request" ret=0 ran=yes fake.size=112 fake.op=3 \
	fake.flags=0x5 fake.nr=2 fake.range_size=48 fake.reserved=0 \
	nr_processed=2 bytes_done=$((64 * 1024)) no_module=0 \
	r0.status=ok r0.bytes=4096 r0.methods=kernel \
	r1.bytes=$((60 * 1024)) mb.kernel=$((64 * 1024))

fake clone "$R1"
lib_expect "$P/clone-request" ret=0 fake.op=1 fake.flags=0 no_module=0
fake dedupe "$R1"
lib_expect "$P/dedupe-request" ret=0 fake.op=2 fake.flags=0 no_module=0

fake CO_FAKE_RUN_ERRNO=9 copy - "$R1" "$R2"
lib_expect "$P/copy-range-errno" ret=EBADF r0.status=EBADF \
	r1.status=not_run nr_processed=0 bytes_done=0 no_module=0

fake copy - "$R1,x65537"
note_ran
lib_expect "$P/too-many-ranges-not-sent" ret=E2BIG ran=no no_module=0

fake copy 0x40 "$R1"
note_ran
lib_expect "$P/unknown-flag-not-sent" ret=EINVAL ran=no

# A module without an operation leaves it to the library.
fake CO_FAKE_FEATURES=0x3 copy - "$R1"
note_ran
lib_note_if same same_range "$T/src" 0 "$T/dst" 0 4096
lib_expect "$P/missing-feature-falls-back" has_module=1 ret=0 ran=no \
	no_module=1 r0.status=ok r0.bytes=4096 same=yes
fake CO_FAKE_FEATURES=0x3 clone "$R1"
note_ran
lib_expect "$P/present-feature-used" ret=0 ran=yes no_module=0

done_testing
