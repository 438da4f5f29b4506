// SPDX-License-Identifier: GPL-2.0
/*
 * lib-check: drive one libcopyoffload call from the command line and print
 * what it did as key=value lines, for tests/host/lib-*.sh to assert on.
 *
 *   lib-check [-N|-R] open | info | names | version | api
 *   lib-check [-N|-R] clone RANGE...
 *   lib-check [-N|-R] dedupe RANGE...
 *   lib-check [-N|-R] copy FLAGS RANGE...
 *   lib-check [-N|-R] [-n] submit OP FLAGS RANGE...
 *		copyoffload_submit() (OP clone, dedupe or copy), then
 *		copyoffload_wait() for it into the same ranges (-n: NOHANG),
 *		printing "submit=", "id=", "wait=" and what -2 prints
 *   lib-check [-N|-R] cancel ID | reap ID
 *		copyoffload_cancel(ID), copyoffload_wait(ID) without outputs
 *   lib-check [-N|-R] jobs-api
 *		the jobs' functions with bad arguments and without a module
 *		(NAME=RESULT lines)
 *   lib-check [-N|-R] nvme-set PATH CAPS MCL MSSRL MSRC [NSID]
 *		copyoffload_nvme_set() on PATH (opened read-only) with
 *		those fields, printing "nvme_set="; "nvme_set_null=" for a
 *		NULL nvme
 *
 *   -N, -R     COPYOFFLOAD_OPEN_NO_MODULE, COPYOFFLOAD_OPEN_REQUIRE_MODULE
 *   -x CMD     run CMD with sh -c once the files are open, before the call
 *   -2         run the request with copyoffload_run() (ABI version 2's
 *              report: also stop, nr_methods and lib.NAME lines)
 *   -M BYTES   copyoffload_run()'s max_bytes (implies -2)
 *   -S STRIDE  copyoffload_run()'s range_size: ranges STRIDE bytes apart,
 *              the tail of each zero unless -T (implies -2)
 *   -T         put a non-zero byte in every range's tail
 *   RANGE      SRC,SRC_OFF,DST,DST_OFF,LEN[,xCOUNT]  (COUNT copies of it)
 *   SRC, DST   r:PATH w:PATH rw:PATH wa:PATH (O_WRONLY|O_APPEND)
 *              path:PATH (O_PATH) dir:PATH, closed (a closed descriptor),
 *              piper, pipew (the ends of one pipe); files are created
 *              for w and rw, never truncated; one spec is opened once
 *   numbers    decimal or 0x hex, with an optional K, M or G suffix;
 *              LEN may be "eof" (COPYOFFLOAD_LEN_TO_EOF)
 *   FLAGS      "-" or a comma list of allow, require, nofb, xcopy, odx,
 *              none, nvme, or a number
 *
 * Output: "ret=0|ENAME", then nr_processed, bytes_done, no_module, then
 * per range (the first 32) rI.status, rI.bytes, rI.methods, then mb.NAME
 * for every method with bytes, then posI, the file offset of the I-th file
 * spec after the call.  "api" prints NAME=RESULT lines of calls that need
 * C to make (NULL arguments and the like).  Exit status 0 unless the usage
 * was wrong.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "copyoffload.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_SPECS	64
#define MAX_PRINTED	32

static struct {
	char *spec;
	int fd;
} specs[MAX_SPECS];
static unsigned int nr_specs;
static bool use_run;		/* -2 */
static uint64_t max_bytes;	/* -M */
static unsigned int stride;	/* -S */
static bool dirty_tail;		/* -T */
static bool nohang;		/* -n */
static int pipe_fds[2] = { -1, -1 };
static const char *after_open;

static void __attribute__((noreturn)) die(const char *msg,
					   const char *arg)
{
	fprintf(stderr, "lib-check: %s: %s\n", msg, arg);
	exit(2);
}

/* "EINVAL", from the C library where it has strerrorname_np (the Makefile
 * probes for it), else "E22" */
