// SPDX-License-Identifier: GPL-2.0
/*
 * jobs-check: asynchronous jobs of /dev/copyoffload through raw ioctl()s and
 * raw generic netlink (libmnl), not through libcopyoffload: this tests the
 * module.  Prints one result line per case (tests/lib.sh):
 *
 *   ok NAME | not ok NAME: WHY | skip NAME: WHY
 *
 *   jobs-check -d DIR [-e EXT4_DIR] [PATTERN...]
 *	DIR       a directory on xfs on a LUN: the cases' files live here
 *	EXT4_DIR  a directory on ext4 on a LUN (the credentials case)
 *	PATTERN   run only the cases whose name matches (fnmatch)
 *	The module parameter job_step_mib should be small (1) so that jobs
 *	take many steps (set by tests/guest/jobs.sh).
 *
 *   jobs-check hold DIR [SRC]
 *	Submit a slow job (a 64 MiB kernel copy in DIR; with SRC: all of SRC
 *	into DIR/hold-dst by ODX only), print its id, then sleep: for the
 *	cases of the script (kill the submitter, unload, kill in close()).
 *	SIGUSR1 makes it close the device (and wait there for the job).
 *
 *   jobs-check gone ID
 *	Exit 0 when netlink's GET of job ID says ENOENT within 10 s.
 *
 *   jobs-check cancel-slow SRC DST MS
 *	Submit a COPY of all of SRC into DST (created) by ODX only
 *	(OFFLOAD_ODX | NO_FALLBACK) on a target whose commands are delayed,
 *	cancel it after MS ms and WAIT.  Prints key=value (stop, status,
 *	bytes_done, wait_ms); exit 0 when the job stopped cancelled, part-way,
 *	with a true bytes_done (DST's first bytes_done bytes are SRC's: the
 *	caller compares).
 *
 * What the cases assert: every rejection's errno with nothing created; a
 * job's outputs equal a RUN's of the same ranges, byte for byte (request
 * and ranges), and so do the destinations; cancelled jobs stop with a
 * true bytes_done; the per-user limit; each job's events come in order
 * (seq 1, 2, ...), exactly one DONE, last, agreeing with WAIT; another
 * user sees nothing of root's jobs; closing the device cancels.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/copyoffload.h>

#include "result.h"

#define MiB		(1024ULL * 1024)
#define MAX_RANGES	8
#define MAX_JOBS	64

static const char *dir, *ext4_dir;

static void expect(int got, int want, const char *what)
{
	if (got != want)
		whyf("%s: %d (%s), expected %d (%s)", what, got,
		     got < 0 ? strerror(-got) : "ok", want,
		     want < 0 ? strerror(-want) : "ok");
}

static void die(const char *what)
{
	fprintf(stderr, "jobs-check: %s: %s\n", what, strerror(errno));
	exit(2);
}

/*
 * in_child FN ARG NOBODY: FN(ARG) in a child process, as user 65534 when
 * NOBODY; the child's reasons are printed as a comment.  False when the
 * child found something wrong (or died).
 */
static bool in_child(void (*fn)(void *), void *arg, bool nobody)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		if (nobody && (setgid(65534) || setuid(65534)))
			die("setuid");
		fn(arg);
		if (why[0])
			printf("# %s\n", why);
		fflush(stdout);
		_exit(why[0] ? 1 : 0);
	}
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st);
}

