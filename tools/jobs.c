// SPDX-License-Identifier: GPL-2.0
/*
 * "copyoffload jobs": the module's asynchronous jobs, through the library's
 * netlink functions: list the jobs the caller may see, cancel jobs by id
 * (from any process of their user), or print their events as they come.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "jobs.h"

/* How many jobs one listing asks for at first (it asks again for more). */
#define CO_JOBS_FIRST	64

enum {
	OPT_JSON = 256,
	OPT_CANCEL,
	OPT_WATCH,
	OPT_ALL,
	OPT_VERSION,
};

void co_jobs_usage(void)
{
	printf("Usage: copyoffload jobs [--json]\n"
	       "  or:  copyoffload jobs --cancel ID...\n"
	       "  or:  copyoffload jobs --watch [--all] [--json]\n"
	       "List the module's asynchronous jobs that you may see (your own;\n"
	       "every user's with CAP_SYS_ADMIN): id, user, process, operation,\n"
	       "state, bytes done and in all, ranges done and in all, the method\n"
	       "of the latest bytes and the time since submission.  A job is listed\n"
	       "until the program that submitted it has reaped it.\n"
	       "\n"
	       "      --cancel   ask the jobs ID... to stop (they stop between two\n"
	       "                 steps of their work; 0 also when one had finished)\n"
	       "      --watch    print the jobs' events (progress, done) as they come,\n"
	       "                 until interrupted (SIGINT, SIGTERM)\n"
	       "      --all      with --watch: every user's jobs (CAP_SYS_ADMIN)\n"
	       "      --json     the list as one JSON object, each event as one\n"
	       "  -h, --help     display this help and exit\n"
	       "      --version  output version information and exit\n"
	       "\n"
	       "Exit status: 0 done (--watch: interrupted), 1 the module is not\n"
	       "loaded or has no jobs, a query failed, or a job could not be\n"
	       "cancelled (ENOENT: no such job, or not yours), 2 usage error.\n");
}

static const char *const op_names[] = {
	[COPYOFFLOAD_OP_CLONE] = "clone",
	[COPYOFFLOAD_OP_DEDUPE] = "dedupe",
	[COPYOFFLOAD_OP_COPY] = "copy",
};

static const char *const state_names[] = {
	[COPYOFFLOAD_JOB_QUEUED] = "queued",
	[COPYOFFLOAD_JOB_RUNNING] = "running",
	[COPYOFFLOAD_JOB_DONE] = "done",
};

static const char *const stop_names[] = {
	[COPYOFFLOAD_STOP_NONE] = "none",
	[COPYOFFLOAD_STOP_SIGNAL] = "signal",
	[COPYOFFLOAD_STOP_MAX_BYTES] = "max_bytes",
	[COPYOFFLOAD_STOP_CANCELLED] = "cancelled",
};

/* NAMES[V], or "?V" into BUF */
static const char *name_of(const char *const *names, unsigned int nr,
			   uint32_t v, char *buf, size_t len)
{
	if (v < nr && names[v])
		return names[v];
	snprintf(buf, len, "?%" PRIu32, v);
	return buf;
}

#define NAME_OF(names, v, buf) \
	name_of(names, ARRAY_SIZE(names), v, buf, sizeof(buf))

static const char *method_text(uint32_t m, char *buf, size_t len)
{
	if (m == COPYOFFLOAD_JOB_NO_METHOD)
		return "-";
	return co_method_name(m, buf, len);
}

static const char *user_name(uint32_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw)
		return pw->pw_name;
	snprintf(buf, len, "%" PRIu32, uid);
	return buf;
}

/* "method":bytes for every method with bytes */
static void json_method_bytes(const uint64_t *mb)
{
	char name[CO_METHOD_NAME_LEN];
	const char *sep = "";
	unsigned int m;

	putchar('{');
	for (m = 0; m < COPYOFFLOAD_METHODS_MAX; m++) {
		if (!mb[m])
			continue;
		fputs(sep, stdout);
		co_json_string(stdout, co_method_name(m, name, sizeof(name)));
		printf(":%" PRIu64, mb[m]);
		sep = ",";
	}
	putchar('}');
}

