/* SPDX-License-Identifier: GPL-2.0 */
/* "copyoffload jobs" (tools/jobs.c). */
#ifndef COPYOFFLOAD_TOOLS_JOBS_H
#define COPYOFFLOAD_TOOLS_JOBS_H

void co_jobs_usage(void);
/* NAME: "jobs", for messages; argv[0] is the command. */
int co_cmd_jobs(const char *name, int argc, char **argv);

#endif /* COPYOFFLOAD_TOOLS_JOBS_H */