static int dev_open(void)
{
	int fd = open(COPYOFFLOAD_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die(COPYOFFLOAD_DEVICE);
	return fd;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------------ */
/* Files */

static char *path(const char *name)
{
	static char buf[8][512];
	static int n;
	char *p = buf[n++ % 8];

	if (name[0] == '/')
		return (char *)name;
	snprintf(p, 512, "%s/%s", dir, name);
	return p;
}

/* LEN pseudo-random bytes from seed SEED at OFF of FD */
static void fill(int fd, uint64_t off, uint64_t len, unsigned int seed)
{
	static uint64_t buf[MiB / 8];
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1, done = 0;
	size_t i, n;

	while (done < len) {
		for (i = 0; i < MiB / 8; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[i] = x;
		}
		n = len - done < MiB ? len - done : MiB;
		if (pwrite(fd, buf, n, off + done) != (ssize_t)n)
			die("pwrite");
		done += n;
	}
}

/* NAME with SIZE pseudo-random bytes, every block written */
static void make_file(const char *name, uint64_t size, unsigned int seed)
{
	int fd = open(path(name), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		die(name);
	fill(fd, 0, size, seed);
	if (fsync(fd))
		die(name);
	close(fd);
}

static int open_rd(const char *name)
{
	int fd = open(path(name), O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die(name);
	return fd;
}

/* an empty destination */
static int open_dst(const char *name)
{
	int fd = open(path(name), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		die(name);
	return fd;
}

/* whether the first LEN bytes of files A and B are equal */
static bool same_prefix(const char *a, const char *b, uint64_t len)
{
	static char ba[MiB], bb[MiB];
	int fa = open_rd(a), fb = open_rd(b);
	uint64_t off = 0;
	bool same = true;
	ssize_t ra, rb;

	while (off < len && same) {
		size_t n = len - off < MiB ? len - off : MiB;

		ra = pread(fa, ba, n, off);
		rb = pread(fb, bb, n, off);
		same = ra == (ssize_t)n && rb == ra && !memcmp(ba, bb, n);
		off += n;
	}
	close(fa);
	close(fb);
	return same;
}

static uint64_t file_size(const char *name)
{
	struct stat st;

	return stat(path(name), &st) ? 0 : st.st_size;
}

/* ------------------------------------------------------------------------ */
/* Requests */

struct job_req {
	struct copyoffload_req req;
	struct copyoffload_range r[MAX_RANGES];
	uint64_t mb[COPYOFFLOAD_METHODS_MAX];
};

static void req_init(struct job_req *j, uint32_t op, uint64_t flags)
{
	memset(j, 0, sizeof(*j));
	j->req.size = sizeof(j->req);
	j->req.op = op;
	j->req.flags = flags;
	j->req.ranges = (uintptr_t)j->r;
	j->req.range_size = sizeof(j->r[0]);
	j->req.method_bytes_ptr = (uintptr_t)j->mb;
	j->req.nr_method_bytes = COPYOFFLOAD_METHODS_MAX;
}

static void req_add(struct job_req *j, int src, int dst, uint64_t soff,
		    uint64_t doff, uint64_t len)
{
	struct copyoffload_range *r = &j->r[j->req.nr_ranges++];

	r->src_fd = src;
	r->dst_fd = dst;
	r->src_off = soff;
	r->dst_off = doff;
	r->len = len;
}

/* the same ranges with other destination descriptors */
static void req_redirect(struct job_req *to, const struct job_req *from,
			 int old_dst, int new_dst)
{
	uint32_t i;

	*to = *from;
	to->req.ranges = (uintptr_t)to->r;
	to->req.method_bytes_ptr = (uintptr_t)to->mb;
	for (i = 0; i < to->req.nr_ranges; i++)
		if (to->r[i].dst_fd == old_dst)
			to->r[i].dst_fd = new_dst;
}

static int run(int fd, struct job_req *j)
{
	return ioctl(fd, COPYOFFLOAD_IOC_RUN, &j->req) ? -errno : 0;
}

/* the job's id, or -errno */
static int submit(int fd, struct job_req *j)
{
	int id = ioctl(fd, COPYOFFLOAD_IOC_SUBMIT, &j->req);

	return id < 0 ? -errno : id;
}

static int wait_job(int fd, int id, struct job_req *j, uint32_t flags)
{
	struct copyoffload_wait w = {
		.size = sizeof(w), .flags = flags, .job_id = id,
		.req = j ? (uintptr_t)&j->req : 0,
	};

	return ioctl(fd, COPYOFFLOAD_IOC_WAIT, &w) ? -errno : 0;
}

static int cancel(int fd, int id)
{
	return ioctl(fd, COPYOFFLOAD_IOC_CANCEL, (unsigned long)id) ? -errno : 0;
}

/* whether the outputs of A and B are equal, else why */
static bool same_outputs(const struct job_req *a, const struct job_req *b)
{
	uint32_t i, m;

	if (a->req.nr_processed != b->req.nr_processed ||
	    a->req.bytes_done != b->req.bytes_done ||
	    a->req.stop != b->req.stop ||
	    a->req.nr_method_bytes != b->req.nr_method_bytes) {
		whyf("request: nr_processed %u/%u bytes_done %llu/%llu stop %u/%u nr_method_bytes %u/%u",
		     a->req.nr_processed, b->req.nr_processed,
		     (unsigned long long)a->req.bytes_done,
		     (unsigned long long)b->req.bytes_done, a->req.stop,
		     b->req.stop, a->req.nr_method_bytes,
		     b->req.nr_method_bytes);
		return false;
	}
	for (m = 0; m < COPYOFFLOAD_METHODS_MAX; m++)
		if (a->mb[m] != b->mb[m] ||
		    (m < 8 && a->req.method_bytes[m] != b->req.method_bytes[m])) {
			whyf("method %u bytes %llu/%llu", m,
			     (unsigned long long)a->mb[m],
			     (unsigned long long)b->mb[m]);
			return false;
		}
	for (i = 0; i < a->req.nr_ranges; i++)
		if (a->r[i].bytes_done != b->r[i].bytes_done ||
		    a->r[i].status != b->r[i].status ||
		    a->r[i].methods != b->r[i].methods) {
			whyf("range %u: bytes_done %llu/%llu status %d/%d methods %#x/%#x",
			     i, (unsigned long long)a->r[i].bytes_done,
			     (unsigned long long)b->r[i].bytes_done,
			     a->r[i].status, b->r[i].status, a->r[i].methods,
			     b->r[i].methods);
			return false;
		}
	return true;
}

/*
 * A as a RUN and B (the same ranges into other destinations) as a job:
 * their outputs must be equal
 */
static void run_and_job(int fd, struct job_req *a, struct job_req *b)
{
	int id;

	expect(run(fd, a), 0, "RUN");
	id = submit(fd, b);
	if (id <= 0)
		whyf("submit: %s", strerror(-id));
	else
		expect(wait_job(fd, id, b, 0), 0, "WAIT");
	if (!why[0])
		same_outputs(a, b);
}

/* a job copying all of SRC into a new DST by ODX only; its id or -errno */
static int odx_job(int fd, const char *src, const char *dst,
		   struct job_req *j, uint64_t *size)
{
	struct stat st;

	if (stat(path(src), &st))
		die(src);
	*size = st.st_size;
	req_init(j, COPYOFFLOAD_OP_COPY,
		 COPYOFFLOAD_F_OFFLOAD_ODX | COPYOFFLOAD_F_NO_FALLBACK);
	req_add(j, open_rd(src), open_dst(dst), 0, 0, st.st_size);
	return submit(fd, j);
}

/* a slow job: LEN bytes of SRC by the kernel copy into a new DST */
static int slow_job(int fd, const char *src, const char *dst, uint64_t len,
		    struct job_req *j)
{
	req_init(j, COPYOFFLOAD_OP_COPY, COPYOFFLOAD_F_OFFLOAD_NONE);
	req_add(j, open_rd(src), open_dst(dst), 0, 0, len);
	return submit(fd, j);
}

static void close_fds(struct job_req *j)
{
	uint32_t i;

	for (i = 0; i < j->req.nr_ranges; i++) {
		close(j->r[i].src_fd);
		if (j->r[i].dst_fd != j->r[i].src_fd)
			close(j->r[i].dst_fd);
	}
}

/* ------------------------------------------------------------------------ */
/* Netlink */

struct nl {
	struct mnl_socket *sk;
	uint16_t family;
	uint32_t seq, portid;
};

struct job_ev {
	uint8_t cmd;
	uint32_t id, seq, state, stop, ranges_done, nr_ranges, uid;
	uint64_t bytes_done, bytes_total;
	int32_t error;
	bool has_error;
	uint32_t nr_out;
	struct copyoffload_range out[MAX_RANGES];
};

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, COPYOFFLOAD_A_MAX) > 0)
		tb[type] = a;
	return MNL_CB_OK;
}

static uint32_t get_u32(const struct nlattr **tb, int t)
{
	return tb[t] ? mnl_attr_get_u32(tb[t]) : 0;
}

static uint64_t get_u64(const struct nlattr **tb, int t)
{
	return tb[t] ? mnl_attr_get_u64(tb[t]) : 0;
}

static void parse_ranges(const struct nlattr *nest, struct job_ev *ev)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		const struct nlattr *tb[COPYOFFLOAD_A_MAX + 1] = {};
		uint32_t i;

		mnl_attr_parse_nested(a, attr_cb, tb);
		i = get_u32(tb, COPYOFFLOAD_A_RANGE_INDEX);
		if (i >= MAX_RANGES)
			continue;
		ev->out[i].bytes_done = get_u64(tb, COPYOFFLOAD_A_RANGE_BYTES_DONE);
		ev->out[i].status = (int32_t)get_u32(tb, COPYOFFLOAD_A_RANGE_STATUS);
		ev->out[i].methods = get_u32(tb, COPYOFFLOAD_A_RANGE_METHODS);
		if (i + 1 > ev->nr_out)
			ev->nr_out = i + 1;
	}
}

