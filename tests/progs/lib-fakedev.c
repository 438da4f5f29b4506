// SPDX-License-Identifier: GPL-2.0
/*
 * lib-fakedev.so: a stand-in for /dev/copyoffload, preloaded (LD_PRELOAD)
 * under lib-check so that the library's module path can be tested on a
 * machine that cannot load the module.  It checks and reports what the
 * library sends; it does no I/O.  It also makes system calls of the
 * no-module path fail on demand, for the errors no filesystem here gives.
 *
 *   CO_FAKE_OPEN_ERRNO=N   open() of the device fails with errno N
 *   CO_FAKE_INFO_ERRNO=N   COPYOFFLOAD_IOC_INFO fails with errno N
 *   CO_FAKE_FEATURES=X     info.features (default: all)
 *   CO_FAKE_RUN_ERRNO=N    COPYOFFLOAD_IOC_RUN fails with errno N, as a
 *                          range check would: range 0 gets -N as status
 *   CO_FAKE_ABI=1          answer as a module of ABI version 1 (a smaller
 *                          INFO, E2BIG for a larger request's tail);
 *                          default: version 2
 *   CO_FAKE_STOP=N         the first RUN stops as a signal would: ranges
 *                          before N done, range N half done (STOPPED)
 *   CO_FAKE_SUBMIT_ERRNO=N COPYOFFLOAD_IOC_SUBMIT fails with errno N
 *   CO_FAKE_WAIT_ERRNO=N   COPYOFFLOAD_IOC_WAIT fails with errno N
 *   CO_FAKE_DEVINFO_ERRNO=N  COPYOFFLOAD_IOC_DEVINFO fails with errno N
 *   CO_FAKE_NVME_CAPS=X    DEVINFO answers an NVMe namespace (nsid 1,
 *                          MSSRL 256, MCL 1024, MSRC 15) with u.nvme.caps X
 *
 * With COPYOFFLOAD_FEAT_JOBS in CO_FAKE_FEATURES, SUBMIT checks the request
 * as RUN does, answers job id 7 and keeps nothing; WAIT of job 7 does the
 * work as RUN would into the request at wait.req; CANCEL of 7 is 0, of
 * anything else ENOENT.
 *
 * With COPYOFFLOAD_FEAT_NVME in CO_FAKE_FEATURES, info.devinfo_flags has
 * COPYOFFLOAD_DEVINFO_F_SET_NVME.  DEVINFO prints what it was given
 * (fake.devinfo_* and, with SET_NVME, fake.nvme_*) and answers a devinfo
 * of transport OTHER, or with SET_NVME an NVMe one whose caps have
 * COPYOFFLOAD_NVME_LIMITS_SET.
 *
 * Otherwise RUN marks every range done by COPYOFFLOAD_METHOD_KERNEL.  Each
 * call prints fake.* lines on stderr.
 *
 *   CO_FAKE_CFR_ERRNO=N    copy_file_range() fails with errno N
 *   CO_FAKE_PUNCH_ERRNO=N  fallocate(FALLOC_FL_PUNCH_HOLE) fails with N
 *   CO_FAKE_WRITE_LIMIT=B  pwrite() writes B bytes in all (the one that
 *                          reaches the limit short), then fails with ENOSPC
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/copyoffload.h>

static int fake_fd = -1;

/* The real function name, looked up once. */
#define REAL(name) ({						\
	static __typeof__(name) *real_fn;			\
	if (!real_fn)						\
		real_fn = dlsym(RTLD_NEXT, #name);		\
	real_fn;							\
})

static int env_int(const char *name, int def)
{
	const char *v = getenv(name);

	return v ? (int)strtol(v, NULL, 0) : def;
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;
	int err;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (strcmp(path, COPYOFFLOAD_DEVICE))
		return REAL(open)(path, flags, mode);
	fprintf(stderr, "fake.open_flags=%#x\n", flags);
	err = env_int("CO_FAKE_OPEN_ERRNO", 0);
	if (err) {
		errno = err;
		return -1;
	}
	fake_fd = REAL(open)("/dev/null", O_RDWR | O_CLOEXEC);
	return fake_fd;
}