static const char *err_name(int err)
{
	static char buf[16];
	const char *s = NULL;

#ifdef CO_HAVE_STRERRORNAME_NP
	s = strerrorname_np(err);
#endif
	if (!s) {
		snprintf(buf, sizeof(buf), "E%d", err);
		s = buf;
	}
	return s;
}

static int open_pipe_end(int end)
{
	if (pipe_fds[0] < 0 && pipe(pipe_fds) < 0)
		die("pipe", strerror(errno));
	return pipe_fds[end];
}

static int closed_fd(void)
{
	int fd = dup(0);

	if (fd < 0)
		fd = 1000;
	else
		close(fd);
	return fd;
}

static int open_spec(const char *spec)
{
	static const struct {
		const char *mode;
		int flags;
	} modes[] = {
		{ "r:", O_RDONLY },
		{ "w:", O_WRONLY | O_CREAT },
		{ "rw:", O_RDWR | O_CREAT },
		{ "wa:", O_WRONLY | O_CREAT | O_APPEND },
		{ "path:", O_PATH },
		{ "dir:", O_RDONLY | O_DIRECTORY },
	};
	unsigned int i;
	size_t n;
	int fd;

	if (!strcmp(spec, "closed"))
		return closed_fd();
	if (!strcmp(spec, "piper"))
		return open_pipe_end(0);
	if (!strcmp(spec, "pipew"))
		return open_pipe_end(1);
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		n = strlen(modes[i].mode);
		if (strncmp(spec, modes[i].mode, n))
			continue;
		fd = open(spec + n, modes[i].flags | O_CLOEXEC, 0644);
		if (fd < 0)
			die(spec, strerror(errno));
		return fd;
	}
	die("bad file spec", spec);
}

static int spec_fd(const char *spec)
{
	unsigned int i;

	for (i = 0; i < nr_specs; i++)
		if (!strcmp(specs[i].spec, spec))
			return specs[i].fd;
	if (nr_specs == MAX_SPECS)
		die("too many files", spec);
	specs[nr_specs].spec = strdup(spec);
	specs[nr_specs].fd = open_spec(spec);
	return specs[nr_specs++].fd;
}

static uint64_t parse_num(const char *s)
{
	uint64_t v;
	char *end;

	if (!strcmp(s, "eof"))
		return COPYOFFLOAD_LEN_TO_EOF;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		die("bad number", s);
	switch (*end) {
	case 'G':
		v <<= 10;
		/* fall through */
	case 'M':
		v <<= 10;
		/* fall through */
	case 'K':
		v <<= 10;
		end++;
	}
	if (*end)
		die("bad number", s);
	return v;
}

static uint64_t parse_flags(const char *s)
{
	static const struct {
		const char *name;
		uint64_t flag;
	} names[] = {
		{ "allow", COPYOFFLOAD_F_ALLOW_SHARE },
		{ "require", COPYOFFLOAD_F_REQUIRE_SHARE },
		{ "nofb", COPYOFFLOAD_F_NO_FALLBACK },
		{ "xcopy", COPYOFFLOAD_F_OFFLOAD_XCOPY },
		{ "odx", COPYOFFLOAD_F_OFFLOAD_ODX },
		{ "none", COPYOFFLOAD_F_OFFLOAD_NONE },
		{ "nvme", COPYOFFLOAD_F_OFFLOAD_NVME },
	};
	char *copy = strdup(s), *tok, *save;
	uint64_t flags = 0;
	unsigned int i;

	if (!strcmp(s, "-"))
		goto out;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < ARRAY_SIZE(names); i++)
			if (!strcmp(tok, names[i].name))
				break;
		if (i < ARRAY_SIZE(names))
			flags |= names[i].flag;
		else
			flags |= parse_num(tok);
	}
out:
	free(copy);
	return flags;
}

/* SRC,SRC_OFF,DST,DST_OFF,LEN[,xCOUNT]: returns COUNT. */
static unsigned int parse_range(char *arg, struct copyoffload_range *r)
{
	char *f[6] = { NULL }, *save;
	unsigned int n = 0;

	for (f[n] = strtok_r(arg, ",", &save); f[n] && n < 5;)
		f[++n] = strtok_r(NULL, ",", &save);
	if (n < 5 || (f[5] && f[5][0] != 'x'))
		die("bad range", arg);
	copyoffload_range_init(r, spec_fd(f[0]), parse_num(f[1]),
			       spec_fd(f[2]), parse_num(f[3]),
			       parse_num(f[4]));
	return f[5] ? parse_num(f[5] + 1) : 1;
}

