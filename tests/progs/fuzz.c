// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz -d DIR [-e DIR2] [-b BLOCKDEV] [-n CALLS] [-s SEED]: randomised and
 * mutated requests against every ioctl of /dev/copyoffload.
 *
 * The pool: files of random sizes in DIR (and DIR2, another filesystem),
 * and descriptors of every other kind (directory, O_PATH, pipe ends, a
 * socket, /dev/null, the block device, an eventfd, closed and invalid
 * numbers, the device itself).  Each call is INFO, DEVINFO, RUN (CLONE,
 * DEDUPE or COPY, any flags), SUBMIT of the same requests, WAIT or CANCEL
 * of a job (its own, another's, a reaped or a random one; NOHANG or not;
 * mutated structures), or an unknown command, built mostly valid and then
 * mutated: sizes, flags, counts, strides, offsets, lengths, pointers
 * (NULL, unmapped, read-only, straddling a page end).  Jobs are submitted
 * through a second open file of the device, which is closed with jobs in
 * flight every so often (its release cancels and drops them).  A sibling thread
 * rewrites the range array and swaps descriptors behind the call's back
 * (dup2 over a pool slot, close and reopen) while it runs.  A caught
 * SIGALRM every 3 ms (SA_RESTART) lands anywhere: ABI version 2 requests
 * stop for it, between any two steps, and version 1 requests must not.
 *
 * Witnesses: sentinel files beside the pool, never opened while the calls
 * run, must be unchanged at the end (no file changed that no request
 * named); every call returns (the harness's timeout catches a hang); the
 * kernel log is judged by the harness.  The pool files are cut back to at
 * most POOL_MAX every so often, so the filesystems never fill.
 * Prints the calls made per ioctl and the distinct errnos seen, then
 * "fuzz: ok" or "fuzz: FAILED: why"; exit 0 or 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <linux/copyoffload.h>

#define POOL_FILES	8
#define POOL_MAX	(8 << 20)	/* bytes a pool file may keep */
#define SENTINELS	4
#define MAX_RANGES	64
#define NR_ERRNO	4096

static int devfd;
static int fds[32];		/* the descriptor pool */
static unsigned int nfds;
static int file_slot[POOL_FILES * 2];	/* indexes of regular files in fds */
static char file_path[POOL_FILES * 2][4096];
static unsigned int nfiles;
static long page;
static __thread uint64_t rng_state;	/* each thread its own sequence */

/* a bounce area: [page0 rw][page1 rw][page2 ro][page3 unmapped] */
static unsigned char *area;

static atomic_int racing;
static atomic_int stop_racer;

static unsigned long calls[5];
static unsigned long errnos[NR_ERRNO];		/* of the calls */
static unsigned long statuses[NR_ERRNO];	/* of ranges that were worked */
static unsigned long worked;			/* RUN calls that did work */
static uint64_t bytes_done;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible from the seed */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned int percent)
{
	return below(100) < percent;
}

/* An offset or a length: mostly small and block-aligned, sometimes not. */
static uint64_t rnd_off(void)
{
	switch (below(8)) {
	case 0: return 0;
	case 1: return below(64) * 4096;
	case 2: return below(POOL_MAX);
	case 3: return below(1 << 20) * 4096;
	/* huge: past every limit, never a valid offset that is merely
	 * far (a sparse terabyte to compare would take the run's time)
	 */
	case 4: return (uint64_t)1 << (62 + below(2));
	case 5: return UINT64_MAX - below(4096);
	case 6: return (uint64_t)INT64_MAX - below(4096);
	default: return below(256) * 512;
	}
}

static uint64_t rnd_len(void)
{
	if (chance(15))
		return COPYOFFLOAD_LEN_TO_EOF;
	if (chance(10))
		return rnd_off();
	return (below(256) + 1) * (chance(70) ? 4096 : below(4096) + 1);
}

static int rnd_fd(void)
{
	switch (below(10)) {
	case 0: return -1;
	case 1: return (int)below(1 << 20);
	case 2: return devfd;
	case 3:
	case 4:
	case 5:
	case 6: return fds[file_slot[below(nfiles)]];
	default: return fds[below(nfds)];
	}
}

static void note(unsigned int kind, long ret)
{
	calls[kind]++;
	if (ret < 0 && errno > 0 && errno < NR_ERRNO)
		errnos[errno]++;
}

