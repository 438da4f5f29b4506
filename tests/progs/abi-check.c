// SPDX-License-Identifier: GPL-2.0
/*
 * abi-check: bad input to /dev/copyoffload gets a clear error and loses
 * nothing.  Every case is one request through a raw ioctl() (this tests the
 * module, not libcopyoffload) and prints one result line, as tests/lib.sh
 * describes:
 *
 *   ok NAME | not ok NAME: WHY | skip NAME: WHY
 *
 * A case asserts the exact errno and that nothing changed: the files' bytes,
 * sizes, times and extent sharing, the ranges' inputs, and the outputs as
 * <linux/copyoffload.h> says (untouched after a request-level rejection,
 * pre-filled after a per-range one, with nr_processed 0).  Where a system
 * call does the same thing (copy_file_range(2), FICLONERANGE, FIDEDUPERANGE)
 * it is called on the same descriptors after the module's answer is checked,
 * and a different errno is printed as a "# differs:" line (not a failure;
 * the header promises the syscalls' errnos, so it is a finding).
 *
 *   abi-check -x XFS_DIR [-e EXT4_DIR] [-b BLOCKDEV] [-s SWAPFILE] [PATTERN...]
 *	XFS_DIR    a directory on a reflink-capable xfs: most files live here
 *	EXT4_DIR   a directory on another filesystem (cross-filesystem cases,
 *		   EFBIG below ext4's s_maxbytes); without it those cases fail
 *	BLOCKDEV   a block device to pass as a descriptor (never written)
 *	SWAPFILE   a file on XFS_DIR's filesystem prepared with mkswap; the
 *		   program swapon()s it for the swapfile cases and swapoff()s
 *		   it before exiting
 *	PATTERN    run only the cases whose name matches (fnmatch), e.g.
 *		   'abi/range/...' or 'abi/req/op-...' (shell globs)
 *
 *   abi-check -l          list the case names
 *
 *   abi-check sigcopy SRC DST [LEN]
 *	COPY (OFFLOAD_NONE) the first LEN bytes (default: all) of SRC into
 *	DST (created, truncated) while a child sends SIGUSR1, caught by a
 *	handler installed without SA_RESTART, every 20 ms: a signal that is
 *	not fatal must not interrupt the copy.  Prints one key=value line;
 *	exit 0 when all bytes were copied and a signal came during the copy.
 *
 *   abi-check stopcopy signal|MAX_BYTES SRC DST
 *	COPY (OFFLOAD_NONE) all of SRC into DST (created, truncated) with
 *	version 2 requests that stop: for a caught SIGUSR1 sent every 20 ms
 *	(handler without SA_RESTART), or every MAX_BYTES; each stop is
 *	checked (STOPPED range, req.stop, nr_processed 0, bytes_done exact
 *	for MAX_BYTES, the destination's size the bytes done so far) and the
 *	copy resumed from range 0 advanced by its bytes_done.  Exit 0 when
 *	all bytes were copied after at least one stop (MAX_BYTES: exactly
 *	the stops the size makes).  Compare the bytes with cmp.
 *
 *   abi-check sigafter MS SIGNUM PID
 *	After MS milliseconds send signal SIGNUM to PID and measure, through a
 *	pidfd, how long it takes to exit (at most 10 s).  Prints the system
 *	call PID was in and the latency; exit 0 when it exited.
 *
 *   abi-check random BYTES
 *	BYTES pseudo-random bytes on stdout (a test file's contents, made
 *	faster than /dev/urandom manages in a TCG guest).
 *
 * Must run as root (chattr, swapon) with the module loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/copyoffload.h>

#include "result.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define KiB		1024ULL
#define FSIZE		(256 * KiB)	/* every test file */
#define RLEN		(64 * KiB)	/* a valid range's length */
#define NR_FILES	6
#define SENT_BYTES	0xdeadbeefcafef00dULL	/* output sentinels */
#define SENT_STATUS	0x5a5a5a5a
#define SENT_METHODS	0xa5a5a5a5U
#define SENT_NR		0xb0b0b0b0U
#define CLOSED_FD	987		/* checked to be closed */
/*
 * The request flags and methods ABI version 2 defines: every module knows
 * method NVME_COPY; only one with the NVMe Copy engine (FEAT_NVME) takes
 * COPYOFFLOAD_F_OFFLOAD_NVME and DEVINFO_F_SET_NVME.
 */
#define ALL_FLAGS	((1ULL << 6) - 1)
#define NR_METHODS	7

static const char *const op_names[] = { "?", "clone", "dedupe", "copy" };

static int co_fd = -1;
static const char *xfs_dir, *ext4_dir, *blkdev, *swap_path;
static int swap_ro = -1, swap_rw = -1;
static bool swap_active;
static long long xfs_maxbytes, ext4_maxbytes;
static long page_size;
static bool list_only;
static unsigned int case_seq;

/* ------------------------------------------------------------------------ */
/* Results */

/* selected NAME: is the case wanted (and not only listed)? */
static bool selected(const char *name)
{
	if (!case_wanted(name))
		return false;
	if (list_only) {
		printf("%s\n", name);
		return false;
	}
	why[0] = 0;
	return true;
}

static const char *ename(int err)
{
	static char buf[4][24];
	static int slot;
	const char *s;

	if (err == 0)
		return "0";
	switch (err) {	/* kernel-internal: must never reach userspace */
	case 512: return "ERESTARTSYS(kernel-internal)";
	case 513: return "ERESTARTNOINTR(kernel-internal)";
	case 514: return "ERESTARTNOHAND(kernel-internal)";
	case 515: return "ENOIOCTLCMD(kernel-internal)";
	case 516: return "ERESTART_RESTARTBLOCK(kernel-internal)";
	case 524: return "ENOTSUPP(kernel-internal)";
	}
	s = strerrorname_np(err);
	if (s)
		return s;
	slot = (slot + 1) % 4;
	snprintf(buf[slot], sizeof(buf[slot]), "errno %d", err);
	return buf[slot];
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "abi-check: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (swap_active)
		swapoff(swap_path);
	exit(2);
}

/* ------------------------------------------------------------------------ */
/* Files: contents, fingerprints */

static void fill_random(unsigned char *buf, size_t len, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1, w[1];
	size_t i;

	for (i = 0; i < len; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		w[0] = x;
		if (len - i >= 8)
			memcpy(buf + i, w, 8);	/* a fixed size: inlined */
		else
			memcpy(buf + i, w, len - i);
	}
}

static void write_file(const char *path, const unsigned char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		die("create %s: %s", path, strerror(errno));
	if (write(fd, buf, len) != (ssize_t)len || fsync(fd))
		die("write %s: %s", path, strerror(errno));
	close(fd);
}

struct fp {
	bool valid;
	off_t size;
	struct timespec mtime, ctime;
	uint64_t hash;
	bool shared;
};

static bool any_shared(int fd)
{
	union {
		struct fiemap fm;
		char buf[sizeof(struct fiemap) +
			 64 * sizeof(struct fiemap_extent)];
	} u;
	unsigned int i;

	memset(&u, 0, sizeof(u));
	u.fm.fm_length = FIEMAP_MAX_OFFSET;
	u.fm.fm_flags = FIEMAP_FLAG_SYNC;
	u.fm.fm_extent_count = 64;
	if (ioctl(fd, FS_IOC_FIEMAP, &u.fm) < 0)
		return false;
	for (i = 0; i < u.fm.fm_mapped_extents; i++)
		if (u.fm.fm_extents[i].fe_flags & FIEMAP_EXTENT_SHARED)
			return true;
	return false;
}

static void fingerprint(const char *path, struct fp *f)
{
	unsigned char buf[65536];
	struct stat st;
	ssize_t n;
	int fd;

	memset(f, 0, sizeof(*f));
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		die("fingerprint %s: %s", path, strerror(errno));
	f->hash = 0xcbf29ce484222325ULL;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		ssize_t i;

		for (i = 0; i < n; i++)
			f->hash = (f->hash ^ buf[i]) * 0x100000001b3ULL;
	}
	f->shared = any_shared(fd);
	close(fd);
	f->valid = true;
	f->size = st.st_size;
	f->mtime = st.st_mtim;
	f->ctime = st.st_ctim;
}