static struct copyoffload_range *parse_ranges(int argc, char **argv,
					      unsigned int *nr)
{
	struct copyoffload_range *ranges = NULL, r;
	unsigned int count, i;
	int a;

	*nr = 0;
	for (a = 0; a < argc; a++) {
		count = parse_range(argv[a], &r);
		ranges = realloc(ranges, (*nr + count) * sizeof(r));
		if (!ranges)
			die("realloc", strerror(errno));
		for (i = 0; i < count; i++)
			ranges[(*nr)++] = r;
	}
	return ranges;
}

static void print_ret(const char *key, int ret)
{
	if (ret < 0)
		printf("%s=%s\n", key, err_name(-ret));
	else
		printf("%s=%d\n", key, ret);
}

static void print_status(unsigned int i, int status)
{
	static const char *const names[] = {
		[COPYOFFLOAD_STATUS_OK] = "ok",
		[COPYOFFLOAD_STATUS_SAME] = "same",
		[COPYOFFLOAD_STATUS_DIFFERS] = "differs",
		[COPYOFFLOAD_STATUS_NOT_RUN] = "not_run",
		[COPYOFFLOAD_STATUS_STOPPED] = "stopped",
	};

	if (status < 0)
		printf("r%u.status=%s\n", i, err_name(-status));
	else if (status <= COPYOFFLOAD_STATUS_STOPPED)
		printf("r%u.status=%s\n", i, names[status]);
	else
		printf("r%u.status=%d\n", i, status);
}

static void print_methods(unsigned int i, uint32_t methods)
{
	const char *sep = "";
	unsigned int m;

	printf("r%u.methods=", i);
	for (m = 0; m < 32; m++) {
		if (!(methods & (1U << m)))
			continue;
		printf("%s%s", sep, copyoffload_method_name(m) ?: "?");
		sep = "+";
	}
	printf("%s\n", *sep ? "" : "-");
}

static void print_result(int ret, const struct copyoffload_range *ranges,
			 unsigned int nr, const struct copyoffload_result *res)
{
	unsigned int i;

	print_ret("ret", ret);
	printf("nr_processed=%u\nbytes_done=%" PRIu64 "\nno_module=%u\n",
	       res->nr_processed, res->bytes_done, res->no_module);
	for (i = 0; i < nr && i < MAX_PRINTED; i++) {
		print_status(i, ranges[i].status);
		printf("r%u.bytes=%" PRIu64 "\n", i,
		       (uint64_t)ranges[i].bytes_done);
		print_methods(i, ranges[i].methods);
	}
	for (i = 0; i < 32; i++)
		if (res->method_bytes[i])
			printf("mb.%s=%" PRIu64 "\n",
			       copyoffload_method_name(i) ?: "?",
			       res->method_bytes[i]);
	for (i = 0; i < nr_specs; i++)
		printf("pos%u=%jd\n", i, (intmax_t)lseek(specs[i].fd, 0,
							  SEEK_CUR));
}

static void print_report(int ret, struct copyoffload_range *ranges,
			 unsigned int nr, struct copyoffload_report *rep)
{
	struct copyoffload_result res = { 0 };
	unsigned int i;

	if (ret == -EINVAL && rep->size == 0xa5a5a5a5)
		*rep = (struct copyoffload_report){ 0 };
	res.nr_processed = rep->nr_processed;
	res.bytes_done = rep->bytes_done;
	res.no_module = rep->no_module;
	print_result(ret, ranges, nr, &res);
	printf("stop=%u\nnr_methods=%u\n", rep->stop, rep->nr_methods);
	for (i = 0; i < COPYOFFLOAD_METHODS_MAX; i++)
		if (rep->method_bytes[i])
			printf("mb.%s=%" PRIu64 "\n",
			       copyoffload_method_name(i) ?: "?",
			       rep->method_bytes[i]);
	for (i = 0; i < COPYOFFLOAD_LIB_NR; i++)
		if (rep->lib_bytes[i])
			printf("lib.%s=%" PRIu64 "\n",
			       copyoffload_lib_method_name(i) ?: "?",
			       rep->lib_bytes[i]);
}

