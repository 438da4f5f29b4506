// SPDX-License-Identifier: GPL-2.0
/*
 * abi-v1-user: a program as it was built against ABI version 1, run against
 * today's module.  It is compiled with tests/progs/abi-v1/linux/copyoffload.h,
 * the header exactly as version 1 shipped it (never edit that copy), so every
 * size, number and constant below is version 1's.  Version 2 promises such a
 * program the answers version 1 gave:
 *
 *   abi-v1-user DIR BLOCKDEV
 *
 * INFO with the version 1 structure (64 bytes written, nothing past), a
 * two-range COPY, a CLONE and a DEDUPE with version 1 requests (112 bytes,
 * method_bytes[COPYOFFLOAD_METHOD_NR]), DEVINFO with version 1's structure
 * (144 bytes) on BLOCKDEV.  DIR is on a reflink-capable xfs.  Prints one
 * "ok NAME" / "not ok NAME: WHY" line per call (tests/lib.sh's format).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <linux/copyoffload.h>

#define SIZE	(1024 * 1024)

static int co_fd, failed;

static void report(const char *name, const char *why)
{
	if (why) {
		printf("not ok abi-v1/%s: %s\n", name, why);
		failed = 1;
	} else {
		printf("ok abi-v1/%s\n", name);
	}
}

static int make_file(const char *dir, const char *name, unsigned char seed)
{
	static unsigned char buf[SIZE];
	char path[4096];
	int fd;
	size_t i;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7 + seed + i / 4096);
	if (fd < 0 || pwrite(fd, buf, sizeof(buf), 0) != SIZE || fsync(fd)) {
		perror(path);
		exit(1);
	}
	return fd;
}

static int same_bytes(int a, int b)
{
	static unsigned char x[SIZE], y[SIZE];

	return pread(a, x, SIZE, 0) == SIZE && pread(b, y, SIZE, 0) == SIZE &&
	       !memcmp(x, y, SIZE);
}

/*
 * ioctl CMD on the version 1 structure S of SIZE bytes, placed in a larger
 * buffer: WHY when it failed or wrote past the structure.
 */
static const char *ioctl_v1(unsigned long cmd, void *s, size_t size)
{
	unsigned char buf[512];
	size_t i;

	memset(buf, 0x5a, sizeof(buf));
	memcpy(buf, s, size);
	if (ioctl(co_fd, cmd, buf) < 0)
		return strerror(errno);
	memcpy(s, buf, size);
	for (i = size; i < sizeof(buf); i++)
		if (buf[i] != 0x5a)
			return "bytes past the version 1 structure written";
	return NULL;
}

static void check_info(void)
{
	struct copyoffload_info info = { .size = sizeof(info) };
	const char *why = ioctl_v1(COPYOFFLOAD_IOC_INFO, &info, sizeof(info));

	if (!why && info.size != COPYOFFLOAD_INFO_SIZE_VER0)
		why = "info.size is not version 1's";
	if (!why && info.abi_version < COPYOFFLOAD_ABI_VERSION)
		why = "abi_version below 1";
	if (!why && (info.flags & COPYOFFLOAD_F_ALL) != COPYOFFLOAD_F_ALL)
		why = "a version 1 flag is no longer accepted";
	if (!why && !(info.features & COPYOFFLOAD_FEAT_COPY))
		why = "no COPY feature";
	report("info", why);
}

/* One version 1 request over NR ranges; WHY set when it went wrong. */
static const char *run(__u32 op, __u64 flags, struct copyoffload_range *r,
		       unsigned int nr, struct copyoffload_req *q)
{
	__u64 sum = 0;
	unsigned int m;

	*q = (struct copyoffload_req){
		.size = sizeof(*q), .op = op, .flags = flags,
		.ranges = (uintptr_t)r, .nr_ranges = nr,
		.range_size = sizeof(*r),
	};
	if (ioctl(co_fd, COPYOFFLOAD_IOC_RUN, q) < 0)
		return strerror(errno);
	if (q->nr_processed != nr)
		return "not every range processed";
	for (m = 0; m < COPYOFFLOAD_METHOD_NR; m++)
		sum += q->method_bytes[m];
	if (sum != q->bytes_done)
		return "method_bytes[] do not add up to bytes_done";
	return NULL;
}

static void check_copy(int a, int b)
{
	struct copyoffload_range r[2] = {
		{ .src_fd = a, .dst_fd = b, .src_off = 0, .dst_off = 0,
		  .len = SIZE / 2 },
		{ .src_fd = a, .dst_fd = b, .src_off = SIZE / 2,
		  .dst_off = SIZE / 2, .len = COPYOFFLOAD_LEN_TO_EOF },
	};
	struct copyoffload_req q;
	const char *why = run(COPYOFFLOAD_OP_COPY, 0, r, 2, &q);

	if (!why && (r[0].status || r[1].status || q.bytes_done != SIZE))
		why = "a range failed or came short";
	if (!why && ((r[0].methods | r[1].methods) & 0xffff0000U))
		why = "methods bits the module never set in version 1";
	if (!why && !same_bytes(a, b))
		why = "the bytes differ";
	report("copy", why);
}

static void check_clone_dedupe(int a, int c)
{
	struct copyoffload_range r = {
		.src_fd = a, .dst_fd = c, .len = SIZE,
	};
	struct copyoffload_req q;
	const char *why = run(COPYOFFLOAD_OP_CLONE, 0, &r, 1, &q);

	if (!why && (r.status || r.bytes_done != SIZE ||
		     r.methods != 1U << COPYOFFLOAD_METHOD_CLONE))
		why = "the clone did not report the whole range as CLONE";
	if (!why && !same_bytes(a, c))
		why = "the bytes differ";
	report("clone", why);

	r = (struct copyoffload_range){ .src_fd = a, .dst_fd = c, .len = SIZE };
	why = run(COPYOFFLOAD_OP_DEDUPE, 0, &r, 1, &q);
	if (!why && (r.status != COPYOFFLOAD_STATUS_SAME ||
		     r.bytes_done != SIZE))
		why = "the dedupe did not report the whole range SAME";
	report("dedupe", why);
}

static void check_devinfo(const char *blockdev)
{
	struct copyoffload_devinfo di = { .size = sizeof(di) };
	const char *why;

	di.fd = open(blockdev, O_RDONLY);
	if (di.fd < 0) {
		report("devinfo", strerror(errno));
		return;
	}
	why = ioctl_v1(COPYOFFLOAD_IOC_DEVINFO, &di, sizeof(di));
	if (!why && (di.size != COPYOFFLOAD_DEVINFO_SIZE_VER1 ||
		     !di.logical_block_size))
		why = "size or logical_block_size wrong";
	if (!why && !(di.caps & COPYOFFLOAD_DEV_SCSI))
		why = "a SCSI LUN not reported as SCSI";
	close(di.fd);
	report("devinfo", why);
}

int main(int argc, char **argv)
{
	int a, b, c;

	if (argc != 3) {
		fprintf(stderr, "usage: abi-v1-user DIR BLOCKDEV\n");
		return 2;
	}
	co_fd = open(COPYOFFLOAD_DEVICE, O_RDWR | O_CLOEXEC);
	if (co_fd < 0) {
		perror(COPYOFFLOAD_DEVICE);
		return 1;
	}
	a = make_file(argv[1], "v1-a", 1);
	b = make_file(argv[1], "v1-b", 2);
	c = make_file(argv[1], "v1-c", 3);
	check_info();
	check_copy(a, b);
	check_clone_dedupe(a, c);
	check_devinfo(argv[2]);
	return failed;
}