static void json_flags(uint64_t flags)
{
	static const char *const names[] = {
		"allow_share", "require_share", "no_fallback",
		"offload_xcopy", "offload_odx", "offload_none",
		"offload_nvme",
	};
	const char *sep = "";
	char buf[16];
	unsigned int b;

	putchar('[');
	for (b = 0; b < 64; b++) {
		if (!(flags & (1ULL << b)))
			continue;
		snprintf(buf, sizeof(buf), "bit%u", b);
		fputs(sep, stdout);
		co_json_string(stdout, b < ARRAY_SIZE(names) ? names[b] : buf);
		sep = ",";
	}
	putchar(']');
}

/* --- the list ---------------------------------------------------------- */

static void print_job_json(const struct copyoffload_job *j)
{
	char b1[16], b2[16], b3[CO_METHOD_NAME_LEN], b4[16], b5[24];

	printf("{\"id\":%" PRIu32 ",\"uid\":%" PRIu32 ",\"user\":", j->job_id,
	       j->uid);
	co_json_string(stdout, user_name(j->uid, b5, sizeof(b5)));
	printf(",\"pid\":%" PRIu32 ",\"op\":", j->pid);
	co_json_string(stdout, NAME_OF(op_names, j->op, b1));
	printf(",\"flags\":");
	json_flags(j->flags);
	printf(",\"state\":");
	co_json_string(stdout, NAME_OF(state_names, j->state, b2));
	printf(",\"bytes_done\":%" PRIu64 ",\"bytes_total\":%" PRIu64
	       ",\"ranges_done\":%" PRIu32 ",\"nr_ranges\":%" PRIu32
	       ",\"method\":", j->bytes_done, j->bytes_total, j->ranges_done,
	       j->nr_ranges);
	if (j->method == COPYOFFLOAD_JOB_NO_METHOD)
		printf("null");
	else
		co_json_string(stdout, method_text(j->method, b3, sizeof(b3)));
	printf(",\"stop\":");
	if (j->state == COPYOFFLOAD_JOB_DONE)
		co_json_string(stdout, NAME_OF(stop_names, j->stop, b4));
	else
		printf("null");
	printf(",\"elapsed_ns\":%" PRIu64 ",\"method_bytes\":", j->elapsed_ns);
	json_method_bytes(j->method_bytes);
	putchar('}');
}

static void print_job_text(const struct copyoffload_job *j)
{
	char b1[16], b2[16], b3[CO_METHOD_NAME_LEN], done[CO_BYTES_TEXT_LEN],
	     total[CO_BYTES_TEXT_LEN], ranges[24], user[24];

	snprintf(ranges, sizeof(ranges), "%" PRIu32 "/%" PRIu32,
		 j->ranges_done, j->nr_ranges);
	printf("%7" PRIu32 " %-10s %7" PRIu32 " %-6s %-8s %10s %10s %8s %-8s %.3fs\n",
	       j->job_id, user_name(j->uid, user, sizeof(user)), j->pid,
	       NAME_OF(op_names, j->op, b1), NAME_OF(state_names, j->state, b2),
	       co_format_bytes(j->bytes_done, done, sizeof(done)),
	       co_format_bytes(j->bytes_total, total, sizeof(total)), ranges,
	       method_text(j->method, b3, sizeof(b3)), j->elapsed_ns / 1e9);
}

static int cmp_job(const void *a, const void *b)
{
	const struct copyoffload_job *x = a, *y = b;

	return x->job_id < y->job_id ? -1 : x->job_id > y->job_id;
}