static int job_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[COPYOFFLOAD_A_MAX + 1] = {};
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct job_ev *ev, **evp = data;

	ev = (*evp)++;
	memset(ev, 0, sizeof(*ev));
	mnl_attr_parse(nlh, sizeof(*g), attr_cb, tb);
	ev->cmd = g->cmd;
	ev->id = get_u32(tb, COPYOFFLOAD_A_JOB_ID);
	ev->seq = get_u32(tb, COPYOFFLOAD_A_JOB_SEQ);
	ev->state = get_u32(tb, COPYOFFLOAD_A_JOB_STATE);
	ev->stop = get_u32(tb, COPYOFFLOAD_A_JOB_STOP);
	ev->uid = get_u32(tb, COPYOFFLOAD_A_JOB_UID);
	ev->ranges_done = get_u32(tb, COPYOFFLOAD_A_JOB_RANGES_DONE);
	ev->nr_ranges = get_u32(tb, COPYOFFLOAD_A_JOB_NR_RANGES);
	ev->bytes_done = get_u64(tb, COPYOFFLOAD_A_JOB_BYTES_DONE);
	ev->bytes_total = get_u64(tb, COPYOFFLOAD_A_JOB_BYTES_TOTAL);
	ev->has_error = tb[COPYOFFLOAD_A_JOB_ERROR];
	ev->error = (int32_t)get_u32(tb, COPYOFFLOAD_A_JOB_ERROR);
	if (tb[COPYOFFLOAD_A_JOB_RANGES])
		parse_ranges(tb[COPYOFFLOAD_A_JOB_RANGES], ev);
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			*(uint16_t *)data = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static struct nlmsghdr *nl_msg(struct nl *nl, char *buf, uint16_t type,
			       uint16_t flags, uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++nl->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

/* send NLH, run CB on the answers until the ack: 0 or -errno */
static int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		   void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl->sk, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(buf, n, seq, nl->portid, cb, data);
	} while (ret == MNL_CB_OK);
	return ret < 0 ? -errno : 0;
}

static void nl_open(struct nl *nl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	memset(nl, 0, sizeof(*nl));
	nl->sk = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sk || mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink socket");
	nl->portid = mnl_socket_get_portid(nl->sk);
	nlh = nl_msg(nl, buf, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, COPYOFFLOAD_GENL_NAME);
	if (nl_talk(nl, nlh, family_cb, &nl->family) || !nl->family)
		die("resolving the " COPYOFFLOAD_GENL_NAME " family");
}

static void nl_close(struct nl *nl)
{
	mnl_socket_close(nl->sk);
}

/* one command about job ID (0: none); answers to EVS; 0 or -errno */
static int nl_cmd(struct nl *nl, uint8_t cmd, uint16_t flags, int id,
		  bool all, struct job_ev *evs)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct job_ev *p = evs;
	struct nlmsghdr *nlh;

	nlh = nl_msg(nl, buf, nl->family, flags, cmd,
		     COPYOFFLOAD_GENL_VERSION);
	if (id)
		mnl_attr_put_u32(nlh, COPYOFFLOAD_A_JOB_ID, id);
	if (all)
		mnl_attr_put(nlh, COPYOFFLOAD_A_SUBSCRIBE_ALL, 0, NULL);
	return nl_talk(nl, nlh, evs ? job_cb : NULL, &p);
}