/* RANGES into a STRIDE-spaced array (-S, -T) for ARGS; freed by the caller. */
static char *strided(struct copyoffload_range *ranges, unsigned int nr,
		     struct copyoffload_args *args)
{
	size_t size = stride ? stride : sizeof(*ranges);
	char *arr = calloc(nr ? nr : 1, size);
	unsigned int i;

	if (!arr)
		die("calloc", strerror(errno));
	for (i = 0; i < nr; i++) {
		memcpy(arr + i * size, &ranges[i], sizeof(*ranges));
		if (dirty_tail && size > sizeof(*ranges))
			arr[i * size + size - 1] = 1;
	}
	args->ranges = arr;
	args->range_size = stride;
	return arr;
}

static void unstrided(struct copyoffload_range *ranges, unsigned int nr,
		      const char *arr)
{
	size_t size = stride ? stride : sizeof(*ranges);
	unsigned int i;

	for (i = 0; i < nr; i++)
		memcpy(&ranges[i], arr + i * size, sizeof(*ranges));
}

/* copyoffload_submit() and copyoffload_wait() into the same ranges. */
static int run_job(struct copyoffload *co, unsigned int op, uint64_t flags,
		   struct copyoffload_range *ranges, unsigned int nr)
{
	struct copyoffload_args args = {
		.size = sizeof(args), .op = op, .flags = flags,
		.nr_ranges = nr, .max_bytes = max_bytes,
	};
	struct copyoffload_report rep;
	char *arr = strided(ranges, nr, &args);
	uint32_t id = 0xa5a5a5a5;
	int ret;

	ret = copyoffload_submit(co, &args, &id);
	print_ret("submit", ret);
	printf("id=%u\n", id);
	if (!ret) {
		memset(&rep, 0xa5, sizeof(rep));
		rep.size = sizeof(rep);
		ret = copyoffload_wait(co, id, nohang ?
				       COPYOFFLOAD_WAIT_NOHANG : 0, &args, &rep);
		print_ret("wait", ret);
		unstrided(ranges, nr, arr);
		print_report(ret, ranges, nr, &rep);
	}
	free(arr);
	return 0;
}

