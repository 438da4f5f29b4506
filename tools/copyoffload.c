// SPDX-License-Identifier: GPL-2.0
/*
 * copyoffload: run one CLONE, DEDUPE or COPY request over ranges given on
 * the command line or on stdin, and print what happened to every range;
 * "copyoffload info" shows what the module offers, "copyoffload jobs" its
 * asynchronous jobs.  Meant for tests and for
 * people who want to see the ABI at work, as xfs_io is for fstests.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "jobs.h"
#include "nvme.h"
#include "ranges.h"

/* Exit status when the ranges ran but some data differed (dedupe). */
#define CO_EXIT_DIFFERS	3

struct cmd;

struct run {
	const struct cmd *cmd;
	uint64_t flags;		/* COPYOFFLOAD_F_* (copy only) */
	unsigned int open_flags;	/* COPYOFFLOAD_OPEN_* */
	struct open_mode mode;
	bool use_stdin;
	bool json;
	bool quiet;
	bool verbose;
	bool async;		/* --async: as a job of the module */
};

struct cmd {
	const char *name;
	int op;			/* enum copyoffload_op, 0 for info */
	int (*main)(const struct cmd *cmd, int argc, char **argv);
	const char *summary;
};

enum {
	OPT_ALLOW_SHARE = 256,
	OPT_REQUIRE_SHARE,
	OPT_NO_FALLBACK,
	OPT_OFFLOAD,
	OPT_NO_MODULE,
	OPT_REQUIRE_MODULE,
	OPT_NO_CREATE,
	OPT_TRUNCATE,
	OPT_APPEND,
	OPT_DST_RDONLY,
	OPT_SRC_WRONLY,
	OPT_STDIN,
	OPT_JSON,
	OPT_VERSION,
	OPT_REFRESH,
	OPT_ASYNC,
};

