// SPDX-License-Identifier: MIT
/*
 * libcopyoffload: the handle, the module path and the small helpers.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "internal.h"

#define CO_OPEN_ALL	(COPYOFFLOAD_OPEN_NO_MODULE | \
			 COPYOFFLOAD_OPEN_REQUIRE_MODULE)

static int co_ioc_info(int fd, struct copyoffload_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	if (ioctl(fd, COPYOFFLOAD_IOC_INFO, info) < 0)
		return -errno;
	return 0;
}

/* Errnos of open(2) that mean "the module is not there". */
static bool co_module_absent(int err)
{
	return err == ENOENT || err == ENODEV || err == ENXIO;
}

/*
 * Open the device and ask what it can do.  A device that does not know
 * COPYOFFLOAD_IOC_INFO (ENOTTY) is not ours: work as without the module.
 */
static int co_open_module(struct copyoffload *co)
{
	struct copyoffload_info info;
	int fd, err;

	fd = open(COPYOFFLOAD_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return co_module_absent(errno) ? 0 : -errno;
	err = co_ioc_info(fd, &info);
	if (err) {
		close(fd);
		return err == -ENOTTY ? 0 : err;
	}
	co->fd = fd;
	co->features = info.features;
	return 0;
}

CO_EXPORT int copyoffload_open(struct copyoffload **cop, unsigned int flags)
{
	struct copyoffload *co;
	int err;

	if (!cop)
		return -EINVAL;
	*cop = NULL;
	if ((flags & ~CO_OPEN_ALL) || (flags & CO_OPEN_ALL) == CO_OPEN_ALL)
		return -EINVAL;
	co = calloc(1, sizeof(*co));
	if (!co)
		return -ENOMEM;
	co->fd = -1;
	if (!(flags & COPYOFFLOAD_OPEN_NO_MODULE)) {
		err = co_open_module(co);
		if (err)
			goto fail;
	}
	if (co->fd < 0 && (flags & COPYOFFLOAD_OPEN_REQUIRE_MODULE)) {
		err = -ENODEV;
		goto fail;
	}
	*cop = co;
	return 0;
fail:
	free(co);
	return err;
}

CO_EXPORT void copyoffload_close(struct copyoffload *co)
{
	if (!co)
		return;
	if (co->fd >= 0)
		close(co->fd);
	free(co);
}

CO_EXPORT int copyoffload_has_module(const struct copyoffload *co)
{
	return co && co->fd >= 0;
}

CO_EXPORT int copyoffload_info(struct copyoffload *co,
			       struct copyoffload_info *info)
{
	if (!co || !info)
		return -EINVAL;
	if (co->fd < 0)
		return -ENODEV;
	return co_ioc_info(co->fd, info);
}

/*
 * SIZE is what the caller's structure holds: the module writes no more,
 * and a module that knows less leaves the rest zero.
 */
CO_EXPORT int copyoffload_devinfo_size(struct copyoffload *co, int fd,
				       unsigned int flags,
				       struct copyoffload_devinfo *di,
				       size_t size)
{
	if (!co || !di || size < COPYOFFLOAD_DEVINFO_SIZE_VER0 ||
	    size > UINT32_MAX)
		return -EINVAL;
	if (co->fd < 0 || !(co->features & COPYOFFLOAD_FEAT_DEVINFO))
		return -ENODEV;
	memset(di, 0, size);
	di->size = size;
	di->fd = fd;
	di->flags = flags;
	if (ioctl(co->fd, COPYOFFLOAD_IOC_DEVINFO, di) < 0)
		return -errno;
	return 0;
}

/*
 * The first interface (LIBCOPYOFFLOAD_1.0): programs built with it have the
 * VER0 structure, so that much is written, whatever the header says now.
 */
CO_EXPORT int copyoffload_devinfo(struct copyoffload *co, int fd,
				  unsigned int flags,
				  struct copyoffload_devinfo *di)
{
	return copyoffload_devinfo_size(co, fd, flags, di,
					COPYOFFLOAD_DEVINFO_SIZE_VER0);
}

static uint64_t co_op_feature(unsigned int op)
{
	switch (op) {
	case COPYOFFLOAD_OP_CLONE:
		return COPYOFFLOAD_FEAT_CLONE;
	case COPYOFFLOAD_OP_DEDUPE:
		return COPYOFFLOAD_FEAT_DEDUPE;
	default:
		return COPYOFFLOAD_FEAT_COPY;
	}
}

static int co_module_run(struct copyoffload *co, unsigned int op,
			 uint64_t flags, struct copyoffload_range *ranges,
			 unsigned int nr, struct copyoffload_result *res)
{
	struct copyoffload_req req = {
		.size = sizeof(req),
		.op = op,
		.flags = flags,
		.ranges = (uintptr_t)ranges,
		.nr_ranges = nr,
		.range_size = sizeof(*ranges),
	};
	unsigned int i;
	int err = 0;

	if (ioctl(co->fd, COPYOFFLOAD_IOC_RUN, &req) < 0)
		err = -errno;
	res->nr_processed = req.nr_processed;
	res->bytes_done = req.bytes_done;
	for (i = 0; i < COPYOFFLOAD_METHOD_NR; i++)
		res->method_bytes[i] = req.method_bytes[i];
	return err;
}

static int co_run(struct copyoffload *co, unsigned int op, uint64_t flags,
		  struct copyoffload_range *ranges, unsigned int nr,
		  struct copyoffload_result *res)
{
	struct copyoffload_result unused;
	struct co_fallback fb;
	bool module;
	int err;

	if (!co)
		return -EINVAL;
	if (!res)
		res = &unused;
	memset(res, 0, sizeof(*res));
	/* A module without the operation leaves it to the library. */
	module = co->fd >= 0 && (co->features & co_op_feature(op));
	res->no_module = !module;
	err = co_check_request(op, flags, ranges, nr);
	if (err)
		return err;
	if (module)
		return co_module_run(co, op, flags, ranges, nr, res);

	co_prefill(ranges, nr);
	fb = (struct co_fallback) {
		.op = op,
		.flags = flags,
		.ranges = ranges,
		.nr = nr,
		.res = res,
	};
	return co_fallback_run(&fb);
}

CO_EXPORT int copyoffload_clone(struct copyoffload *co,
				struct copyoffload_range *ranges,
				unsigned int nr, struct copyoffload_result *res)
{
	return co_run(co, COPYOFFLOAD_OP_CLONE, 0, ranges, nr, res);
}

CO_EXPORT int copyoffload_dedupe(struct copyoffload *co,
				 struct copyoffload_range *ranges,
				 unsigned int nr,
				 struct copyoffload_result *res)
{
	return co_run(co, COPYOFFLOAD_OP_DEDUPE, 0, ranges, nr, res);
}

CO_EXPORT int copyoffload_copy(struct copyoffload *co, uint64_t flags,
			       struct copyoffload_range *ranges,
			       unsigned int nr, struct copyoffload_result *res)
{
	return co_run(co, COPYOFFLOAD_OP_COPY, flags, ranges, nr, res);
}

CO_EXPORT void copyoffload_range_init(struct copyoffload_range *r,
				      int src_fd, uint64_t src_off,
				      int dst_fd, uint64_t dst_off,
				      uint64_t len)
{
	memset(r, 0, sizeof(*r));
	r->src_fd = src_fd;
	r->src_off = src_off;
	r->dst_fd = dst_fd;
	r->dst_off = dst_off;
	r->len = len;
	r->status = COPYOFFLOAD_STATUS_NOT_RUN;
}

static const char *const co_method_names[32] = {
	[COPYOFFLOAD_METHOD_CLONE] = "clone",
	[COPYOFFLOAD_METHOD_FS_COPY] = "fs_copy",
	[COPYOFFLOAD_METHOD_XCOPY] = "xcopy",
	[COPYOFFLOAD_METHOD_ODX] = "odx",
	[COPYOFFLOAD_METHOD_KERNEL] = "kernel",
	[COPYOFFLOAD_METHOD_HOLE] = "hole",
	[COPYOFFLOAD_LIB_METHOD_COPY_FILE_RANGE] = "copy_file_range",
	[COPYOFFLOAD_LIB_METHOD_USERSPACE] = "userspace",
	[31] = "no_module",	/* COPYOFFLOAD_LIB_M_NO_MODULE */
};

CO_EXPORT const char *copyoffload_method_name(unsigned int method)
{
	if (method >= ARRAY_SIZE(co_method_names))
		return NULL;
	return co_method_names[method];
}

CO_EXPORT const char *copyoffload_status_name(int status)
{
	const char *s = NULL;

	switch (status) {
	case COPYOFFLOAD_STATUS_OK:
		return "ok";
	case COPYOFFLOAD_STATUS_SAME:
		return "same";
	case COPYOFFLOAD_STATUS_DIFFERS:
		return "differs";
	case COPYOFFLOAD_STATUS_NOT_RUN:
		return "not run";
	}
	/* strerrordesc_np: strerror()'s text, thread-safe and never freed */
	if (status < 0 && status > INT_MIN)
		s = strerrordesc_np(-status);
	return s ? s : "unknown status";
}
