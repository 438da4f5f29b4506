// SPDX-License-Identifier: GPL-2.0
/*
 * lib-jobs-check: libcopyoffload's asynchronous jobs against the real module
 * (tests/guest/lib-jobs.sh).  Every case prints one result line, as
 * tests/lib.sh describes:
 *
 *   ok NAME | not ok NAME: WHY
 *
 *   lib-jobs-check DIR [PATTERN...]
 *	run the cases (those whose name matches a PATTERN, fnmatch) with
 *	their files in DIR (a directory on a filesystem the module can copy
 *	on; big files are made there)
 *   lib-jobs-check -l [PATTERN...]
 *	list the case names
 *   lib-jobs-check hold SRC DST
 *	submit a COPY of all of SRC into DST (created), print "id=N", wait
 *	for a line on stdin, then wait for the job and print the report as
 *	key=value lines (for "copyoffload jobs" to see a job that is not
 *	reaped)
 *
 * What a job gives must be what copyoffload_run() gives for the same ranges:
 * the ranges' outputs and the report field by field, and the destination's
 * bytes.  Events: each job's seq 1, 2, 3 ... in order, exactly one DONE, after
 * every PROGRESS, carrying the same outputs WAIT gives.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "copyoffload.h"
#include "result.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MiB		(1ULL << 20)
#define MAX_JOBS	8

static const char *dir;
static bool list_only;
static struct copyoffload *co;

/* --- reporting ------------------------------------------------------------- */

static const char *err_name(int err)
{
	static char buf[16];

	snprintf(buf, sizeof(buf), "%s", copyoffload_status_name(-err));
	if (err == 0)
		return "0";
	return buf;
}

#define want_ret(what, got, exp) do {					\
	int g_ = (got), e_ = (exp);					\
	if (g_ != e_)							\
		whyf("%s: %d (%s), want %d", what, g_, err_name(-g_), e_); \
} while (0)

#define want_eq(what, got, exp) do {					\
	unsigned long long g_ = (got), e_ = (exp);			\
	if (g_ != e_)							\
		whyf("%s: %llu, want %llu", what, g_, e_);		\
} while (0)

/* --- files ----------------------------------------------------------------- */