static int jobs_list(bool json)
{
	struct copyoffload_job *jobs = NULL;
	char buf[CO_ERRNO_TEXT_LEN];
	unsigned int max = CO_JOBS_FIRST, nr, i;
	int ret;

	/* the list may grow between two calls: ask until it fits */
	for (;;) {
		jobs = co_xreallocarray(jobs, max, sizeof(*jobs));
		ret = copyoffload_job_list(jobs, sizeof(*jobs), max, &nr);
		if (ret || nr <= max)
			break;
		max = nr + CO_JOBS_FIRST;
	}
	if (ret) {
		co_warn("cannot list the jobs: %s",
			ret == -EOPNOTSUPP ?
			"the module is not loaded or has no jobs (EOPNOTSUPP)" :
			co_errno_text(-ret, buf, sizeof(buf)));
		if (json)
			printf("{\"jobs\":null}\n");
		free(jobs);
		return CO_EXIT_FAIL;
	}
	qsort(jobs, nr, sizeof(*jobs), cmp_job);
	if (json) {
		printf("{\"jobs\":[");
		for (i = 0; i < nr; i++) {
			if (i)
				putchar(',');
			print_job_json(&jobs[i]);
		}
		printf("]}\n");
	} else {
		printf("%7s %-10s %7s %-6s %-8s %10s %10s %8s %-8s %s\n", "ID",
		       "USER", "PID", "OP", "STATE", "DONE", "TOTAL", "RANGES",
		       "METHOD", "ELAPSED");
		for (i = 0; i < nr; i++)
			print_job_text(&jobs[i]);
	}
	free(jobs);
	return CO_EXIT_OK;
}

/* --- cancel ------------------------------------------------------------ */

static int parse_id(const char *s, uint32_t *id)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || !v || v > INT32_MAX)
		return -EINVAL;
	*id = v;
	return 0;
}

static int jobs_cancel(char **ids, int nr, bool json)
{
	char buf[CO_ERRNO_TEXT_LEN];
	int code = CO_EXIT_OK, i, ret;
	uint32_t id;

	if (json)
		printf("{\"cancel\":[");
	for (i = 0; i < nr; i++) {
		parse_id(ids[i], &id);	/* checked by the caller */
		ret = copyoffload_job_cancel(id);
		if (ret) {
			co_warn("cannot cancel job %s: %s", ids[i],
				ret == -EOPNOTSUPP ?
				"the module is not loaded or has no jobs (EOPNOTSUPP)" :
				co_errno_text(-ret, buf, sizeof(buf)));
			code = CO_EXIT_FAIL;
		}
		if (json) {
			printf("%s{\"id\":%" PRIu32 ",\"errno\":", i ? "," : "",
			       id);
			co_json_errno(stdout, -ret);
			putchar('}');
		}
	}
	if (json)
		printf("],\"exit\":%d}\n", code);
	return code;
}

/* --- watch ------------------------------------------------------------- */

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

static void print_event(const struct copyoffload_event *e, bool json)
{
	char b1[16], b2[16], b3[CO_METHOD_NAME_LEN], b4[16],
	     done[CO_BYTES_TEXT_LEN], total[CO_BYTES_TEXT_LEN],
	     err[CO_ERRNO_TEXT_LEN];
	bool is_done = e->kind == COPYOFFLOAD_EVENT_DONE;

	if (json) {
		printf("{\"event\":\"%s\",\"id\":%" PRIu32 ",\"seq\":%" PRIu32
		       ",\"op\":", is_done ? "done" : "progress", e->job_id,
		       e->seq);
		co_json_string(stdout, NAME_OF(op_names, e->op, b1));
		printf(",\"state\":");
		co_json_string(stdout, NAME_OF(state_names, e->state, b2));
		printf(",\"bytes_done\":%" PRIu64 ",\"bytes_total\":%" PRIu64
		       ",\"ranges_done\":%" PRIu32 ",\"nr_ranges\":%" PRIu32
		       ",\"method\":", e->bytes_done, e->bytes_total,
		       e->ranges_done, e->nr_ranges);
		if (e->method == COPYOFFLOAD_JOB_NO_METHOD)
			printf("null");
		else
			co_json_string(stdout,
				       method_text(e->method, b3, sizeof(b3)));
		printf(",\"elapsed_ns\":%" PRIu64 ",\"method_bytes\":",
		       e->elapsed_ns);
		json_method_bytes(e->method_bytes);
		if (is_done) {
			printf(",\"stop\":");
			co_json_string(stdout, NAME_OF(stop_names, e->stop, b4));
			printf(",\"error\":");
			co_json_errno(stdout, e->error < 0 ? -e->error : 0);
			if (e->error < 0)
				printf(",\"error_range\":%" PRIu32,
				       e->error_range);
		}
		printf("}\n");
	} else {
		printf("job %" PRIu32 " seq %" PRIu32 " %s: %s %s of %s, "
		       "ranges %" PRIu32 "/%" PRIu32 ", %s, %.3fs",
		       e->job_id, e->seq, is_done ? "done" : "progress",
		       NAME_OF(op_names, e->op, b1),
		       co_format_bytes(e->bytes_done, done, sizeof(done)),
		       co_format_bytes(e->bytes_total, total, sizeof(total)),
		       e->ranges_done, e->nr_ranges,
		       method_text(e->method, b3, sizeof(b3)),
		       e->elapsed_ns / 1e9);
		if (is_done) {
			printf(", stop %s", NAME_OF(stop_names, e->stop, b4));
			if (e->error < 0)
				printf(", range %" PRIu32 ": %s", e->error_range,
				       co_errno_text(-e->error, err,
						     sizeof(err)));
		}
		putchar('\n');
	}
	fflush(stdout);
}