static const struct option run_options[] = {
	{ "allow-share", no_argument, NULL, OPT_ALLOW_SHARE },
	{ "require-share", no_argument, NULL, OPT_REQUIRE_SHARE },
	{ "no-fallback", no_argument, NULL, OPT_NO_FALLBACK },
	{ "offload", required_argument, NULL, OPT_OFFLOAD },
	{ "no-module", no_argument, NULL, OPT_NO_MODULE },
	{ "require-module", no_argument, NULL, OPT_REQUIRE_MODULE },
	{ "no-create", no_argument, NULL, OPT_NO_CREATE },
	{ "truncate", no_argument, NULL, OPT_TRUNCATE },
	{ "append", no_argument, NULL, OPT_APPEND },
	{ "dst-rdonly", no_argument, NULL, OPT_DST_RDONLY },
	{ "src-wronly", no_argument, NULL, OPT_SRC_WRONLY },
	{ "stdin", no_argument, NULL, OPT_STDIN },
	{ "async", no_argument, NULL, OPT_ASYNC },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

static const char exit_help[] =
	"Exit status:\n"
	" 0  the request ran and every range is ok (or same, for dedupe)\n"
	" 1  the request was rejected, a file could not be opened, or a range\n"
	"    failed or was not run\n"
	" 2  usage error (bad option, operand or range, on the command line or\n"
	"    on stdin)\n"
	" 3  dedupe: some range differs, none failed\n"
	" 128+N  --async: signal N (SIGINT, SIGTERM) cancelled the job\n";

static void usage_main(void)
{
	printf("Usage: copyoffload COMMAND [OPTION]... [ARG]...\n"
	       "Run one copyoffload request over ranges of files.\n"
	       "\n"
	       "Commands:\n"
	       "  clone  [OPTION]... SRC DST [RANGE...]   share ranges (reflink)\n"
	       "  dedupe [OPTION]... SRC DST [RANGE...]   share ranges that are equal\n"
	       "  copy   [OPTION]... SRC DST [RANGE...]   copy ranges\n"
	       "  info   [--json]                         show the module's features\n"
	       "  jobs   [--json|--cancel ID...|--watch]  list, cancel or watch jobs\n"
	       "  nvme-setup [--quiet] [DEVICE...]        hand NVMe namespaces' Copy\n"
	       "                                         limits to the module (root)\n"
	       "\n"
	       "RANGE is SRC_OFF:DST_OFF:LEN; sizes take K, M, G, T (binary) suffixes,\n"
	       "LEN may be 'eof'.  No RANGE means 0:0:eof.\n"
	       "'copyoffload COMMAND --help' describes a command's options.\n"
	       "\n"
	       "  -h, --help     display this help and exit\n"
	       "      --version  output version information and exit\n"
	       "\n%s", exit_help);
}

static void usage_run(const struct cmd *cmd)
{
	printf("Usage: copyoffload %s [OPTION]... SRC DST [RANGE...]\n"
	       "  or:  copyoffload %s [OPTION]... SRC DST -\n"
	       "  or:  copyoffload %s [OPTION]... --stdin [SRC DST]\n"
	       "%s in one request, one range per RANGE.\n"
	       "\n"
	       "RANGE is SRC_OFF:DST_OFF:LEN: decimal or 0x hexadecimal, with an optional\n"
	       "K, M, G or T (binary) suffix; LEN may be 'eof' (to the source's end).\n"
	       "No RANGE means 0:0:eof.  With '-' or --stdin, ranges are read from stdin,\n"
	       "one a line: 'SRC_OFF DST_OFF LEN' (for SRC and DST) or\n"
	       "'SRCFILE DSTFILE SRC_OFF DST_OFF LEN'; '#' starts a comment.\n"
	       "\n"
	       "SRC is opened read-only.  DST is opened write-only, created (mode 0666\n"
	       "less the umask) if missing, for copy and clone, never truncated.  DST\n"
	       "must exist for dedupe.  A directory is passed on read-only.\n"
	       "\n",
	       cmd->name, cmd->name, cmd->name, cmd->summary);
	if (cmd->op == COPYOFFLOAD_OP_COPY)
		printf("Copy options:\n"
		       "      --allow-share     the copy may share extents (reflink first)\n"
		       "      --require-share   reflink or fail\n"
		       "      --no-fallback     fail with EOPNOTSUPP rather than copy through\n"
		       "                        the host\n"
		       "      --offload=HOW     storage offload: auto (default), xcopy, odx,\n"
		       "                        nvme, none\n"
		       "\n");
	printf("Options:\n"
	       "      --no-module       never use the module (library fallback)\n"
	       "      --require-module  fail (ENODEV) when the module is not loaded\n"
	       "      --no-create       do not create DST\n"
	       "      --truncate        truncate DST when opening it\n"
	       "      --append          open DST with O_APPEND (the request rejects it)\n"
	       "      --dst-rdonly      open DST read-only (the request rejects it)\n"
	       "      --src-wronly      open SRC write-only (the request rejects it)\n"
	       "      --stdin           read ranges from stdin\n"
	       "      --async           run the request as a background job of the\n"
	       "                        module (copy, dedupe), follow its events and\n"
	       "                        wait; SIGINT or SIGTERM cancels it\n"
	       "      --json            print the result as one JSON object\n"
	       "  -q, --quiet           print nothing but errors\n"
	       "  -v, --verbose         then a line of totals, time and throughput\n"
	       "  -h, --help            display this help and exit\n"
	       "      --version         output version information and exit\n"
	       "\n"
	       "Prints one line per range, 'range N: SRC_OFF DST_OFF LEN -> BYTES bytes,\n"
	       "STATUS, methods M1,M2', and a line 'total: BYTES bytes in N ranges',\n"
	       "followed by '(no module)' when the library worked without the module.\n"
	       "STATUS is ok, same, differs, not run, or an errno name and its text.\n"
	       "More ranges than one request may carry (65536) go in several\n"
	       "requests, one after another; once one is rejected or stops early,\n"
	       "the ranges after it are not run.\n"
	       "\n%s", exit_help);
}

static void usage_info(void)
{
	printf("Usage: copyoffload info [--json]\n"
	       "       copyoffload info [--json] [--refresh] DEVICE-OR-FILE\n"
	       "Show the loaded module's ABI version, version, features, accepted\n"
	       "flags, maximum number of ranges and chunk size; or, given a block\n"
	       "device or a file on one, what the module knows of that storage:\n"
	       "the whole disk and partition start, the transport, for a SCSI disk\n"
	       "the 3PC bit, the NAA designator and the copy manager's EXTENDED COPY\n"
	       "and ROD token limits, for an NVMe namespace its nsid, whether it\n"
	       "offers Copy, the Copy limits nvme-setup handed over, and why the\n"
	       "NVMe Copy engine will not copy there, if it will not.\n"
	       "\n"
	       "      --refresh  probe the device again instead of using the cache\n"
	       "                 (needs CAP_SYS_ADMIN)\n"
	       "\n"
	       "Exit status: 0 answered, 1 module not loaded or the query failed,\n"
	       "2 usage error.\n");
}

/* --- printing a request's outcome ---------------------------------------- */

static void print_len(FILE *f, uint64_t len, bool json)
{
	if (len == COPYOFFLOAD_LEN_TO_EOF)
		fputs(json ? "\"eof\"" : "eof", f);
	else
		fprintf(f, "%" PRIu64, len);
}

static void print_range(const struct range_list *l, unsigned int i)
{
	const struct copyoffload_range *r = &l->r[i];
	char buf[CO_ERRNO_TEXT_LEN];

	printf("range %u: %llu %llu ", i, (unsigned long long)r->src_off,
	       (unsigned long long)r->dst_off);
	print_len(stdout, r->len, false);
	printf(" -> %llu bytes, %s, methods ",
	       (unsigned long long)r->bytes_done,
	       co_status_text(r->status, buf, sizeof(buf)));
	co_print_method_list(stdout, r->methods);
	printf("\n");
}

static void print_text(const struct range_list *l,
		       const struct copyoffload_result *res)
{
	unsigned int i;

	for (i = 0; i < l->nr; i++)
		print_range(l, i);
	printf("total: %" PRIu64 " bytes in %u range%s%s\n", res->bytes_done,
	       l->nr, l->nr == 1 ? "" : "s",
	       res->no_module ? " (no module)" : "");
}

static void json_range(const struct range_list *l, unsigned int i)
{
	const struct copyoffload_range *r = &l->r[i];

	printf("{\"src\":");
	co_json_string(stdout, range_src_name(l, i));
	printf(",\"dst\":");
	co_json_string(stdout, range_dst_name(l, i));
	printf(",\"src_off\":%llu,\"dst_off\":%llu,\"len\":",
	       (unsigned long long)r->src_off, (unsigned long long)r->dst_off);
	print_len(stdout, r->len, true);
	printf(",\"bytes_done\":%llu,\"status\":",
	       (unsigned long long)r->bytes_done);
	co_json_string(stdout, copyoffload_status_name(r->status));
	printf(",\"errno\":");
	co_json_errno(stdout, r->status < 0 ? -r->status : 0);
	printf(",\"methods\":");
	co_json_method_list(stdout, r->methods);
	printf("}");
}

static void print_json(const struct run *run, const struct range_list *l,
		       const struct copyoffload_result *res, int ret, int code,
		       unsigned int nr_req)
{
	unsigned int i;

	printf("{\"op\":\"%s\",\"accepted\":%s,\"errno\":", run->cmd->name,
	       ret < 0 ? "false" : "true");
	co_json_errno(stdout, ret < 0 ? -ret : 0);
	printf(",\"error\":");
	if (ret < 0)
		co_json_string(stdout, strerror(-ret));
	else
		printf("null");
	printf(",\"no_module\":%s,\"nr_ranges\":%u,\"requests\":%u,"
	       "\"nr_processed\":%" PRIu32 ",\"bytes_done\":%" PRIu64
	       ",\"method_bytes\":",
	       res->no_module ? "true" : "false", l->nr, nr_req,
	       res->nr_processed, res->bytes_done);
	co_json_method_bytes(stdout, res);
	printf(",\"ranges\":[");
	for (i = 0; i < l->nr; i++) {
		if (i)
			printf(",");
		json_range(l, i);
	}
	printf("],\"exit\":%d}\n", code);
}

/* 0 when every range is ok or same, 3 for differs, 1 for any failure. */
static int outcome(const struct range_list *l, int ret)
{
	bool differs = false;
	unsigned int i;

	if (ret < 0)
		return CO_EXIT_FAIL;
	for (i = 0; i < l->nr; i++) {
		if (l->r[i].status < 0 ||
		    l->r[i].status == COPYOFFLOAD_STATUS_NOT_RUN ||
		    l->r[i].status == COPYOFFLOAD_STATUS_STOPPED)
			return CO_EXIT_FAIL;
		if (l->r[i].status == COPYOFFLOAD_STATUS_DIFFERS)
			differs = true;
	}
	return differs ? CO_EXIT_DIFFERS : CO_EXIT_OK;
}

/* --- running a request --------------------------------------------------- */

/* --async: the signal that asked for the job's cancellation, or 0 */
static volatile sig_atomic_t async_sig;

static void on_async_signal(int sig)
{
	async_sig = sig;
}

/* -v with --async: a job's progress on stderr, as its events come */
static void async_progress(struct copyoffload_events *ev, uint32_t id,
			   bool verbose)
{
	char done[CO_BYTES_TEXT_LEN], total[CO_BYTES_TEXT_LEN];
	struct copyoffload_event e;

	for (;;) {
		e = (struct copyoffload_event) { .size = sizeof(e) };
		if (copyoffload_events_read(ev, &e) == -EAGAIN)
			return;
		if (e.job_id != id || !verbose)
			continue;
		fprintf(stderr, "job %" PRIu32 ": %s of %s, ranges %" PRIu32
			"/%" PRIu32 "%s\n", id,
			co_format_bytes(e.bytes_done, done, sizeof(done)),
			co_format_bytes(e.bytes_total, total, sizeof(total)),
			e.ranges_done, e.nr_ranges,
			e.kind == COPYOFFLOAD_EVENT_DONE ? ", done" : "");
	}
}

/*
 * NR ranges as one job: submitted, followed through its events (when the
 * module's family can be subscribed to) and waited for; a SIGINT or
 * SIGTERM meanwhile cancels it, and the job's outputs still come back.
 */
static int submit_job(const struct run *run, struct copyoffload *co,
		      struct copyoffload_range *r, unsigned int nr,
		      struct copyoffload_result *res)
{
	struct copyoffload_args args = {
		.size = sizeof(args), .op = run->cmd->op, .flags = run->flags,
		.ranges = r, .nr_ranges = nr,
	};
	struct copyoffload_report rep = { .size = sizeof(rep) };
	struct copyoffload_events *ev = NULL;
	bool cancelled = false;
	struct pollfd pfd;
	unsigned int i;
	uint32_t id;
	int ret;

	/* subscribed first, so that no event of the job is missed */
	if (copyoffload_events_open(&ev, COPYOFFLOAD_EVENTS_NONBLOCK))
		ev = NULL;
	ret = copyoffload_submit(co, &args, &id);
	if (ret) {
		copyoffload_events_close(ev);
		return ret;
	}
	for (;;) {
		if (async_sig && !cancelled) {
			copyoffload_cancel(co, id);
			cancelled = true;
		}
		ret = copyoffload_wait(co, id, ev ? COPYOFFLOAD_WAIT_NOHANG : 0,
				       &args, &rep);
		if (ret != -EAGAIN && ret != -EINTR)
			break;
		if (ev) {
			async_progress(ev, id, run->verbose);
			pfd = (struct pollfd) {
				.fd = copyoffload_events_fd(ev),
				.events = POLLIN,
			};
			poll(&pfd, 1, 1000);
		}
	}
	if (ev)
		async_progress(ev, id, run->verbose);
	copyoffload_events_close(ev);
	res->nr_processed = rep.nr_processed;
	res->bytes_done = rep.bytes_done;
	for (i = 0; i < ARRAY_SIZE(res->method_bytes); i++)
		res->method_bytes[i] = rep.method_bytes[i];
	return ret;
}

static int submit(const struct run *run, struct copyoffload *co,
		  struct copyoffload_range *r, unsigned int nr,
		  struct copyoffload_result *res)
{
	if (run->async)
		return submit_job(run, co, r, nr, res);
	switch (run->cmd->op) {
	case COPYOFFLOAD_OP_CLONE:
		return copyoffload_clone(co, r, nr, res);
	case COPYOFFLOAD_OP_DEDUPE:
		return copyoffload_dedupe(co, r, nr, res);
	default:
		return copyoffload_copy(co, run->flags, r, nr, res);
	}
}

/* The most ranges one request (one job) may carry: the module's, or the ABI's. */
static unsigned int max_ranges(const struct run *run, struct copyoffload *co)
{
	unsigned int max = run->async ? COPYOFFLOAD_JOB_MAX_RANGES :
					COPYOFFLOAD_MAX_RANGES;
	struct copyoffload_info info;

	if (!copyoffload_info(co, &info) && info.max_ranges &&
	    info.max_ranges < max)
		return info.max_ranges;
	return max;
}

/*
 * The ranges in requests of at most max_ranges(), one after another, as
 * one request would run them: the next request is sent only when the last
 * one ran every range it carried; a rejected request or one that stopped
 * early (a CLONE failure, a signal) leaves the ranges after it not run.
 * Returns 0 or the rejected request's negative errno; *NR_REQ: requests
 * sent.
 */
static int submit_all(const struct run *run, struct copyoffload *co,
		      struct range_list *l, struct copyoffload_result *res,
		      unsigned int *nr_req)
{
	unsigned int chunk = max_ranges(run, co), at, n, i;
	struct copyoffload_result part;
	int ret = 0;

	*nr_req = 0;
	for (at = 0; at < l->nr; at += n) {
		n = l->nr - at < chunk ? l->nr - at : chunk;
		memset(&part, 0, sizeof(part));
		ret = submit(run, co, l->r + at, n, &part);
		(*nr_req)++;
		co_add_result(res, &part);
		if (ret < 0)
			break;
		for (i = at; i < at + n; i++)
			if (l->r[i].status == COPYOFFLOAD_STATUS_NOT_RUN ||
			    l->r[i].status == COPYOFFLOAD_STATUS_STOPPED)
				return 0;
	}
	return ret;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* -v: a line of totals and throughput, as xfs_io prints one */
static void print_rate(const struct copyoffload_result *res, unsigned int nr,
		       unsigned int nr_req, double secs)
{
	printf("%" PRIu64 " bytes in %u range%s, %u request%s; %.4f sec (%.3f MiB/sec)\n",
	       res->bytes_done, nr, nr == 1 ? "" : "s", nr_req,
	       nr_req == 1 ? "" : "s", secs,
	       secs > 0 ? res->bytes_done / secs / (1 << 20) : 0.0);
}

static int open_library(unsigned int flags, struct copyoffload **co)
{
	char buf[CO_ERRNO_TEXT_LEN];
	int ret;

	ret = copyoffload_open(co, flags);
	if (ret < 0)
		co_warn("cannot open the copyoffload library%s: %s",
			flags & COPYOFFLOAD_OPEN_REQUIRE_MODULE ?
			" with the module" : "",
			co_errno_text(-ret, buf, sizeof(buf)));
	return ret;
}

static int run_request(const struct run *run, struct range_list *l)
{
	struct copyoffload_result res = { 0 };
	char buf[CO_ERRNO_TEXT_LEN];
	struct copyoffload *co;
	unsigned int nr_req;
	double t0;
	int ret, code;

	struct sigaction sa = { .sa_handler = on_async_signal };

	if (open_library(run->open_flags, &co) < 0)
		return CO_EXIT_FAIL;
	if (co_check_offload(co, run->flags)) {
		copyoffload_close(co);
		return CO_EXIT_FAIL;
	}
	if (run->async) {
		/* no SA_RESTART: a wait returns EINTR, and the job is
		 * cancelled
		 */
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	t0 = now();
	ret = submit_all(run, co, l, &res, &nr_req);
	t0 = now() - t0;
	copyoffload_close(co);
	if (ret == -EOPNOTSUPP && run->async)
		co_warn("request rejected: --async needs the module's jobs: %s",
			co_errno_text(-ret, buf, sizeof(buf)));
	else if (ret < 0)
		co_warn("request rejected: %s",
			co_errno_text(-ret, buf, sizeof(buf)));
	code = outcome(l, ret);
	if (run->json)
		print_json(run, l, &res, ret, code, nr_req);
	else if (!run->quiet)
		print_text(l, &res);
	if (run->verbose && !run->json)
		print_rate(&res, l->nr, nr_req, t0);
	if (async_sig) {
		co_warn("interrupted by %s: the job was cancelled",
			co_signal_text(async_sig, buf, sizeof(buf)));
		return 128 + async_sig;
	}
	return code;
}

/* --- command lines ------------------------------------------------------- */

static int parse_option(struct run *run, int c)
{
	uint64_t flag;

	switch (c) {
	case OPT_ALLOW_SHARE:
		run->flags |= COPYOFFLOAD_F_ALLOW_SHARE;
		break;
	case OPT_REQUIRE_SHARE:
		run->flags |= COPYOFFLOAD_F_REQUIRE_SHARE;
		break;
	case OPT_NO_FALLBACK:
		run->flags |= COPYOFFLOAD_F_NO_FALLBACK;
		break;
	case OPT_OFFLOAD:
		if (co_parse_offload(optarg, &flag))
			return co_usage_error(run->cmd->name,
					      "invalid argument '%s' for '--offload' (auto, xcopy, odx, nvme, none)", optarg);
		run->flags |= flag;
		break;
	case OPT_NO_MODULE:
		run->open_flags |= COPYOFFLOAD_OPEN_NO_MODULE;
		break;
	case OPT_REQUIRE_MODULE:
		run->open_flags |= COPYOFFLOAD_OPEN_REQUIRE_MODULE;
		break;
	case OPT_NO_CREATE:
		run->mode.dst_flags &= ~O_CREAT;
		break;
	case OPT_TRUNCATE:
		run->mode.dst_flags |= O_TRUNC;
		break;
	case OPT_APPEND:
		run->mode.dst_flags |= O_APPEND;
		break;
	case OPT_DST_RDONLY:
		run->mode.dst_flags &= ~O_ACCMODE;
		break;
	case OPT_SRC_WRONLY:
		run->mode.src_flags = O_WRONLY;
		break;
	case OPT_STDIN:
		run->use_stdin = true;
		break;
	case OPT_ASYNC:
		run->async = true;
		break;
	case OPT_JSON:
		run->json = true;
		break;
	case 'q':
		run->quiet = true;
		break;
	case 'v':
		run->verbose = true;
		break;
	case 'h':
		usage_run(run->cmd);
		exit(CO_EXIT_OK);
	case OPT_VERSION:
		co_print_version();
		exit(CO_EXIT_OK);
	default:
		co_try_help(run->cmd->name);
		return CO_EXIT_USAGE;
	}
	return 0;
}

static int parse_options(struct run *run, int argc, char **argv)
{
	int c, ret;

	while ((c = getopt_long(argc, argv, "qvh", run_options, NULL)) != -1) {
		ret = parse_option(run, c);
		if (ret)
			return ret;
	}
	if (run->async && run->cmd->op == COPYOFFLOAD_OP_CLONE)
		return co_usage_error(run->cmd->name, "a clone is never a job: no --async");
	if (run->async && (run->open_flags & COPYOFFLOAD_OPEN_NO_MODULE))
		return co_usage_error(run->cmd->name, "--async needs the module: no --no-module");
	if (run->flags && run->cmd->op != COPYOFFLOAD_OP_COPY)
		return co_usage_error(run->cmd->name, "%s takes no --allow-share, --require-share, --no-fallback or --offload", run->cmd->name);
	return 0;
}

/* SRC DST [RANGE...] | SRC DST - | --stdin [SRC DST] */
static int parse_ranges(struct run *run, char **args, int n,
			struct range_list *l)
{
	const char *name = run->cmd->name, *src = NULL, *dst = NULL;
	int i, ret;

	if ((n < 2 && !run->use_stdin) || n == 1)
		return co_usage_error(name, "%s needs SRC and DST", name);
	if (n >= 2) {
		src = args[0];
		dst = args[1];
	}
	if (n == 3 && !strcmp(args[2], "-"))
		run->use_stdin = true;
	else if (run->use_stdin && n > 2)
		return co_usage_error(name, "extra operand '%s' with --stdin",
				      args[2]);
	if (run->use_stdin) {
		ret = range_list_read(l, src, dst, stdin);
		return ret == -EINVAL ? CO_EXIT_USAGE : ret ? CO_EXIT_FAIL : 0;
	}
	for (i = 2; i < n; i++) {
		if (!strcmp(args[i], "-"))
			return co_usage_error(name,
					      "'-' must be the only RANGE");
		if (range_list_add_arg(l, src, dst, args[i]))
			return CO_EXIT_USAGE;
	}
	if (n == 2)
		return range_list_add_arg(l, src, dst, "0:0:eof") ?
		       CO_EXIT_USAGE : 0;
	return 0;
}

static int cmd_run(const struct cmd *cmd, int argc, char **argv)
{
	struct run run = {
		.cmd = cmd,
		.mode = { .src_flags = O_RDONLY, .dst_flags = O_WRONLY },
	};
	struct range_list l = { 0 };
	int ret;

	if (cmd->op != COPYOFFLOAD_OP_DEDUPE)
		run.mode.dst_flags |= O_CREAT;
	ret = parse_options(&run, argc, argv);
	/* O_TRUNC needs write access */
	if ((run.mode.dst_flags & O_ACCMODE) == O_RDONLY)
		run.mode.dst_flags &= ~O_TRUNC;
	if (!ret)
		ret = parse_ranges(&run, argv + optind, argc - optind, &l);
	if (!ret && !l.nr)
		ret = co_usage_error(cmd->name, "no ranges given");
	if (!ret)
		ret = range_list_open(&l, &run.mode) ? CO_EXIT_FAIL : 0;
	if (!ret)
		ret = run_request(&run, &l);
	range_list_free(&l);
	return ret;
}

/* --- info ---------------------------------------------------------------- */

static const char *const feature_names[] = {
	"clone", "dedupe", "copy", "fs_copy", "kernel_copy", "xcopy", "odx",
	"devinfo", "jobs", "nvme",
};

static const char *const dev_cap_names[] = {
	"scsi", "3pc", "naa", "xcopy_lid1", "tpc_vpd", "rod_tokens",
};

static const char *const flag_names[] = {
	"allow_share", "require_share", "no_fallback", "offload_xcopy",
	"offload_odx", "offload_none", "offload_nvme",
};

/* Bits by name, unknown ones as bitN; a JSON array or space-separated. */
static void print_bits(uint64_t bits, const char *const *names,
		       unsigned int nr, bool json)
{
	const char *sep = "";
	char buf[16];
	unsigned int b;

	for (b = 0; b < 64; b++) {
		if (!(bits & (1ULL << b)))
			continue;
		snprintf(buf, sizeof(buf), "bit%u", b);
		fputs(sep, stdout);
		if (json)
			co_json_string(stdout, b < nr ? names[b] : buf);
		else
			fputs(b < nr ? names[b] : buf, stdout);
		sep = json ? "," : " ";
	}
}

/* Methods 0 .. NR - 1 by name (a number where the library has none). */
static void print_methods(unsigned int nr, bool json)
{
	const char *sep = "", *name;
	unsigned int m;

	for (m = 0; m < nr && m < COPYOFFLOAD_METHODS_MAX; m++) {
		name = copyoffload_method_name(m);
		fputs(sep, stdout);
		if (json && name)
			co_json_string(stdout, name);
		else if (name)
			fputs(name, stdout);
		else
			printf(json ? "\"method%u\"" : "method%u", m);
		sep = json ? "," : " ";
	}
}

static void print_info(const struct copyoffload_info *info, bool json)
{
	char size[CO_BYTES_TEXT_LEN];

	printf(json ? "{\"module\":true,\"abi_version\":%u,\"version\":" :
		      "abi version: %u\nmodule version: ", info->abi_version);
	if (json)
		co_json_string(stdout, (const char *)info->version);
	else
		fputs((const char *)info->version, stdout);
	printf(json ? ",\"features\":[" : "\nfeatures: ");
	print_bits(info->features, feature_names, ARRAY_SIZE(feature_names),
		   json);
	printf(json ? "],\"flags\":[" : "\nflags: ");
	print_bits(info->flags, flag_names, ARRAY_SIZE(flag_names), json);
	if (info->size >= COPYOFFLOAD_INFO_SIZE_VER1) {
		/* ABI version 2: the methods the module reports */
		printf(json ? "],\"methods\":[" : "\nmethods: ");
		print_methods(info->nr_methods, json);
	}
	if (json)
		printf("],\"max_ranges\":%u,\"chunk_size\":%u}\n",
		       info->max_ranges, info->chunk_size);
	else
		printf("\nmax ranges: %u\nchunk size: %u (%s)\n",
		       info->max_ranges, info->chunk_size,
		       co_format_bytes(info->chunk_size, size, sizeof(size)));
}

/* INQUIRY text: space padded, not terminated; printed trimmed. */
static const char *inq_text(const uint8_t *p, size_t len, char *buf)
{
	memcpy(buf, p, len);
	buf[len] = 0;
	while (len && buf[len - 1] == ' ')
		buf[--len] = 0;
	return buf;
}

static const char *const transport_names[] = {
	[COPYOFFLOAD_TRANSPORT_OTHER] = "other",
	[COPYOFFLOAD_TRANSPORT_SCSI] = "scsi",
	[COPYOFFLOAD_TRANSPORT_NVME] = "nvme",
};

/* COPYOFFLOAD_NVME_* by bit number; NULL: none */
static const char *const nvme_cap_names[] = {
	[0] = "copy", [16] = "limits_set", [17] = "multipath",
	[18] = "metadata",
};

/* What "copyoffload info DEV" knows besides the devinfo itself. */
struct devinfo_ctx {
	bool engine;		/* the module has COPYOFFLOAD_FEAT_NVME */
	bool nvme_name;		/* the whole disk is an nvme* one */
};

/*
 * Why the NVMe Copy engine will not copy on this namespace, or NULL when
 * it may.  The first reason that applies, the one to act on first.
 */
static const char *nvme_why_not(const struct copyoffload_devinfo *di,
				const struct devinfo_ctx *ctx)
{
	uint32_t caps = di->u.nvme.caps;

	if (!ctx->engine)
		return "the module has no NVMe Copy engine (no 'nvme' in its features)";
	if (caps & COPYOFFLOAD_NVME_MULTIPATH)
		return "a multipath head: no queue of its own, the engine sends no Copy through it";
	if (caps & COPYOFFLOAD_NVME_METADATA)
		return "metadata or protection information: the engine does not copy such a namespace";
	if (!(caps & COPYOFFLOAD_NVME_LIMITS_SET))
		return "no limits handed over yet: run 'copyoffload nvme-setup' as root";
	if (!(caps & COPYOFFLOAD_NVME_COPY))
		return "the controller does not offer Copy with source range format 0";
	return NULL;
}

static void print_nvme_caps(uint32_t caps, bool json)
{
	const char *sep = "";
	char buf[16];
	unsigned int b;

	for (b = 0; b < 32; b++) {
		if (!(caps & (1U << b)))
			continue;
		snprintf(buf, sizeof(buf), "bit%u", b);
		fputs(sep, stdout);
		if (b < ARRAY_SIZE(nvme_cap_names) && nvme_cap_names[b])
			snprintf(buf, sizeof(buf), "%s", nvme_cap_names[b]);
		if (json)
			co_json_string(stdout, buf);
		else
			fputs(buf, stdout);
		sep = json ? "," : " ";
	}
}

/* The transport and, for NVMe, its part: JSON keys or text lines. */
static void print_transport(const struct copyoffload_devinfo *di,
			    const struct devinfo_ctx *ctx, bool json)
{
	const struct copyoffload_devinfo_nvme *n = &di->u.nvme;
	bool known = di->size >= COPYOFFLOAD_DEVINFO_SIZE_VER2;
	bool nvme = known && di->transport == COPYOFFLOAD_TRANSPORT_NVME;
	const char *why;
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", di->transport);
	if (known && di->transport < ARRAY_SIZE(transport_names))
		snprintf(buf, sizeof(buf), "%s", transport_names[di->transport]);
	if (json) {
		printf(",\"transport\":");
		if (known)
			co_json_string(stdout, buf);
		else
			printf("null");
		printf(",\"nvme\":");
		if (!nvme) {
			/* an NVMe disk that a module without the engine
			 * does not call one
			 */
			if (ctx->nvme_name && !ctx->engine) {
				printf("{\"why_not\":");
				co_json_string(stdout, nvme_why_not(di, ctx));
				printf("}");
			} else {
				printf("null");
			}
			return;
		}
		printf("{\"nsid\":%u,\"caps\":[", n->nsid);
		print_nvme_caps(n->caps, true);
		printf("],\"copy\":%s,\"limits_set\":%s,\"mssrl\":%u,"
		       "\"mcl\":%u,\"msrc\":%u,\"why_not\":",
		       n->caps & COPYOFFLOAD_NVME_COPY ? "true" : "false",
		       n->caps & COPYOFFLOAD_NVME_LIMITS_SET ? "true" : "false",
		       n->mssrl, n->mcl, n->msrc);
		why = nvme_why_not(di, ctx);
		if (why)
			co_json_string(stdout, why);
		else
			printf("null");
		printf("}");
		return;
	}
	if (known)
		printf("transport: %s\n", buf);
	if (!nvme) {
		if (ctx->nvme_name && !ctx->engine)
			printf("nvme copy offload: no: %s\n",
			       nvme_why_not(di, ctx));
		return;
	}
	printf("nvme nsid: %u\nnvme caps: ", n->nsid);
	print_nvme_caps(n->caps, false);
	printf("\nnvme copy: %s\nnvme limits set: %s\n",
	       n->caps & COPYOFFLOAD_NVME_COPY ? "yes" : "no",
	       n->caps & COPYOFFLOAD_NVME_LIMITS_SET ? "yes" : "no");
	if (n->caps & COPYOFFLOAD_NVME_COPY)
		printf("nvme mssrl: %u blocks\nnvme mcl: %u blocks\n"
		       "nvme msrc: %u (%u ranges)\n", n->mssrl, n->mcl,
		       n->msrc, n->msrc + 1U);
	why = nvme_why_not(di, ctx);
	if (why)
		printf("nvme copy offload: no: %s\n", why);
	else
		printf("nvme copy offload: yes\n");
}

static void print_devinfo(const char *path, const struct copyoffload_devinfo *di,
			  const struct devinfo_ctx *ctx, bool json)
{
	char naa[2 * sizeof(di->naa) + 1] = "", text[17];
	unsigned int i;

	for (i = 0; i < di->naa_len && i < sizeof(di->naa); i++)
		sprintf(naa + 2 * i, "%02x", di->naa[i]);
	if (json) {
		printf("{\"path\":");
		co_json_string(stdout, path);
		printf(",\"disk\":\"%u:%u\",\"start_sect\":%llu,"
		       "\"logical_block_size\":%u,\"caps\":[",
		       di->dev_major, di->dev_minor,
		       (unsigned long long)di->start_sect,
		       di->logical_block_size);
		print_bits(di->caps, dev_cap_names, ARRAY_SIZE(dev_cap_names),
			   true);
		printf("],\"probe_status\":%d,\"naa\":\"%s\",\"vendor\":", di->probe_status, naa);
		co_json_string(stdout, inq_text(di->vendor, sizeof(di->vendor), text));
		printf(",\"product\":");
		co_json_string(stdout, inq_text(di->product, sizeof(di->product), text));
		printf(",\"max_cscd_descriptors\":%u,\"max_segment_descriptors\":%u,"
		       "\"max_descriptor_list_length\":%u,\"max_segment_length\":%u,"
		       "\"max_inline_data\":%u,\"segment_granularity\":%u,"
		       "\"rod_max_ranges\":%u,\"rod_max_inactivity\":%u,"
		       "\"rod_default_inactivity\":%u,"
		       "\"rod_max_token_blocks\":%llu,"
		       "\"rod_optimal_blocks\":%llu",
		       di->max_cscd_descriptors, di->max_segment_descriptors,
		       di->max_descriptor_list_length, di->max_segment_length,
		       di->max_inline_data, di->segment_granularity,
		       di->rod_max_ranges, di->rod_max_inactivity,
		       di->rod_default_inactivity,
		       (unsigned long long)di->rod_max_token_blocks,
		       (unsigned long long)di->rod_optimal_blocks);
		print_transport(di, ctx, true);
		printf("}\n");
		return;
	}
	printf("path: %s\ndisk: %u:%u\npartition start: %llu sectors\n"
	       "logical block size: %u\ncaps: ", path, di->dev_major,
	       di->dev_minor, (unsigned long long)di->start_sect,
	       di->logical_block_size);
	print_bits(di->caps, dev_cap_names, ARRAY_SIZE(dev_cap_names), false);
	printf("\n");
	print_transport(di, ctx, false);
	if (!(di->caps & COPYOFFLOAD_DEV_SCSI))
		return;
	printf("vendor: %s\n", inq_text(di->vendor, sizeof(di->vendor), text));
	printf("product: %s\n", inq_text(di->product, sizeof(di->product), text));
	printf("probe status: %d\nnaa: %s\n", di->probe_status,
	       naa[0] ? naa : "none");
	if (di->caps & COPYOFFLOAD_DEV_3PC)
		printf("max cscd descriptors: %u\nmax segment descriptors: %u\n"
		       "max descriptor list length: %u\nmax segment length: %u\n"
		       "max inline data: %u\nsegment granularity: 2^%u\n",
		       di->max_cscd_descriptors, di->max_segment_descriptors,
		       di->max_descriptor_list_length, di->max_segment_length,
		       di->max_inline_data, di->segment_granularity);
	if (di->caps & COPYOFFLOAD_DEV_ROD_TOKENS)
		printf("rod max ranges: %u\nrod max token blocks: %llu\n"
		       "rod optimal blocks: %llu\n"
		       "rod inactivity timeout: %u s (max %u s)\n",
		       di->rod_max_ranges,
		       (unsigned long long)di->rod_max_token_blocks,
		       (unsigned long long)di->rod_optimal_blocks,
		       di->rod_default_inactivity, di->rod_max_inactivity);
}

/* Whether the block device MAJOR:MINOR's name starts with "nvme". */
static bool nvme_disk(uint32_t major, uint32_t minor)
{
	char path[64], link[4096];
	const char *name;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", major, minor);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = 0;
	name = strrchr(link, '/');
	return !strncmp(name ? name + 1 : link, "nvme", 4);
}

/* copyoffload info PATH: the storage under PATH. */
static int info_path(struct copyoffload *co, const char *path, bool refresh,
		     bool json)
{
	struct copyoffload_info info = { .size = sizeof(info) };
	struct devinfo_ctx ctx = { 0 };
	struct copyoffload_devinfo di;
	char buf[CO_ERRNO_TEXT_LEN];
	int fd, ret;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		co_warn("cannot open '%s': %s", path, strerror(errno));
		return CO_EXIT_FAIL;
	}
	ret = copyoffload_devinfo_size(co, fd,
				       refresh ? COPYOFFLOAD_DEVINFO_F_REFRESH : 0,
				       &di, sizeof(di));
	close(fd);
	if (ret < 0) {
		co_warn("cannot read the storage info of '%s': %s", path,
			co_errno_text(-ret, buf, sizeof(buf)));
		return CO_EXIT_FAIL;
	}
	ctx.engine = !copyoffload_info_size(co, &info, sizeof(info)) &&
		     (info.features & COPYOFFLOAD_FEAT_NVME);
	ctx.nvme_name = nvme_disk(di.dev_major, di.dev_minor);
	print_devinfo(path, &di, &ctx, json);
	return CO_EXIT_OK;
}

static int cmd_info(const struct cmd *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "refresh", no_argument, NULL, OPT_REFRESH },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	struct copyoffload_info info = { .size = sizeof(info) };
	char buf[CO_ERRNO_TEXT_LEN];
	struct copyoffload *co;
	bool json = false, refresh = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			json = true;
			break;
		case OPT_REFRESH:
			refresh = true;
			break;
		case 'h':
			usage_info();
			return CO_EXIT_OK;
		case OPT_VERSION:
			co_print_version();
			return CO_EXIT_OK;
		default:
			co_try_help(cmd->name);
			return CO_EXIT_USAGE;
		}
	}
	if (optind + 1 < argc)
		return co_usage_error(cmd->name, "extra operand '%s'",
				      argv[optind + 1]);
	if (refresh && optind == argc)
		return co_usage_error(cmd->name, "--refresh needs a path");
	if (open_library(0, &co) < 0)
		return CO_EXIT_FAIL;
	if (optind < argc && copyoffload_has_module(co)) {
		ret = info_path(co, argv[optind], refresh, json);
		copyoffload_close(co);
		return ret;
	}
	ret = -ENODEV;
	if (copyoffload_has_module(co))
		ret = copyoffload_info_size(co, &info, sizeof(info));
	copyoffload_close(co);
	if (ret == -ENODEV) {
		if (json)
			printf("{\"module\":false}\n");
		co_warn("module not loaded");
	} else if (ret < 0) {
		co_warn("cannot read the module's info: %s",
			co_errno_text(-ret, buf, sizeof(buf)));
	} else {
		print_info(&info, json);
	}
	return ret < 0 ? CO_EXIT_FAIL : CO_EXIT_OK;
}