/* Calls with arguments the command line cannot express, and none. */
static int run_jobs_api(struct copyoffload *co)
{
	struct copyoffload_range r;
	struct copyoffload_args args = {
		.size = sizeof(args), .op = COPYOFFLOAD_OP_COPY, .ranges = &r,
		.nr_ranges = 1,
	};
	struct copyoffload_report rep = { .size = sizeof(rep) };
	struct copyoffload_job job = { .size = sizeof(job) };
	struct copyoffload_event ev = { .size = sizeof(ev) };
	struct copyoffload_events *evs = (void *)1;
	unsigned int nr = 99;
	uint32_t id = 99;

	copyoffload_range_init(&r, 0, 0, 1, 0, 1);
	print_ret("submit_null_handle", copyoffload_submit(NULL, &args, &id));
	print_ret("submit_null_args", copyoffload_submit(co, NULL, &id));
	print_ret("submit_null_id", copyoffload_submit(co, &args, NULL));
	print_ret("submit", copyoffload_submit(co, &args, &id));
	printf("submit_id=%u\n", id);
	print_ret("wait_null_handle", copyoffload_wait(NULL, 1, 0, NULL, NULL));
	print_ret("wait_bad_flags", copyoffload_wait(co, 1, 2, NULL, NULL));
	print_ret("wait_id_0", copyoffload_wait(co, 0, 0, NULL, NULL));
	rep.size = COPYOFFLOAD_REPORT_SIZE_VER0 - 8;
	print_ret("wait_small_report", copyoffload_wait(co, 1, 0, &args, &rep));
	print_ret("wait", copyoffload_wait(co, 1, 0, NULL, NULL));
	print_ret("cancel_null_handle", copyoffload_cancel(NULL, 1));
	print_ret("cancel_id_0", copyoffload_cancel(co, 0));
	print_ret("cancel", copyoffload_cancel(co, 1));

	print_ret("job_get_id_0", copyoffload_job_get(0, &job));
	print_ret("job_get_null", copyoffload_job_get(1, NULL));
	job.size = COPYOFFLOAD_JOB_SIZE_VER0 - 8;
	print_ret("job_get_small", copyoffload_job_get(1, &job));
	job.size = sizeof(job);
	print_ret("job_get", copyoffload_job_get(1, &job));
	print_ret("job_list_null_nr", copyoffload_job_list(&job, sizeof(job),
							   1, NULL));
	print_ret("job_list_null_jobs", copyoffload_job_list(NULL, sizeof(job),
							     1, &nr));
	printf("job_list_null_jobs_nr=%u\n", nr);
	print_ret("job_list_small", copyoffload_job_list(&job, 64, 1, &nr));
	print_ret("job_list", copyoffload_job_list(&job, sizeof(job), 1, &nr));
	print_ret("job_cancel_id_0", copyoffload_job_cancel(0));
	print_ret("job_cancel", copyoffload_job_cancel(1));

	print_ret("events_open_null", copyoffload_events_open(NULL, 0));
	print_ret("events_open_bad_flags", copyoffload_events_open(&evs, 4));
	printf("events_open_failed_sets_null=%d\n", evs == NULL);
	evs = (void *)1;
	print_ret("events_open", copyoffload_events_open(&evs, 0));
	printf("events_open_sets_null=%d\n", evs == NULL);
	print_ret("events_open_all",
		  copyoffload_events_open(&evs, COPYOFFLOAD_EVENTS_ALL_USERS));
	print_ret("events_fd_null", copyoffload_events_fd(NULL));
	print_ret("events_read_null", copyoffload_events_read(NULL, &ev));
	copyoffload_events_close(NULL);
	printf("sizes=%zu,%zu,%zu\n", sizeof(job), sizeof(ev),
	       sizeof(struct copyoffload_range_out));
	return 0;
}

/* copyoffload_run(): ranges copied into a STRIDE-spaced array and back. */
static int run_v2(struct copyoffload *co, unsigned int op, uint64_t flags,
		  struct copyoffload_range *ranges, unsigned int nr)
{
	struct copyoffload_args args = {
		.size = sizeof(args), .op = op, .flags = flags,
		.nr_ranges = nr, .max_bytes = max_bytes,
	};
	struct copyoffload_report rep;
	char *arr = strided(ranges, nr, &args);
	int ret;

	memset(&rep, 0xa5, sizeof(rep));
	rep.size = sizeof(rep);
	ret = copyoffload_run(co, &args, &rep);
	unstrided(ranges, nr, arr);
	free(arr);
	print_report(ret, ranges, nr, &rep);
	return 0;
}

static void print_names(void)
{
	/* -41: no errno on Linux; -4095: none anywhere */
	static const int statuses[] = { 0, 1, 2, 3, 4, 5, -EINVAL, -EOPNOTSUPP,
					-41, -4095, INT_MIN };
	unsigned int i;

	for (i = 0; i < 33; i++)
		printf("method%u=%s\n", i,
		       copyoffload_method_name(i) ?: "NULL");
	for (i = 0; i < ARRAY_SIZE(statuses); i++)
		printf("status%d=%s\n", statuses[i],
		       copyoffload_status_name(statuses[i]));
}