/* jobs a dump lists into EVS (room for MAX_JOBS), or -errno */
static int nl_dump(struct nl *nl, struct job_ev *evs)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct job_ev *p = evs;
	struct nlmsghdr *nlh;
	int ret;

	nlh = nl_msg(nl, buf, nl->family, NLM_F_DUMP, COPYOFFLOAD_CMD_JOB_GET,
		     COPYOFFLOAD_GENL_VERSION);
	ret = nl_talk(nl, nlh, job_cb, &p);
	return ret ? ret : (int)(p - evs);
}

/* events into EVS (room for MAX) until the socket is quiet for MS ms or
 * DONE events for NR_DONE jobs came; how many, or -errno
 */
static int nl_events(struct nl *nl, struct job_ev *evs, int max, int ms,
		     int nr_done)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct pollfd pfd = { .fd = mnl_socket_get_fd(nl->sk),
			      .events = POLLIN };
	struct job_ev *p = evs;
	int done = 0, i;
	ssize_t n;

	while (p - evs < max - 1 && (!nr_done || done < nr_done)) {
		if (poll(&pfd, 1, ms) <= 0)
			break;
		n = mnl_socket_recvfrom(nl->sk, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		i = p - evs;
		if (mnl_cb_run(buf, n, 0, nl->portid, job_cb, &p) < 0)
			return -errno;
		for (; i < p - evs; i++)
			done += evs[i].cmd == COPYOFFLOAD_CMD_EVENT_DONE;
	}
	return p - evs;
}

/* ------------------------------------------------------------------------ */
/* Cases */

static int max_jobs(void)
{
	struct copyoffload_info info = { .size = sizeof(info) };
	int fd = dev_open();

	if (ioctl(fd, COPYOFFLOAD_IOC_INFO, &info))
		die("INFO");
	close(fd);
	return info.max_jobs;
}

static void case_info(void)
{
	struct copyoffload_info info = { .size = sizeof(info) };
	int fd = dev_open();

	if (ioctl(fd, COPYOFFLOAD_IOC_INFO, &info))
		whyf("INFO: %s", strerror(errno));
	else if (!(info.features & COPYOFFLOAD_FEAT_JOBS) || !info.max_jobs)
		whyf("features %#llx max_jobs %u",
		     (unsigned long long)info.features, info.max_jobs);
	close(fd);
}

/* the jobs the caller sees through netlink */
static int nr_visible(void)
{
	static struct job_ev evs[MAX_JOBS];
	struct nl nl;
	int n;

	nl_open(&nl);
	n = nl_dump(&nl, evs);
	nl_close(&nl);
	return n;
}

static void case_submit_rejects(void)
{
	struct job_req j;
	int fd = dev_open(), src = open_rd("src"), dst = open_dst("rej");
	int ro = open_rd("rej"), before = nr_visible();
	static struct copyoffload_range many[COPYOFFLOAD_JOB_MAX_RANGES + 1];
	uint32_t i;

	req_init(&j, COPYOFFLOAD_OP_COPY, 0);
	req_add(&j, src, dst, 0, 0, MiB);
	j.req.size = COPYOFFLOAD_REQ_SIZE_VER0;
	expect(submit(fd, &j), -EINVAL, "version 1 size");

	req_init(&j, COPYOFFLOAD_OP_CLONE, 0);
	req_add(&j, src, dst, 0, 0, MiB);
	expect(submit(fd, &j), -EINVAL, "CLONE");

	req_init(&j, COPYOFFLOAD_OP_COPY, 0);
	for (i = 0; i < COPYOFFLOAD_JOB_MAX_RANGES + 1; i++)
		many[i] = (struct copyoffload_range){ .src_fd = src,
			.dst_fd = dst, .src_off = i * 4096ULL,
			.dst_off = i * 4096ULL, .len = 4096 };
	j.req.ranges = (uintptr_t)many;
	j.req.nr_ranges = COPYOFFLOAD_JOB_MAX_RANGES + 1;
	expect(submit(fd, &j), -E2BIG, "too many ranges");

	/* a range the check refuses: RUN's errno, its status, no job */
	req_init(&j, COPYOFFLOAD_OP_COPY, 0);
	req_add(&j, src, dst, 0, 0, MiB);
	req_add(&j, src, ro, 0, 0, MiB);
	expect(submit(fd, &j), -EBADF, "read-only destination");
	if (j.r[1].status != -EBADF ||
	    j.r[0].status != COPYOFFLOAD_STATUS_NOT_RUN)
		whyf("statuses %d %d after EBADF", j.r[0].status,
		     j.r[1].status);

	req_init(&j, COPYOFFLOAD_OP_COPY, COPYOFFLOAD_F_OFFLOAD_NONE);
	req_add(&j, src, dst, 0, 0, MiB);
	j.req.max_bytes = 12345;
	expect(submit(fd, &j), -EINVAL, "unaligned max_bytes");

	if (nr_visible() != before)
		whyf("a refused submission left a job (%d, was %d)",
		     nr_visible(), before);
	if (file_size("rej"))
		whyf("a refused submission wrote the destination");
	close(ro);
	close(dst);
	close(src);
	close(fd);
}

