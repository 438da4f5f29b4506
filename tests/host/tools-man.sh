#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The tools' man pages: they format without warnings, and every long option
# that a tool's --help shows is documented in its page.
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

for page in "$CO_TOP"/man/man1/copyoffload-cp.1 "$CO_TOP"/man/man1/copyoffload.1; do
	name=man.$(basename "$page" .1)
	warnings=$(man -l --warnings -E UTF-8 "$page" 2>&1 >/dev/null)
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
else
	fail man.options "the tools are not built: run make tools"
fi

done_testing
