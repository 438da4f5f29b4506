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

# note_ran: ran=yes when the request reached the device
note_ran() {
	lib_note_if ran grep -q '^fake\.size=' <<<"$LIB_OUT"
}

lib_fake open
lib_expect "$P/open-probes-device" open=0 has_module=1 \
	fake.open_flags=$(printf '%#x' $((0x80002))) fake.info_size=88

# copyoffload_info() is version 1's call: 64 bytes, however large the
# header's structure is now (a program built against version 1 has no more)
lib_fake info
lib_expect "$P/info" ret=0 abi_version=2 features=0x7f max_ranges=65536 \
	fake.info_size=64

lib_fake -N open
lib_note_if probed grep -q '^fake\.open_flags=' <<<"$LIB_OUT"
lib_expect "$P/open-no-module-flag" open=0 has_module=0 probed=no

lib_fake CO_FAKE_OPEN_ERRNO=6 open
lib_expect "$P/open-enxio-falls-back" open=0 has_module=0
lib_fake CO_FAKE_OPEN_ERRNO=19 -R open
lib_expect "$P/open-enodev-require-module" open=ENODEV
lib_fake CO_FAKE_OPEN_ERRNO=13 open
lib_expect "$P/open-eacces-is-an-error" open=EACCES
lib_fake CO_FAKE_INFO_ERRNO=25 open
lib_expect "$P/open-enotty-not-our-device" open=0 has_module=0

lib_fake copy allow,nofb "$R1" "$R2"
note_ran
lib_expect "$P/copy-request" ret=0 ran=yes fake.size=136 fake.op=3 \
	fake.flags=0x5 fake.nr=2 fake.range_size=48 fake.reserved=0 \
	nr_processed=2 bytes_done=$((64 * 1024)) no_module=0 \
	r0.status=ok r0.bytes=4096 r0.methods=kernel \
	r1.bytes=$((60 * 1024)) mb.kernel=$((64 * 1024)) \
	fake.nr_method_bytes=32 fake.max_bytes=0

# A module of ABI version 1 (the library upgraded, the old module still
# loaded): version 1 requests, whose tail it would refuse.
lib_fake CO_FAKE_ABI=1 copy allow,nofb "$R1" "$R2"
lib_expect "$P/abi1-module-version1-request" ret=0 fake.size=112 \
	nr_processed=2 bytes_done=$((64 * 1024)) mb.kernel=$((64 * 1024))
lib_fake CO_FAKE_ABI=1 -M 1M copy - "$R1"
note_ran
lib_expect "$P/abi1-module-max-bytes-eopnotsupp" ret=EOPNOTSUPP ran=no

# copyoffload_run(): one request, its stop and report as the module gave them
lib_fake -M 16M copy - "$R1" "$R2"
lib_expect "$P/run-request" ret=0 fake.size=136 fake.max_bytes=$((16 << 20)) \
	nr_processed=2 stop=0 nr_methods=6 mb.kernel=$((64 * 1024)) \
	r1.status=ok
lib_fake CO_FAKE_STOP=1 -2 copy - "$R1" "$R2"
lib_expect "$P/run-returns-at-a-stop" ret=0 nr_processed=1 stop=1 \
	r0.status=ok r1.status=stopped r1.bytes=$((28 * 1024)) \
	bytes_done=$((32 * 1024))

# The first functions keep version 1's promise (only a fatal signal stops a
# request): a stopped one is run on from where it stopped, and the range
# reports its own offsets and all its bytes.
lib_fake CO_FAKE_STOP=1 copy - "$R1" "$R2" "$R1"
lib_note "calls=$(grep -c '^fake\.size=' <<<"$LIB_OUT")"
lib_expect "$P/first-functions-resume-after-a-signal" ret=0 calls=2 \
	fake.first_src_off=$((32 * 1024)) fake.first_len=$((32 * 1024)) \
	nr_processed=3 bytes_done=$((68 * 1024)) r1.status=ok \
	r1.bytes=$((60 * 1024)) mb.kernel=$((68 * 1024))
lib_fake CO_FAKE_STOP=0 -2 copy - "$R1"
lib_expect "$P/run-stopped-in-first-range" ret=0 nr_processed=0 stop=1 \
	r0.status=stopped r0.bytes=0

lib_fake clone "$R1"
lib_expect "$P/clone-request" ret=0 fake.op=1 fake.flags=0 no_module=0
lib_fake dedupe "$R1"
lib_expect "$P/dedupe-request" ret=0 fake.op=2 fake.flags=0 no_module=0

lib_fake CO_FAKE_RUN_ERRNO=9 copy - "$R1" "$R2"
lib_expect "$P/copy-range-errno" ret=EBADF r0.status=EBADF \
	r1.status=not_run nr_processed=0 bytes_done=0 no_module=0

lib_fake copy - "$R1,x65537"
note_ran
lib_expect "$P/too-many-ranges-not-sent" ret=E2BIG ran=no no_module=0

lib_fake copy 0x4000000000000000 "$R1"
note_ran
lib_expect "$P/unknown-flag-not-sent" ret=EINVAL ran=no

# A module without an operation leaves it to the library.
lib_fake CO_FAKE_FEATURES=0x3 copy - "$R1"
note_ran
lib_note_if same same_range "$T/src" 0 "$T/dst" 0 4096
lib_expect "$P/missing-feature-falls-back" has_module=1 ret=0 ran=no \
	no_module=1 r0.status=ok r0.bytes=4096 same=yes
lib_fake CO_FAKE_FEATURES=0x3 clone "$R1"
note_ran
lib_expect "$P/present-feature-used" ret=0 ran=yes no_module=0

# copyoffload_nvme_set(): the limits go as given in a version 2 DEVINFO
# with SET_NVME alone; a module without COPYOFFLOAD_FEAT_NVME is
# EOPNOTSUPP (nothing sent), no module ENODEV; the module's errno comes back.
lib_fake CO_FAKE_FEATURES=0x3ff nvme-set "$T/src" 1 1024 256 15
lib_expect "$P/nvme-set" open=0 nvme_set=0 nvme_set_null=EINVAL \
	fake.devinfo_size=280 fake.devinfo_flags=0x2 fake.nvme_nsid=0 \
	fake.nvme_caps=0x1 fake.nvme_mcl=1024 fake.nvme_mssrl=256 \
	fake.nvme_msrc=15
lib_fake CO_FAKE_FEATURES=0x3ff nvme-set "$T/src" 0 0 0 0
lib_expect "$P/nvme-set-no-copy" nvme_set=0 fake.nvme_caps=0 fake.nvme_mcl=0
lib_fake CO_FAKE_FEATURES=0x1ff nvme-set "$T/src" 1 1024 256 15
lib_note_if sent grep -q '^fake\.devinfo' <<<"$LIB_OUT"
lib_expect "$P/nvme-set-no-feature" has_module=1 nvme_set=EOPNOTSUPP sent=no
lib_fake CO_FAKE_FEATURES=0x3ff CO_FAKE_DEVINFO_ERRNO=19 nvme-set "$T/src" 1 1 1 0
lib_expect "$P/nvme-set-module-errno" nvme_set=ENODEV fake.devinfo_flags=0x2
lib_check nvme-set "$T/src" 1 1024 256 15
lib_expect "$P/nvme-set-no-module" has_module=0 nvme_set=ENODEV

done_testing