static int fake_info(struct copyoffload_info *info)
{
	int err = env_int("CO_FAKE_INFO_ERRNO", 0);

	fprintf(stderr, "fake.info_size=%u\n", info->size);
	if (err) {
		errno = err;
		return -1;
	}
	info->abi_version = env_int("CO_FAKE_ABI", 2);
	info->features = strtoull(getenv("CO_FAKE_FEATURES") ?: "0x7f",
				  NULL, 0);
	info->flags = (1ULL << 6) - 1;
	if (info->features & COPYOFFLOAD_FEAT_NVME)
		info->flags |= COPYOFFLOAD_F_OFFLOAD_NVME;
	info->max_ranges = COPYOFFLOAD_MAX_RANGES;
	info->chunk_size = 1 << 20;
	strcpy((char *)info->version, "fake");
	if (info->abi_version < 2) {
		info->size = COPYOFFLOAD_INFO_SIZE_VER0;
		return 0;
	}
	if (info->size >= COPYOFFLOAD_INFO_SIZE_VER1) {
		info->size = COPYOFFLOAD_INFO_SIZE_VER1;
		info->nr_methods = 6;
		info->req_size = COPYOFFLOAD_REQ_SIZE_VER1;
		info->range_size = COPYOFFLOAD_RANGE_SIZE_VER0;
		info->devinfo_size = COPYOFFLOAD_DEVINFO_SIZE_VER2;
		info->devinfo_flags = COPYOFFLOAD_DEVINFO_F_REFRESH;
		if (info->features & COPYOFFLOAD_FEAT_NVME)
			info->devinfo_flags |= COPYOFFLOAD_DEVINFO_F_SET_NVME;
	} else {
		info->size = COPYOFFLOAD_INFO_SIZE_VER0;
	}
	return 0;
}

static int fake_devinfo(struct copyoffload_devinfo *di)
{
	int err = env_int("CO_FAKE_DEVINFO_ERRNO", 0);
	struct copyoffload_devinfo_nvme *n = &di->u.nvme;

	fprintf(stderr, "fake.devinfo_size=%u\nfake.devinfo_flags=%#x\n",
		di->size, di->flags);
	if (di->size >= COPYOFFLOAD_DEVINFO_SIZE_VER2 &&
	    (di->flags & COPYOFFLOAD_DEVINFO_F_SET_NVME))
		fprintf(stderr, "fake.nvme_nsid=%u\nfake.nvme_caps=%#x\n"
			"fake.nvme_mcl=%u\nfake.nvme_mssrl=%u\n"
			"fake.nvme_msrc=%u\n", n->nsid, n->caps, n->mcl,
			n->mssrl, n->msrc);
	if (err) {
		errno = err;
		return -1;
	}
	di->logical_block_size = 512;
	if (di->size < COPYOFFLOAD_DEVINFO_SIZE_VER2)
		return 0;
	if (di->flags & COPYOFFLOAD_DEVINFO_F_SET_NVME) {
		di->transport = COPYOFFLOAD_TRANSPORT_NVME;
		n->nsid = 1;
		n->caps |= COPYOFFLOAD_NVME_LIMITS_SET;
	} else if (getenv("CO_FAKE_NVME_CAPS")) {
		di->transport = COPYOFFLOAD_TRANSPORT_NVME;
		*n = (struct copyoffload_devinfo_nvme) {
			.nsid = 1, .mssrl = 256, .mcl = 1024, .msrc = 15,
			.caps = strtoul(getenv("CO_FAKE_NVME_CAPS"), NULL, 0),
		};
	}
	return 0;
}

/* A version 1 module takes no more than it knows unless the rest is 0. */
static int fake_v1_tail(const struct copyoffload_req *req)
{
	const unsigned char *p = (const void *)req;
	unsigned int i;

	for (i = COPYOFFLOAD_REQ_SIZE_VER0; i < req->size; i++)
		if (p[i])
			return E2BIG;
	return 0;
}

/* Ranges done, as the module reports them: bytes and method. */
static void fake_done(struct copyoffload_req *req, struct copyoffload_range *r,
		      uint64_t bytes, uint64_t *mb)
{
	r->bytes_done = bytes;
	r->methods = bytes ? 1U << COPYOFFLOAD_METHOD_KERNEL : 0;
	req->bytes_done += bytes;
	req->method_bytes[COPYOFFLOAD_METHOD_KERNEL] += bytes;
	if (mb)
		mb[COPYOFFLOAD_METHOD_KERNEL] += bytes;
}

