/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tests/progs/result.h: how the test programs report, one line per case as
 * tests/run counts them: "ok NAME" or "not ok NAME: WHY".
 *
 * A program sets its case patterns once (result_patterns(), fnmatch(3)
 * patterns from its command line; none selects every case), asks
 * case_wanted(NAME) before running a case, notes what is wrong with whyf()
 * (every reason is kept, "; " between them, until the buffer is full) and
 * ends the case with result(NAME), which prints the line and starts the
 * next case's reasons afresh.  result_status() is the program's exit
 * status: 1 when a case failed.
 *
 * For programs that are one translation unit each: the state is static.
 */
#ifndef CO_TESTS_RESULT_H
#define CO_TESTS_RESULT_H

#include <fnmatch.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static char *const *result_pattern;
static int result_nr_patterns;
static int result_nr_failed;
static char why[2048];

static inline void result_patterns(int nr, char *const *patterns)
{
	result_pattern = patterns;
	result_nr_patterns = nr;
}

static inline bool case_wanted(const char *name)
{
	int i;

	if (!result_nr_patterns)
		return true;
	for (i = 0; i < result_nr_patterns; i++)
		if (!fnmatch(result_pattern[i], name, 0))
			return true;
	return false;
}

static inline void __attribute__((format(printf, 1, 2)))
whyf(const char *fmt, ...)
{
	size_t n = strlen(why);
	va_list ap;

	if (n >= sizeof(why) - 8)
		return;
	if (n)
		n += snprintf(why + n, sizeof(why) - n, "; ");
	va_start(ap, fmt);
	vsnprintf(why + n, sizeof(why) - n, fmt, ap);
	va_end(ap);
}

static inline void result(const char *name)
{
	if (why[0]) {
		printf("not ok %s: %s\n", name, why);
		result_nr_failed++;
	} else {
		printf("ok %s\n", name);
	}
	fflush(stdout);
	why[0] = 0;
}

static inline int result_status(void)
{
	return result_nr_failed ? 1 : 0;
}

#endif /* CO_TESTS_RESULT_H */
