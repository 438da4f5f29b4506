// SPDX-License-Identifier: GPL-2.0
/*
 * tests/bench/ranges: one batched copyoffload request against one system
 * call per range, for CLONE (FICLONERANGE) and DEDUPE (FIDEDUPERANGE).
 *
 *   ranges --header
 *   ranges --dir DIR --fs NAME [--ro-dir RODIR] [--ranges N] [--reps R]
 *          [--null-reps R] [--warmup W] [--op clone|dedupe|null|adj-clone|adj-dedupe]...
 *
 * In DIR (a fresh reflink-capable filesystem) it writes a source of N
 * 4-KiB blocks, each with its own bytes.  Range i takes source block i to
 * destination block (i * K) mod N, K coprime to N and close to N / phi:
 * the array walks the source in order and scatters over the destination,
 * so no two neighbouring destination blocks come from neighbouring source
 * blocks and no extents can merge (the destination ends up as N extents).
 *
 * The batched variant hands the whole array to copyoffload_clone() /
 * copyoffload_dedupe() of libcopyoffload, which must use the module (opened
 * with COPYOFFLOAD_OPEN_REQUIRE_MODULE; a range or a result marked "no
 * module" fails the run).  The per-call variant makes one FICLONERANGE or
 * FIDEDUPERANGE (one destination) ioctl per range, from the same array.
 *
 * Every run starts from the same state: a new destination file (CLONE: a
 * sparse file of N blocks; DEDUPE: a file holding the expected bytes,
 * fsynced), then syncfs, a freeze and thaw of the filesystem (which drains
 * XFS's deferred inactivation of the last run's destination), drop_caches,
 * and both files read once so that they sit clean in the page cache.  Only
 * the calls are timed, with CLOCK_MONOTONIC.  After each run every range
 * must report success (DEDUPE: SAME), the destination must read back as the
 * expected bytes, and FIEMAP must show destination blocks SHARED and at the
 * physical address of their source blocks: every block after the last
 * repetition of each variant, an evenly spread sample of VERIFY_SAMPLES
 * blocks after the others (btrfs on 6.1 spends seconds per thousand
 * extents working out FIEMAP's SHARED flag).  The destination is then
 * unlinked.
 *
 * The "adj-clone" and "adj-dedupe" operations are CLONE and DEDUPE with
 * range i taking source block i to destination block i: every range
 * continues the one before in both files (SMB clients send copychunks back
 * to back), which the module works as one range per CO_MERGE_MAX of them,
 * while each still reports its own outcome (checked as for the others).
 *
 * The "null" operation is DEDUPE into a read-only bind mount of DIR
 * (--ro-dir): every range fails with EROFS in vfs_dedupe_file_range_one()
 * before the filesystem is asked anything, in both variants, so its row is
 * the per-range overhead of each path and nothing else.
 *
 * Before the runs it also measures, for the log, one empty ioctl
 * (FIGETBSZ) and the module's prefill and check passes per range (a CLONE
 * request whose last range has a bad descriptor: checked in full, then
 * refused, nothing done).
 *
 * One warm-up run of each variant (W ranges) comes first; then R
 * repetitions, alternating which variant goes first.  Per-run figures go to
 * stderr, one table row per operation to stdout: median ranges/s of each
 * variant, their ratio, the time per range the batch saved (medians), the
 * ratio of the fastest runs ("best": interference only ever slows a run
 * down) and the spread of the runs ((slowest - fastest) / median, the
 * larger of the two variants').
 * Exit 0, or 1 when anything failed or did not verify.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fiemap.h>
#include <linux/fs.h>

#include <copyoffload.h>

#define BLK		4096U
#define MAX_REPS	99
#define FIEMAP_BATCH	1024
#define VERIFY_SAMPLES	250

enum op { OP_CLONE, OP_DEDUPE, OP_NULL, OP_ADJ_CLONE, OP_ADJ_DEDUPE, OP_NR };
enum variant { PER_CALL, BATCHED, VARIANT_NR };

static const char *const op_name[OP_NR] = {
	"clone", "dedupe", "null", "adj-clone", "adj-dedupe"
};
static const char *const variant_name[VARIANT_NR] = { "per-call", "batched" };

/* Extent flags under which fe_physical says nothing comparable. */
static const uint32_t opaque = FIEMAP_EXTENT_UNKNOWN |
			       FIEMAP_EXTENT_DELALLOC |
			       FIEMAP_EXTENT_ENCODED |
			       FIEMAP_EXTENT_DATA_ENCRYPTED |
			       FIEMAP_EXTENT_NOT_ALIGNED |
			       FIEMAP_EXTENT_DATA_INLINE |
			       FIEMAP_EXTENT_DATA_TAIL |
			       FIEMAP_EXTENT_UNWRITTEN;

