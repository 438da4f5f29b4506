#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The tools' man pages and copyoffload(4), the device's: they format without
# warnings (man and groff -ww), every long option that a tool's --help
# shows is documented in its page, and copyoffload(4)'s example program
# compiles against the uapi header and runs (on lib-fakedev.so, the
# library tests' stand-in for the device).
. "$(dirname "$0")/../lib.sh"

if ! command -v man >/dev/null; then
	skip man "man is not installed"
	exit 0
fi

# options_documented NAME PAGE HELP_COMMAND...
options_documented() {
	local name=$1 page=$2 text opt missing=
	shift 2
	text=$(MANWIDTH=200 man -l -E UTF-8 "$page" 2>/dev/null)
	for opt in $("$@" | grep -Eo -- '--[a-z][a-z-]*' | sort -u); do
		grep -qF -- "$opt" <<<"$text" || missing+=" $opt"
	done
	if [ -z "$missing" ]; then
		pass "$name"
	else
		fail "$name" "not in $(basename "$page"):$missing"
	fi
}

for page in "$CO_TOP"/man/man1/copyoffload-cp.1 "$CO_TOP"/man/man1/copyoffload.1 \
	"$CO_TOP"/man/man4/copyoffload.4; do
	name=$(basename "$page")
	name=man.${name%.1}
	warnings=$(man -l --warnings -E UTF-8 "$page" 2>&1 >/dev/null
		   groff -ww -z -man -Tutf8 "$page" 2>&1)
	if [ -z "$warnings" ]; then
		pass "$name.warnings"
	else
		fail "$name.warnings" "$(echo "$warnings" | head -n 2 | tr '\n' ' ')"
	fi
done

if [ -x "$CO_TOOLS/copyoffload-cp" ] && [ -x "$CO_TOOLS/copyoffload" ]; then
	options_documented man.copyoffload-cp.options \
		"$CO_TOP/man/man1/copyoffload-cp.1" "$CO_TOOLS/copyoffload-cp" --help
	options_documented man.copyoffload.options \
		"$CO_TOP/man/man1/copyoffload.1" "$CO_TOOLS/copyoffload" copy --help
	options_documented man.copyoffload.jobs-options \
		"$CO_TOP/man/man1/copyoffload.1" "$CO_TOOLS/copyoffload" jobs --help
	options_documented man.copyoffload.nvme-setup-options \
		"$CO_TOP/man/man1/copyoffload.1" "$CO_TOOLS/copyoffload" nvme-setup --help
else
	fail man.options "the tools are not built: run make tools"
fi

# copyoffload(4)'s EXAMPLES, between the SRC-BEGIN and SRC-END comments
# as man-pages marks them, unescaped
tools_scratch T
sed -n '/^\.\\" SRC-BEGIN/,/^\.\\" SRC-END/p' "$CO_TOP/man/man4/copyoffload.4" |
	sed -e '/^\.\\" SRC-/d' -e '/^\.E[XE]$/d' -e 's/\\-/-/g' \
	    -e "s/\\\\(aq/'/g" -e 's/\\e/\\/g' > "$T/example.c"
FAKE=$CO_TOP/tests/progs/lib-fakedev.so
if ! cc -std=gnu11 -Wall -Wextra -Werror -I"$CO_TOP/lib" -o "$T/example" \
	"$T/example.c" 2>"$T/cc.err"; then
	fail man.copyoffload.4.example "does not compile: $(head -n 3 "$T/cc.err" | tr '\n' ' ')"
elif [ ! -f "$FAKE" ]; then
	fail man.copyoffload.4.example "tests/progs/lib-fakedev.so is not built: make lib-test-progs"
else
	echo data > "$T/src"
	run_cmd env LD_PRELOAD="$FAKE" "$T/example" "$T/src" "$T/dst"
	# the fake device does every range by the in-kernel copy (bit 4)
	check_match man.copyoffload.4.example "^[0-9]+ bytes, methods 0x10 \(exit 0\)$" \
		"$CO_OUT (exit $CO_RC)"
fi

done_testing