static void case_wait_rejects(void)
{
	struct copyoffload_wait w = { .size = sizeof(w) };
	struct job_req j, k;
	int fd = dev_open(), other = dev_open(), id;

	expect(wait_job(fd, 999999, NULL, 0), -ENOENT, "unknown id");
	expect(cancel(fd, 999999), -ENOENT, "cancel of an unknown id");
	w.size = 8;
	expect(ioctl(fd, COPYOFFLOAD_IOC_WAIT, &w) ? -errno : 0, -EINVAL,
	       "size 8");
	w.size = sizeof(w);
	w.flags = 2;
	expect(ioctl(fd, COPYOFFLOAD_IOC_WAIT, &w) ? -errno : 0, -EINVAL,
	       "unknown flag");
	w.flags = 0;
	w.reserved = 1;
	expect(ioctl(fd, COPYOFFLOAD_IOC_WAIT, &w) ? -errno : 0, -EINVAL,
	       "reserved");

	id = slow_job(fd, "big", "wr-dst", 64 * MiB, &j);
	if (id <= 0) {
		whyf("submit: %s", strerror(-id));
		goto out;
	}
	expect(wait_job(fd, id, &j, COPYOFFLOAD_WAIT_F_NOHANG), -EAGAIN,
	       "NOHANG while it runs");
	expect(wait_job(other, id, &j, 0), -ENOENT, "WAIT through another file");
	expect(cancel(other, id), -ENOENT, "CANCEL through another file");
	/* outputs that cannot be taken keep the job */
	k = j;
	k.req.nr_ranges = 2;
	expect(wait_job(fd, id, &k, 0), -EINVAL, "WAIT with another nr_ranges");
	k = j;
	k.req.ranges = 16;
	expect(wait_job(fd, id, &k, 0), -EFAULT, "WAIT with unwritable ranges");
	expect(wait_job(fd, id, &j, 0), 0, "WAIT after those");
	if (!why[0] && (j.r[0].status || j.r[0].bytes_done != 64 * MiB))
		whyf("status %d bytes_done %llu", j.r[0].status,
		     (unsigned long long)j.r[0].bytes_done);
	expect(wait_job(fd, id, &j, 0), -ENOENT, "WAIT of a reaped job");
	close_fds(&j);
out:
	close(other);
	close(fd);
}

/* RUN into DST1 and a job into DST2 of the same ranges: equal outcomes */
static void equal_case(uint32_t op, uint64_t flags, uint64_t max_bytes)
{
	struct job_req a, b;
	int fd = dev_open(), src = open_rd("src"), hole = open_rd("sparse");
	int d1, d2;
	uint64_t size = file_size("src");

	if (op == COPYOFFLOAD_OP_DEDUPE) {
		/* two copies of src with a byte changed at 5 MiB */
		make_file("eq-d1", size, 1);
		make_file("eq-d2", size, 1);
		d1 = open(path("eq-d1"), O_RDWR | O_CLOEXEC);
		d2 = open(path("eq-d2"), O_RDWR | O_CLOEXEC);
		if (d1 < 0 || d2 < 0 || pwrite(d1, "x", 1, 5 * MiB) != 1 ||
		    pwrite(d2, "x", 1, 5 * MiB) != 1 || fsync(d1) || fsync(d2))
			die("eq-d");
		req_init(&a, op, 0);
		req_add(&a, src, d1, 0, 0, 4 * MiB);
		req_add(&a, src, d1, 4 * MiB, 4 * MiB, 4 * MiB);
		req_add(&a, src, d1, 8 * MiB, 8 * MiB, size - 8 * MiB);
	} else {
		d1 = open_dst("eq-d1");
		d2 = open_dst("eq-d2");
		req_init(&a, op, flags);
		req_add(&a, src, d1, 0, 0, 3 * MiB + 4096);
		req_add(&a, src, d1, 3 * MiB + 4096, 3 * MiB + 4096,
			5 * MiB - 4096);
		req_add(&a, hole, d1, 0, 8 * MiB, 16 * MiB);
		req_add(&a, src, d1, 8 * MiB, 24 * MiB, COPYOFFLOAD_LEN_TO_EOF);
		req_add(&a, src, d1, size - MiB, 40 * MiB, 4 * MiB);
	}
	a.req.max_bytes = max_bytes;
	req_redirect(&b, &a, d1, d2);
	run_and_job(fd, &a, &b);
	if (!why[0] && (file_size("eq-d1") != file_size("eq-d2") ||
			!same_prefix("eq-d1", "eq-d2", file_size("eq-d1"))))
		whyf("destinations differ");
	if (!why[0] && !a.req.bytes_done)
		whyf("nothing was done");
	close(d1);
	close(d2);
	close(hole);
	close(src);
	close(fd);
}

static void case_equal_copy(void)
{
	equal_case(COPYOFFLOAD_OP_COPY, 0, 0);
}

static void case_equal_kernel(void)
{
	equal_case(COPYOFFLOAD_OP_COPY, COPYOFFLOAD_F_OFFLOAD_NONE, 0);
}

static void case_equal_max_bytes(void)
{
	equal_case(COPYOFFLOAD_OP_COPY, COPYOFFLOAD_F_OFFLOAD_NONE, 6 * MiB);
}

static void case_equal_dedupe(void)
{
	equal_case(COPYOFFLOAD_OP_DEDUPE, 0, 0);
}

static void fsize_submitter(void *unused)
{
	struct rlimit rl = { 6 * MiB, 6 * MiB };

	(void)unused;
	signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &rl))
		die("setrlimit");
	equal_case(COPYOFFLOAD_OP_COPY, COPYOFFLOAD_F_OFFLOAD_NONE, 0);
	if (!why[0] && file_size("eq-d2") != 6 * MiB)
		whyf("destination %llu bytes, limit 6 MiB",
		     (unsigned long long)file_size("eq-d2"));
}