static bool ts_eq(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/* What changed in PATH since BEFORE, into WHY. */
static void compare_fp(const char *label, const char *path,
		       const struct fp *before)
{
	struct fp now;

	fingerprint(path, &now);
	if (now.size != before->size)
		whyf("%s: size %lld -> %lld", label, (long long)before->size,
		     (long long)now.size);
	if (now.hash != before->hash)
		whyf("%s: bytes changed", label);
	if (!ts_eq(now.mtime, before->mtime))
		whyf("%s: mtime changed", label);
	if (!ts_eq(now.ctime, before->ctime))
		whyf("%s: ctime changed", label);
	if (now.shared != before->shared)
		whyf("%s: extent sharing %d -> %d", label, before->shared,
		     now.shared);
}

/* s_maxbytes of DIR's filesystem: the largest size ftruncate() takes. */
static long long max_file_size(const char *dir)
{
	char path[PATH_MAX];
	long long lo = 0, hi = LLONG_MAX, mid;
	int fd;

	snprintf(path, sizeof(path), "%s/maxbytes-probe", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("create %s: %s", path, strerror(errno));
	if (!ftruncate(fd, LLONG_MAX))
		lo = LLONG_MAX;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2 + 1;
		if (!ftruncate(fd, mid))
			lo = mid;
		else
			hi = mid - 1;
	}
	close(fd);
	unlink(path);
	return lo;
}

/* ------------------------------------------------------------------------ */
/* One case's files and descriptors */

enum { F_A, F_B, F_D, F_E, F_X, F_Y };
static const char *const file_names[NR_FILES] = { "A", "B", "D", "E", "X", "Y" };

struct env {
	char dir[PATH_MAX / 2], xdir[PATH_MAX / 2];
	char path[NR_FILES][PATH_MAX];
	struct fp fp[NR_FILES];
	int fds[32];
	int nr_fds;
	int flagged[4];		/* files with FS_IMMUTABLE_FL/FS_APPEND_FL */
	int nr_flagged;
	int pipe[2];
	int sock[2];
};

static void env_setup(struct env *e)
{
	static unsigned char a[FSIZE], b[FSIZE];
	unsigned int seq = ++case_seq;
	int i;

	memset(e, 0, sizeof(*e));
	e->pipe[0] = e->pipe[1] = e->sock[0] = e->sock[1] = -1;
	snprintf(e->dir, sizeof(e->dir), "%s/case%u", xfs_dir, seq);
	if (mkdir(e->dir, 0755))
		die("mkdir %s: %s", e->dir, strerror(errno));
	fill_random(a, sizeof(a), seq * 2);
	fill_random(b, sizeof(b), seq * 2 + 1);
	for (i = F_A; i <= F_E; i++) {
		snprintf(e->path[i], PATH_MAX, "%s/%s", e->dir, file_names[i]);
		write_file(e->path[i], i == F_B ? b : a, FSIZE);
	}
	if (ext4_dir) {
		snprintf(e->xdir, sizeof(e->xdir), "%s/case%u", ext4_dir, seq);
		if (mkdir(e->xdir, 0755))
			die("mkdir %s: %s", e->xdir, strerror(errno));
		for (i = F_X; i <= F_Y; i++) {
			snprintf(e->path[i], PATH_MAX, "%s/%s", e->xdir,
				 file_names[i]);
			write_file(e->path[i], i == F_X ? a : b, FSIZE);
		}
	}
}

/* Fingerprint every file once the descriptors are open and flagged. */
static void env_fingerprint(struct env *e)
{
	int i;

	for (i = 0; i < NR_FILES; i++)
		if (e->path[i][0])
			fingerprint(e->path[i], &e->fp[i]);
}

static void env_compare(struct env *e)
{
	int i;

	for (i = 0; i < NR_FILES; i++)
		if (e->fp[i].valid)
			compare_fp(file_names[i], e->path[i], &e->fp[i]);
}

static int env_open(struct env *e, int file, int flags)
{
	int fd = open(e->path[file], flags);

	if (fd < 0)
		die("open %s: %s", e->path[file], strerror(errno));
	if (e->nr_fds < (int)ARRAY_SIZE(e->fds))
		e->fds[e->nr_fds++] = fd;
	return fd;
}

static int env_keep(struct env *e, int fd, const char *what)
{
	if (fd < 0)
		die("open %s: %s", what, strerror(errno));
	if (e->nr_fds < (int)ARRAY_SIZE(e->fds))
		e->fds[e->nr_fds++] = fd;
	return fd;
}

static void set_flag(int fd, int flag, bool on)
{
	int attr;

	if (ioctl(fd, FS_IOC_GETFLAGS, &attr))
		die("FS_IOC_GETFLAGS: %s", strerror(errno));
	attr = on ? attr | flag : attr & ~flag;
	if (ioctl(fd, FS_IOC_SETFLAGS, &attr))
		die("FS_IOC_SETFLAGS: %s", strerror(errno));
}

static void env_teardown(struct env *e)
{
	char cmd[PATH_MAX * 2 + 32];
	int i;

	for (i = 0; i < e->nr_flagged; i++) {
		int fd = open(e->path[e->flagged[i]], O_RDONLY);

		if (fd >= 0) {
			set_flag(fd, FS_IMMUTABLE_FL | FS_APPEND_FL, false);
			close(fd);
		}
	}
	for (i = 0; i < e->nr_fds; i++)
		close(e->fds[i]);
	for (i = 0; i < 2; i++) {
		if (e->pipe[i] >= 0)
			close(e->pipe[i]);
		if (e->sock[i] >= 0)
			close(e->sock[i]);
	}
	for (i = 0; i < NR_FILES; i++)
		if (e->path[i][0])
			unlink(e->path[i]);
	rmdir(e->dir);
	if (e->xdir[0] && rmdir(e->xdir)) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->xdir);
		if (system(cmd))
			fprintf(stderr, "abi-check: cannot remove %s\n", e->xdir);
	}
}

/* ------------------------------------------------------------------------ */
/* Requests */

static void range_sentinel(struct copyoffload_range *r)
{
	r->bytes_done = SENT_BYTES;
	r->status = SENT_STATUS;
	r->methods = SENT_METHODS;
}

static void req_sentinel(struct copyoffload_req *q)
{
	unsigned int m;

	q->nr_processed = SENT_NR;
	q->bytes_done = SENT_BYTES;
	for (m = 0; m < ARRAY_SIZE(q->method_bytes); m++)
		q->method_bytes[m] = SENT_BYTES;
}

static bool range_is_sentinel(const struct copyoffload_range *r)
{
	return r->bytes_done == SENT_BYTES && r->status == SENT_STATUS &&
	       r->methods == SENT_METHODS;
}

static bool range_is_prefilled(const struct copyoffload_range *r)
{
	return r->bytes_done == 0 && r->status == COPYOFFLOAD_STATUS_NOT_RUN &&
	       r->methods == 0;
}

static bool req_is_sentinel(const struct copyoffload_req *q)
{
	unsigned int m;

	if (q->nr_processed != SENT_NR || q->bytes_done != SENT_BYTES)
		return false;
	for (m = 0; m < ARRAY_SIZE(q->method_bytes); m++)
		if (q->method_bytes[m] != SENT_BYTES)
			return false;
	return true;
}

static bool req_is_prefilled(const struct copyoffload_req *q)
{
	unsigned int m;

	if (q->nr_processed || q->bytes_done)
		return false;
	for (m = 0; m < ARRAY_SIZE(q->method_bytes); m++)
		if (q->method_bytes[m])
			return false;
	return true;
}

static const char *const range_label[] = { "range 0", "range 1", "range 2" };

static void describe_range(const char *label, const struct copyoffload_range *r)
{
	whyf("%s: status %d (%s) bytes_done %#llx methods %#x", label,
	     r->status, r->status < 0 ? ename(-r->status) : "",
	     (unsigned long long)r->bytes_done, r->methods);
}

static void describe_req(const struct copyoffload_req *q)
{
	whyf("req: nr_processed %#x bytes_done %#llx method_bytes[4] %#llx",
	     q->nr_processed, (unsigned long long)q->bytes_done,
	     (unsigned long long)q->method_bytes[COPYOFFLOAD_METHOD_KERNEL]);
}

/* ret, errno of one RUN */
static int run_req(void *req)
{
	return ioctl(co_fd, COPYOFFLOAD_IOC_RUN, req) < 0 ? errno : 0;
}

static void expect_errno(int got, int want)
{
	if (got != want)
		whyf("errno %s, expected %s", ename(got), ename(want));
}

/* ------------------------------------------------------------------------ */
/* The system calls the module promises to match */

static int sys_copy(int in, uint64_t in_off, int out, uint64_t out_off,
		    uint64_t len)
{
	loff_t a = (loff_t)in_off, b = (loff_t)out_off;

	return copy_file_range(in, &a, out, &b, (size_t)len, 0) < 0 ? errno : 0;
}

static int sys_clone(int in, uint64_t in_off, int out, uint64_t out_off,
		     uint64_t len)
{
	struct file_clone_range fcr = {
		.src_fd = in,
		.src_offset = in_off,
		/* FICLONERANGE's 0 means "to EOF", as our LEN_TO_EOF */
		.src_length = len == COPYOFFLOAD_LEN_TO_EOF ? 0 : len,
		.dest_offset = out_off,
	};

	return ioctl(out, FICLONERANGE, &fcr) < 0 ? errno : 0;
}

static int sys_dedupe(int in, uint64_t in_off, int out, uint64_t out_off,
		      uint64_t len)
{
	union {
		struct file_dedupe_range r;
		char buf[sizeof(struct file_dedupe_range) +
			 sizeof(struct file_dedupe_range_info)];
	} u;

	memset(&u, 0, sizeof(u));
	u.r.src_offset = in_off;
	u.r.src_length = len;
	u.r.dest_count = 1;
	u.r.info[0].dest_fd = out;
	u.r.info[0].dest_offset = out_off;
	if (ioctl(in, FIDEDUPERANGE, &u.r) < 0)
		return errno;
	return u.r.info[0].status < 0 ? -u.r.info[0].status : 0;
}

static int sys_call(uint32_t op, const struct copyoffload_range *r)
{
	switch (op) {
	case COPYOFFLOAD_OP_COPY:
		return sys_copy(r->src_fd, r->src_off, r->dst_fd, r->dst_off,
				r->len);
	case COPYOFFLOAD_OP_CLONE:
		return sys_clone(r->src_fd, r->src_off, r->dst_fd, r->dst_off,
				 r->len);
	default:
		return sys_dedupe(r->src_fd, r->src_off, r->dst_fd, r->dst_off,
				  r->len);
	}
}

static const char *sys_name(uint32_t op)
{
	return op == COPYOFFLOAD_OP_COPY ? "copy_file_range" :
	       op == COPYOFFLOAD_OP_CLONE ? "FICLONERANGE" : "FIDEDUPERANGE";
}