/* Where the range array goes: usually valid, sometimes not. */
static void *rnd_ptr(size_t len, bool *valid)
{
	*valid = true;
	switch (below(20)) {
	case 0: *valid = false; return NULL;
	case 1: *valid = false; return area + 3 * page;	/* unmapped */
	case 2: *valid = false; return area + 2 * page;	/* read-only */
	case 3: *valid = false;	/* straddles into the read-only page */
		return area + 2 * page - (len > 16 ? len / 2 : 8);
	default:
		return area + below(page - (len < (size_t)page ? len : 0) + 1) / 8 * 8;
	}
}

static void fuzz_info(void)
{
	struct copyoffload_info *i = (void *)area;
	long ret;

	memset(area, 0, page);
	i->size = chance(80) ? sizeof(*i) : (uint32_t)rnd_off();
	ret = ioctl(devfd, chance(90) ? COPYOFFLOAD_IOC_INFO :
		    _IOC(_IOC_READ | _IOC_WRITE, COPYOFFLOAD_IOC_MAGIC, 0x00,
			 below(256)), chance(95) ? (void *)i : NULL);
	note(0, ret);
}

static void fuzz_devinfo(void)
{
	struct copyoffload_devinfo *d;
	bool valid;
	long ret;

	d = rnd_ptr(sizeof(*d), &valid);
	if (valid) {
		memset(d, 0, sizeof(*d));
		d->size = chance(70) ? sizeof(*d) :
			  chance(50) ? COPYOFFLOAD_DEVINFO_SIZE_VER0 :
			  (uint32_t)rnd_off();
		d->fd = rnd_fd();
		/* no REFRESH: it probes the disk, slowly, and needs root */
		d->flags = chance(95) ? 0 : (uint32_t)rnd();
		if (d->flags & COPYOFFLOAD_DEVINFO_F_REFRESH && chance(90))
			d->flags &= ~COPYOFFLOAD_DEVINFO_F_REFRESH;
	}
	ret = ioctl(devfd, COPYOFFLOAD_IOC_DEVINFO, d);
	note(1, ret);
}

/* A pool file's descriptor. */
static int file_fd(void)
{
	return fds[file_slot[below(nfiles)]];
}

/*
 * A range: CLEAN ones name pool files with offsets and lengths that mostly
 * pass validation, so that requests get to work; the others anything.
 */
static void fill_range(unsigned char *p, size_t stride, bool clean)
{
	struct copyoffload_range *r = (void *)p;

	memset(p, 0, stride);
	if (clean) {
		struct stat st;
		uint64_t size;

		r->src_fd = file_fd();
		r->dst_fd = chance(15) ? r->src_fd : file_fd();
		/* inside the source, which clone and dedupe require */
		size = fstat(r->src_fd, &st) ? 0 : st.st_size;
		r->src_off = below(size / 4096 + 1) * 4096;
		r->dst_off = chance(20) ? r->src_off + (1 << 20) :
			     below(POOL_MAX / 4096) * 4096;
		/* small: 10,000 calls must fit a test run under TCG */
		r->len = chance(3) ? COPYOFFLOAD_LEN_TO_EOF :
			 (below(64) + 1) * (chance(80) ? 4096 : 512);
		if (r->len != COPYOFFLOAD_LEN_TO_EOF && size > r->src_off &&
		    chance(5))
			r->len = size - r->src_off;
		if (!chance(5))
			return;
	}
	r->src_fd = rnd_fd();
	r->dst_fd = chance(20) ? r->src_fd : rnd_fd();
	r->src_off = rnd_off();
	r->dst_off = chance(30) ? r->src_off : rnd_off();
	r->len = rnd_len();
	if (chance(5))
		r->bytes_done = rnd();
	if (chance(5))
		r->status = (int32_t)rnd();
	if (stride > sizeof(*r) && chance(10))
		p[sizeof(*r) + below(stride - sizeof(*r))] = 1;
}

/*
 * What the racer works on during a RUN.  Under race_lock: the racer reads
 * the pair and scribbles holding it, so once race_set(NULL, 0) returns no
 * scribble of the last RUN can land (nor use a pointer half changed).
 */
static pthread_mutex_t race_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char *race_ranges;
static size_t race_bytes;

static void race_set(unsigned char *ranges, size_t bytes)
{
	pthread_mutex_lock(&race_lock);
	race_ranges = ranges;
	race_bytes = bytes;
	pthread_mutex_unlock(&race_lock);
}