/* A file's extents, as FIEMAP reports them. */
struct extents {
	struct fiemap_extent *e;
	unsigned int nr, alloc;
};

struct bench {
	const char *dir, *ro_dir, *fs;
	unsigned int nr, reps, null_reps, warmup;
	bool ops[OP_NR];
	int dirfd, ro_dirfd, src_fd;
	unsigned char *src;	/* the source's bytes, nr blocks */
	unsigned char *expect;	/* the destination's expected bytes */
	unsigned int expect_nr;	/* ranges expect was made for */
	unsigned char *buf;	/* read-back */
	struct copyoffload *co;
	struct copyoffload_range *r;
	struct extents src_map;
	struct file_dedupe_range *fdr;	/* room for one destination */
	bool drop_caches, freeze;
};

static void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("ranges: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* The destination stride for n ranges: coprime to n, about n / phi. */
static uint64_t stride(unsigned int n)
{
	uint64_t k = (uint64_t)n * 618 / 1000;

	if (k < 1)
		k = 1;
	while (gcd(k, n) != 1)
		k++;
	return k;
}

/* The adj-* operations: range i to destination block i. */
static bool adjacent;

static uint64_t dst_block(unsigned int i, unsigned int n)
{
	return adjacent ? i : (uint64_t)i * stride(n) % n;
}

static void pwrite_all(int fd, const void *p, size_t len, off_t off,
		       const char *what)
{
	while (len) {
		ssize_t w = pwrite(fd, p, len, off);

		if (w <= 0)
			die("write %s: %s", what, w ? strerror(errno) : "short");
		p = (const char *)p + w;
		len -= w;
		off += w;
	}
}

static void pread_all(int fd, void *p, size_t len, const char *what)
{
	off_t off = 0;

	while (len) {
		ssize_t r = pread(fd, p, len, off);

		if (r <= 0)
			die("read %s: %s", what, r ? strerror(errno) : "short");
		p = (char *)p + r;
		len -= r;
		off += r;
	}
}

/* Every 8 bytes of the source different from every other 8 bytes. */
static void make_source(struct bench *b)
{
	size_t words = (size_t)b->nr * BLK / 8, w;
	uint64_t *p;

	b->src = xmalloc((size_t)b->nr * BLK);
	p = (uint64_t *)b->src;
	for (w = 0; w < words; w++)
		p[w] = splitmix64(w);
	b->src_fd = openat(b->dirfd, "src", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (b->src_fd < 0)
		die("create %s/src: %s", b->dir, strerror(errno));
	pwrite_all(b->src_fd, b->src, (size_t)b->nr * BLK, 0, "src");
	if (fsync(b->src_fd))
		die("fsync src: %s", strerror(errno));
}

/* What the destination of N ranges holds once they are done. */
static void make_expect(struct bench *b, unsigned int n)
{
	unsigned int i;

	if (b->expect_nr == n)
		return;
	b->expect_nr = n;
	for (i = 0; i < n; i++)
		memcpy(b->expect + dst_block(i, n) * BLK,
		       b->src + (size_t)i * BLK, BLK);
}

/* FIEMAP of [start, start + len): the extents there, appended to X. */
static void get_extents(int fd, uint64_t start, uint64_t len,
			struct extents *x)
{
	size_t sz = sizeof(struct fiemap) +
		    FIEMAP_BATCH * sizeof(struct fiemap_extent);
	struct fiemap *fm = xmalloc(sz);
	uint64_t end = start + len;
	unsigned int i;

	while (start < end) {
		memset(fm, 0, sizeof(*fm));
		fm->fm_start = start;
		fm->fm_length = end - start;
		fm->fm_flags = FIEMAP_FLAG_SYNC;
		fm->fm_extent_count = FIEMAP_BATCH;
		if (ioctl(fd, FS_IOC_FIEMAP, fm) < 0)
			die("FIEMAP: %s", strerror(errno));
		if (!fm->fm_mapped_extents)
			break;
		if (x->nr + fm->fm_mapped_extents > x->alloc) {
			x->alloc = 2 * (x->nr + fm->fm_mapped_extents);
			x->e = realloc(x->e, x->alloc * sizeof(*x->e));
			if (!x->e)
				die("out of memory");
		}
		for (i = 0; i < fm->fm_mapped_extents; i++) {
			struct fiemap_extent *e = &fm->fm_extents[i];

			x->e[x->nr++] = *e;
			start = e->fe_logical + e->fe_length;
			if (e->fe_flags & FIEMAP_EXTENT_LAST)
				start = end;
		}
	}
	free(fm);
}

/* The extent of X holding byte LOGICAL, or NULL (X sorted, no overlaps). */
static const struct fiemap_extent *find_extent(const struct extents *x,
					       uint64_t logical)
{
	unsigned int lo = 0, hi = x->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct fiemap_extent *e = &x->e[mid];

		if (logical < e->fe_logical)
			hi = mid;
		else if (logical >= e->fe_logical + e->fe_length)
			lo = mid + 1;
		else
			return e;
	}
	return NULL;
}

static uint64_t physical(const struct fiemap_extent *e, uint64_t logical)
{
	return e->fe_physical + (logical - e->fe_logical);
}

static void drop_caches(struct bench *b)
{
	int fd;

	if (!b->drop_caches)
		return;
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd < 0 || write(fd, "3", 1) != 1) {
		fprintf(stderr, "ranges: cannot drop caches (%s): runs start "
			"from warm caches only\n", strerror(errno));
		b->drop_caches = false;
	}
	if (fd >= 0)
		close(fd);
}