static char *path(const char *name)
{
	static char buf[4][4096];
	static unsigned int n;
	char *p = buf[n++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

/* NAME: SIZE bytes, data in 1 MiB pieces with every fourth one a hole. */
static int make_file(const char *name, uint64_t size)
{
	static char block[MiB];
	uint64_t off;
	unsigned int i;
	int fd;

	for (i = 0; i < sizeof(block); i++)
		block[i] = (char)(i * 7 + (i >> 12));
	fd = open(path(name), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	for (off = 0; off < size; off += MiB) {
		if ((off / MiB) % 4 == 3)
			continue;
		block[0] = (char)(off / MiB);
		if (pwrite(fd, block, size - off < MiB ? size - off : MiB,
			   off) < 0) {
			close(fd);
			return -errno;
		}
	}
	if (ftruncate(fd, size) < 0 || fsync(fd) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

static int open_dst(const char *name)
{
	return open(path(name), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

/* 0 when the two descriptors' files hold the same bytes. */
static int same_files(int a, int b)
{
	static char x[MiB], y[MiB];
	struct stat sa, sb;
	off_t off;
	ssize_t n, m;

	if (fstat(a, &sa) || fstat(b, &sb))
		return -1;
	if (sa.st_size != sb.st_size)
		return 1;
	for (off = 0; off < sa.st_size; off += n) {
		n = pread(a, x, sizeof(x), off);
		m = pread(b, y, sizeof(y), off);
		if (n <= 0 || n != m || memcmp(x, y, n))
			return 1;
	}
	return 0;
}

/* --- the comparison with copyoffload_run() --------------------------------- */

struct spec {
	uint64_t src_off, dst_off, len;
};

static void fill_ranges(struct copyoffload_range *r, const struct spec *s,
			unsigned int nr, int src, int dst)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		copyoffload_range_init(&r[i], src, s[i].src_off, dst,
				       s[i].dst_off, s[i].len);
}

static void compare_reports(const struct copyoffload_report *a,
			    const struct copyoffload_report *b)
{
	unsigned int i;

	want_eq("report.nr_processed", b->nr_processed, a->nr_processed);
	want_eq("report.bytes_done", b->bytes_done, a->bytes_done);
	want_eq("report.stop", b->stop, a->stop);
	want_eq("report.no_module", b->no_module, a->no_module);
	want_eq("report.nr_methods", b->nr_methods, a->nr_methods);
	for (i = 0; i < COPYOFFLOAD_METHODS_MAX; i++)
		if (a->method_bytes[i] != b->method_bytes[i])
			whyf("report.method_bytes[%u]: %llu, want %llu", i,
			    (unsigned long long)b->method_bytes[i],
			    (unsigned long long)a->method_bytes[i]);
	for (i = 0; i < COPYOFFLOAD_LIB_NR; i++)
		want_eq("report.lib_bytes", b->lib_bytes[i], a->lib_bytes[i]);
}

static void compare_ranges(const struct copyoffload_range *a,
			   const struct copyoffload_range *b, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (a[i].bytes_done != b[i].bytes_done ||
		    a[i].status != b[i].status || a[i].methods != b[i].methods)
			whyf("range %u: job %llu/%d/%#x, run %llu/%d/%#x", i,
			    (unsigned long long)b[i].bytes_done, b[i].status,
			    b[i].methods, (unsigned long long)a[i].bytes_done,
			    a[i].status, a[i].methods);
		/* the inputs are the caller's: never written */
		if (a[i].src_off != b[i].src_off || a[i].len != b[i].len)
			whyf("range %u: inputs changed", i);
	}
}

/*
 * OP with FLAGS over the ranges S: copyoffload_run() from SRC into DST_RUN,
 * a job from SRC into DST_JOB; outputs, reports and destinations compared.
 */
static void compare_run_job(unsigned int op, uint64_t flags,
			    const struct spec *s, unsigned int nr, int src,
			    int dst_run, int dst_job, uint64_t max_bytes)
{
	struct copyoffload_range a[16], b[16];
	struct copyoffload_args args = {
		.size = sizeof(args), .op = op, .flags = flags,
		.nr_ranges = nr, .max_bytes = max_bytes,
	};
	struct copyoffload_report ra = { .size = sizeof(ra) };
	struct copyoffload_report rb = { .size = sizeof(rb) };
	uint32_t id = 0;
	int ret;

	fill_ranges(a, s, nr, src, dst_run);
	fill_ranges(b, s, nr, src, dst_job);
	args.ranges = a;
	ret = copyoffload_run(co, &args, &ra);
	want_ret("run", ret, 0);
	args.ranges = b;
	ret = copyoffload_submit(co, &args, &id);
	want_ret("submit", ret, 0);
	if (ret)
		return;
	/* outputs pre-filled at submission, as RUN pre-fills them */
	if (b[0].status != COPYOFFLOAD_STATUS_NOT_RUN || b[0].bytes_done)
		whyf("range 0 not pre-filled at submission: %d", b[0].status);
	memset(&rb, 0xa5, sizeof(rb));
	rb.size = sizeof(rb);
	ret = copyoffload_wait(co, id, 0, &args, &rb);
	want_ret("wait", ret, 0);
	compare_ranges(a, b, nr);
	compare_reports(&ra, &rb);
	if (same_files(dst_run, dst_job))
		whyf("the destinations differ");
	/* reaped: the id is gone */
	want_ret("wait again", copyoffload_wait(co, id, 0, NULL, NULL),
		 -ENOENT);
}

static void case_compare_copy(void)
{
	static const struct spec s[] = {
		{ 0, 0, 3 * MiB },
		{ 3 * MiB, 3 * MiB, MiB + 4096 },	/* a hole, then data */
		{ 5 * MiB, 9 * MiB, 12345 },		/* unaligned */
		{ 8 * MiB, 12 * MiB, COPYOFFLOAD_LEN_TO_EOF },
		{ 20 * MiB, 30 * MiB, MiB },		/* past the EOF */
	};
	int src = make_file("cmp-src", 10 * MiB + 777);
	int d1 = open_dst("cmp-run"), d2 = open_dst("cmp-job");

	if (src < 0 || d1 < 0 || d2 < 0) {
		whyf("files: %s", strerror(errno));
		return;
	}
	compare_run_job(COPYOFFLOAD_OP_COPY, COPYOFFLOAD_F_OFFLOAD_NONE, s,
			ARRAY_SIZE(s), src, d1, d2, 0);
	close(src);
	close(d1);
	close(d2);
}

/* max_bytes stops a job where it stops a run: the same STOPPED range. */
static void case_compare_max_bytes(void)
{
	static const struct spec s[] = {
		{ 0, 0, 3 * MiB }, { 3 * MiB, 3 * MiB, 5 * MiB },
		{ 8 * MiB, 8 * MiB, 2 * MiB },
	};
	int src = make_file("mb-src", 10 * MiB);
	int d1 = open_dst("mb-run"), d2 = open_dst("mb-job");

	if (src < 0 || d1 < 0 || d2 < 0) {
		whyf("files: %s", strerror(errno));
		return;
	}
	compare_run_job(COPYOFFLOAD_OP_COPY, COPYOFFLOAD_F_OFFLOAD_NONE, s,
			ARRAY_SIZE(s), src, d1, d2, 5 * MiB);
	close(src);
	close(d1);
	close(d2);
}

/* DEDUPE of a copy and of a changed copy: SAME, DIFFERS, as a run says. */
static void case_compare_dedupe(void)
{
	static const struct spec s[] = {
		{ 0, 0, 2 * MiB }, { 2 * MiB, 2 * MiB, 2 * MiB },
		{ 4 * MiB, 4 * MiB, 4 * MiB },
	};
	struct copyoffload_range r;
	int src = make_file("dd-src", 8 * MiB);
	int d1 = open_dst("dd-run"), d2 = open_dst("dd-job");
	struct copyoffload_args args = {
		.size = sizeof(args), .op = COPYOFFLOAD_OP_COPY,
		.flags = COPYOFFLOAD_F_OFFLOAD_NONE, .ranges = &r,
		.nr_ranges = 1,
	};
	int fd;

	if (src < 0 || d1 < 0 || d2 < 0) {
		whyf("files: %s", strerror(errno));
		return;
	}
	for (fd = d1; ; fd = d2) {
		copyoffload_range_init(&r, src, 0, fd, 0,
				       COPYOFFLOAD_LEN_TO_EOF);
		want_ret("copy", copyoffload_run(co, &args, NULL), 0);
		/* the second range differs */
		if (pwrite(fd, "x", 1, 3 * MiB) != 1)
			whyf("pwrite: %s", strerror(errno));
		fsync(fd);
		if (fd == d2)
			break;
	}
	compare_run_job(COPYOFFLOAD_OP_DEDUPE, 0, s, ARRAY_SIZE(s), src, d1,
			d2, 0);
	close(src);
	close(d1);
	close(d2);
}

/* --- events ----------------------------------------------------------------- */

struct seen {
	uint32_t id;
	uint32_t next_seq;	/* the seq the next event must have */
	unsigned int progress, done;
	struct copyoffload_event last;
	struct copyoffload_range_out outs[16];
};

static struct seen *seen_of(struct seen *s, unsigned int nr, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (s[i].id == id)
			return &s[i];
	return NULL;
}

/* Read events until every job of S has had its DONE (at most 120 s). */
static int read_events(struct copyoffload_events *ev, struct seen *s,
		       unsigned int nr)
{
	struct copyoffload_range_out outs[16];
	struct copyoffload_event e;
	struct pollfd pfd = { .fd = copyoffload_events_fd(ev),
			      .events = POLLIN };
	unsigned int done = 0, waited = 0;
	struct seen *j;
	int ret;

	while (done < nr) {
		memset(&e, 0, sizeof(e));
		e.size = sizeof(e);
		e.range_outs = outs;
		e.max_range_outs = ARRAY_SIZE(outs);
		ret = copyoffload_events_read(ev, &e);
		if (ret == -EAGAIN) {
			if (waited++ >= 120) {
				whyf("no DONE after 120 s (%u of %u)", done, nr);
				return -ETIMEDOUT;
			}
			poll(&pfd, 1, 1000);
			continue;
		}
		if (ret) {
			whyf("events_read: %s", err_name(-ret));
			return ret;
		}
		j = seen_of(s, nr, e.job_id);
		if (!j)
			continue;	/* another test's job */
		if (e.seq != j->next_seq)
			whyf("job %u: seq %u, want %u", j->id, e.seq,
			    j->next_seq);
		j->next_seq = e.seq + 1;
		if (j->done)
			whyf("job %u: an event (seq %u) after its DONE",
			    j->id, e.seq);
		if (e.kind == COPYOFFLOAD_EVENT_DONE) {
			j->done++;
			done++;
			memcpy(j->outs, outs, sizeof(outs));
			if (e.state != COPYOFFLOAD_JOB_DONE)
				whyf("job %u: DONE in state %u", j->id,
				    e.state);
		} else if (e.kind == COPYOFFLOAD_EVENT_PROGRESS) {
			j->progress++;
			if (e.state != COPYOFFLOAD_JOB_RUNNING)
				whyf("job %u: PROGRESS in state %u", j->id,
				    e.state);
		} else {
			whyf("job %u: event kind %u", j->id, e.kind);
		}
		j->last = e;
	}
	return 0;
}

/*
 * Three jobs followed by one subscriber: seq in order, one DONE each,
 * after the progress; the DONE event's totals and range outputs are WAIT's.
 */
static void case_events(void)
{
	struct copyoffload_range r[MAX_JOBS][2];
	struct copyoffload_args args[MAX_JOBS];
	struct copyoffload_report rep;
	struct copyoffload_events *ev = NULL;
	struct seen s[3] = { 0 };
	unsigned int i, k, progress = 0;
	int src, dst[3], ret;
	char name[32];

	src = make_file("ev-src", 96 * MiB);
	if (src < 0) {
		whyf("source: %s", strerror(-src));
		return;
	}
	ret = copyoffload_events_open(&ev, COPYOFFLOAD_EVENTS_NONBLOCK);
	want_ret("events_open", ret, 0);
	if (ret)
		goto out;
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "ev-dst%u", i);
		dst[i] = open_dst(name);
		copyoffload_range_init(&r[i][0], src, 0, dst[i], 0, 64 * MiB);
		copyoffload_range_init(&r[i][1], src, 64 * MiB, dst[i],
				       64 * MiB, COPYOFFLOAD_LEN_TO_EOF);
		args[i] = (struct copyoffload_args) {
			.size = sizeof(args[i]), .op = COPYOFFLOAD_OP_COPY,
			.flags = COPYOFFLOAD_F_OFFLOAD_NONE,
			.ranges = r[i], .nr_ranges = 2,
		};
		ret = copyoffload_submit(co, &args[i], &s[i].id);
		want_ret("submit", ret, 0);
		if (ret)
			goto out;
		s[i].next_seq = 1;
	}
	if (read_events(ev, s, 3))
		goto out;
	for (i = 0; i < 3; i++) {
		progress += s[i].progress;
		if (s[i].done != 1)
			whyf("job %u: %u DONE events", s[i].id, s[i].done);
		rep = (struct copyoffload_report) { .size = sizeof(rep) };
		ret = copyoffload_wait(co, s[i].id, 0, &args[i], &rep);
		want_ret("wait", ret, 0);
		want_eq("DONE bytes_done", s[i].last.bytes_done,
			rep.bytes_done);
		want_eq("DONE bytes_total", s[i].last.bytes_total,
			96 * MiB);
		want_eq("DONE ranges_done", s[i].last.ranges_done,
			rep.nr_processed);
		want_eq("DONE stop", s[i].last.stop, rep.stop);
		want_eq("DONE nr_range_outs", s[i].last.nr_range_outs, 2);
		for (k = 0; k < COPYOFFLOAD_METHODS_MAX; k++)
			want_eq("DONE method_bytes", s[i].last.method_bytes[k],
				rep.method_bytes[k]);
		for (k = 0; k < 2; k++) {
			want_eq("DONE range index", s[i].outs[k].index, k);
			want_eq("DONE range bytes", s[i].outs[k].bytes_done,
				r[i][k].bytes_done);
			want_eq("DONE range status",
				(uint32_t)s[i].outs[k].status,
				(uint32_t)r[i][k].status);
			want_eq("DONE range methods", s[i].outs[k].methods,
				r[i][k].methods);
		}
		if (same_files(src, dst[i]))
			whyf("job %u: the copy differs", s[i].id);
		close(dst[i]);
	}
	/* 96 MiB in a TCG guest take longer than job_progress_ms */
	if (!progress)
		whyf("no PROGRESS event at all");
	/* nothing more about these jobs */
	for (i = 0; i < 3; i++)
		s[i].done = 0;
	usleep(300 * 1000);
	for (;;) {
		struct copyoffload_event e = { .size = sizeof(e) };

		ret = copyoffload_events_read(ev, &e);
		if (ret)
			break;
		if (seen_of(s, 3, e.job_id))
			whyf("job %u: event seq %u after it was reaped",
			    e.job_id, e.seq);
	}
	want_ret("events_read when none", ret, -EAGAIN);
	printf("# events: %u progress events over 3 jobs\n", progress);
out:
	copyoffload_events_close(ev);
	close(src);
}

/* --- cancel, queries -------------------------------------------------------- */

/* A job long enough to be caught running: 256 MiB of data. */
static int big_job(int src, int dst, struct copyoffload_range *r,
		   struct copyoffload_args *args, uint32_t *id)
{
	copyoffload_range_init(r, src, 0, dst, 0, COPYOFFLOAD_LEN_TO_EOF);
	*args = (struct copyoffload_args) {
		.size = sizeof(*args), .op = COPYOFFLOAD_OP_COPY,
		.flags = COPYOFFLOAD_F_OFFLOAD_NONE, .ranges = r,
		.nr_ranges = 1,
	};
	return copyoffload_submit(co, args, id);
}

static int big_src(void)
{
	static int fd = -1;

	if (fd < 0)
		fd = make_file("big-src", 256 * MiB);
	return fd;
}

/* CANCEL through the device, then through netlink (another process). */
static void case_cancel(bool netlink)
{
	struct copyoffload_range r;
	struct copyoffload_args args;
	struct copyoffload_report rep = { .size = sizeof(rep) };
	int src = big_src(), dst = open_dst("cancel-dst");
	uint32_t id;
	pid_t pid;
	int ret, st;

	if (src < 0 || dst < 0) {
		whyf("files: %s", strerror(errno));
		return;
	}
	ret = big_job(src, dst, &r, &args, &id);
	want_ret("submit", ret, 0);
	if (ret)
		goto out;
	want_ret("wait NOHANG on a running job",
		 copyoffload_wait(co, id, COPYOFFLOAD_WAIT_NOHANG, &args,
				  &rep), -EAGAIN);
	if (!netlink) {
		want_ret("cancel", copyoffload_cancel(co, id), 0);
	} else {
		/* from a child, by id: as copyoffload jobs --cancel */
		pid = fork();
		if (pid == 0)
			_exit(copyoffload_job_cancel(id) ? 1 : 0);
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			whyf("job_cancel in a child failed");
	}
	ret = copyoffload_wait(co, id, 0, &args, &rep);
	want_ret("wait", ret, 0);
	want_eq("stop", rep.stop, COPYOFFLOAD_STOP_CANCELLED);
	want_eq("nr_processed", rep.nr_processed, 0);
	/* stopped part-way, or cancelled while queued: before it started */
	if (r.status == COPYOFFLOAD_STATUS_NOT_RUN)
		want_eq("bytes_done of a range not run", r.bytes_done, 0);
	else
		want_eq("status", (uint32_t)r.status,
			COPYOFFLOAD_STATUS_STOPPED);
	if (r.bytes_done >= 256 * MiB)
		whyf("bytes_done %llu: not stopped",
		    (unsigned long long)r.bytes_done);
	want_eq("report bytes = range bytes", rep.bytes_done, r.bytes_done);
	/* cancelling a reaped job: gone */
	want_ret("cancel reaped", copyoffload_cancel(co, id), -ENOENT);
out:
	close(dst);
}

static void case_cancel_ioctl(void)
{
	case_cancel(false);
}

static void case_cancel_netlink(void)
{
	case_cancel(true);
}

/* GET and the dump: what the job is, who submitted it, while it runs. */
static void case_get_list(void)
{
	struct copyoffload_job job, jobs[64];
	struct {
		struct copyoffload_job job;
		uint64_t tail[2];
	} bigger;
	struct copyoffload_range r;
	struct copyoffload_args args;
	int src = big_src(), dst = open_dst("get-dst");
	unsigned int nr = 0, i;
	uint32_t id;
	bool found = false;
	int ret;

	if (src < 0 || dst < 0) {
		whyf("files: %s", strerror(errno));
		return;
	}
	ret = big_job(src, dst, &r, &args, &id);
	want_ret("submit", ret, 0);
	if (ret)
		goto out;
	memset(&job, 0xa5, sizeof(job));
	job.size = sizeof(job);
	ret = copyoffload_job_get(id, &job);
	want_ret("job_get", ret, 0);
	want_eq("job_id", job.job_id, id);
	want_eq("op", job.op, COPYOFFLOAD_OP_COPY);
	want_eq("flags", job.flags, COPYOFFLOAD_F_OFFLOAD_NONE);
	want_eq("uid", job.uid, geteuid());
	want_eq("pid", job.pid, getpid());
	want_eq("nr_ranges", job.nr_ranges, 1);
	want_eq("bytes_total", job.bytes_total, 256 * MiB);
	if (job.state != COPYOFFLOAD_JOB_QUEUED &&
	    job.state != COPYOFFLOAD_JOB_RUNNING)
		whyf("state %u", job.state);
	/* a structure of a newer program: filled as far as the library
	 * knows, its size saying so, the tail left alone
	 */
	memset(&bigger, 0x5a, sizeof(bigger));
	bigger.job.size = sizeof(bigger);
	want_ret("job_get larger", copyoffload_job_get(id, &bigger.job), 0);
	want_eq("larger size out", bigger.job.size, sizeof(bigger.job));
	want_eq("larger tail", bigger.tail[0] == 0x5a5a5a5a5a5a5a5aULL &&
		bigger.tail[1] == 0x5a5a5a5a5a5a5a5aULL, 1);
	want_eq("larger job_id", bigger.job.job_id, id);
	ret = copyoffload_job_list(jobs, sizeof(jobs[0]), ARRAY_SIZE(jobs),
				   &nr);
	want_ret("job_list", ret, 0);
	for (i = 0; i < nr && i < ARRAY_SIZE(jobs); i++)
		if (jobs[i].job_id == id) {
			found = true;
			want_eq("listed size", jobs[i].size, sizeof(jobs[0]));
			want_eq("listed uid", jobs[i].uid, geteuid());
		}
	if (!found)
		whyf("job %u not in the list of %u", id, nr);
	/* too small an array: the count all the same */
	ret = copyoffload_job_list(jobs, sizeof(jobs[0]), 0, &i);
	want_ret("job_list max 0", ret, 0);
	want_eq("job_list count", i, nr);
	copyoffload_cancel(co, id);
	want_ret("wait", copyoffload_wait(co, id, 0, NULL, NULL), 0);
	want_ret("job_get reaped", copyoffload_job_get(id, &job), -ENOENT);
out:
	close(dst);
}

/* What is refused: CLONE jobs, unknown ids, other users' jobs. */
static void case_refused(void)
{
	struct copyoffload_job job = { .size = sizeof(job) };
	struct copyoffload_range r;
	struct copyoffload_args args;
	struct copyoffload_events *ev;
	int src = big_src(), dst = open_dst("refused-dst");
	uint32_t id;
	pid_t pid;
	int ret, st;

	if (src < 0 || dst < 0) {
		whyf("files: %s", strerror(errno));
		return;
	}
	copyoffload_range_init(&r, src, 0, dst, 0, MiB);
	args = (struct copyoffload_args) {
		.size = sizeof(args), .op = COPYOFFLOAD_OP_CLONE,
		.ranges = &r, .nr_ranges = 1,
	};
	want_ret("submit clone", copyoffload_submit(co, &args, &id), -EINVAL);
	want_ret("wait unknown", copyoffload_wait(co, 999999, 0, NULL, NULL),
		 -ENOENT);
	want_ret("cancel unknown", copyoffload_cancel(co, 999999), -ENOENT);
	want_ret("job_get unknown", copyoffload_job_get(999999, &job),
		 -ENOENT);
	want_ret("job_cancel unknown", copyoffload_job_cancel(999999),
		 -ENOENT);

	ret = big_job(src, dst, &r, &args, &id);
	want_ret("submit", ret, 0);
	if (ret)
		goto out;
	pid = fork();
	if (pid == 0) {
		unsigned int nr = 1;
		int bad_ = 0;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		bad_ |= copyoffload_job_get(id, &job) != -ENOENT;
		bad_ |= (copyoffload_job_cancel(id) != -ENOENT) << 1;
		bad_ |= (copyoffload_events_open(&ev,
				COPYOFFLOAD_EVENTS_ALL_USERS) != -EPERM) << 2;
		bad_ |= (copyoffload_job_list(&job, sizeof(job), 1, &nr) ||
			 nr) << 3;
		_exit(bad_ ? 10 + bad_ : 0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		whyf("another user: exit %d (10 + 1 get, 2 cancel, 4 events "
		    "all, 8 list)", WEXITSTATUS(st));
	copyoffload_cancel(co, id);
	want_ret("wait", copyoffload_wait(co, id, 0, NULL, NULL), 0);
out:
	close(dst);
}

/* --- hold ------------------------------------------------------------------ */

static int hold(const char *src_path, const char *dst_path)
{
	struct copyoffload_report rep = { .size = sizeof(rep) };
	struct copyoffload_range r;
	struct copyoffload_args args = {
		.size = sizeof(args), .op = COPYOFFLOAD_OP_COPY,
		.flags = COPYOFFLOAD_F_OFFLOAD_NONE, .ranges = &r,
		.nr_ranges = 1,
	};
	int src = open(src_path, O_RDONLY | O_CLOEXEC);
	int dst = open(dst_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	char line[16];
	uint32_t id;
	int ret;

	if (src < 0 || dst < 0) {
		perror("lib-jobs-check hold");
		return 1;
	}
	copyoffload_range_init(&r, src, 0, dst, 0, COPYOFFLOAD_LEN_TO_EOF);
	ret = copyoffload_submit(co, &args, &id);
	if (ret) {
		printf("submit=%s\n", err_name(-ret));
		return 1;
	}
	printf("id=%u\n", id);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		line[0] = 0;
	ret = copyoffload_wait(co, id, 0, &args, &rep);
	printf("wait=%d\nstop=%u\nbytes_done=%llu\nstatus=%d\n", ret, rep.stop,
	       (unsigned long long)rep.bytes_done, r.status);
	return ret ? 1 : 0;
}

/* --- main ------------------------------------------------------------------- */

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
	{ "jobs/compare-copy", case_compare_copy },
	{ "jobs/compare-max-bytes", case_compare_max_bytes },
	{ "jobs/compare-dedupe", case_compare_dedupe },
	{ "jobs/events", case_events },
	{ "jobs/cancel-ioctl", case_cancel_ioctl },
	{ "jobs/cancel-netlink", case_cancel_netlink },
	{ "jobs/get-list", case_get_list },
	{ "jobs/refused", case_refused },
};

int main(int argc, char **argv)
{
	unsigned int i;
	int ret;

	if (argc > 1 && !strcmp(argv[1], "-l")) {
		list_only = true;
	} else if (argc == 4 && !strcmp(argv[1], "hold")) {
		ret = copyoffload_open(&co, COPYOFFLOAD_OPEN_REQUIRE_MODULE);
		if (ret) {
			printf("open=%s\n", err_name(-ret));
			return 1;
		}
		ret = hold(argv[2], argv[3]);
		copyoffload_close(co);
		return ret;
	} else if (argc < 2) {
		fprintf(stderr, "usage: see the comment at the top of lib-jobs-check.c\n");
		return 2;
	} else {
		dir = argv[1];
	}
	result_patterns(argc - 2, argv + 2);
	if (list_only) {
		for (i = 0; i < ARRAY_SIZE(cases); i++)
			if (case_wanted(cases[i].name))
				printf("%s\n", cases[i].name);
		return 0;
	}
	ret = copyoffload_open(&co, COPYOFFLOAD_OPEN_REQUIRE_MODULE);
	if (ret) {
		for (i = 0; i < ARRAY_SIZE(cases); i++)
			if (case_wanted(cases[i].name))
				printf("not ok %s: copyoffload_open: %s\n",
				       cases[i].name, err_name(-ret));
		return 1;
	}
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		if (!case_wanted(cases[i].name))
			continue;
		cases[i].fn();
		result(cases[i].name);
	}
	copyoffload_close(co);
	return result_status();
}