/* RLIMIT_FSIZE is the submitter's: EFBIG at it, as for RUN */
static void case_equal_fsize(void)
{
	if (!in_child(fsize_submitter, NULL, false))
		whyf("the submitter with RLIMIT_FSIZE failed (see above)");
}

static void case_limit(void)
{
	struct job_req j[MAX_JOBS];
	int fd = dev_open(), src = open_rd("src"), dst = open_dst("lim");
	int ids[MAX_JOBS], n = 0, max = max_jobs(), id, i;

	if (max >= MAX_JOBS) {
		whyf("max_jobs %d: set it below %d", max, MAX_JOBS);
		goto out;
	}
	for (;;) {
		req_init(&j[n], COPYOFFLOAD_OP_COPY, COPYOFFLOAD_F_OFFLOAD_NONE);
		req_add(&j[n], src, dst, 0, n * 4096ULL, 4096);
		id = submit(fd, &j[n]);
		if (id < 0)
			break;
		ids[n++] = id;
		if (n == MAX_JOBS - 1)
			break;
	}
	if (id != -EAGAIN || n != max)
		whyf("%d jobs then %s, max_jobs %d", n, strerror(-id), max);
	/* finished jobs count until reaped */
	usleep(200 * 1000);
	expect(submit(fd, &j[n]), -EAGAIN, "over the limit after they ended");
	if (n) {
		expect(wait_job(fd, ids[0], &j[0], 0), 0, "WAIT one");
		id = submit(fd, &j[0]);
		if (id <= 0)
			whyf("submit after a WAIT: %s", strerror(-id));
		else
			ids[0] = id;
	}
	for (i = 0; i < n; i++)
		expect(wait_job(fd, ids[i], &j[i], 0), 0, "WAIT");
out:
	close(dst);
	close(src);
	close(fd);
}

/* job ID's range 0 stopped (or ran out) with a true bytes_done */
static void check_prefix(const struct job_req *j, const char *src,
			 const char *dst, uint64_t len)
{
	uint64_t done = j->r[0].bytes_done;

	if (j->req.stop == COPYOFFLOAD_STOP_CANCELLED) {
		/* stopped part-way, or before it started */
		if ((j->r[0].status != COPYOFFLOAD_STATUS_STOPPED ||
		     done >= len) &&
		    (j->r[0].status != COPYOFFLOAD_STATUS_NOT_RUN || done))
			whyf("cancelled: status %d bytes_done %llu",
			     j->r[0].status, (unsigned long long)done);
	} else if (j->r[0].status || done != len) {
		whyf("not cancelled: stop %u status %d bytes_done %llu",
		     j->req.stop, j->r[0].status, (unsigned long long)done);
	}
	if (!why[0] && !same_prefix(src, dst, done))
		whyf("%s differs from the source in its first %llu bytes",
		     dst, (unsigned long long)done);
}

static void case_cancel_half(void)
{
	struct job_req j[6];
	char name[32];
	int fd = dev_open(), ids[6], i, cancelled = 0;
	struct nl nl;

	nl_open(&nl);
	for (i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "half-%d", i);
		ids[i] = slow_job(fd, "big", name, 64 * MiB, &j[i]);
		if (ids[i] <= 0)
			die("submit");
	}
	for (i = 0; i < 6; i += 2)
		expect(i == 4 ? nl_cmd(&nl, COPYOFFLOAD_CMD_JOB_CANCEL, 0,
				       ids[i], false, NULL) :
				cancel(fd, ids[i]), 0, "cancel");
	for (i = 0; i < 6; i++) {
		expect(wait_job(fd, ids[i], &j[i], 0), 0, "WAIT");
		snprintf(name, sizeof(name), "half-%d", i);
		check_prefix(&j[i], "big", name, 64 * MiB);
		if (i % 2 && j[i].req.stop)
			whyf("job %d not cancelled but stop %u", i,
			     j[i].req.stop);
		cancelled += j[i].req.stop == COPYOFFLOAD_STOP_CANCELLED;
		close_fds(&j[i]);
	}
	if (!why[0] && cancelled != 3)
		whyf("%d jobs cancelled of 3 (they finished first?)", cancelled);
	printf("# %d of 3 cancelled jobs stopped part-way\n", cancelled);
	nl_close(&nl);
	close(fd);
}