/*
 * Let the filesystem finish what earlier runs left it: a freeze syncs it
 * and, on XFS, drains the deferred inactivation of unlinked inodes (the
 * last destination's thousands of shared extents), which would otherwise
 * run in the background during the next run.  syncfs does neither.
 */
static void quiesce(struct bench *b)
{
	if (syncfs(b->dirfd))
		die("syncfs %s: %s", b->dir, strerror(errno));
	if (!b->freeze)
		return;
	if (ioctl(b->dirfd, FIFREEZE, 0) < 0) {
		fprintf(stderr, "ranges: cannot freeze %s (%s): background "
			"work of one run may overlap the next\n", b->dir,
			strerror(errno));
		b->freeze = false;
		return;
	}
	if (ioctl(b->dirfd, FITHAW, 0) < 0)
		die("thaw %s: %s", b->dir, strerror(errno));
}

/* Nothing pending in the filesystem, both files clean in the page cache. */
static void settle(struct bench *b, int dst_fd, unsigned int n)
{
	quiesce(b);
	drop_caches(b);
	pread_all(b->src_fd, b->buf, (size_t)n * BLK, "src");
	pread_all(dst_fd, b->buf, (size_t)n * BLK, "dst");
}

/*
 * A new destination for N ranges of OP, in its pre-run state: sparse for
 * CLONE and null, the expected bytes for DEDUPE.
 */
static int make_dst(struct bench *b, enum op op, unsigned int n)
{
	int fd;

	fd = openat(b->dirfd, "dst", O_RDWR | O_CREAT | O_EXCL, 0644);
	if (fd < 0)
		die("create %s/dst: %s", b->dir, strerror(errno));
	if (op == OP_DEDUPE) {
		pwrite_all(fd, b->expect, (size_t)n * BLK, 0, "dst");
		if (fsync(fd))
			die("fsync dst: %s", strerror(errno));
	} else if (ftruncate(fd, (off_t)n * BLK)) {
		die("truncate dst: %s", strerror(errno));
	}
	return fd;
}

static void remove_dst(struct bench *b, int fd)
{
	close(fd);
	if (unlinkat(b->dirfd, "dst", 0))
		die("unlink dst: %s", strerror(errno));
}

static void build_ranges(struct bench *b, int dst_fd, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		copyoffload_range_init(&b->r[i], b->src_fd, (uint64_t)i * BLK,
				       dst_fd, dst_block(i, n) * BLK, BLK);
}