static void compare_sys(const char *name, uint32_t op, int module_err,
			const struct copyoffload_range *r)
{
	int err = sys_call(op, r);

	if (err != module_err)
		printf("# differs: %s: module %s, %s %s\n", name,
		       ename(module_err), sys_name(op), err ? ename(err) :
		       "succeeds");
}

/* ------------------------------------------------------------------------ */
/* Per-range cases */

/* Descriptors a bad range may carry. */
enum fdkind {
	K_DEF,		/* src: A read-only; dst: E read-write */
	K_A_WO, K_A_RW, K_E_RO, K_E_APPEND, K_E_IMMUTABLE, K_E_APPENDONLY,
	K_CLOSED, K_NEG, K_DIR, K_PIPE_R, K_PIPE_W, K_SOCK, K_NULL,
	K_BLK_RO, K_BLK_RW, K_SWAP_RO, K_SWAP_RW, K_X_RO, K_X_RW, K_Y_RW,
	K_A_PATH, K_E_PATH,
};

/* An offset or length: BASE + DELTA. */
enum vbase { V_DEF, V_ZERO, V_SIZE, V_MAXB, V_LLMAX, V_U64MAX };
struct val {
	enum vbase base;
	int64_t delta;
};

struct rcase {
	const char *name;
	enum fdkind src, dst;
	struct val src_off, dst_off, len;
	int err[4];		/* by op; 0: the case does not apply */
};

#define ALL3(e)		{ [COPYOFFLOAD_OP_CLONE] = (e), \
			  [COPYOFFLOAD_OP_DEDUPE] = (e), \
			  [COPYOFFLOAD_OP_COPY] = (e) }
#define ERRS(copy, clone, dedupe) \
			{ [COPYOFFLOAD_OP_CLONE] = (clone), \
			  [COPYOFFLOAD_OP_DEDUPE] = (dedupe), \
			  [COPYOFFLOAD_OP_COPY] = (copy) }
#define V(b, d)		{ V_##b, (d) }

static const struct rcase rcases[] = {
	{ "src-fd-closed", K_CLOSED, K_DEF, {}, {}, {}, ALL3(EBADF) },
	{ "src-fd-negative", K_NEG, K_DEF, {}, {}, {}, ALL3(EBADF) },
	{ "dst-fd-closed", K_DEF, K_CLOSED, {}, {}, {}, ALL3(EBADF) },
	{ "dst-fd-negative", K_DEF, K_NEG, {}, {}, {}, ALL3(EBADF) },
	{ "src-o-path", K_A_PATH, K_DEF, {}, {}, {}, ALL3(EBADF) },
	{ "dst-o-path", K_DEF, K_E_PATH, {}, {}, {}, ALL3(EBADF) },
	{ "src-wronly", K_A_WO, K_DEF, {}, {}, {}, ERRS(EBADF, EBADF, EINVAL) },
	{ "dst-rdonly", K_DEF, K_E_RO, {}, {}, {}, ERRS(EBADF, EBADF, 0) },
	{ "dst-o-append", K_DEF, K_E_APPEND, {}, {}, {}, ERRS(EBADF, EBADF, 0) },
	{ "src-directory", K_DIR, K_DEF, {}, {}, {}, ALL3(EISDIR) },
	{ "dst-directory", K_DEF, K_DIR, {}, {}, {}, ALL3(EISDIR) },
	{ "src-pipe", K_PIPE_R, K_DEF, {}, {}, {}, ALL3(EINVAL) },
	{ "dst-pipe", K_DEF, K_PIPE_W, {}, {}, {}, ALL3(EINVAL) },
	{ "src-socket", K_SOCK, K_DEF, {}, {}, {}, ALL3(EINVAL) },
	{ "dst-socket", K_DEF, K_SOCK, {}, {}, {}, ALL3(EINVAL) },
	{ "src-chardev", K_NULL, K_DEF, {}, {}, {}, ALL3(EINVAL) },
	{ "dst-chardev", K_DEF, K_NULL, {}, {}, {}, ALL3(EINVAL) },
	{ "src-blockdev", K_BLK_RO, K_DEF, {}, {}, {}, ALL3(EINVAL) },
	{ "dst-blockdev", K_DEF, K_BLK_RW, {}, {}, {}, ALL3(EINVAL) },
	{ "dst-immutable", K_DEF, K_E_IMMUTABLE, {}, {}, {}, ALL3(EPERM) },
	{ "dst-append-only", K_DEF, K_E_APPENDONLY, {}, {}, {}, ALL3(EPERM) },
	{ "src-swapfile", K_SWAP_RO, K_DEF, {}, {}, {}, ALL3(ETXTBSY) },
	{ "dst-swapfile", K_DEF, K_SWAP_RW, {}, {}, {}, ALL3(ETXTBSY) },
	{ "same-file-overlap", K_DEF, K_A_RW, {}, V(ZERO, 4096), {},
	  ALL3(EINVAL) },
	{ "zero-length", K_DEF, K_DEF, {}, {}, V(ZERO, 0), ALL3(EINVAL) },
	{ "src-off-len-wrap", K_DEF, K_DEF, V(ZERO, 4096), {},
	  V(U64MAX, -100), ERRS(EOVERFLOW, EINVAL, EINVAL) },
	{ "dst-off-len-wrap", K_DEF, K_DEF, {}, V(U64MAX, -4095), {},
	  ERRS(EOVERFLOW, EINVAL, EINVAL) },
	{ "src-end-past-llong-max", K_DEF, K_DEF, V(LLMAX, -4095), {}, {},
	  ERRS(EOVERFLOW, EINVAL, EINVAL) },
	{ "dst-end-past-llong-max", K_DEF, K_DEF, {}, V(LLMAX, -4095), {},
	  ERRS(EOVERFLOW, EINVAL, EINVAL) },
	{ "dst-off-at-maxbytes-ext4", K_X_RO, K_Y_RW, {}, V(MAXB, 0), {},
	  ERRS(EFBIG, 0, 0) },
	{ "dst-off-past-maxbytes-ext4", K_X_RO, K_Y_RW, {}, V(MAXB, 4096), {},
	  ERRS(EFBIG, 0, 0) },
	{ "dst-off-at-maxbytes-xfs", K_DEF, K_DEF, {}, V(MAXB, 0), {},
	  ERRS(EFBIG, 0, 0) },
	{ "src-off-at-eof", K_DEF, K_DEF, V(SIZE, 0), {}, V(ZERO, 4096),
	  ERRS(0, EINVAL, EINVAL) },
	{ "src-off-past-eof", K_DEF, K_DEF, V(SIZE, 65536), {}, {},
	  ERRS(0, EINVAL, EINVAL) },
	{ "src-end-past-eof", K_DEF, K_DEF, V(SIZE, -4096), {}, {},
	  ERRS(0, EINVAL, EINVAL) },
	{ "len-to-eof-at-eof", K_DEF, K_DEF, V(SIZE, 0), {}, V(U64MAX, 0),
	  ERRS(0, EINVAL, EINVAL) },
	{ "cross-filesystem", K_DEF, K_X_RW, {}, {}, {},
	  ERRS(0, EXDEV, EXDEV) },
	{ "dst-end-past-eof", K_DEF, K_DEF, {}, V(SIZE, -4096), {},
	  ERRS(0, 0, EINVAL) },
	{ "no-reflink-filesystem", K_X_RO, K_Y_RW, {}, {}, {},
	  ERRS(0, EOPNOTSUPP, EOPNOTSUPP) },
};

static bool on_ext4(enum fdkind k)
{
	return k == K_X_RO || k == K_X_RW || k == K_Y_RW;
}

static uint64_t resolve(struct val v, bool is_len, enum fdkind dst)
{
	uint64_t base = 0;

	switch (v.base) {
	case V_DEF:
		return is_len ? RLEN : 0;
	case V_ZERO:
		break;
	case V_SIZE:
		base = FSIZE;
		break;
	case V_MAXB:
		base = on_ext4(dst) ? ext4_maxbytes : xfs_maxbytes;
		break;
	case V_LLMAX:
		base = LLONG_MAX;
		break;
	case V_U64MAX:
		base = UINT64_MAX;
		break;
	}
	return base + (uint64_t)v.delta;
}

static int open_kind(struct env *e, enum fdkind k, bool is_src)
{
	int fd, sv[2];

	switch (k) {
	case K_DEF:
		return is_src ? env_open(e, F_A, O_RDONLY) :
				env_open(e, F_E, O_RDWR);
	case K_A_WO:
		return env_open(e, F_A, O_WRONLY);
	case K_A_RW:
		return env_open(e, F_A, O_RDWR);
	case K_E_RO:
		return env_open(e, F_E, O_RDONLY);
	case K_E_APPEND:
		return env_open(e, F_E, O_WRONLY | O_APPEND);
	case K_E_IMMUTABLE:
	case K_E_APPENDONLY:
		fd = env_open(e, F_E, O_RDWR);
		set_flag(fd, k == K_E_IMMUTABLE ? FS_IMMUTABLE_FL :
			 FS_APPEND_FL, true);
		e->flagged[e->nr_flagged++] = F_E;
		return fd;
	case K_CLOSED:
		if (fcntl(CLOSED_FD, F_GETFD) != -1)
			die("descriptor %d is open", CLOSED_FD);
		return CLOSED_FD;
	case K_NEG:
		return -1;
	case K_DIR:
		return env_keep(e, open(e->dir, O_RDONLY | O_DIRECTORY), e->dir);
	case K_PIPE_R:
	case K_PIPE_W:
		if (pipe(e->pipe))
			die("pipe: %s", strerror(errno));
		return e->pipe[k == K_PIPE_R ? 0 : 1];
	case K_SOCK:
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			die("socketpair: %s", strerror(errno));
		e->sock[0] = sv[0];
		e->sock[1] = sv[1];
		return sv[0];
	case K_NULL:
		return env_keep(e, open("/dev/null", O_RDWR), "/dev/null");
	case K_BLK_RO:
		return env_keep(e, open(blkdev, O_RDONLY), blkdev);
	case K_BLK_RW:
		return env_keep(e, open(blkdev, O_RDWR), blkdev);
	case K_SWAP_RO:
		return swap_ro;
	case K_SWAP_RW:
		return swap_rw;
	case K_X_RO:
		return env_open(e, F_X, O_RDONLY);
	case K_X_RW:
		return env_open(e, F_X, O_RDWR);
	case K_Y_RW:
		return env_open(e, F_Y, O_RDWR);
	case K_A_PATH:
		return env_open(e, F_A, O_PATH);
	case K_E_PATH:
		return env_open(e, F_E, O_PATH);
	}
	return -1;
}