static void case_events(void)
{
	static struct job_ev evs[4096];
	struct job_req j[3];
	char name[32];
	int fd = dev_open(), ids[3], n, i, k;
	uint32_t seq[3] = {}, done[3] = {}, progress = 0;
	uint64_t last[3] = {};
	struct nl nl;

	nl_open(&nl);
	expect(nl_cmd(&nl, COPYOFFLOAD_CMD_SUBSCRIBE, 0, 0, false, NULL), 0,
	       "SUBSCRIBE");
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "ev-%d", i);
		ids[i] = slow_job(fd, "big", name, (16 << i) * MiB, &j[i]);
		if (ids[i] <= 0)
			die("submit");
	}
	n = nl_events(&nl, evs, 4096, 30000, 3);
	if (n < 0)
		whyf("reading events: %s", strerror(-n));
	for (k = 0; k < n; k++) {
		for (i = 0; i < 3 && evs[k].id != (uint32_t)ids[i]; i++)
			;
		if (i == 3)
			continue;	/* another job's */
		if (evs[k].seq != ++seq[i])
			whyf("job %d: event seq %u after %u", ids[i],
			     evs[k].seq, seq[i] - 1);
		if (done[i])
			whyf("job %d: an event after DONE", ids[i]);
		if (evs[k].bytes_done < last[i])
			whyf("job %d: bytes went back", ids[i]);
		last[i] = evs[k].bytes_done;
		if (evs[k].cmd == COPYOFFLOAD_CMD_EVENT_DONE)
			done[i] = k + 1;
		else
			progress++;
	}
	for (i = 0; i < 3; i++) {
		struct job_ev *d;

		expect(wait_job(fd, ids[i], &j[i], 0), 0, "WAIT");
		if (!done[i]) {
			whyf("job %d: no DONE event", ids[i]);
			continue;
		}
		d = &evs[done[i] - 1];
		if (d->state != COPYOFFLOAD_JOB_DONE ||
		    d->bytes_done != j[i].req.bytes_done ||
		    d->ranges_done != j[i].req.nr_processed ||
		    d->stop != j[i].req.stop || d->nr_out != 1 ||
		    d->out[0].bytes_done != j[i].r[0].bytes_done ||
		    d->out[0].status != j[i].r[0].status ||
		    d->out[0].methods != j[i].r[0].methods ||
		    d->has_error ||
		    d->bytes_total != (16ULL << i) * MiB)
			whyf("job %d: DONE event disagrees with WAIT", ids[i]);
		close_fds(&j[i]);
	}
	if (!why[0] && !progress)
		whyf("no progress event for jobs of 16 to 64 MiB");
	printf("# %d events, %u progress\n", n, progress);
	nl_close(&nl);
	close(fd);
}

/* user 65534 tries to see, cancel and follow root's job *ID */
static void other_user(void *id)
{
	static struct job_ev evs[64];
	int job = *(int *)id, n;
	struct nl nl;

	nl_open(&nl);
	expect(nl_cmd(&nl, COPYOFFLOAD_CMD_JOB_GET, 0, job, false, evs),
	       -ENOENT, "GET of root's job");
	expect(nl_cmd(&nl, COPYOFFLOAD_CMD_JOB_CANCEL, 0, job, false, NULL),
	       -ENOENT, "CANCEL of root's job");
	expect(nl_cmd(&nl, COPYOFFLOAD_CMD_SUBSCRIBE, 0, 0, true, NULL),
	       -EPERM, "SUBSCRIBE to all users'");
	expect(nl_cmd(&nl, COPYOFFLOAD_CMD_SUBSCRIBE, 0, 0, false, NULL), 0,
	       "SUBSCRIBE");
	n = nl_dump(&nl, evs);
	if (n)
		whyf("the dump shows %d jobs", n);
	n = nl_events(&nl, evs, 64, 1500, 0);
	if (n)
		whyf("%d events of root's job", n);
	nl_close(&nl);
}

/* another user sees nothing of root's jobs */
static void case_other_user(void)
{
	struct job_req j;
	int fd = dev_open(), id;

	id = slow_job(fd, "big", "other", 64 * MiB, &j);
	if (id <= 0)
		die("submit");
	if (!in_child(other_user, &id, true))
		whyf("user 65534 saw root's job (see above)");
	expect(wait_job(fd, id, &j, 0), 0, "WAIT");
	if (!why[0] && (j.req.stop || j.r[0].bytes_done != 64 * MiB))
		whyf("the other user's attempts changed the job: stop %u",
		     j.req.stop);
	close_fds(&j);
	close(fd);
}

/* close() cancels: the job is gone and its destination a true prefix */
static void case_close(void)
{
	struct job_req j;
	int fd = dev_open(), id, ret;
	static struct job_ev evs[4];
	struct nl nl;
	double t;

	nl_open(&nl);
	id = slow_job(fd, "big", "closed", 64 * MiB, &j);
	if (id <= 0)
		die("submit");
	usleep(100 * 1000);
	t = now();
	close(fd);
	t = now() - t;
	ret = nl_cmd(&nl, COPYOFFLOAD_CMD_JOB_GET, 0, id, false, evs);
	expect(ret, -ENOENT, "GET after close");
	if (file_size("closed") > 64 * MiB)
		whyf("destination grew past the range");
	printf("# close() took %.0f ms, %llu bytes were copied\n", t * 1e3,
	       (unsigned long long)file_size("closed"));
	if (t > 5)
		whyf("close() took %.1f s", t);
	nl_close(&nl);
	close_fds(&j);
}

/* a job gets the submitter's credentials: an unprivileged user's storage
 * offload on ext4 is refused for want of CAP_SYS_RAWIO as in a RUN
 */
static void creds_user(void *unused)
{
	struct job_req a, b;
	int fd, src, d1, d2;

	(void)unused;
	fd = dev_open();
	src = open_rd("cr-src");
	d1 = open(path("cr-d1"), O_RDWR);
	d2 = open(path("cr-d2"), O_RDWR);
	req_init(&a, COPYOFFLOAD_OP_COPY, 0);
	req_add(&a, src, d1, 0, 0, 8 * MiB);
	req_redirect(&b, &a, d1, d2);
	run_and_job(fd, &a, &b);
	printf("# unprivileged on ext4: RUN methods %#x, job %#x\n",
	       a.r[0].methods, b.r[0].methods);
}