/* One FICLONERANGE per range; stops at the first failure, as CLONE does. */
static void per_call_clone(struct bench *b, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct copyoffload_range *r = &b->r[i];
		struct file_clone_range fcr = {
			.src_fd = r->src_fd,
			.src_offset = r->src_off,
			.src_length = r->len,
			.dest_offset = r->dst_off,
		};

		if (ioctl(r->dst_fd, FICLONERANGE, &fcr) < 0) {
			r->status = -errno;
			return;
		}
		r->status = COPYOFFLOAD_STATUS_OK;
		r->bytes_done = r->len;
	}
}

/* One FIDEDUPERANGE (one destination) per range. */
static void per_call_dedupe(struct bench *b, unsigned int n)
{
	struct file_dedupe_range *fdr = b->fdr;
	struct file_dedupe_range_info *info = &fdr->info[0];
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct copyoffload_range *r = &b->r[i];

		memset(fdr, 0, sizeof(*fdr) + sizeof(*info));
		fdr->src_offset = r->src_off;
		fdr->src_length = r->len;
		fdr->dest_count = 1;
		info->dest_fd = r->dst_fd;
		info->dest_offset = r->dst_off;
		if (ioctl(r->src_fd, FIDEDUPERANGE, fdr) < 0) {
			r->status = -errno;
			continue;
		}
		r->bytes_done = info->bytes_deduped;
		if (info->status == FILE_DEDUPE_RANGE_SAME)
			r->status = COPYOFFLOAD_STATUS_SAME;
		else if (info->status == FILE_DEDUPE_RANGE_DIFFERS)
			r->status = COPYOFFLOAD_STATUS_DIFFERS;
		else
			r->status = info->status;
	}
}

/* The timed part of a run. */
static void do_ranges(struct bench *b, enum op op, enum variant v,
		      unsigned int n, struct copyoffload_result *res)
{
	int ret;

	if (v == PER_CALL) {
		if (op == OP_CLONE)
			per_call_clone(b, n);
		else
			per_call_dedupe(b, n);
		return;
	}
	if (op == OP_CLONE)
		ret = copyoffload_clone(b->co, b->r, n, res);
	else
		ret = copyoffload_dedupe(b->co, b->r, n, res);
	if (ret)
		die("%s %s: copyoffload_%s: %s", b->fs, op_name[op],
		    op == OP_CLONE ? "clone" : "dedupe", strerror(-ret));
}

/*
 * Every range did what OP does (null: failed with EROFS), and in the
 * batched variant the module did it.
 */
static void check_status(struct bench *b, enum op op, enum variant v,
			 unsigned int n, const struct copyoffload_result *res)
{
	static const int want_status[OP_NR] = {
		COPYOFFLOAD_STATUS_OK, COPYOFFLOAD_STATUS_SAME, -EROFS,
	};
	uint64_t want_bytes = op == OP_NULL ? 0 : BLK;
	uint32_t want_methods = op == OP_NULL ? 0 :
				1U << COPYOFFLOAD_METHOD_CLONE;
	const char *what = variant_name[v];
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct copyoffload_range *r = &b->r[i];

		if (r->status != want_status[op] || r->bytes_done != want_bytes)
			die("%s %s %s: range %u: status %s, %" PRIu64
			    " bytes done; want %s, %" PRIu64, b->fs,
			    op_name[op], what, i,
			    copyoffload_status_name(r->status),
			    (uint64_t)r->bytes_done,
			    copyoffload_status_name(want_status[op]),
			    want_bytes);
		if (v == BATCHED && r->methods != want_methods)
			die("%s %s batched: range %u: methods %#x, want %#x "
			    "(no module is %#x)", b->fs, op_name[op], i,
			    r->methods, want_methods,
			    COPYOFFLOAD_LIB_M_NO_MODULE);
	}
	if (v != BATCHED)
		return;
	if (res->no_module)
		die("%s %s batched: done without the module (no module)",
		    b->fs, op_name[op]);
	if (res->nr_processed != n || res->bytes_done != n * want_bytes ||
	    res->method_bytes[COPYOFFLOAD_METHOD_CLONE] != n * want_bytes)
		die("%s %s batched: %u ranges processed, %" PRIu64 " bytes, %"
		    PRIu64 " by clone; want %u and %" PRIu64, b->fs,
		    op_name[op], res->nr_processed, res->bytes_done,
		    res->method_bytes[COPYOFFLOAD_METHOD_CLONE], n,
		    n * want_bytes);
}