/* --- jobs ---------------------------------------------------------------- */

static int cmd_jobs(const struct cmd *cmd, int argc, char **argv)
{
	return co_cmd_jobs(cmd->name, argc, argv);
}

/* --- nvme-setup ---------------------------------------------------------- */

static int cmd_nvme_setup(const struct cmd *cmd, int argc, char **argv)
{
	return co_cmd_nvme_setup(cmd->name, argc, argv);
}

/* --- main ---------------------------------------------------------------- */

static const struct cmd cmds[] = {
	{ "clone", COPYOFFLOAD_OP_CLONE, cmd_run,
	  "Clone (reflink) ranges of SRC into DST, all or nothing per range," },
	{ "dedupe", COPYOFFLOAD_OP_DEDUPE, cmd_run,
	  "Deduplicate ranges of DST against SRC where their data are equal," },
	{ "copy", COPYOFFLOAD_OP_COPY, cmd_run,
	  "Copy ranges of SRC into DST by the best method available," },
	{ "info", 0, cmd_info, NULL },
	{ "jobs", 0, cmd_jobs, NULL },
	{ "nvme-setup", 0, cmd_nvme_setup, NULL },
};

int main(int argc, char **argv)
{
	unsigned int i;

	co_prog = "copyoffload";
	if (argc < 2) {
		co_usage_error(NULL, "missing command");
		return CO_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage_main();
		return CO_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		co_print_version();
		return CO_EXIT_OK;
	}
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (!strcmp(argv[1], cmds[i].name)) {
			argv[1] = co_xasprintf("copyoffload %s",
					       cmds[i].name);
			return cmds[i].main(&cmds[i], argc - 1, argv + 1);
		}
	}
	return co_usage_error(NULL, "unknown command '%s'", argv[1]);
}