/* The library's interface version, and what it says of others. */
static void print_version(void)
{
	int major = copyoffload_lib_version_major();
	int minor = copyoffload_lib_version_minor();

	printf("header=%d.%d\nlibrary=%d.%d\n", COPYOFFLOAD_LIB_VERSION_MAJOR,
	       COPYOFFLOAD_LIB_VERSION_MINOR, major, minor);
	print_ret("check_built", copyoffload_check_version(
			COPYOFFLOAD_LIB_VERSION_MAJOR,
			COPYOFFLOAD_LIB_VERSION_MINOR));
	print_ret("check_older_minor", copyoffload_check_version(major, 0));
	print_ret("check_newer_minor",
		  copyoffload_check_version(major, minor + 1));
	print_ret("check_older_major",
		  copyoffload_check_version(major - 1, minor));
	print_ret("check_newer_major", copyoffload_check_version(major + 1, 0));
}

static int run_info(struct copyoffload *co)
{
	struct copyoffload_info info;
	int ret = copyoffload_info(co, &info);

	print_ret("ret", ret);
	if (!ret)
		printf("abi_version=%u\nfeatures=0x%" PRIx64 "\n"
		       "max_ranges=%u\n", info.abi_version,
		       (uint64_t)info.features, info.max_ranges);
	return 0;
}

/* Calls the command line cannot express. */
static int run_api(struct copyoffload *co)
{
	struct copyoffload_range r;
	struct copyoffload *co2 = (void *)1;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	print_ret("open_null", copyoffload_open(NULL, 0));
	print_ret("open_bad_flags", copyoffload_open(&co2, 1U << 7));
	printf("open_failed_sets_null=%d\n", co2 == NULL);
	print_ret("info_null", copyoffload_info(co, NULL));
	print_ret("copy_null_handle", copyoffload_copy(NULL, 0, &r, 1, NULL));
	print_ret("copy_null_ranges", copyoffload_copy(co, 0, NULL, 1, NULL));
	print_ret("copy_no_ranges", copyoffload_copy(co, 0, &r, 0, NULL));
	printf("has_module_null=%d\n", copyoffload_has_module(NULL));
	copyoffload_close(NULL);

	memset(&r, 0xa5, sizeof(r));
	copyoffload_range_init(&r, 3, 10, 4, 20, 30);
	printf("range_init=%d,%llu,%d,%llu,%llu,%llu,%d,%u\n", r.src_fd,
	       (unsigned long long)r.src_off, r.dst_fd,
	       (unsigned long long)r.dst_off, (unsigned long long)r.len,
	       (unsigned long long)r.bytes_done, r.status, r.methods);

	/* A NULL result is allowed; the range still reports. */
	copyoffload_range_init(&r, fd, 0, fd, 0, 1);
	print_ret("null_result", copyoffload_copy(co, 0, &r, 1, NULL));
	print_status(0, r.status);
	close(fd);
	return 0;
}

static unsigned int op_code(const char *op)
{
	if (!strcmp(op, "clone"))
		return COPYOFFLOAD_OP_CLONE;
	if (!strcmp(op, "dedupe"))
		return COPYOFFLOAD_OP_DEDUPE;
	if (!strcmp(op, "copy"))
		return COPYOFFLOAD_OP_COPY;
	die("unknown operation", op);
}

/* submit OP FLAGS RANGE... */
static int run_submit(struct copyoffload *co, int argc, char **argv)
{
	struct copyoffload_range *ranges;
	unsigned int nr;
	int ret;

	if (argc < 2)
		die("submit", "needs OP and FLAGS");
	ranges = parse_ranges(argc - 2, argv + 2, &nr);
	ret = run_job(co, op_code(argv[0]), parse_flags(argv[1]), ranges, nr);
	free(ranges);
	return ret;
}