/* Destination block of range I is shared with, and sits on, its source. */
static void check_block(struct bench *b, enum op op, enum variant v,
			const struct extents *dst, unsigned int i,
			unsigned int n)
{
	uint64_t d = dst_block(i, n) * BLK, s = (uint64_t)i * BLK;
	const struct fiemap_extent *ed = find_extent(dst, d);
	const struct fiemap_extent *es = find_extent(&b->src_map, s);

	if (!ed)
		die("%s %s %s: destination block %" PRIu64 " is a hole",
		    b->fs, op_name[op], variant_name[v], d / BLK);
	if (!(ed->fe_flags & FIEMAP_EXTENT_SHARED) || (ed->fe_flags & opaque))
		die("%s %s %s: destination block %" PRIu64 ": extent flags "
		    "%#x, want shared", b->fs, op_name[op], variant_name[v],
		    d / BLK, ed->fe_flags);
	if (!es || physical(es, s) != physical(ed, d))
		die("%s %s %s: destination block %" PRIu64 " at %#" PRIx64
		    ", its source block %u elsewhere", b->fs, op_name[op],
		    variant_name[v], d / BLK, physical(ed, d), i);
}

/*
 * The destination holds the expected bytes, and FIEMAP finds every block
 * (FULL) or a sample of VERIFY_SAMPLES blocks shared with its source block.
 * Returns the number of destination extents (FULL), or of blocks checked.
 */
static unsigned int verify(struct bench *b, enum op op, enum variant v,
			   int dst_fd, unsigned int n, bool full)
{
	const char *what = variant_name[v];
	struct extents dst = { 0 };
	unsigned int i, step, checked = 0;
	struct stat st;

	if (fstat(dst_fd, &st))
		die("stat dst: %s", strerror(errno));
	if ((uint64_t)st.st_size != (uint64_t)n * BLK)
		die("%s %s %s: destination size %jd, want %" PRIu64, b->fs,
		    op_name[op], what, (intmax_t)st.st_size,
		    (uint64_t)n * BLK);
	pread_all(dst_fd, b->buf, (size_t)n * BLK, "dst");
	if (memcmp(b->buf, b->expect, (size_t)n * BLK)) {
		for (i = 0; i < n; i++)
			if (memcmp(b->buf + (size_t)i * BLK,
				   b->expect + (size_t)i * BLK, BLK))
				break;
		die("%s %s %s: destination block %u differs from the "
		    "expected bytes", b->fs, op_name[op], what, i);
	}

	if (full) {
		get_extents(dst_fd, 0, (uint64_t)n * BLK, &dst);
		for (i = 0; i < n; i++)
			check_block(b, op, v, &dst, i, n);
		checked = dst.nr;
	} else {
		step = n > VERIFY_SAMPLES ? n / VERIFY_SAMPLES : 1;
		for (i = 0; i < n; i += step, checked++) {
			dst.nr = 0;
			get_extents(dst_fd, dst_block(i, n) * BLK, BLK, &dst);
			check_block(b, op, v, &dst, i, n);
		}
	}
	free(dst.e);
	return checked;
}

/* A clone or dedupe run: new destination, the timed calls, the checks. */
static double run_remap(struct bench *b, enum op op, enum variant v,
			unsigned int n, const char *label, bool full)
{
	struct copyoffload_result res = { 0 };
	uint64_t tp, t0, t1, tv;
	unsigned int checked;
	double s;
	int fd;

	tp = now_ns();
	make_expect(b, n);
	fd = make_dst(b, op, n);
	build_ranges(b, fd, n);
	settle(b, fd, n);

	t0 = now_ns();
	do_ranges(b, op, v, n, &res);
	t1 = now_ns();

	check_status(b, op, v, n, &res);
	checked = verify(b, op, v, fd, n, full);
	tv = now_ns();
	remove_dst(b, fd);
	s = (t1 - t0) / 1e9;
	fprintf(stderr, "  %-6s %-6s %-9s %-8s %5u ranges %7.3f s %6.0f r/s "
		"%6.1f us/range; verified: %u %s shared (prep %.1f s, "
		"verify %.1f s)\n", b->fs, op_name[op], label,
		variant_name[v], n, s, n / s, s * 1e6 / n, checked,
		full ? "extents, all" : "sampled blocks", (t0 - tp) / 1e9,
		(tv - t1) / 1e9);
	return s;
}