static void *racer(void *arg)
{
	rng_state = *(const uint64_t *)arg;
	while (!atomic_load(&stop_racer)) {
		if (!atomic_load(&racing)) {
			usleep(50);
			continue;
		}
		switch (below(4)) {
		case 0:	/* rewrite a byte of the range array */
			pthread_mutex_lock(&race_lock);
			if (race_bytes)
				race_ranges[below(race_bytes)] = (unsigned char)rnd();
			pthread_mutex_unlock(&race_lock);
			break;
		case 1: {	/* swap two descriptors of the pool */
			unsigned int a = below(nfds), b = below(nfds);

			if (fds[a] != devfd && fds[b] != devfd)
				dup2(fds[a], fds[b]);
			break;
		}
		case 2: {	/* close a file and reopen it in place */
			unsigned int i = below(nfiles);
			int fd = fds[file_slot[i]], nfd;

			close(fd);
			nfd = open(file_path[i], O_RDWR);
			if (nfd >= 0 && nfd != fd) {
				dup2(nfd, fd);
				close(nfd);
			}
			break;
		}
		default:
			sched_yield();
		}
	}
	return NULL;
}

/*
 * ABI version 2's inputs: a version 1 size now and then (it never stops);
 * the method array at the end of page 1, or anywhere; max_bytes in whole
 * MiB mostly.  The request sits at the start of page 1 and is smaller than
 * 512 bytes, so a valid array does not overlap it.
 */
/* Jobs in flight: their ids and requests, for WAIT and CANCEL. */
#define MAX_LIVE	12
static int jobfd = -1;
static struct {
	int id;
	struct copyoffload_req q;
} live[MAX_LIVE];
static unsigned int nlive;
static unsigned long submitted, reaped, dropped;

static void live_drop(unsigned int i)
{
	live[i] = live[--nlive];
}

/* WAIT for job I of live[] with its own request; 0 when it was reaped */
static int live_wait(unsigned int i, uint32_t flags)
{
	struct copyoffload_wait w = { .size = sizeof(w), .flags = flags,
				      .job_id = live[i].id,
				      .req = (uintptr_t)&live[i].q };
	int ret;

	do {
		ret = ioctl(jobfd, COPYOFFLOAD_IOC_WAIT, &w);
		/* outputs with nowhere to go (the ranges moved): none */
		if (ret && (errno == EFAULT || errno == EINVAL) && w.req) {
			w.req = 0;
			errno = EINTR;
		}
	} while (ret && errno == EINTR && !(flags & COPYOFFLOAD_WAIT_F_NOHANG));
	if (!ret) {
		reaped++;
		live_drop(i);
	}
	return ret;
}

/* RUN's request Q as a job instead (one call counted) */
static void fuzz_submit(struct copyoffload_req *q, bool qvalid)
{
	long ret;

	if (nlive == MAX_LIVE) {
		ret = live_wait(below(nlive), 0);
		if (ret) {
			note(4, ret);
			return;
		}
	}
	ret = ioctl(jobfd, COPYOFFLOAD_IOC_SUBMIT, q);
	note(4, ret);
	if (ret <= 0)
		return;
	submitted++;
	live[nlive].id = ret;
	live[nlive].q = qvalid ? *q : (struct copyoffload_req){ 0 };
	if (!qvalid) {
		/* its outputs have nowhere to go: reap without them */
		live[nlive].q.size = sizeof(live[nlive].q);
	}
	nlive++;
}

static void fuzz_job(void)
{
	struct copyoffload_wait *w = (void *)(area + page);
	unsigned int i = nlive ? below(nlive) : 0;
	bool valid;
	long ret;

	switch (below(10)) {
	case 0:
	case 1:
	case 2:
		ret = nlive ? live_wait(i, chance(70) ?
					COPYOFFLOAD_WAIT_F_NOHANG : 0) : 0;
		break;
	case 3:
	case 4:
		ret = ioctl(jobfd, COPYOFFLOAD_IOC_CANCEL,
			    nlive && chance(80) ? (unsigned long)live[i].id :
						  (unsigned long)rnd());
		break;
	case 5:
		/* every job of the file cancelled and dropped by release() */
		if (!chance(20)) {
			ret = 0;
			break;
		}
		close(jobfd);
		jobfd = open("/dev/copyoffload", O_RDWR);
		dropped += nlive;
		nlive = 0;
		ret = 0;
		break;
	default:
		/* a mutated WAIT: of a live job, most of the time */
		memset(w, 0, sizeof(*w));
		w->size = chance(80) ? sizeof(*w) : (uint32_t)rnd_off();
		w->flags = chance(70) ? COPYOFFLOAD_WAIT_F_NOHANG :
			   (uint32_t)rnd();
		w->reserved = chance(90) ? 0 : (uint32_t)rnd();
		w->job_id = nlive && chance(80) ? (uint32_t)live[i].id :
			    (uint32_t)rnd();
		w->req = chance(30) ? 0 : (uintptr_t)rnd_ptr(sizeof(live[0].q),
							     &valid);
		ret = ioctl(jobfd, COPYOFFLOAD_IOC_WAIT,
			    chance(95) ? (void *)w : rnd_ptr(sizeof(*w), &valid));
		if (!ret)
			for (i = 0; i < nlive; i++)
				if ((uint32_t)live[i].id == w->job_id) {
					reaped++;
					live_drop(i);
					break;
				}
		break;
	}
	note(4, ret);
}

