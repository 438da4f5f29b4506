// SPDX-License-Identifier: GPL-2.0
/*
 * The module's storage offload counters, as copyoffload-cp -v and --json
 * report them.  They are system-wide: copies by other processes during the
 * run are counted too.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "counters.h"

enum {
	CO_XCOPY_BYTES, CO_XCOPY_COMMANDS,
	CO_ODX_BYTES, CO_ODX_TOKENS, CO_ODX_COMMANDS,
	CO_NVME_BYTES, CO_NVME_COMMANDS, CO_NVME_RANGES,
	CO_FALLBACK_FIRST
};

/*
 * The totals, then the module's enum co_fallback in its order.  A module
 * without the NVMe Copy engine has no nvme_* files and neither of the
 * last two reasons: they read as 0.
 */
static const char *const co_counter_names[CO_COUNTERS_NR] = {
	"xcopy_bytes", "xcopy_commands",
	"odx_bytes", "odx_tokens", "odx_commands",
	"nvme_bytes", "nvme_commands", "nvme_ranges",
	"fallback_device", "fallback_fs", "fallback_perm",
	"fallback_unaligned", "fallback_unmapped",
	"fallback_changed", "fallback_unsupported", "fallback_unreachable",
	"fallback_target", "fallback_token", "fallback_cross_namespace",
	"fallback_limits",
};

void co_counters_read(struct co_counters *c)
{
	char path[128];
	unsigned int i;
	FILE *f;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < CO_COUNTERS_NR; i++) {
		snprintf(path, sizeof(path), CO_COUNTERS_DIR "/%s",
			 co_counter_names[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%" SCNu64, &c->v[i]) == 1)
			c->present = true;
		fclose(f);
	}
}

static uint64_t co_delta(const struct co_counters *a,
			 const struct co_counters *b, unsigned int i)
{
	return b->v[i] >= a->v[i] ? b->v[i] - a->v[i] : 0;
}

void co_counters_print(FILE *f, const struct co_counters *before,
		       const struct co_counters *after, bool json)
{
	char buf[CO_BYTES_TEXT_LEN];
	const char *sep = "";
	unsigned int i;
	bool any = false;

	if (!before->present || !after->present)
		return;
	for (i = 0; i < CO_COUNTERS_NR; i++)
		any |= co_delta(before, after, i) != 0;
	if (!any)
		return;
	if (json) {
		fprintf(f, "{\"kind\":\"offload\",\"schema\":%d,\"type\":\"offload\"",
			CO_CP_JSON_SCHEMA);
		for (i = 0; i < CO_FALLBACK_FIRST; i++)
			fprintf(f, ",\"%s\":%" PRIu64, co_counter_names[i],
				co_delta(before, after, i));
		fputs(",\"fallbacks\":{", f);
		for (i = CO_FALLBACK_FIRST; i < CO_COUNTERS_NR; i++) {
			if (!co_delta(before, after, i))
				continue;
			fprintf(f, "%s\"%s\":%" PRIu64, sep,
				co_counter_names[i] + strlen("fallback_"),
				co_delta(before, after, i));
			sep = ",";
		}
		fputs("}}\n", f);
		return;
	}
	fputs("storage offload: ", f);
	/* EXTENDED COPY unless only ODX or NVMe Copy did something */
	if (co_delta(before, after, CO_XCOPY_COMMANDS) ||
	    (!co_delta(before, after, CO_ODX_TOKENS) &&
	     !co_delta(before, after, CO_NVME_COMMANDS))) {
		fprintf(f, "%" PRIu64 " EXTENDED COPY command%s, %s",
			co_delta(before, after, CO_XCOPY_COMMANDS),
			co_delta(before, after, CO_XCOPY_COMMANDS) == 1 ?
			"" : "s",
			co_format_bytes(co_delta(before, after, CO_XCOPY_BYTES),
					buf, sizeof(buf)));
		sep = "; ";
	}
	if (co_delta(before, after, CO_ODX_TOKENS)) {
		fprintf(f, "%s%" PRIu64 " ROD token%s, %" PRIu64
			" WRITE USING TOKEN command%s, %s", sep,
			co_delta(before, after, CO_ODX_TOKENS),
			co_delta(before, after, CO_ODX_TOKENS) == 1 ? "" : "s",
			co_delta(before, after, CO_ODX_COMMANDS),
			co_delta(before, after, CO_ODX_COMMANDS) == 1 ? "" : "s",
			co_format_bytes(co_delta(before, after, CO_ODX_BYTES),
					buf, sizeof(buf)));
		sep = "; ";
	}
	if (co_delta(before, after, CO_NVME_COMMANDS)) {
		fprintf(f, "%s%" PRIu64 " NVMe Copy command%s (%" PRIu64
			" source range%s), %s", sep,
			co_delta(before, after, CO_NVME_COMMANDS),
			co_delta(before, after, CO_NVME_COMMANDS) == 1 ? "" : "s",
			co_delta(before, after, CO_NVME_RANGES),
			co_delta(before, after, CO_NVME_RANGES) == 1 ? "" : "s",
			co_format_bytes(co_delta(before, after, CO_NVME_BYTES),
					buf, sizeof(buf)));
		sep = "; ";
	}
	sep = "; fallbacks: ";
	for (i = CO_FALLBACK_FIRST; i < CO_COUNTERS_NR; i++) {
		if (!co_delta(before, after, i))
			continue;
		fprintf(f, "%s%s %" PRIu64, sep,
			co_counter_names[i] + strlen("fallback_"),
			co_delta(before, after, i));
		sep = ", ";
	}
	fputs("\n", f);
}