static int jobs_watch(bool all, bool json)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct copyoffload_events *ev;
	char buf[CO_ERRNO_TEXT_LEN];
	struct pollfd pfd;
	int ret;

	ret = copyoffload_events_open(&ev, COPYOFFLOAD_EVENTS_NONBLOCK |
				      (all ? COPYOFFLOAD_EVENTS_ALL_USERS : 0));
	if (ret) {
		co_warn("cannot watch the jobs: %s",
			ret == -EOPNOTSUPP ?
			"the module is not loaded or has no jobs (EOPNOTSUPP)" :
			co_errno_text(-ret, buf, sizeof(buf)));
		return CO_EXIT_FAIL;
	}
	/* no SA_RESTART: poll() returns EINTR, and the loop ends */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pfd = (struct pollfd) { .fd = copyoffload_events_fd(ev),
				.events = POLLIN };
	while (!stop_sig) {
		struct copyoffload_event e = { .size = sizeof(e) };

		ret = copyoffload_events_read(ev, &e);
		if (!ret) {
			print_event(&e, json);
		} else if (ret == -EAGAIN) {
			poll(&pfd, 1, -1);
		} else if (ret == -ENOBUFS) {
			co_warn("events were lost (the socket overflowed)");
		} else if (ret != -EINTR) {
			co_warn("cannot read the events: %s",
				co_errno_text(-ret, buf, sizeof(buf)));
			copyoffload_events_close(ev);
			return CO_EXIT_FAIL;
		}
	}
	copyoffload_events_close(ev);
	return CO_EXIT_OK;
}

int co_cmd_jobs(const char *name, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "cancel", no_argument, NULL, OPT_CANCEL },
		{ "watch", no_argument, NULL, OPT_WATCH },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	bool json = false, cancel = false, watch = false, all = false;
	uint32_t id;
	int c, i;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			json = true;
			break;
		case OPT_CANCEL:
			cancel = true;
			break;
		case OPT_WATCH:
			watch = true;
			break;
		case OPT_ALL:
			all = true;
			break;
		case 'h':
			co_jobs_usage();
			return CO_EXIT_OK;
		case OPT_VERSION:
			co_print_version();
			return CO_EXIT_OK;
		default:
			co_try_help(name);
			return CO_EXIT_USAGE;
		}
	}
	if (cancel && watch)
		return co_usage_error(name, "--cancel and --watch exclude each other");
	if (all && !watch)
		return co_usage_error(name, "--all goes with --watch");
	if (cancel) {
		if (optind == argc)
			return co_usage_error(name, "--cancel needs a job ID");
		for (i = optind; i < argc; i++)
			if (parse_id(argv[i], &id))
				return co_usage_error(name, "invalid job ID '%s'",
						      argv[i]);
		return jobs_cancel(argv + optind, argc - optind, json);
	}
	if (optind < argc)
		return co_usage_error(name, "extra operand '%s'", argv[optind]);
	if (watch)
		return jobs_watch(all, json);
	return jobs_list(json);
}