/*
 * A null run: DEDUPE of N ranges into a destination opened through the
 * read-only mount; every range fails with EROFS, nothing changes.
 */
static double run_null(struct bench *b, enum variant v, unsigned int n,
		       const char *label)
{
	struct copyoffload_result res = { 0 };
	uint64_t t0, t1;
	int fd, ro_fd;
	double s;

	fd = make_dst(b, OP_NULL, n);
	ro_fd = openat(b->ro_dirfd, "dst", O_RDONLY);
	if (ro_fd < 0)
		die("open %s/dst: %s", b->ro_dir, strerror(errno));
	build_ranges(b, ro_fd, n);
	quiesce(b);

	t0 = now_ns();
	do_ranges(b, OP_NULL, v, n, &res);
	t1 = now_ns();

	check_status(b, OP_NULL, v, n, &res);
	close(ro_fd);
	remove_dst(b, fd);
	s = (t1 - t0) / 1e9;
	fprintf(stderr, "  %-6s %-6s %-9s %-8s %5u ranges %7.3f s %6.0f r/s "
		"%6.2f us/range; all EROFS\n", b->fs, op_name[OP_NULL], label,
		variant_name[v], n, s, n / s, s * 1e6 / n);
	return s;
}

static double run(struct bench *b, enum op op, enum variant v,
		  unsigned int n, const char *label, bool full)
{
	if (op == OP_NULL)
		return run_null(b, v, n, label);
	return run_remap(b, op, v, n, label, full);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts V. */
static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Median over 3 timings of N calls of FN, in microseconds per call. */
#define TIME_CALLS(n, fn) ({						\
	double t_[3];							\
	unsigned int r_, i_;						\
	uint64_t t0_;							\
									\
	for (r_ = 0; r_ < 3; r_++) {					\
		t0_ = now_ns();						\
		for (i_ = 0; i_ < (n); i_++)				\
			fn;						\
		t_[r_] = (now_ns() - t0_) / 1e3 / (n);			\
	}								\
	median(t_, 3);							\
})

/*
 * One FICLONERANGE that fails before the filesystem is asked: into a file
 * opened read-only on the read-only mount (EBADF or EXDEV at once).
 */
static void clone_fail(struct bench *b, int ro_fd)
{
	struct file_clone_range fcr = {
		.src_fd = b->src_fd, .src_length = BLK,
	};

	if (ioctl(ro_fd, FICLONERANGE, &fcr) == 0 ||
	    (errno != EBADF && errno != EXDEV))
		die("FICLONERANGE into %s: %s, want EBADF or EXDEV",
		    b->ro_dir, strerror(errno));
}

/* A CLONE request whose last range has a bad descriptor: EBADF. */
static void clone_ebadf(struct bench *b, int fd, unsigned int n)
{
	int ret;

	build_ranges(b, fd, n);
	b->r[n - 1].src_fd = -1;
	ret = copyoffload_clone(b->co, b->r, n, NULL);
	if (ret != -EBADF || b->r[n - 1].status != -EBADF ||
	    (n > 1 && b->r[0].status != COPYOFFLOAD_STATUS_NOT_RUN))
		die("a CLONE with a bad descriptor in range %u: %s, status %s",
		    n - 1, strerror(-ret),
		    copyoffload_status_name(b->r[n - 1].status));
}

/*
 * For the log, the costs that bound what a batch can save (medians of 3
 * timings of N): one empty ioctl (FIGETBSZ); one FICLONERANGE that fails
 * at once (the destination is read-only), about the per-call path's own
 * overhead; and the module's prefill and check passes
 * per range, from a CLONE request whose last range has a bad descriptor
 * (all N ranges prefilled and checked, then EBADF, nothing done).
 */