static int run_request(struct copyoffload *co, const char *op, int argc,
		       char **argv)
{
	struct copyoffload_result res;
	struct copyoffload_range *ranges;
	uint64_t flags = 0;
	unsigned int nr;
	int ret;

	if (!strcmp(op, "copy")) {
		if (argc < 1)
			die("copy", "needs FLAGS");
		flags = parse_flags(argv[0]);
		argc--;
		argv++;
	}
	ranges = parse_ranges(argc, argv, &nr);
	if (after_open && system(after_open) != 0)
		die("command failed", after_open);
	if (use_run) {
		unsigned int code = !strcmp(op, "clone") ? COPYOFFLOAD_OP_CLONE :
				    !strcmp(op, "dedupe") ?
				    COPYOFFLOAD_OP_DEDUPE : COPYOFFLOAD_OP_COPY;

		ret = run_v2(co, code, flags, ranges, nr);
		free(ranges);
		return ret;
	}
	memset(&res, 0xa5, sizeof(res));	/* must all be overwritten */
	if (!strcmp(op, "clone"))
		ret = copyoffload_clone(co, ranges, nr, &res);
	else if (!strcmp(op, "dedupe"))
		ret = copyoffload_dedupe(co, ranges, nr, &res);
	else if (!strcmp(op, "copy"))
		ret = copyoffload_copy(co, flags, ranges, nr, &res);
	else
		die("unknown operation", op);
	print_result(ret, ranges, nr, &res);
	free(ranges);
	return 0;
}

/* PATH CAPS MCL MSSRL MSRC [NSID]: copyoffload_nvme_set() */
static int run_nvme_set(struct copyoffload *co, int argc, char **argv)
{
	struct copyoffload_devinfo_nvme n = { 0 };
	int fd;

	if (argc < 5)
		die("usage", "nvme-set PATH CAPS MCL MSSRL MSRC [NSID]");
	fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("cannot open", argv[0]);
	n.caps = parse_num(argv[1]);
	n.mcl = parse_num(argv[2]);
	n.mssrl = parse_num(argv[3]);
	n.msrc = parse_num(argv[4]);
	if (argc > 5)
		n.nsid = parse_num(argv[5]);
	print_ret("nvme_set_null", copyoffload_nvme_set(co, fd, NULL));
	print_ret("nvme_set", copyoffload_nvme_set(co, fd, &n));
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int open_flags = 0;
	struct copyoffload *co;
	int opt, ret;

	while ((opt = getopt(argc, argv, "+NRx:2M:S:Tn")) != -1) {
		if (opt == 'n')
			nohang = true;
		else if (opt == '2')
			use_run = true;
		else if (opt == 'M')
			use_run = true, max_bytes = parse_num(optarg);
		else if (opt == 'S')
			use_run = true, stride = parse_num(optarg);
		else if (opt == 'T')
			dirty_tail = true;
		else if (opt == 'N')
			open_flags |= COPYOFFLOAD_OPEN_NO_MODULE;
		else if (opt == 'R')
			open_flags |= COPYOFFLOAD_OPEN_REQUIRE_MODULE;
		else if (opt == 'x')
			after_open = optarg;
		else
			return 2;
	}
	if (optind >= argc)
		die("usage", "see the comment at the top of lib-check.c");
	if (!strcmp(argv[optind], "names")) {
		print_names();
		return 0;
	}
	if (!strcmp(argv[optind], "version")) {
		print_version();
		return 0;
	}
	ret = copyoffload_open(&co, open_flags);
	print_ret("open", ret);
	if (ret)
		return 0;
	printf("has_module=%d\n", copyoffload_has_module(co));
	if (!strcmp(argv[optind], "info"))
		ret = run_info(co);
	else if (!strcmp(argv[optind], "api"))
		ret = run_api(co);
	else if (!strcmp(argv[optind], "jobs-api"))
		ret = run_jobs_api(co);
	else if (!strcmp(argv[optind], "cancel") && optind + 1 < argc)
		print_ret("cancel", copyoffload_cancel(co,
				strtoul(argv[optind + 1], NULL, 0)));
	else if (!strcmp(argv[optind], "reap") && optind + 1 < argc)
		print_ret("reap", copyoffload_wait(co,
				strtoul(argv[optind + 1], NULL, 0), 0, NULL,
				NULL));
	else if (!strcmp(argv[optind], "nvme-set"))
		ret = run_nvme_set(co, argc - optind - 1, argv + optind + 1);
	else if (!strcmp(argv[optind], "submit"))
		ret = run_submit(co, argc - optind - 1, argv + optind + 1);
	else if (strcmp(argv[optind], "open"))
		ret = run_request(co, argv[optind], argc - optind - 1,
				  argv + optind + 1);
	copyoffload_close(co);
	return ret;
}
