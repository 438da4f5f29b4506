/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A one-line progress display on standard error, for copies that last:
 * the file, its bytes done and total, the rate, the time left and the
 * method that moved the latest bytes.  On a terminal the line is redrawn
 * in place (carriage return, spaces over what was longer), at most
 * CO_PROGRESS_TTY_NS apart, cut to the terminal's width; elsewhere (only
 * when asked for) it is a log: a whole line per update, at most
 * CO_PROGRESS_LINES_NS apart.  Nothing is drawn before the run has lasted
 * the delay given to co_progress_start.  One display per process; the
 * functions may be called from any thread.
 */
#ifndef COPYOFFLOAD_TOOLS_PROGRESS_H
#define COPYOFFLOAD_TOOLS_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <copyoffload.h>

#define CO_PROGRESS_TTY_NS	250000000ULL
#define CO_PROGRESS_LINES_NS	1000000000ULL
/* The default delay: copies shorter than this show nothing */
#define CO_PROGRESS_DELAY_NS	1000000000ULL

enum co_progress_mode {
	CO_PROGRESS_OFF,
	CO_PROGRESS_TTY,	/* redrawn in place */
	CO_PROGRESS_LINES,	/* a line per update */
};

/* The run starts now; COUNT_FILES: show how many files are done. */
void co_progress_start(enum co_progress_mode mode, uint64_t delay_ns,
		       bool count_files);
/* A file's copy starts: NAME (kept, not copied) of SIZE bytes. */
void co_progress_file(const char *name, uint64_t size);
/* The file's bytes in place are now DONE; RES: what the last request moved. */
void co_progress_result(uint64_t done, const struct copyoffload_result *res);
/* The same for BYTES moved by METHOD alone. */
void co_progress_moved(uint64_t done, unsigned int method, uint64_t bytes);
/* The file's copy ended; COPIED: it counts as done. */
void co_progress_file_end(bool copied);
/* Erase the line, before anything else is written to standard error. */
void co_progress_clear(void);
/* Erase the line when standard output goes to a terminal too. */
void co_progress_clear_for_stdout(void);
/* Erase the line for good: nothing is drawn any more. */
void co_progress_stop(void);

#endif /* COPYOFFLOAD_TOOLS_PROGRESS_H */