/* What a case needs that the command line may not have given. */
static const char *missing(const struct rcase *c)
{
	if ((on_ext4(c->src) || on_ext4(c->dst)) && !ext4_dir)
		return "no -e EXT4_DIR";
	if ((c->src == K_BLK_RO || c->dst == K_BLK_RW) && !blkdev)
		return "no -b BLOCKDEV";
	if ((c->src == K_SWAP_RO || c->dst == K_SWAP_RW) && !swap_active)
		return "no active swapfile (-s)";
	return NULL;
}

static void run_rcase(const struct rcase *c, uint32_t op)
{
	struct copyoffload_range r[3], saved[3];
	struct copyoffload_req q;
	char name[128];
	struct env e;
	int dst0, err, want = c->err[op], i;
	const char *miss;

	snprintf(name, sizeof(name), "abi/range/%s/%s", c->name, op_names[op]);
	if (!selected(name))
		return;
	miss = missing(c);
	if (miss) {
		whyf("%s", miss);
		result(name);
		return;
	}
	env_setup(&e);

	/* Ranges 0 and 2 are valid, range 1 is the bad one. */
	memset(r, 0, sizeof(r));
	dst0 = env_open(&e, op == COPYOFFLOAD_OP_DEDUPE ? F_D : F_B, O_RDWR);
	r[0].src_fd = r[2].src_fd = env_open(&e, F_A, O_RDONLY);
	r[0].dst_fd = r[2].dst_fd = dst0;
	r[0].len = r[2].len = RLEN;
	r[2].src_off = r[2].dst_off = 128 * KiB;
	r[1].src_fd = open_kind(&e, c->src, true);
	r[1].dst_fd = open_kind(&e, c->dst, false);
	r[1].src_off = resolve(c->src_off, false, c->dst);
	r[1].dst_off = resolve(c->dst_off, false, c->dst);
	r[1].len = resolve(c->len, true, c->dst);
	for (i = 0; i < 3; i++)
		range_sentinel(&r[i]);
	memcpy(saved, r, sizeof(r));

	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.op = op;
	q.ranges = (uintptr_t)r;
	q.nr_ranges = 3;
	q.range_size = sizeof(r[0]);
	req_sentinel(&q);

	env_fingerprint(&e);
	err = run_req(&q);
	expect_errno(err, want);
	if (r[1].status != -want || r[1].bytes_done || r[1].methods)
		describe_range("range 1", &r[1]);
	if (!range_is_prefilled(&r[0]))
		describe_range("range 0", &r[0]);
	if (!range_is_prefilled(&r[2]))
		describe_range("range 2", &r[2]);
	if (!req_is_prefilled(&q))
		describe_req(&q);
	for (i = 0; i < 3; i++)
		if (r[i].src_fd != saved[i].src_fd ||
		    r[i].dst_fd != saved[i].dst_fd ||
		    r[i].src_off != saved[i].src_off ||
		    r[i].dst_off != saved[i].dst_off ||
		    r[i].len != saved[i].len)
			whyf("range %d: inputs changed", i);
	env_compare(&e);
	result(name);

	compare_sys(name, op, err, &saved[1]);
	env_teardown(&e);
}

/*
 * The three valid ranges of the per-range cases, worked: they must do what
 * they say, or "would have been valid" means nothing.
 */
static void run_control(uint32_t op)
{
	struct copyoffload_range r[3];
	struct copyoffload_req q;
	char name[128];
	struct env e;
	int err, i;
	int32_t want = op == COPYOFFLOAD_OP_DEDUPE ? COPYOFFLOAD_STATUS_SAME :
			COPYOFFLOAD_STATUS_OK;

	snprintf(name, sizeof(name), "abi/range/control-valid/%s",
		 op_names[op]);
	if (!selected(name))
		return;
	env_setup(&e);
	memset(r, 0, sizeof(r));
	for (i = 0; i < 3; i++) {
		r[i].src_fd = env_open(&e, F_A, O_RDONLY);
		r[i].len = RLEN;
		range_sentinel(&r[i]);
	}
	r[0].dst_fd = r[2].dst_fd =
		env_open(&e, op == COPYOFFLOAD_OP_DEDUPE ? F_D : F_B, O_RDWR);
	r[1].dst_fd = env_open(&e, F_E, O_RDWR);
	r[2].src_off = r[2].dst_off = 128 * KiB;
	if (op != COPYOFFLOAD_OP_DEDUPE)	/* E is a copy of A */
		r[1].src_off = 64 * KiB;
	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.op = op;
	q.ranges = (uintptr_t)r;
	q.nr_ranges = 3;
	q.range_size = sizeof(r[0]);
	err = run_req(&q);
	expect_errno(err, 0);
	for (i = 0; i < 3; i++)
		if (r[i].status != want || r[i].bytes_done != RLEN)
			describe_range(range_label[i], &r[i]);
	if (q.nr_processed != 3 || q.bytes_done != 3 * RLEN)
		describe_req(&q);
	if (op != COPYOFFLOAD_OP_COPY && !any_shared(r[0].dst_fd))
		whyf("no shared extent in the destination");
	result(name);
	env_teardown(&e);
}

/* COPY starting past the source's EOF: done, nothing to do (as the syscall). */
static void run_copy_past_eof(void)
{
	static const uint64_t offs[] = { FSIZE, FSIZE + 64 * KiB };
	const char *name;
	unsigned int k;

	for (k = 0; k < ARRAY_SIZE(offs); k++) {
		struct copyoffload_range r = {};
		struct copyoffload_req q = {};
		struct env e;
		int err;

		name = k ? "abi/range/copy-past-eof-accepted" :
			   "abi/range/copy-at-eof-accepted";
		if (!selected(name))
			continue;
		env_setup(&e);
		r.src_fd = env_open(&e, F_A, O_RDONLY);
		r.dst_fd = env_open(&e, F_B, O_RDWR);
		r.src_off = offs[k];
		r.len = RLEN;
		range_sentinel(&r);
		q.size = sizeof(q);
		q.op = COPYOFFLOAD_OP_COPY;
		q.ranges = (uintptr_t)&r;
		q.nr_ranges = 1;
		q.range_size = sizeof(r);
		req_sentinel(&q);
		env_fingerprint(&e);
		err = run_req(&q);
		expect_errno(err, 0);
		if (r.status != COPYOFFLOAD_STATUS_OK || r.bytes_done ||
		    r.methods)
			describe_range("range", &r);
		if (q.nr_processed != 1 || q.bytes_done)
			describe_req(&q);
		env_compare(&e);
		result(name);
		r.len = RLEN;
		compare_sys(name, COPYOFFLOAD_OP_COPY, err, &r);
		env_teardown(&e);
	}
}

static void run_range_cases(void)
{
	uint32_t op;
	unsigned int i;

	for (op = COPYOFFLOAD_OP_CLONE; op <= COPYOFFLOAD_OP_COPY; op++)
		run_control(op);
	for (i = 0; i < ARRAY_SIZE(rcases); i++)
		for (op = COPYOFFLOAD_OP_CLONE; op <= COPYOFFLOAD_OP_COPY; op++)
			if (rcases[i].err[op])
				run_rcase(&rcases[i], op);
	run_copy_past_eof();
}

/* ------------------------------------------------------------------------ */
/* Request-level cases */

/* Where the request and its range array live. */
enum layout {
	L_NORMAL,
	L_REQ_BIG,		/* req.size REQ_BIG, the tail as TAIL says */
	L_METHODS,		/* method_bytes_ptr: 32 sentinels, nr 6 */
	L_METHODS_UNMAPPED,	/* method_bytes_ptr: an unmapped address */
	L_STRIDE56,		/* range_size 56, range 1's tail as TAIL says */
	L_STRIDE4096,		/* range_size 4096, zero tails */
	L_RANGES_NULL,
	L_RANGES_UNMAPPED,
	L_RANGES_LAST_UNMAPPED,	/* range 2 starts on an unmapped page */
	L_RANGES_LAST_STRADDLES,	/* range 2 ends on an unmapped page */
	L_RANGES_RDONLY,	/* the array mapped PROT_READ */
	L_REQ_NULL,
	L_REQ_UNMAPPED,
	L_REQ_RDONLY,		/* the request mapped PROT_READ */
};

struct setf {
	unsigned short off, width;	/* width 0: unused */
	uint64_t value;
};

struct qcase {
	const char *name;
	int expect;		/* errno, 0: accepted */
	enum layout layout;
	bool tail;		/* a non-zero byte in the tail */
	struct setf set[2];
};