static void measure_overheads(struct bench *b)
{
	unsigned int n = b->nr;
	double empty, fail = 0, check;
	int fd, ro_fd = -1, bsz;

	fd = make_dst(b, OP_CLONE, n);
	empty = TIME_CALLS(n, ioctl(b->src_fd, FIGETBSZ, &bsz));
	if (b->ro_dirfd >= 0) {
		ro_fd = openat(b->ro_dirfd, "dst", O_RDONLY);
		if (ro_fd < 0)
			die("open %s/dst: %s", b->ro_dir, strerror(errno));
		fail = TIME_CALLS(n, clone_fail(b, ro_fd));
		close(ro_fd);
	}
	check = TIME_CALLS(1, clone_ebadf(b, fd, n)) / n;
	remove_dst(b, fd);
	fprintf(stderr, "  %s: per call: empty ioctl %.2f us", b->fs, empty);
	if (ro_fd >= 0)
		fprintf(stderr, ", failing FICLONERANGE %.2f us", fail);
	fprintf(stderr, "; per range, the module's prefill and check passes "
		"%.2f us\n", check);
}

static void print_header(void)
{
	printf("%-6s %-10s %6s %13s %12s %6s %15s %6s %7s\n", "fs", "op",
	       "ranges", "per-call r/s", "batched r/s", "ratio",
	       "saved us/range", "best", "spread");
}

static void bench_op(struct bench *b, enum op row)
{
	unsigned int reps = row == OP_NULL ? b->null_reps : b->reps;
	unsigned int warmup = row == OP_NULL ? b->nr : b->warmup;
	double t[VARIANT_NR][MAX_REPS], med[VARIANT_NR], spread = 0;
	enum op op = row == OP_ADJ_CLONE ? OP_CLONE :
		     row == OP_ADJ_DEDUPE ? OP_DEDUPE : row;
	char label[16];
	unsigned int rep;
	int k;

	if (adjacent != (op != row)) {
		adjacent = op != row;
		b->expect_nr = 0;	/* another layout */
	}

	if (warmup) {
		run(b, op, PER_CALL, warmup, "warm-up", false);
		run(b, op, BATCHED, warmup, "warm-up", false);
	}
	for (rep = 0; rep < reps; rep++) {
		snprintf(label, sizeof(label), "rep %u", rep + 1);
		/* Alternate which variant runs first. */
		for (k = 0; k < VARIANT_NR; k++) {
			enum variant v = (k + rep) % VARIANT_NR;

			t[v][rep] = run(b, op, v, b->nr, label,
					rep == reps - 1);
		}
	}
	for (k = 0; k < VARIANT_NR; k++) {
		double sp;

		med[k] = median(t[k], reps);
		sp = (t[k][reps - 1] - t[k][0]) / med[k];
		if (sp > spread)
			spread = sp;
	}
	/* t[] is sorted: t[v][0] is the fastest run. */
	printf("%-6s %-10s %6u %13.0f %12.0f %5.2fx %15.2f %5.2fx %6.0f%%\n",
	       b->fs, op_name[row], b->nr, b->nr / med[PER_CALL],
	       b->nr / med[BATCHED], med[PER_CALL] / med[BATCHED],
	       (med[PER_CALL] - med[BATCHED]) * 1e6 / b->nr,
	       t[PER_CALL][0] / t[BATCHED][0], spread * 100);
	fflush(stdout);
}

static unsigned int parse_uint(const char *s, const char *what,
			       unsigned int min, unsigned int max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		die("%s: '%s' is not a number from %u to %u", what, s, min,
		    max);
	return v;
}

