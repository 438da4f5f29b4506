/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's storage offload counters (/sys/kernel/copyoffload): read
 * before and after a run, and the difference reported with -v and --json.
 */
#ifndef COPYOFFLOAD_TOOLS_COUNTERS_H
#define COPYOFFLOAD_TOOLS_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CO_COUNTERS_DIR	"/sys/kernel/copyoffload"
#define CO_COUNTERS_NR	20
/* The version of copyoffload-cp's --json records (in each, as "schema") */
#define CO_CP_JSON_SCHEMA	1

struct co_counters {
	bool present;			/* the module has them */
	uint64_t v[CO_COUNTERS_NR];
};

void co_counters_read(struct co_counters *c);
/* Print what changed from BEFORE to AFTER; nothing when nothing did. */
void co_counters_print(FILE *f, const struct co_counters *before,
		       const struct co_counters *after, bool json);

#endif /* COPYOFFLOAD_TOOLS_COUNTERS_H */