#define SET(f, v)	{ offsetof(struct copyoffload_req, f), \
			  sizeof(((struct copyoffload_req *)0)->f), (v) }
#define F_(x)		COPYOFFLOAD_F_##x

static const struct qcase qcases[] = {
	{ "req-size-0", EINVAL, L_NORMAL, false, { SET(size, 0) } },
	{ "req-size-below-ver0", EINVAL, L_NORMAL, false,
	  { SET(size, COPYOFFLOAD_REQ_SIZE_VER0 - 8) } },
	{ "req-size-larger-nonzero-tail", E2BIG, L_REQ_BIG, true, {} },
	{ "req-size-ver0-accepted", 0, L_NORMAL, false,
	  { SET(size, COPYOFFLOAD_REQ_SIZE_VER0) } },
	/* between the versions: the part of version 2 it holds must be 0 */
	{ "req-size-between-versions-zero-accepted", 0, L_NORMAL, false,
	  { SET(size, COPYOFFLOAD_REQ_SIZE_VER0 + 16) } },
	{ "req-size-between-versions-method-ptr", EINVAL, L_NORMAL, false,
	  { SET(size, COPYOFFLOAD_REQ_SIZE_VER0 + 8),
	    SET(method_bytes_ptr, 4096) } },
	{ "method-bytes-ptr-without-nr", EINVAL, L_NORMAL, false,
	  { SET(method_bytes_ptr, 4096) } },
	{ "method-bytes-nr-without-ptr", EINVAL, L_NORMAL, false,
	  { SET(nr_method_bytes, 6) } },
	{ "method-bytes-nr-33", EINVAL, L_METHODS, false,
	  { SET(nr_method_bytes, COPYOFFLOAD_METHODS_MAX + 1) } },
	{ "method-bytes-nr-0xffffffff", EINVAL, L_METHODS, false,
	  { SET(nr_method_bytes, 0xffffffff) } },
	{ "method-bytes-unmapped", EFAULT, L_METHODS_UNMAPPED, false, {} },
	{ "method-bytes-nr-1-accepted", 0, L_METHODS, false,
	  { SET(nr_method_bytes, 1) } },
	{ "method-bytes-nr-32-accepted", 0, L_METHODS, false,
	  { SET(nr_method_bytes, COPYOFFLOAD_METHODS_MAX) } },
	{ "max-bytes-unaligned", EINVAL, L_NORMAL, false,
	  { SET(max_bytes, COPYOFFLOAD_MAX_BYTES_ALIGN + 4096) } },
	{ "max-bytes-4k", EINVAL, L_NORMAL, false, { SET(max_bytes, 4096) } },
	{ "max-bytes-on-clone", EINVAL, L_NORMAL, false,
	  { SET(op, COPYOFFLOAD_OP_CLONE),
	    SET(max_bytes, COPYOFFLOAD_MAX_BYTES_ALIGN) } },
	{ "max-bytes-above-request-accepted", 0, L_NORMAL, false,
	  { SET(max_bytes, COPYOFFLOAD_MAX_BYTES_ALIGN) } },
	{ "req-size-larger-zero-tail-accepted", 0, L_REQ_BIG, false, {} },
	/* no request is larger than a page (as openat2 and clone3) */
	{ "req-size-page-plus-8", E2BIG, L_NORMAL, false, { SET(size, 4104) } },
	{ "req-size-0xffffffff", E2BIG, L_NORMAL, false,
	  { SET(size, 0xffffffff) } },
	{ "op-0", EINVAL, L_NORMAL, false, { SET(op, 0) } },
	{ "op-4", EINVAL, L_NORMAL, false, { SET(op, 4) } },
	{ "op-0xffffffff", EINVAL, L_NORMAL, false, { SET(op, 0xffffffff) } },
	{ "flag-unknown-bit7", EINVAL, L_NORMAL, false, { SET(flags, 1ULL << 7) } },
	{ "flag-unknown-bit63", EINVAL, L_NORMAL, false,
	  { SET(flags, 1ULL << 63) } },
	{ "flag-unknown-with-valid", EINVAL, L_NORMAL, false,
	  { SET(flags, F_(ALLOW_SHARE) | (1ULL << 40)) } },
#define OPFLAG(o, f) { "flag-" #f "-on-" #o, EINVAL, L_NORMAL, false, \
	  { SET(op, COPYOFFLOAD_OP_##o), SET(flags, F_(f)) } }
	OPFLAG(CLONE, ALLOW_SHARE), OPFLAG(CLONE, REQUIRE_SHARE),
	OPFLAG(CLONE, NO_FALLBACK), OPFLAG(CLONE, OFFLOAD_XCOPY),
	OPFLAG(CLONE, OFFLOAD_ODX), OPFLAG(CLONE, OFFLOAD_NONE),
	OPFLAG(DEDUPE, ALLOW_SHARE), OPFLAG(DEDUPE, REQUIRE_SHARE),
	OPFLAG(DEDUPE, NO_FALLBACK), OPFLAG(DEDUPE, OFFLOAD_XCOPY),
	OPFLAG(DEDUPE, OFFLOAD_ODX), OPFLAG(DEDUPE, OFFLOAD_NONE),
	OPFLAG(CLONE, OFFLOAD_NVME), OPFLAG(DEDUPE, OFFLOAD_NVME),
#undef OPFLAG
	{ "flags-xcopy-nvme", EINVAL, L_NORMAL, false,
	  { SET(flags, F_(OFFLOAD_XCOPY) | F_(OFFLOAD_NVME)) } },
	{ "flags-xcopy-odx", EINVAL, L_NORMAL, false,
	  { SET(flags, F_(OFFLOAD_XCOPY) | F_(OFFLOAD_ODX)) } },
	{ "flags-xcopy-none", EINVAL, L_NORMAL, false,
	  { SET(flags, F_(OFFLOAD_XCOPY) | F_(OFFLOAD_NONE)) } },
	{ "flags-odx-none", EINVAL, L_NORMAL, false,
	  { SET(flags, F_(OFFLOAD_ODX) | F_(OFFLOAD_NONE)) } },
	{ "flags-all-offload", EINVAL, L_NORMAL, false,
	  { SET(flags, F_(OFFLOAD_MASK)) } },
	{ "flags-require-share-xcopy", EINVAL, L_NORMAL, false,
	  { SET(flags, F_(REQUIRE_SHARE) | F_(OFFLOAD_XCOPY)) } },
	{ "flags-require-share-odx", EINVAL, L_NORMAL, false,
	  { SET(flags, F_(REQUIRE_SHARE) | F_(OFFLOAD_ODX)) } },
	{ "flags-require-share-none", EINVAL, L_NORMAL, false,
	  { SET(flags, F_(REQUIRE_SHARE) | F_(OFFLOAD_NONE)) } },
	{ "flags-valid-combination-accepted", 0, L_NORMAL, false,
	  { SET(flags, F_(ALLOW_SHARE) | F_(NO_FALLBACK) | F_(OFFLOAD_NONE)) } },
	{ "reserved-nonzero", EINVAL, L_NORMAL, false, { SET(reserved, 1) } },
	{ "reserved-high-bit", EINVAL, L_NORMAL, false,
	  { SET(reserved, 0x80000000) } },
	{ "nr-ranges-0", EINVAL, L_NORMAL, false, { SET(nr_ranges, 0) } },
	{ "nr-ranges-max-plus-1", E2BIG, L_NORMAL, false,
	  { SET(nr_ranges, COPYOFFLOAD_MAX_RANGES + 1) } },
	{ "nr-ranges-0xffffffff", E2BIG, L_NORMAL, false,
	  { SET(nr_ranges, 0xffffffff) } },
	{ "range-size-0", EINVAL, L_NORMAL, false, { SET(range_size, 0) } },
	{ "range-size-40", EINVAL, L_NORMAL, false, { SET(range_size, 40) } },
	{ "range-size-52", EINVAL, L_NORMAL, false, { SET(range_size, 52) } },
	{ "range-size-4097", EINVAL, L_NORMAL, false,
	  { SET(range_size, 4097) } },
	{ "range-size-4104", E2BIG, L_NORMAL, false,
	  { SET(range_size, 4104) } },
	{ "range-size-56-nonzero-tail", E2BIG, L_STRIDE56, true, {} },
	{ "range-size-56-zero-tail-accepted", 0, L_STRIDE56, false, {} },
	{ "range-size-4096-zero-tail-accepted", 0, L_STRIDE4096, false, {} },
	{ "ranges-null", EFAULT, L_RANGES_NULL, false, {} },
	{ "ranges-unmapped", EFAULT, L_RANGES_UNMAPPED, false, {} },
	{ "ranges-last-unmapped", EFAULT, L_RANGES_LAST_UNMAPPED, false, {} },
	{ "ranges-last-straddles-unmapped", EFAULT, L_RANGES_LAST_STRADDLES,
	  false, {} },
	{ "ranges-read-only", EFAULT, L_RANGES_RDONLY, false, {} },
	{ "req-null", EFAULT, L_REQ_NULL, false, {} },
	{ "req-unmapped", EFAULT, L_REQ_UNMAPPED, false, {} },
	{ "req-read-only", EFAULT, L_REQ_RDONLY, false, {} },
};

static void set_field(void *base, const struct setf *s)
{
	uint8_t v8 = s->value;
	uint32_t v32 = s->value;
	uint64_t v64 = s->value;
	char *p = (char *)base + s->off;

	switch (s->width) {
	case 1:
		memcpy(p, &v8, 1);
		break;
	case 4:
		memcpy(p, &v32, 4);
		break;
	case 8:
		memcpy(p, &v64, 8);
		break;
	}
}

static void *map_pages(size_t n)
{
	void *p = mmap(NULL, n * page_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	memset(p, 0, n * page_size);
	return p;
}

/* The three valid COPY ranges of a request case: A to B, 4 KiB aligned. */
static const struct { uint64_t src_off, dst_off, len; } qr[3] = {
	{ 0, 0, 64 * KiB },
	{ 64 * KiB, 128 * KiB, 32 * KiB },
	{ 192 * KiB, 64 * KiB, 16 * KiB },
};

/* A request larger than any the module knows. */
#define REQ_BIG		(sizeof(struct copyoffload_req) + 16)

static bool stage1(const struct qcase *c)
{
	return c->layout == L_NORMAL || c->layout == L_REQ_BIG ||
	       c->layout == L_METHODS;
}

/*
 * The caller's method array after an accepted request: as many entries as
 * both know hold the bytes per method (summing to bytes_done), the rest
 * are untouched.  After a rejected one, all untouched.
 */
static void check_methods(const struct copyoffload_req *q, const uint64_t *mb,
			  uint32_t nr, bool accepted)
{
	uint64_t sum = 0;
	uint32_t m, known = accepted ? (nr < NR_METHODS ? nr : NR_METHODS) : 0;

	for (m = 0; m < known; m++)
		sum += mb[m];
	for (m = known; m < COPYOFFLOAD_METHODS_MAX; m++)
		if (mb[m] != SENT_BYTES) {
			whyf("method_bytes_ptr[%u] written", m);
			return;
		}
	if (!accepted)
		return;
	/* never more than the caller's: a reused request cannot overrun */
	if (q->nr_method_bytes != known)
		whyf("nr_method_bytes %u, expected %u", q->nr_method_bytes,
		     known);
	if (nr >= NR_METHODS && sum != q->bytes_done)
		whyf("method bytes sum to %llu, bytes_done %llu",
		     (unsigned long long)sum,
		     (unsigned long long)q->bytes_done);
}

static void run_qcase(const struct qcase *c)
{
	char name[128];
	struct env e;
	void *mem, *qmem, *rmem;
	struct copyoffload_req *q;
	struct copyoffload_range *rp[3];
	size_t stride = sizeof(struct copyoffload_range), req_bytes;
	uint64_t *mb;
	uint32_t mb_nr;
	int fa, fb, err, i, mapped = 3;
	bool readable = true;
	unsigned char b[FSIZE], a[FSIZE];

	snprintf(name, sizeof(name), "abi/req/%s", c->name);
	if (!selected(name))
		return;
	env_setup(&e);
	fa = env_open(&e, F_A, O_RDONLY);
	fb = env_open(&e, F_B, O_RDWR);

	/* Page 0: the request; pages 2-3: the ranges (4096-byte stride). */
	mem = map_pages(5);
	qmem = mem;
	rmem = (char *)mem + 2 * page_size;
	if (c->layout == L_STRIDE56)
		stride = 56;
	else if (c->layout == L_STRIDE4096)
		stride = 4096;
	else if (c->layout == L_RANGES_LAST_UNMAPPED)
		rmem = (char *)mem + 3 * page_size - 2 * stride;
	else if (c->layout == L_RANGES_LAST_STRADDLES)
		rmem = (char *)mem + 3 * page_size - 2 * stride - stride / 2;
	for (i = 0; i < 3; i++) {
		rp[i] = (struct copyoffload_range *)((char *)rmem + i * stride);
		if ((c->layout == L_RANGES_LAST_UNMAPPED ||
		     c->layout == L_RANGES_LAST_STRADDLES) && i == 2)
			break;
		rp[i]->src_fd = fa;
		rp[i]->dst_fd = fb;
		rp[i]->src_off = qr[i].src_off;
		rp[i]->dst_off = qr[i].dst_off;
		rp[i]->len = qr[i].len;
		range_sentinel(rp[i]);
	}
	if (c->layout == L_RANGES_LAST_STRADDLES) {
		/* range 2's first half (its inputs) is mapped and valid */
		rp[2]->src_fd = fa;
		rp[2]->dst_fd = fb;
		rp[2]->src_off = qr[2].src_off;
		rp[2]->dst_off = qr[2].dst_off;
	}
	if (c->layout == L_STRIDE56 && c->tail)
		((unsigned char *)rp[1])[50] = 1;

	q = qmem;
	req_bytes = c->layout == L_REQ_BIG ? REQ_BIG : sizeof(*q);
	q->size = req_bytes;
	q->op = COPYOFFLOAD_OP_COPY;
	q->ranges = (uintptr_t)rmem;
	q->nr_ranges = 3;
	q->range_size = stride;
	req_sentinel(q);
	if (c->layout == L_REQ_BIG && c->tail)
		((unsigned char *)q)[REQ_BIG - 1] = 1;
	/* page 1: the method array */
	mb = (uint64_t *)((char *)mem + page_size);
	for (i = 0; i < COPYOFFLOAD_METHODS_MAX; i++)
		mb[i] = SENT_BYTES;
	if (c->layout == L_METHODS || c->layout == L_METHODS_UNMAPPED) {
		q->method_bytes_ptr = c->layout == L_METHODS ?
				      (uintptr_t)mb : 8;
		q->nr_method_bytes = NR_METHODS;
	}
	for (i = 0; i < 2; i++)
		if (c->set[i].width)
			set_field(q, &c->set[i]);
	mb_nr = q->nr_method_bytes;

	switch (c->layout) {
	case L_RANGES_NULL:
		q->ranges = 0;
		mapped = 0;
		break;
	case L_RANGES_UNMAPPED:
		munmap(rmem, 2 * page_size);
		mapped = 0;
		break;
	case L_RANGES_LAST_UNMAPPED:
	case L_RANGES_LAST_STRADDLES:
		munmap((char *)mem + 3 * page_size, page_size);
		mapped = 2;
		break;
	case L_RANGES_RDONLY:
		if (mprotect(rmem, 2 * page_size, PROT_READ))
			die("mprotect: %s", strerror(errno));
		break;
	case L_REQ_RDONLY:
		if (mprotect(qmem, page_size, PROT_READ))
			die("mprotect: %s", strerror(errno));
		break;
	case L_REQ_NULL:
		readable = false;
		qmem = NULL;
		break;
	case L_REQ_UNMAPPED:
		munmap(mem, page_size);
		readable = false;
		break;
	default:
		break;
	}

	env_fingerprint(&e);
	err = run_req(qmem);
	expect_errno(err, c->expect);

	if (!c->expect) {
		/* Accepted: every range copied, outputs at the right stride. */
		if (q->nr_processed != 3 || q->bytes_done != 112 * KiB)
			describe_req(q);
		if (q->size >= COPYOFFLOAD_REQ_SIZE_VER1 && q->stop)
			whyf("stop %u after a whole request", q->stop);
		if (c->layout == L_METHODS)
			check_methods(q, mb, mb_nr, true);
		if (pread(fa, a, FSIZE, 0) != FSIZE ||
		    pread(fb, b, FSIZE, 0) != FSIZE)
			die("read back: %s", strerror(errno));
		for (i = 0; i < 3; i++) {
			if (rp[i]->status || rp[i]->bytes_done != qr[i].len)
				describe_range(range_label[i], rp[i]);
			if (memcmp(a + qr[i].src_off, b + qr[i].dst_off,
				   qr[i].len))
				whyf("range %d: bytes not copied", i);
			if (stride > sizeof(*rp[i])) {
				size_t t;
				const unsigned char *tail =
					(unsigned char *)rp[i] + sizeof(*rp[i]);

				for (t = 0; t < stride - sizeof(*rp[i]); t++)
					if (tail[t]) {
						whyf("range %d: tail written", i);
						break;
					}
			}
		}
		if (c->layout == L_REQ_BIG) {
			for (i = sizeof(*q); i < (int)REQ_BIG; i++)
				if (((unsigned char *)q)[i]) {
					whyf("request tail written");
					break;
				}
		}
	} else {
		for (i = 0; i < mapped; i++) {
			bool ok = range_is_sentinel(rp[i]) ||
				  (!stage1(c) && range_is_prefilled(rp[i]));

			if (!ok)
				describe_range(range_label[i], rp[i]);
			if (rp[i]->src_fd != fa || rp[i]->dst_fd != fb ||
			    rp[i]->src_off != qr[i].src_off ||
			    rp[i]->dst_off != qr[i].dst_off ||
			    rp[i]->len != qr[i].len)
				whyf("range %d: inputs changed", i);
		}
		if (readable && !req_is_sentinel(q) &&
		    (stage1(c) || !req_is_prefilled(q)))
			describe_req(q);
		check_methods(q, mb, mb_nr, false);
		env_compare(&e);
	}
	result(name);
	munmap(mem, 5 * page_size);
	env_teardown(&e);
}

static void run_req_cases(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(qcases); i++)
		run_qcase(&qcases[i]);
}

/* ------------------------------------------------------------------------ */
/* INFO and unknown ioctls */

enum iptr { I_BUF, I_NULL, I_UNMAPPED, I_RDONLY };

static const struct icase {
	const char *name;
	uint32_t size;
	enum iptr ptr;
	int expect;
} icases[] = {
	{ "abi/info/size-0", 0, I_BUF, EINVAL },
	{ "abi/info/size-1", 1, I_BUF, EINVAL },
	{ "abi/info/size-below-ver0", COPYOFFLOAD_INFO_SIZE_VER0 - 1, I_BUF,
	  EINVAL },
	{ "abi/info/null", 64, I_NULL, EFAULT },
	{ "abi/info/unmapped", 64, I_UNMAPPED, EFAULT },
	{ "abi/info/read-only", 64, I_RDONLY, EFAULT },
	{ "abi/info/exact-size", COPYOFFLOAD_INFO_SIZE_VER0, I_BUF, 0 },
	{ "abi/info/between-ver0-and-ver1", COPYOFFLOAD_INFO_SIZE_VER0 + 8,
	  I_BUF, 0 },
	{ "abi/info/exact-size-ver1", COPYOFFLOAD_INFO_SIZE_VER1, I_BUF, 0 },
	{ "abi/info/larger-size-128", 128, I_BUF, 0 },
	{ "abi/info/larger-size-page", 4096, I_BUF, 0 },
};

static void run_icase(const struct icase *c)
{
	unsigned char *mem, *p;
	struct copyoffload_info info;
	size_t i;
	int err;

	if (!selected(c->name))
		return;
	mem = map_pages(2);
	memset(mem, 0x5a, 2 * page_size);
	memcpy(mem, &c->size, sizeof(c->size));
	p = mem;
	if (c->ptr == I_NULL)
		p = NULL;
	else if (c->ptr == I_UNMAPPED)
		p = mem + page_size;
	if (c->ptr == I_UNMAPPED)
		munmap(mem + page_size, page_size);
	if (c->ptr == I_RDONLY && mprotect(mem, page_size, PROT_READ))
		die("mprotect: %s", strerror(errno));

	err = ioctl(co_fd, COPYOFFLOAD_IOC_INFO, p) < 0 ? errno : 0;
	expect_errno(err, c->expect);
	if (c->expect) {
		/* nothing written (past the size field, which is input) */
		for (i = 4; i < (size_t)page_size; i++)
			if (mem[i] != 0x5a) {
				whyf("byte %zu written", i);
				break;
			}
	} else {
		memcpy(&info, mem, sizeof(info));
		uint32_t want = c->size < COPYOFFLOAD_INFO_SIZE_VER1 ?
				c->size : COPYOFFLOAD_INFO_SIZE_VER1;

		if (info.size != want)
			whyf("size %u written back, expected %u", info.size,
			     want);
		if (want >= COPYOFFLOAD_INFO_SIZE_VER1 &&
		    (info.nr_methods != NR_METHODS ||
		     info.req_size != COPYOFFLOAD_REQ_SIZE_VER1 ||
		     info.range_size != COPYOFFLOAD_RANGE_SIZE_VER0 ||
		     info.devinfo_size != COPYOFFLOAD_DEVINFO_SIZE_VER2 ||
		     info.devinfo_flags != (COPYOFFLOAD_DEVINFO_F_REFRESH |
					    (info.features & COPYOFFLOAD_FEAT_NVME ?
					     COPYOFFLOAD_DEVINFO_F_SET_NVME : 0)) ||
		     !(info.features & COPYOFFLOAD_FEAT_JOBS) != !info.max_jobs))
			whyf("version 2 fields: nr_methods %u req_size %u range_size %u devinfo_size %u devinfo_flags %#x max_jobs %u",
			     info.nr_methods, info.req_size, info.range_size,
			     info.devinfo_size, info.devinfo_flags,
			     info.max_jobs);
		if (info.abi_version != COPYOFFLOAD_ABI_VERSION)
			whyf("abi_version %u", info.abi_version);
		if (info.max_ranges != COPYOFFLOAD_MAX_RANGES)
			whyf("max_ranges %u", info.max_ranges);
		if ((info.features & (COPYOFFLOAD_FEAT_CLONE |
				      COPYOFFLOAD_FEAT_DEDUPE |
				      COPYOFFLOAD_FEAT_COPY)) !=
		    (COPYOFFLOAD_FEAT_CLONE | COPYOFFLOAD_FEAT_DEDUPE |
		     COPYOFFLOAD_FEAT_COPY))
			whyf("features %#llx lack clone/dedupe/copy",
			     (unsigned long long)info.features);
		if (info.flags != (ALL_FLAGS |
				   (info.features & COPYOFFLOAD_FEAT_NVME ?
				    COPYOFFLOAD_F_OFFLOAD_NVME : 0)))
			whyf("flags %#llx, expected %#llx (and OFFLOAD_NVME with FEAT_NVME)",
			     (unsigned long long)info.flags, ALL_FLAGS);
		if (!info.chunk_size)
			whyf("chunk_size 0");
		if (!memchr(info.version, 0, sizeof(info.version)))
			whyf("version not NUL-terminated");
		else if (!info.version[0])
			whyf("version empty");
		for (i = want; i < c->size; i++)
			if (mem[i] != 0x5a) {
				whyf("caller's byte %zu past the structure written",
				     i);
				break;
			}
	}
	result(c->name);
	munmap(mem, 2 * page_size);
}

static const struct tcase {
	const char *name;
	unsigned long cmd;
} tcases[] = {
	/* numbers far from the ones in use (0x00, 0x01, 0x02 DEVINFO...) */
	{ "abi/ioctl/unknown-nr-0x7e", _IOC(_IOC_READ | _IOC_WRITE,
		COPYOFFLOAD_IOC_MAGIC, 0x7e, COPYOFFLOAD_REQ_SIZE_VER0) },
	{ "abi/ioctl/unknown-nr-0xff", _IOC(_IOC_READ | _IOC_WRITE,
		COPYOFFLOAD_IOC_MAGIC, 0xff, 0) },
	{ "abi/ioctl/run-other-size", _IOC(_IOC_READ | _IOC_WRITE,
		COPYOFFLOAD_IOC_MAGIC, 0x01, 128) },
	{ "abi/ioctl/run-write-only", _IOC(_IOC_WRITE,
		COPYOFFLOAD_IOC_MAGIC, 0x01, COPYOFFLOAD_REQ_SIZE_VER0) },
	{ "abi/ioctl/info-other-size", _IOC(_IOC_READ | _IOC_WRITE,
		COPYOFFLOAD_IOC_MAGIC, 0x00, 128) },
	{ "abi/ioctl/other-magic", _IOC(_IOC_READ | _IOC_WRITE, 0xC6, 0x01,
		COPYOFFLOAD_REQ_SIZE_VER0) },
	{ "abi/ioctl/no-size", _IO(COPYOFFLOAD_IOC_MAGIC, 0x01) },
};

static void run_ioctl_cases(void)
{
	unsigned char buf[4096];
	unsigned int i;
	size_t k;

	for (i = 0; i < ARRAY_SIZE(icases); i++)
		run_icase(&icases[i]);
	for (i = 0; i < ARRAY_SIZE(tcases); i++) {
		if (!selected(tcases[i].name))
			continue;
		memset(buf, 0x5a, sizeof(buf));
		buf[0] = 128;
		buf[1] = buf[2] = buf[3] = 0;
		expect_errno(ioctl(co_fd, tcases[i].cmd, buf) < 0 ? errno : 0,
			     ENOTTY);
		for (k = 4; k < sizeof(buf); k++)
			if (buf[k] != 0x5a) {
				whyf("byte %zu written", k);
				break;
			}
		result(tcases[i].name);
	}
}

/* ------------------------------------------------------------------------ */
/* sigcopy: a non-fatal signal does not interrupt a COPY */

static volatile sig_atomic_t nr_signals;

static void on_usr1(int sig)
{
	(void)sig;
	nr_signals++;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A child that sends SIGUSR1 to its parent every 20 ms until killed. */
static pid_t usr1_child(void)
{
	pid_t parent = getpid(), child = fork();

	if (child < 0)
		die("fork: %s", strerror(errno));
	if (child == 0) {
		for (;;) {
			usleep(20000);
			if (getppid() != parent || kill(parent, SIGUSR1))
				_exit(0);
		}
	}
	return child;
}

static int sigcopy(const char *src, const char *dst, const char *len_arg)
{
	struct sigaction sa;
	struct copyoffload_range r = {};
	struct copyoffload_req q = {};
	struct stat st;
	pid_t child;
	double t0;
	int err, ok, before, after;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;	/* no SA_RESTART: EINTR would show */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		die("sigaction: %s", strerror(errno));
	r.src_fd = open(src, O_RDONLY);
	r.dst_fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (r.src_fd < 0 || r.dst_fd < 0 || fstat(r.src_fd, &st))
		die("open %s, %s: %s", src, dst, strerror(errno));
	r.len = len_arg ? strtoull(len_arg, NULL, 0) : (uint64_t)st.st_size;
	q.size = COPYOFFLOAD_REQ_SIZE_VER0;	/* version 1: never stops */
	q.op = COPYOFFLOAD_OP_COPY;
	q.flags = COPYOFFLOAD_F_OFFLOAD_NONE;
	q.ranges = (uintptr_t)&r;
	q.nr_ranges = 1;
	q.range_size = sizeof(r);

	child = usr1_child();
	usleep(100000);		/* let the first signals come */
	before = nr_signals;
	t0 = now();
	err = run_req(&q);
	t0 = now() - t0;
	after = nr_signals;	/* the handler ran when the ioctl returned */
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	ok = !err && r.status == 0 && r.bytes_done == r.len && after > before;
	printf("sigcopy: errno=%s status=%d(%s) bytes_done=%llu len=%llu signals_before=%d signals_during=%d seconds=%.2f\n",
	       ename(err), r.status, r.status < 0 ? ename(-r.status) : "ok",
	       (unsigned long long)r.bytes_done, (unsigned long long)r.len,
	       before, after - before, t0);
	return ok ? 0 : 1;
}

/* One stop of stopcopy checked; returns false (with why set) when wrong. */
static bool stop_ok(const struct copyoffload_req *q,
		    const struct copyoffload_range *r, uint64_t max,
		    uint64_t total, int dst)
{
	struct stat st;

	if (q->stop != (max ? COPYOFFLOAD_STOP_MAX_BYTES :
			      COPYOFFLOAD_STOP_SIGNAL))
		whyf("stop %u", q->stop);
	else if (q->nr_processed || q->bytes_done != r->bytes_done)
		whyf("nr_processed %u bytes_done %llu, range %llu",
		     q->nr_processed, (unsigned long long)q->bytes_done,
		     (unsigned long long)r->bytes_done);
	else if (max && r->bytes_done != max)
		whyf("stopped after %llu bytes, max_bytes %llu",
		     (unsigned long long)r->bytes_done,
		     (unsigned long long)max);
	else if (fstat(dst, &st) || (uint64_t)st.st_size != total)
		whyf("destination of %lld bytes after %llu done",
		     (long long)st.st_size, (unsigned long long)total);
	else
		return true;
	return false;
}

static int stopcopy(const char *mode, const char *src, const char *dst)
{
	bool by_signal = !strcmp(mode, "signal");
	uint64_t max = by_signal ? 0 : strtoull(mode, NULL, 0), size, total = 0;
	unsigned int calls = 0, stops = 0, eintr = 0;
	struct copyoffload_range r = {};
	struct copyoffload_req q = {};
	struct sigaction sa = { .sa_handler = on_usr1 };
	pid_t child = -1;
	struct stat st;
	int err = 0;

	sigemptyset(&sa.sa_mask);	/* no SA_RESTART */
	if (sigaction(SIGUSR1, &sa, NULL))
		die("sigaction: %s", strerror(errno));
	r.src_fd = open(src, O_RDONLY);
	r.dst_fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (r.src_fd < 0 || r.dst_fd < 0 || fstat(r.src_fd, &st))
		die("open %s, %s: %s", src, dst, strerror(errno));
	size = st.st_size;
	if (by_signal)
		child = usr1_child();
	while (total < size && calls < 100000 && !why[0]) {
		r.src_off = r.dst_off = total;
		r.len = size - total;
		q = (struct copyoffload_req) {
			.size = sizeof(q), .op = COPYOFFLOAD_OP_COPY,
			.flags = COPYOFFLOAD_F_OFFLOAD_NONE,
			.ranges = (uintptr_t)&r, .nr_ranges = 1,
			.range_size = sizeof(r), .max_bytes = max,
		};
		calls++;
		err = run_req(&q);
		if (err == EINTR && q.stop == COPYOFFLOAD_STOP_SIGNAL &&
		    !r.bytes_done) {
			eintr++;
			continue;
		}
		if (err) {
			whyf("errno %s", ename(err));
			break;
		}
		total += r.bytes_done;
		if (r.status == COPYOFFLOAD_STATUS_STOPPED) {
			stops++;
			stop_ok(&q, &r, max, total, r.dst_fd);
		} else if (r.status || q.stop || total != size) {
			whyf("status %d stop %u after %llu of %llu bytes",
			     r.status, q.stop, (unsigned long long)total,
			     (unsigned long long)size);
		}
	}
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	if (!why[0] && !stops)
		whyf("never stopped");
	if (!why[0] && max && stops != (size - 1) / max)
		whyf("%u stops for %llu bytes in pieces of %llu", stops,
		     (unsigned long long)size, (unsigned long long)max);
	printf("stopcopy: calls=%u stops=%u eintr=%u bytes=%llu of %llu%s%s\n",
	       calls, stops, eintr, (unsigned long long)total,
	       (unsigned long long)size, why[0] ? " error: " : "", why);
	return why[0] || total != size ? 1 : 0;
}

/*
 * sigafter MS SIG PID: wait MS milliseconds, send SIG to PID and wait (up to
 * 10 s, through a pidfd) for it to exit; print how long that took.  Exit 0
 * when it exited, 1 when it had exited before the signal or outlived the
 * wait.  Measured here rather than from a shell, whose polling forks cost
 * tens of milliseconds each in a TCG guest.
 */
static int sigafter(const char *ms_arg, const char *sig_arg, const char *pid_arg)
{
	struct pollfd pfd = { .events = POLLIN };
	long ms = strtol(ms_arg, NULL, 0), pid = strtol(pid_arg, NULL, 0);
	int sig = strtol(sig_arg, NULL, 0), n;
	double t0, t1;
	char state[64] = "?";
	FILE *f;

	pfd.fd = syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (pfd.fd < 0)
		die("pidfd_open %ld: %s", pid, strerror(errno));
	usleep(ms * 1000);
	if (poll(&pfd, 1, 0) > 0) {
		printf("sigafter: pid %ld exited before the signal\n", pid);
		return 1;
	}
	snprintf(state, sizeof(state), "/proc/%ld/syscall", pid);
	f = fopen(state, "r");
	if (!f || !fgets(state, sizeof(state), f))
		snprintf(state, sizeof(state), "?");
	if (f)
		fclose(f);
	state[strcspn(state, " \n")] = 0;
	t0 = now();
	if (kill(pid, sig))
		die("kill %ld: %s", pid, strerror(errno));
	n = poll(&pfd, 1, 10000);
	t1 = now();
	printf("sigafter: syscall_at_signal=%s signal_to_exit_ms=%.0f%s\n",
	       state, (t1 - t0) * 1000, n > 0 ? "" : " (still running)");
	return n > 0 ? 0 : 1;
}

/*
 * random BYTES: that many pseudo-random bytes on stdout, a fresh stream each
 * run.  /dev/urandom gives about 10 MB/s in a TCG guest; this is the same
 * for a test's purpose (no zeroes, no repeats, nothing to compress or share).
 */
static int random_out(const char *arg)
{
	static unsigned char buf[1 << 20];
	unsigned long long left = strtoull(arg, NULL, 0);
	uint64_t seed = (uint64_t)getpid() << 32 ^ (uint64_t)now() * 1000003;

	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		fprintf(stderr, "abi-check: getrandom failed, seeding from the clock\n");
	while (left) {
		size_t n = left < sizeof(buf) ? left : sizeof(buf);

		fill_random(buf, sizeof(buf), seed++);
		if (fwrite(buf, 1, n, stdout) != n)
			return 1;
		left -= n;
	}
	return fflush(stdout) ? 1 : 0;
}

/* ------------------------------------------------------------------------ */

static void swap_setup(void)
{
	if (!swap_path)
		return;
	swap_ro = open(swap_path, O_RDONLY);
	swap_rw = open(swap_path, O_RDWR);
	if (swap_ro < 0 || swap_rw < 0)
		die("open %s: %s", swap_path, strerror(errno));
	if (swapon(swap_path, 0))
		die("swapon %s: %s", swap_path, strerror(errno));
	swap_active = true;
}

/* co_fd: the device, or the program dies saying why */
static void open_device(void)
{
	co_fd = open(COPYOFFLOAD_DEVICE, O_RDWR | O_CLOEXEC);
	if (co_fd < 0)
		die("%s: %s", COPYOFFLOAD_DEVICE, strerror(errno));
}

static void usage(void)
{
	fprintf(stderr,
		"usage: abi-check -x XFS_DIR [-e EXT4_DIR] [-b BLOCKDEV] [-s SWAPFILE] [PATTERN...]\n"
		"       abi-check -l\n"
		"       abi-check sigcopy SRC DST [LEN]\n"
		"       abi-check stopcopy signal|MAX_BYTES SRC DST\n"
		"       abi-check sigafter MS SIGNUM PID\n"
		"       abi-check random BYTES\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGXFSZ, SIG_IGN);	/* copy_file_range past s_maxbytes */
	signal(SIGPIPE, SIG_IGN);
	page_size = sysconf(_SC_PAGESIZE);
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "sigcopy")) {
		open_device();
		return sigcopy(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
	}
	if (argc == 5 && !strcmp(argv[1], "stopcopy")) {
		open_device();
		return stopcopy(argv[2], argv[3], argv[4]);
	}
	if (argc == 5 && !strcmp(argv[1], "sigafter"))
		return sigafter(argv[2], argv[3], argv[4]);
	if (argc == 3 && !strcmp(argv[1], "random"))
		return random_out(argv[2]);
	while ((opt = getopt(argc, argv, "x:e:b:s:l")) != -1) {
		switch (opt) {
		case 'x':
			xfs_dir = optarg;
			break;
		case 'e':
			ext4_dir = optarg;
			break;
		case 'b':
			blkdev = optarg;
			break;
		case 's':
			swap_path = optarg;
			break;
		case 'l':
			list_only = true;
			break;
		default:
			usage();
		}
	}
	result_patterns(argc - optind, argv + optind);
	if (list_only) {
		run_ioctl_cases();
		run_req_cases();
		run_range_cases();
		return 0;
	}
	if (!xfs_dir)
		usage();
	open_device();
	xfs_maxbytes = max_file_size(xfs_dir);
	if (ext4_dir)
		ext4_maxbytes = max_file_size(ext4_dir);
	printf("# s_maxbytes: xfs %lld, ext4 %lld\n", xfs_maxbytes,
	       ext4_maxbytes);
	swap_setup();

	run_ioctl_cases();
	run_req_cases();
	run_range_cases();

	if (swap_active && swapoff(swap_path))
		fprintf(stderr, "abi-check: swapoff %s: %s\n", swap_path,
			strerror(errno));
	return result_status();
}