static void usage(int code)
{
	fprintf(code ? stderr : stdout,
		"usage: ranges --header\n"
		"       ranges --dir DIR --fs NAME [--ro-dir RODIR] "
		"[--ranges N] [--reps R]\n"
		"              [--null-reps R] [--warmup W] "
		"[--op clone|dedupe|null|adj-clone|adj-dedupe]...\n");
	exit(code);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir",	required_argument, NULL, 'd' },
		{ "ro-dir",	required_argument, NULL, 'R' },
		{ "fs",		required_argument, NULL, 'f' },
		{ "ranges",	required_argument, NULL, 'n' },
		{ "reps",	required_argument, NULL, 'r' },
		{ "null-reps",	required_argument, NULL, 'N' },
		{ "warmup",	required_argument, NULL, 'w' },
		{ "op",		required_argument, NULL, 'o' },
		{ "header",	no_argument,	   NULL, 'H' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct bench b = {
		.nr = 10000, .reps = 3, .null_reps = 15, .warmup = 1000,
		.ro_dirfd = -1, .drop_caches = true, .freeze = true,
	};
	struct copyoffload_info info;
	bool any_op = false;
	unsigned int k;
	int c, ret;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': b.dir = optarg; break;
		case 'R': b.ro_dir = optarg; break;
		case 'f': b.fs = optarg; break;
		case 'n':
			b.nr = parse_uint(optarg, "--ranges", 1,
					  COPYOFFLOAD_MAX_RANGES);
			break;
		case 'r':
			b.reps = parse_uint(optarg, "--reps", 1, MAX_REPS);
			break;
		case 'N':
			b.null_reps = parse_uint(optarg, "--null-reps", 1,
						 MAX_REPS);
			break;
		case 'w':
			b.warmup = parse_uint(optarg, "--warmup", 0,
					      COPYOFFLOAD_MAX_RANGES);
			break;
		case 'o':
			for (k = 0; k < OP_NR; k++)
				if (!strcmp(optarg, op_name[k]))
					break;
			if (k == OP_NR)
				die("--op: '%s' is not clone, dedupe, null, adj-clone or adj-dedupe",
				    optarg);
			b.ops[k] = true;
			any_op = true;
			break;
		case 'H':
			print_header();
			return 0;
		case 'h':
			usage(0);
			break;
		default:
			usage(2);
		}
	}
	if (optind != argc || !b.dir || !b.fs)
		usage(2);
	if (!any_op)
		for (k = 0; k < OP_NR; k++)
			b.ops[k] = k != OP_NULL || b.ro_dir;
	if (b.ops[OP_NULL] && !b.ro_dir)
		die("--op null needs --ro-dir");
	if (b.warmup > b.nr)
		b.warmup = b.nr;

	ret = copyoffload_open(&b.co, COPYOFFLOAD_OPEN_REQUIRE_MODULE);
	if (ret)
		die("copyoffload_open: %s (is the module loaded?)",
		    strerror(-ret));
	ret = copyoffload_info(b.co, &info);
	if (ret)
		die("copyoffload_info: %s", strerror(-ret));
	if (~info.features & (COPYOFFLOAD_FEAT_CLONE | COPYOFFLOAD_FEAT_DEDUPE))
		die("the module (features %#" PRIx64 ") lacks CLONE or DEDUPE",
		    (uint64_t)info.features);
	b.dirfd = open(b.dir, O_RDONLY | O_DIRECTORY);
	if (b.dirfd < 0)
		die("open %s: %s", b.dir, strerror(errno));
	if (b.ro_dir) {
		b.ro_dirfd = open(b.ro_dir, O_RDONLY | O_DIRECTORY);
		if (b.ro_dirfd < 0)
			die("open %s: %s", b.ro_dir, strerror(errno));
	}
	b.expect = xmalloc((size_t)b.nr * BLK);
	b.buf = xmalloc((size_t)b.nr * BLK);
	b.r = xmalloc((size_t)b.nr * sizeof(*b.r));
	b.fdr = xmalloc(sizeof(*b.fdr) + sizeof(b.fdr->info[0]));
	make_source(&b);
	get_extents(b.src_fd, 0, (uint64_t)b.nr * BLK, &b.src_map);
	for (k = 0; k < b.src_map.nr; k++)
		if (b.src_map.e[k].fe_flags & opaque)
			die("source extent %u has flags %#x: no physical "
			    "address to compare", k, b.src_map.e[k].fe_flags);
	fprintf(stderr, "  %s: module %s; %u ranges of %u bytes, destination "
		"stride %" PRIu64 ", source in %u extents; batched: one "
		"libcopyoffload call, per-call: one ioctl per range\n", b.fs,
		(const char *)info.version, b.nr, BLK, stride(b.nr),
		b.src_map.nr);

	measure_overheads(&b);
	for (k = 0; k < OP_NR; k++)
		if (b.ops[k])
			bench_op(&b, k);

	close(b.src_fd);
	unlinkat(b.dirfd, "src", 0);
	if (b.ro_dirfd >= 0)
		close(b.ro_dirfd);
	close(b.dirfd);
	copyoffload_close(b.co);
	return 0;
}
