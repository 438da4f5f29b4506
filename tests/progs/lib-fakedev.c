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
	info->size = COPYOFFLOAD_INFO_SIZE_VER0;
	info->abi_version = COPYOFFLOAD_ABI_VERSION;
	info->features = strtoull(getenv("CO_FAKE_FEATURES") ?: "0x7f",
				  NULL, 0);
	info->flags = COPYOFFLOAD_F_ALL;
	info->max_ranges = COPYOFFLOAD_MAX_RANGES;
	info->chunk_size = 1 << 20;
	strcpy((char *)info->version, "fake");
	return 0;
}

static int fake_run(struct copyoffload_req *req)
{
	struct copyoffload_range *r = (void *)(uintptr_t)req->ranges;
	int err = env_int("CO_FAKE_RUN_ERRNO", 0);
	unsigned int i;

	fprintf(stderr, "fake.size=%u\nfake.op=%u\nfake.flags=%#llx\n"
		"fake.nr=%u\nfake.range_size=%u\nfake.reserved=%u\n",
		req->size, req->op, (unsigned long long)req->flags,
		req->nr_ranges, req->range_size, req->reserved);
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
		r[i].bytes_done = r[i].len;
		r[i].status = COPYOFFLOAD_STATUS_OK;
		r[i].methods = 1U << COPYOFFLOAD_METHOD_KERNEL;
		req->bytes_done += r[i].len;
		req->method_bytes[COPYOFFLOAD_METHOD_KERNEL] += r[i].len;
	}
	req->nr_processed = req->nr_ranges;
	return 0;
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