static void fill_ver1(struct copyoffload_req *q, bool clean)
{
	bool valid;

	if (chance(20))
		q->size = COPYOFFLOAD_REQ_SIZE_VER0;
	if (q->size >= COPYOFFLOAD_REQ_SIZE_VER1 && chance(60)) {
		q->nr_method_bytes = below(COPYOFFLOAD_METHODS_MAX) + 1;
		q->method_bytes_ptr = (uintptr_t)(area + 2 * page -
			q->nr_method_bytes * sizeof(uint64_t));
	}
	if (q->op != COPYOFFLOAD_OP_CLONE && chance(40))
		q->max_bytes = (uint64_t)(below(64) + 1) << 20;
	if (clean)
		return;
	if (chance(10))
		q->method_bytes_ptr = (uintptr_t)rnd_ptr(256, &valid);
	if (chance(10))
		q->nr_method_bytes = chance(50) ? below(64) : (uint32_t)rnd();
	if (chance(10))
		q->max_bytes = chance(50) ? rnd_off() : rnd();
}

static void fuzz_run(void)
{
	struct copyoffload_req *q;
	unsigned char *ranges;
	size_t stride, bytes;
	uint32_t nr;
	bool qvalid, rvalid, clean = chance(60), race = chance(30);
	long ret;

	/* clean requests are valid as a whole; their ranges mostly */
	stride = clean || chance(85) ? sizeof(struct copyoffload_range) :
		 chance(50) ? 56 : below(8192);
	nr = clean ? (uint32_t)below(8) + 1 :
	     chance(90) ? (uint32_t)below(MAX_RANGES) + 1 :
	     chance(50) ? 0 : (uint32_t)rnd();
	bytes = (size_t)stride * (nr <= MAX_RANGES ? nr : 1);
	if (bytes > (size_t)page)
		bytes = page, nr = stride ? page / stride : 0;
	if (clean) {
		rvalid = true;
		ranges = area + below(page - bytes + 1) / 8 * 8;
	} else {
		ranges = rnd_ptr(bytes, &rvalid);
	}
	if (rvalid)
		for (uint32_t i = 0; i < nr && (i + 1) * stride <= bytes; i++)
			fill_range(ranges + i * stride, stride, clean);

	q = (void *)(area + page);	/* page 1, apart from the ranges */
	qvalid = true;
	if (!clean && chance(5))
		q = rnd_ptr(sizeof(*q), &qvalid);
	if (qvalid) {
		static const uint64_t copy_flags[] = {
			0, COPYOFFLOAD_F_ALLOW_SHARE, COPYOFFLOAD_F_REQUIRE_SHARE,
			COPYOFFLOAD_F_NO_FALLBACK,
			COPYOFFLOAD_F_ALLOW_SHARE | COPYOFFLOAD_F_NO_FALLBACK,
			COPYOFFLOAD_F_OFFLOAD_XCOPY, COPYOFFLOAD_F_OFFLOAD_ODX,
			COPYOFFLOAD_F_OFFLOAD_NONE,
			COPYOFFLOAD_F_OFFLOAD_XCOPY | COPYOFFLOAD_F_NO_FALLBACK,
		};

		memset(q, 0, sizeof(*q));
		q->size = sizeof(*q);
		q->op = below(3) + 1;
		q->flags = q->op != COPYOFFLOAD_OP_COPY ? 0 :
			   copy_flags[below(sizeof(copy_flags) /
					    sizeof(copy_flags[0]))];
		q->ranges = (uintptr_t)ranges;
		q->nr_ranges = nr;
		q->range_size = (uint32_t)stride;
		fill_ver1(q, clean);
		if (!clean) {
			if (chance(15))
				q->size = (uint32_t)rnd_off();
			if (chance(10))
				q->op = (uint32_t)rnd();
			q->flags = chance(70) ? below(1 << 7) : rnd();
			if (chance(5))
				q->reserved = (uint32_t)rnd();
			if (chance(5))
				q->nr_processed = (uint32_t)rnd();
		}
	}

	race_set(rvalid ? ranges : NULL, rvalid ? bytes : 0);
	atomic_store(&racing, race);
	if (chance(20)) {
		fuzz_submit(q, qvalid);
		atomic_store(&racing, 0);
		race_set(NULL, 0);
		return;
	}
	ret = ioctl(devfd, COPYOFFLOAD_IOC_RUN, q);
	atomic_store(&racing, 0);
	race_set(NULL, 0);
	note(2, ret);
	if (ret || !qvalid)
		return;
	worked++;
	bytes_done += q->bytes_done;
	/*
	 * The per-range outcomes, where the array could be read back and the
	 * racer was not scribbling over it (its bytes are no outcome).
	 */
	if (!rvalid || race || stride < sizeof(struct copyoffload_range))
		return;
	for (uint32_t i = 0; i < nr && (i + 1) * stride <= bytes; i++) {
		int32_t st = ((struct copyoffload_range *)(ranges + i * stride))->status;

		if (st < 0 && -st < NR_ERRNO)
			statuses[-st]++;
	}
}