static void case_creds(void)
{
	const char *xfs_dir = dir;

	if (!ext4_dir) {
		whyf("needs -e EXT4_DIR");
		return;
	}
	dir = ext4_dir;
	make_file("cr-src", 8 * MiB, 7);
	make_file("cr-d1", 0, 0);
	make_file("cr-d2", 0, 0);
	chmod(path("cr-d1"), 0666);
	chmod(path("cr-d2"), 0666);
	if (!in_child(creds_user, NULL, true))
		whyf("user 65534's job and RUN differ (see above)");
	if (!why[0] && (!same_prefix("cr-src", "cr-d2", 8 * MiB) ||
			file_size("cr-d2") != 8 * MiB))
		whyf("the job's destination differs from the source");
	dir = xfs_dir;
}

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
	{ "jobs/info", case_info },
	{ "jobs/submit-rejects", case_submit_rejects },
	{ "jobs/wait-rejects", case_wait_rejects },
	{ "jobs/equal/copy", case_equal_copy },
	{ "jobs/equal/kernel-copy", case_equal_kernel },
	{ "jobs/equal/max-bytes", case_equal_max_bytes },
	{ "jobs/equal/dedupe", case_equal_dedupe },
	{ "jobs/equal/rlimit-fsize", case_equal_fsize },
	{ "jobs/limit", case_limit },
	{ "jobs/cancel-half", case_cancel_half },
	{ "jobs/events", case_events },
	{ "jobs/other-user", case_other_user },
	{ "jobs/close-cancels", case_close },
	{ "jobs/credentials", case_creds },
};

static void make_files(void)
{
	int fd;

	make_file("src", 12 * MiB + 12345, 1);
	make_file("big", 64 * MiB, 2);
	/* data, a 4 MiB hole, data, a hole to 16 MiB */
	fd = open(path("sparse"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, 16 * MiB))
		die("sparse");
	fill(fd, 0, 2 * MiB, 3);
	fill(fd, 6 * MiB, 2 * MiB, 4);
	if (fsync(fd))
		die("sparse");
	close(fd);
}

static volatile sig_atomic_t close_now;

static void on_usr1(int sig)
{
	(void)sig;
	close_now = 1;
}

static int cmd_hold(const char *src)
{
	struct job_req j;
	int fd = dev_open(), id;
	uint64_t size;

	signal(SIGUSR1, on_usr1);
	if (src) {
		id = odx_job(fd, src, "hold-dst", &j, &size);
	} else {
		make_file("hold-src", 64 * MiB, 9);
		id = slow_job(fd, "hold-src", "hold-dst", 64 * MiB, &j);
	}
	if (id <= 0) {
		fprintf(stderr, "submit: %s\n", strerror(-id));
		return 1;
	}
	printf("%d\n", id);
	fflush(stdout);
	for (;;) {
		pause();
		if (close_now) {
			close(fd);	/* waits for the job, killably */
			printf("closed\n");
			fflush(stdout);
			close_now = 0;
		}
	}
}

static int cmd_gone(int id)
{
	static struct job_ev evs[4];
	double end = now() + 10;
	struct nl nl;
	int ret;

	nl_open(&nl);
	do {
		ret = nl_cmd(&nl, COPYOFFLOAD_CMD_JOB_GET, 0, id, false, evs);
		if (ret == -ENOENT)
			return 0;
		usleep(50 * 1000);
	} while (now() < end);
	fprintf(stderr, "job %d still there: %s\n", id,
		ret ? strerror(-ret) : "GET answered");
	return 1;
}

static int cmd_cancel_slow(const char *src, const char *dst, int ms)
{
	struct job_req j;
	int fd = dev_open(), id, ret;
	uint64_t size;
	double t;

	dir = "/";
	id = odx_job(fd, src, dst, &j, &size);
	if (id <= 0) {
		fprintf(stderr, "submit: %s\n", strerror(-id));
		return 1;
	}
	usleep(ms * 1000);
	t = now();
	ret = cancel(fd, id);
	if (!ret)
		ret = wait_job(fd, id, &j, 0);
	t = now() - t;
	printf("stop=%u status=%d bytes_done=%llu size=%llu wait_ms=%.0f\n",
	       j.req.stop, j.r[0].status,
	       (unsigned long long)j.r[0].bytes_done,
	       (unsigned long long)size, t * 1e3);
	if (ret) {
		fprintf(stderr, "cancel/wait: %s\n", strerror(-ret));
		return 1;
	}
	return j.req.stop == COPYOFFLOAD_STOP_CANCELLED &&
	       j.r[0].status == COPYOFFLOAD_STATUS_STOPPED &&
	       j.r[0].bytes_done < size ? 0 : 1;
}

int main(int argc, char **argv)
{
	size_t i;
	int opt;

	if (argc == 5 && !strcmp(argv[1], "cancel-slow"))
		return cmd_cancel_slow(argv[2], argv[3], atoi(argv[4]));

	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "hold")) {
		dir = argv[2];
		return cmd_hold(argc == 4 ? argv[3] : NULL);
	}
	if (argc == 3 && !strcmp(argv[1], "gone"))
		return cmd_gone(atoi(argv[2]));
	while ((opt = getopt(argc, argv, "d:e:")) != -1) {
		switch (opt) {
		case 'd':
			dir = optarg;
			break;
		case 'e':
			ext4_dir = optarg;
			break;
		default:
			fprintf(stderr, "usage: jobs-check -d DIR [-e EXT4_DIR] [PATTERN...]\n");
			return 2;
		}
	}
	if (!dir) {
		fprintf(stderr, "jobs-check: -d DIR is needed\n");
		return 2;
	}
	result_patterns(argc - optind, argv + optind);
	make_files();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!case_wanted(cases[i].name))
			continue;
		cases[i].fn();
		result(cases[i].name);
	}
	return result_status();
}
