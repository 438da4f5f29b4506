#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The module as DKMS built it: loaded, its device, INFO, unload and reload.
. "$(dirname "$0")/../lib.sh"

path=$(modinfo -n copyoffload 2>/dev/null)
case $path in
*/updates/dkms/copyoffload.ko*) pass "module/from-dkms" ;;
*) fail "module/from-dkms" "modinfo -n says '$path'" ;;
esac

ver=$(cat /sys/module/copyoffload/version 2>/dev/null)
case $ver in
"$(cat "$CO_TOP/VERSION")"*) pass "module/version" ;;
*) fail "module/version" "sysfs version '$ver', tree $(cat "$CO_TOP/VERSION")" ;;
esac

if [ -c /dev/copyoffload ] &&
   [ "$(stat -c %a /dev/copyoffload)" = 666 ]; then
	pass "module/device"
else
	fail "module/device" "$(ls -l /dev/copyoffload 2>&1)"
fi

info=$("$CO_TOOLS/copyoffload" info --json 2>&1)
if /usr/bin/python3 - "$info" "$(cat "$CO_TOP/VERSION")" <<'PY'
import json, sys
i = json.loads(sys.argv[1])
assert i["abi_version"] == 2, i
assert i["methods"] == ["clone", "fs_copy", "xcopy", "odx", "kernel", "hole",
                        "nvme_copy"], i
assert i["max_ranges"] == 65536, i
assert i["version"].startswith(sys.argv[2]), i
for f in ("clone", "dedupe", "copy", "kernel_copy"):
    assert f in i["features"], i
PY
then
	pass "module/info"
else
	fail "module/info" "$info"
fi

# Unload: the device goes away; reload: it comes back and answers.
if rmmod copyoffload && [ ! -e /dev/copyoffload ] &&
   modprobe copyoffload && [ -c /dev/copyoffload ] &&
   "$CO_TOOLS/copyoffload" info >/dev/null; then
	pass "module/reload"
else
	fail "module/reload" "rmmod/modprobe cycle failed"
fi

if tainted_badly; then
	fail "module/taint" "kernel taint $(cat /proc/sys/kernel/tainted)"
else
	pass "module/taint"
fi

done_testing