static void fuzz_unknown(void)
{
	unsigned long cmd;
	long ret;

	cmd = chance(50) ? _IOC(below(4), COPYOFFLOAD_IOC_MAGIC, below(256),
			       below(1 << 14)) : (unsigned long)rnd();
	/* never a known command: those are the other cases */
	if (cmd == COPYOFFLOAD_IOC_INFO || cmd == COPYOFFLOAD_IOC_RUN ||
	    cmd == COPYOFFLOAD_IOC_DEVINFO || cmd == COPYOFFLOAD_IOC_SUBMIT ||
	    cmd == COPYOFFLOAD_IOC_WAIT || cmd == COPYOFFLOAD_IOC_CANCEL)
		cmd ^= 1;
	ret = ioctl(devfd, cmd, chance(50) ? (void *)area : (void *)rnd());
	note(3, ret);
}

/* A pool file of random size and content. */
static int make_file(const char *dir, unsigned int i, char *path)
{
	unsigned char buf[65536];
	size_t size = below(POOL_MAX / 2), done = 0;
	int fd;

	snprintf(path, 4096, "%s/fuzz-%u", dir, i);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	while (done < size) {
		size_t n = size - done < sizeof(buf) ? size - done : sizeof(buf);

		for (size_t j = 0; j < n; j++)
			buf[j] = (unsigned char)rnd();
		if (pwrite(fd, buf, n, done) != (ssize_t)n)
			break;
		done += n;
	}
	return fd;
}

/* Sentinels: written and closed before the calls, read back after. */
static uint64_t sentinel_sum(const char *path)
{
	unsigned char buf[65536];
	uint64_t h = 1469598103934665603ULL;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			h = (h ^ buf[i]) * 1099511628211ULL;
	close(fd);
	return h;
}