static int fake_run(struct copyoffload_req *req)
{
	static int calls;
	struct copyoffload_range *r = (void *)(uintptr_t)req->ranges;
	int err = env_int("CO_FAKE_RUN_ERRNO", 0);
	int stop = calls++ ? -1 : env_int("CO_FAKE_STOP", -1);
	bool v2 = req->size >= COPYOFFLOAD_REQ_SIZE_VER1 &&
		  env_int("CO_FAKE_ABI", 2) >= 2;
	uint64_t *mb = v2 ? (void *)(uintptr_t)req->method_bytes_ptr : NULL;
	unsigned int i;

	fprintf(stderr, "fake.size=%u\nfake.op=%u\nfake.flags=%#llx\n"
		"fake.nr=%u\nfake.range_size=%u\nfake.reserved=%u\n",
		req->size, req->op, (unsigned long long)req->flags,
		req->nr_ranges, req->range_size, req->reserved);
	if (v2)
		fprintf(stderr, "fake.nr_method_bytes=%u\nfake.max_bytes=%llu\n"
			"fake.first_src_off=%llu\nfake.first_len=%llu\n",
			req->nr_method_bytes,
			(unsigned long long)req->max_bytes,
			(unsigned long long)r[0].src_off,
			(unsigned long long)r[0].len);
	if (!v2 && fake_v1_tail(req)) {
		errno = E2BIG;
		return -1;
	}
	if (mb)
		memset(mb, 0, req->nr_method_bytes * sizeof(*mb));
	for (i = 0; i < req->nr_ranges; i++) {
		r[i].bytes_done = 0;
		r[i].status = COPYOFFLOAD_STATUS_NOT_RUN;
		r[i].methods = 0;
	}
	if (err) {
		r[0].status = -err;
		errno = err;
		return -1;
	}
	for (i = 0; i < req->nr_ranges; i++) {
		if ((int)i == stop) {
			fake_done(req, &r[i], r[i].len / 2 & ~4095ULL, mb);
			r[i].status = COPYOFFLOAD_STATUS_STOPPED;
			req->stop = COPYOFFLOAD_STOP_SIGNAL;
			break;
		}
		fake_done(req, &r[i], r[i].len, mb);
		r[i].status = COPYOFFLOAD_STATUS_OK;
		req->nr_processed++;
	}
	if (v2)
		req->nr_method_bytes = 6;
	return 0;
}

#define FAKE_JOB_ID	7

static int fake_submit(struct copyoffload_req *req)
{
	int err = env_int("CO_FAKE_SUBMIT_ERRNO", 0);

	fprintf(stderr, "fake.submit_size=%u\nfake.submit_op=%u\n"
		"fake.submit_flags=%#llx\nfake.submit_nr=%u\n"
		"fake.submit_range_size=%u\nfake.submit_max_bytes=%llu\n"
		"fake.submit_method_bytes_ptr=%llu\n",
		req->size, req->op, (unsigned long long)req->flags,
		req->nr_ranges, req->range_size,
		(unsigned long long)req->max_bytes,
		(unsigned long long)req->method_bytes_ptr);
	if (err) {
		errno = err;
		return -1;
	}
	return FAKE_JOB_ID;
}

static int fake_wait(struct copyoffload_wait *w)
{
	int err = env_int("CO_FAKE_WAIT_ERRNO", 0);

	fprintf(stderr, "fake.wait_size=%u\nfake.wait_flags=%#x\n"
		"fake.wait_job_id=%u\nfake.wait_reserved=%u\n"
		"fake.wait_req=%s\n", w->size, w->flags, w->job_id,
		w->reserved, w->req ? "set" : "0");
	if (err) {
		errno = err;
		return -1;
	}
	if (w->job_id != FAKE_JOB_ID) {
		errno = ENOENT;
		return -1;
	}
	return w->req ? fake_run((void *)(uintptr_t)w->req) : 0;
}

int ioctl(int fd, unsigned long cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != fake_fd || fd < 0)
		return REAL(ioctl)(fd, cmd, arg);
	if (cmd == COPYOFFLOAD_IOC_INFO)
		return fake_info(arg);
	if (cmd == COPYOFFLOAD_IOC_RUN)
		return fake_run(arg);
	if (cmd == COPYOFFLOAD_IOC_DEVINFO)
		return fake_devinfo(arg);
	if (cmd == COPYOFFLOAD_IOC_SUBMIT)
		return fake_submit(arg);
	if (cmd == COPYOFFLOAD_IOC_WAIT)
		return fake_wait(arg);
	if (cmd == COPYOFFLOAD_IOC_CANCEL) {
		fprintf(stderr, "fake.cancel=%lu\n", (unsigned long)arg);
		if ((unsigned long)arg == FAKE_JOB_ID)
			return 0;
		errno = ENOENT;
		return -1;
	}
	errno = ENOTTY;
	return -1;
}

/* Fail with the errno in the environment variable name, if it is set. */
static int fault(const char *name)
{
	int err = env_int(name, 0);

	if (err)
		errno = err;
	return err;
}

ssize_t copy_file_range(int in, off_t *in_off, int out, off_t *out_off,
			size_t len, unsigned int flags)
{
	if (fault("CO_FAKE_CFR_ERRNO"))
		return -1;
	return REAL(copy_file_range)(in, in_off, out, out_off, len, flags);
}

int fallocate(int fd, int mode, off_t off, off_t len)
{
	if ((mode & FALLOC_FL_PUNCH_HOLE) && fault("CO_FAKE_PUNCH_ERRNO"))
		return -1;
	return REAL(fallocate)(fd, mode, off, len);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	static long long written;
	long long limit = env_int("CO_FAKE_WRITE_LIMIT", -1);
	ssize_t n;

	if (limit >= 0) {
		if (written >= limit) {
			errno = ENOSPC;
			return -1;
		}
		if ((long long)len > limit - written)
			len = limit - written;
	}
	n = REAL(pwrite)(fd, buf, len, off);
	if (n > 0)
		written += n;
	return n;
}