static void print_errnos(const char *what, const unsigned long *count)
{
	unsigned int i, distinct = 0;

	printf("# fuzz: %s:", what);
	for (i = 1; i < NR_ERRNO; i++)
		if (count[i]) {
			printf(" %s=%lu", strerrorname_np(i) ?: "?", count[i]);
			distinct++;
		}
	printf(" (%u distinct)\n", distinct);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void add_fd(int fd)
{
	if (fd >= 0 && nfds < sizeof(fds) / sizeof(fds[0]))
		fds[nfds++] = fd;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *dir2 = NULL, *bdev = NULL;
	char sentinel[SENTINELS][4096];
	uint64_t sums[SENTINELS];
	unsigned long n = 10000, i, total = 0;
	unsigned long long seed = time(NULL);
	uint64_t racer_seed;
	int opt, p[2], sv[2], bad = 0;
	pthread_t thr;

	while ((opt = getopt(argc, argv, "d:e:b:n:s:")) != -1) {
		switch (opt) {
		case 'd': dir = optarg; break;
		case 'e': dir2 = optarg; break;
		case 'b': bdev = optarg; break;
		case 'n': n = strtoul(optarg, NULL, 0); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: fuzz -d DIR [-e DIR2] [-b BLOCKDEV] [-n CALLS] [-s SEED]\n");
			return 2;
		}
	}
	if (!dir) {
		fprintf(stderr, "fuzz: -d DIR is required\n");
		return 2;
	}
	rng_state = seed ? seed : 1;
	/*
	 * Every method is held to RLIMIT_FSIZE: no file grows past 64 MiB, so
	 * no request has more than that to compare or copy.  EFBIG instead of
	 * SIGXFSZ.
	 */
	signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &(struct rlimit){ 64 << 20, 64 << 20 });
	printf("# fuzz: seed %llu, %lu calls\n", seed, n);
	page = sysconf(_SC_PAGESIZE);
	area = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return 1;
	mprotect(area + 2 * page, page, PROT_READ);
	munmap(area + 3 * page, page);
	devfd = open("/dev/copyoffload", O_RDWR);
	jobfd = open("/dev/copyoffload", O_RDWR);
	if (devfd < 0 || jobfd < 0) {
		perror("/dev/copyoffload");
		return 1;
	}

	for (i = 0; i < SENTINELS; i++) {
		int fd = make_file(i % 2 && dir2 ? dir2 : dir, 1000 + i,
				   sentinel[i]);

		if (fd < 0)
			return 1;
		fsync(fd);
		close(fd);
		sums[i] = sentinel_sum(sentinel[i]);
	}
	for (i = 0; i < POOL_FILES * (dir2 ? 2 : 1); i++) {
		int fd = make_file(i >= POOL_FILES ? dir2 : dir, i,
				   file_path[nfiles]);

		if (fd < 0)
			return 1;
		file_slot[nfiles++] = nfds;
		add_fd(fd);
	}
	add_fd(open(dir, O_RDONLY | O_DIRECTORY));
	add_fd(open(file_path[0], O_PATH));
	add_fd(open(file_path[0], O_RDONLY));
	add_fd(open(file_path[1], O_WRONLY | O_APPEND));
	if (!pipe(p)) {
		add_fd(p[0]);
		add_fd(p[1]);
	}
	if (!socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		add_fd(sv[0]);
	add_fd(open("/dev/null", O_RDWR));
	add_fd(eventfd(0, 0));
	if (bdev)
		add_fd(open(bdev, O_RDONLY));

	racer_seed = rnd() | 1;
	pthread_create(&thr, NULL, racer, &racer_seed);
	sigaction(SIGALRM, &(struct sigaction){ .sa_handler = on_alarm,
						 .sa_flags = SA_RESTART }, NULL);
	setitimer(ITIMER_REAL, &(struct itimerval){ { 0, 3000 }, { 0, 3000 } },
		  NULL);
	for (i = 0; i < n; i++) {
		switch (below(10)) {
		case 0: fuzz_info(); break;
		case 1:
		case 2: fuzz_devinfo(); break;
		case 3: fuzz_unknown(); break;
		case 4: fuzz_job(); break;
		default: fuzz_run(); break;
		}
		/* the pool stays small: the filesystems never fill */
		if (i % 64 == 63)
			for (unsigned int f = 0; f < nfiles; f++)
				truncate(file_path[f], below(POOL_MAX));
	}
	/* every job in flight reaped, the rest with the file */
	while (nlive && chance(50))
		live_wait(nlive - 1, 0);
	setitimer(ITIMER_REAL, &(struct itimerval){ { 0, 0 }, { 0, 0 } }, NULL);
	atomic_store(&stop_racer, 1);
	pthread_join(thr, NULL);
	dropped += nlive;
	close(jobfd);

	for (i = 0; i < 5; i++)
		total += calls[i];
	printf("# fuzz: %lu calls: info %lu, devinfo %lu, run %lu, unknown %lu, jobs %lu\n",
	       total, calls[0], calls[1], calls[2], calls[3], calls[4]);
	printf("# fuzz: %lu jobs submitted, %lu reaped, %lu dropped by close\n",
	       submitted, reaped, dropped);
	printf("# fuzz: %lu requests did work, %" PRIu64 " bytes done\n",
	       worked, bytes_done);
	print_errnos("calls failed with", errnos);
	print_errnos("ranges ended with", statuses);
	for (i = 0; i < SENTINELS; i++)
		if (sentinel_sum(sentinel[i]) != sums[i]) {
			printf("fuzz: FAILED: %s changed, though no request named it\n",
			       sentinel[i]);
			bad = 1;
		}
	if (total != n) {
		printf("fuzz: FAILED: %lu calls of %lu\n", total, n);
		bad = 1;
	}
	if (!bad)
		printf("fuzz: ok\n");
	return bad;
}
