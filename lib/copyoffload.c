// SPDX-License-Identifier: MIT
/*
 * libcopyoffload: the handle, the module path and the small helpers.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "internal.h"

#define CO_OPEN_ALL	(COPYOFFLOAD_OPEN_NO_MODULE | \
			 COPYOFFLOAD_OPEN_REQUIRE_MODULE)

/* SIZE: what the caller's structure holds; no more is written. */
static int co_ioc_info(int fd, struct copyoffload_info *info, size_t size)
{
	memset(info, 0, size);
	info->size = size;
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
	err = co_ioc_info(fd, &info, sizeof(info));
	if (err) {
		close(fd);
		return err == -ENOTTY ? 0 : err;
	}
	co->fd = fd;
	co->features = info.features;
	/* a module of ABI version 1 writes back only what it knows */
	co->abi2 = info.size >= COPYOFFLOAD_INFO_SIZE_VER1 &&
		   info.req_size >= COPYOFFLOAD_REQ_SIZE_VER1;
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

CO_EXPORT int copyoffload_info_size(struct copyoffload *co,
				    struct copyoffload_info *info, size_t size)
{
	if (!co || !info || size < COPYOFFLOAD_INFO_SIZE_VER0 ||
	    size > UINT32_MAX)
		return -EINVAL;
	if (co->fd < 0)
		return -ENODEV;
	return co_ioc_info(co->fd, info, size);
}

/* The first interface: programs built with it have the VER0 structure. */
CO_EXPORT int copyoffload_info(struct copyoffload *co,
			       struct copyoffload_info *info)
{
	return copyoffload_info_size(co, info, COPYOFFLOAD_INFO_SIZE_VER0);
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

/*
 * COPYOFFLOAD_DEVINFO_F_SET_NVME: the limits go in u.nvme of a version 2
 * structure; the module checks them (nsid, reserved fields, a limit
 * without COPYOFFLOAD_NVME_COPY) and answers with the rest filled.
 */
CO_EXPORT int copyoffload_nvme_set(struct copyoffload *co, int fd,
				   const struct copyoffload_devinfo_nvme *nvme)
{
	struct copyoffload_devinfo di;

	if (!co || !nvme)
		return -EINVAL;
	if (co->fd < 0)
		return -ENODEV;
	if (!(co->features & COPYOFFLOAD_FEAT_NVME))
		return -EOPNOTSUPP;
	memset(&di, 0, sizeof(di));
	di.size = COPYOFFLOAD_DEVINFO_SIZE_VER2;
	di.fd = fd;
	di.flags = COPYOFFLOAD_DEVINFO_F_SET_NVME;
	di.u.nvme = *nvme;
	if (ioctl(co->fd, COPYOFFLOAD_IOC_DEVINFO, &di) < 0)
		return -errno;
	return 0;
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

/* One ioctl over ranges FIRST.. of RQ; its outputs added to T. */
static int co_ioctl_run(struct copyoffload *co, const struct co_request *rq,
			unsigned int first, struct co_tally *t)
{
	uint64_t mb[COPYOFFLOAD_METHODS_MAX] = { 0 };
	struct copyoffload_req req = {
		.size = co->abi2 ? COPYOFFLOAD_REQ_SIZE_VER1 :
				   COPYOFFLOAD_REQ_SIZE_VER0,
		.op = rq->op,
		.flags = rq->flags,
		.ranges = (uintptr_t)co_range_at(rq, first),
		.nr_ranges = rq->nr - first,
		.range_size = rq->range_size,
	};
	unsigned int i;
	int err = 0;

	if (co->abi2) {
		req.method_bytes_ptr = (uintptr_t)mb;
		req.nr_method_bytes = COPYOFFLOAD_METHODS_MAX;
		req.max_bytes = rq->max_bytes;
	}
	if (ioctl(co->fd, COPYOFFLOAD_IOC_RUN, &req) < 0)
		err = -errno;
	if (!co->abi2) {
		for (i = 0; i < ARRAY_SIZE(req.method_bytes); i++)
			mb[i] = req.method_bytes[i];
		req.nr_method_bytes = ARRAY_SIZE(req.method_bytes);
		req.stop = COPYOFFLOAD_STOP_NONE;
	}
	t->nr_processed += req.nr_processed;
	t->bytes_done += req.bytes_done;
	t->stop = req.stop;
	t->nr_methods = req.nr_method_bytes < COPYOFFLOAD_METHODS_MAX ?
			req.nr_method_bytes : COPYOFFLOAD_METHODS_MAX;
	for (i = 0; i < COPYOFFLOAD_METHODS_MAX; i++)
		t->method_bytes[i] += mb[i];
	return err;
}

/* A range being resumed: what the first call did, and its inputs. */
struct co_carry {
	struct copyoffload_range *r;
	uint64_t src_off, dst_off, len, bytes_done;
	uint32_t methods;
};

/* Let R start where it stopped; undone by co_uncarry(). */
static void co_carry(struct co_carry *c, struct copyoffload_range *r)
{
	*c = (struct co_carry) {
		.r = r, .src_off = r->src_off, .dst_off = r->dst_off,
		.len = r->len, .bytes_done = r->bytes_done,
		.methods = r->methods,
	};
	r->src_off += c->bytes_done;
	r->dst_off += c->bytes_done;
	if (r->len != COPYOFFLOAD_LEN_TO_EOF)
		r->len -= c->bytes_done;
}

static void co_uncarry(struct co_carry *c)
{
	struct copyoffload_range *r = c->r;

	if (!r)
		return;
	r->src_off = c->src_off;
	r->dst_off = c->dst_off;
	r->len = c->len;
	r->bytes_done += c->bytes_done;
	r->methods |= c->methods;
	c->r = NULL;
}

/*
 * The module's path.  The first functions keep version 1's promise that
 * only a fatal signal stops a request: a request a signal stopped is run
 * on from where it stopped, its stopped range made to start there for the
 * next call and given back its own offsets and counts afterwards.
 */
static int co_module_run(struct copyoffload *co, const struct co_request *rq,
			 struct co_tally *t)
{
	struct co_carry carry = { 0 };
	struct copyoffload_range *r;
	unsigned int first = 0;
	int err;

	if (rq->max_bytes && !co->abi2)
		return -EOPNOTSUPP;
	for (;;) {
		err = co_ioctl_run(co, rq, first, t);
		co_uncarry(&carry);
		if (!rq->legacy || t->stop != COPYOFFLOAD_STOP_SIGNAL ||
		    (err && err != -EINTR))
			break;
		first = t->nr_processed;
		if (first >= rq->nr)
			break;
		r = co_range_at(rq, first);
		if (r->status == COPYOFFLOAD_STATUS_STOPPED)
			co_carry(&carry, r);
		t->stop = COPYOFFLOAD_STOP_NONE;
	}
	return err;
}

static int co_run(struct copyoffload *co, const struct co_request *rq,
		  struct co_tally *t, bool *no_module)
{
	struct co_fallback fb;
	bool module;
	int err;

	if (!co)
		return -EINVAL;
	/* A module without the operation leaves it to the library. */
	module = co->fd >= 0 && (co->features & co_op_feature(rq->op));
	*no_module = !module;
	err = co_check_request(rq);
	if (err)
		return err;
	if (module)
		return co_module_run(co, rq, t);

	co_prefill(rq);
	fb = (struct co_fallback) { .rq = rq, .t = t };
	return co_fallback_run(&fb);
}

/*
 * Version 1's report: methods 0..15 are the module's, 16 and 17 the
 * library's own (COPYOFFLOAD_LIB_METHOD_*).
 */
static void co_result_v1(const struct co_tally *t, bool no_module,
			 struct copyoffload_result *res)
{
	unsigned int i;

	memset(res, 0, sizeof(*res));
	res->nr_processed = t->nr_processed;
	res->no_module = no_module;
	res->bytes_done = t->bytes_done;
	for (i = 0; i < COPYOFFLOAD_LIB_METHOD_COPY_FILE_RANGE; i++)
		res->method_bytes[i] = t->method_bytes[i];
	res->method_bytes[COPYOFFLOAD_LIB_METHOD_COPY_FILE_RANGE] =
		t->lib_bytes[COPYOFFLOAD_LIB_COPY_FILE_RANGE];
	res->method_bytes[COPYOFFLOAD_LIB_METHOD_USERSPACE] =
		t->lib_bytes[COPYOFFLOAD_LIB_USERSPACE];
}

static int co_run_v1(struct copyoffload *co, unsigned int op, uint64_t flags,
		     struct copyoffload_range *ranges, unsigned int nr,
		     struct copyoffload_result *res)
{
	struct co_request rq = {
		.op = op, .flags = flags, .ranges = (char *)ranges, .nr = nr,
		.range_size = sizeof(*ranges), .legacy = true,
	};
	struct co_tally t = { 0 };
	bool no_module = false;
	int err;

	err = co_run(co, &rq, &t, &no_module);
	if (res)
		co_result_v1(&t, no_module, res);
	return err;
}

CO_EXPORT int copyoffload_clone(struct copyoffload *co,
				struct copyoffload_range *ranges,
				unsigned int nr, struct copyoffload_result *res)
{
	return co_run_v1(co, COPYOFFLOAD_OP_CLONE, 0, ranges, nr, res);
}

CO_EXPORT int copyoffload_dedupe(struct copyoffload *co,
				 struct copyoffload_range *ranges,
				 unsigned int nr,
				 struct copyoffload_result *res)
{
	return co_run_v1(co, COPYOFFLOAD_OP_DEDUPE, 0, ranges, nr, res);
}

CO_EXPORT int copyoffload_copy(struct copyoffload *co, uint64_t flags,
			       struct copyoffload_range *ranges,
			       unsigned int nr, struct copyoffload_result *res)
{
	return co_run_v1(co, COPYOFFLOAD_OP_COPY, flags, ranges, nr, res);
}

/* A caller's structure: at least VER0, and what we do not know is zero. */
int co_check_struct(const void *p, size_t size, size_t ver0,
			   size_t known)
{
	const unsigned char *c = p;
	size_t i;

	if (size < ver0)
		return -EINVAL;
	for (i = known; i < size; i++)
		if (c[i])
			return -E2BIG;
	return 0;
}

void co_report(const struct co_tally *t, bool no_module,
	       struct copyoffload_report *rep)
{
	struct copyoffload_report out = {
		.size = rep->size,
		.nr_processed = t->nr_processed,
		.bytes_done = t->bytes_done,
		.stop = t->stop,
		.no_module = no_module,
		.nr_methods = t->nr_methods,
	};

	memcpy(out.method_bytes, t->method_bytes, sizeof(out.method_bytes));
	memcpy(out.lib_bytes, t->lib_bytes, sizeof(out.lib_bytes));
	memcpy(rep, &out, rep->size < sizeof(out) ? rep->size : sizeof(out));
}

CO_EXPORT int copyoffload_run(struct copyoffload *co,
			      const struct copyoffload_args *args,
			      struct copyoffload_report *report)
{
	struct co_request rq;
	struct co_tally t = { 0 };
	bool no_module = false;
	int err;

	if (!args)
		return -EINVAL;
	err = co_check_struct(args, args->size, COPYOFFLOAD_ARGS_SIZE_VER0,
			      sizeof(*args));
	if (!err && report)
		err = report->size < COPYOFFLOAD_REPORT_SIZE_VER0 ? -EINVAL : 0;
	if (err)
		return err;
	rq = (struct co_request) {
		.op = args->op, .flags = args->flags, .ranges = args->ranges,
		.nr = args->nr_ranges,
		.range_size = args->range_size ? args->range_size :
				sizeof(struct copyoffload_range),
		.max_bytes = args->max_bytes,
	};
	err = co_run(co, &rq, &t, &no_module);
	if (report)
		co_report(&t, no_module, report);
	return err;
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

/* The uapi never assigns 16, 17 and 31 to the module's methods. */
static const char *const co_method_names[32] = {
	[COPYOFFLOAD_METHOD_CLONE] = "clone",
	[COPYOFFLOAD_METHOD_FS_COPY] = "fs_copy",
	[COPYOFFLOAD_METHOD_XCOPY] = "xcopy",
	[COPYOFFLOAD_METHOD_ODX] = "odx",
	[COPYOFFLOAD_METHOD_KERNEL] = "kernel",
	[COPYOFFLOAD_METHOD_HOLE] = "hole",
	[COPYOFFLOAD_METHOD_NVME_COPY] = "nvme_copy",
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

CO_EXPORT const char *copyoffload_lib_method_name(unsigned int lib_method)
{
	switch (lib_method) {
	case COPYOFFLOAD_LIB_COPY_FILE_RANGE:
		return "copy_file_range";
	case COPYOFFLOAD_LIB_USERSPACE:
		return "userspace";
	}
	return NULL;
}

/*
 * The C locale, made once and never freed.  glibc and musl both answer
 * newlocale(LC_ALL_MASK, "C", 0) with their built-in C locale object,
 * which lives as long as the process and costs no allocation; another C
 * library may allocate one, and a thread that loses the race to publish
 * its copy frees it.
 */
static locale_t co_c_locale(void)
{
	static locale_t c_locale;
	locale_t l = __atomic_load_n(&c_locale, __ATOMIC_ACQUIRE);
	locale_t none = (locale_t)0;

	if (l)
		return l;
	l = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (!l)
		return l;
	if (!__atomic_compare_exchange_n(&c_locale, &none, l, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		freelocale(l);
		l = none;
	}
	return l;
}

/*
 * The text strerror() gives for ERR in the C locale, or NULL.  POSIX's
 * strerror_l() is thread-safe; its result is only promised until the
 * calling thread's next call.  For the errnos the C library knows, glibc
 * (the untranslated message of its table: the C locale has no catalog)
 * and musl (its static table) return a string of static storage; for
 * others glibc formats "Unknown error N" into a per-thread buffer that
 * its next call frees, and musl returns "No error information".  Those
 * are refused here, so that what is returned is never freed.
 */
static const char *co_errno_desc(int err)
{
	locale_t c = co_c_locale();
	const char *s;

	if (!c || err <= 0)
		return NULL;
	s = strerror_l(err, c);
	if (!s || !strncmp(s, "Unknown error", 13) ||
	    !strcmp(s, "No error information"))
		return NULL;
	return s;
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
	case COPYOFFLOAD_STATUS_STOPPED:
		return "stopped";
	}
	if (status < 0 && status > INT_MIN)
		s = co_errno_desc(-status);
	return s ? s : "unknown status";
}

/* lib/lib.mk names the shared object with the same numbers. */
_Static_assert(COPYOFFLOAD_LIB_VERSION_MAJOR == CO_LIB_SOMAJOR &&
	       COPYOFFLOAD_LIB_VERSION_MINOR == CO_LIB_SOMINOR,
	       "copyoffload.h's COPYOFFLOAD_LIB_VERSION_* differ from lib.mk's LIB_SOMAJOR/LIB_SOMINOR");

/* What this library is, whatever header the program was compiled with. */
CO_EXPORT int copyoffload_lib_version_major(void)
{
	return COPYOFFLOAD_LIB_VERSION_MAJOR;
}

CO_EXPORT int copyoffload_lib_version_minor(void)
{
	return COPYOFFLOAD_LIB_VERSION_MINOR;
}

/*
 * 0 when this library provides the interface MAJOR.MINOR: the same major
 * (another one is another soname, with other rules) and at least that
 * minor.  Unlike liburing's io_uring_check_version(), which returns true
 * when the library is too old, the answer follows this library's rule:
 * 0 for yes, a negative errno for no.
 */
CO_EXPORT int copyoffload_check_version(int major, int minor)
{
	if (major != COPYOFFLOAD_LIB_VERSION_MAJOR ||
	    minor > COPYOFFLOAD_LIB_VERSION_MINOR)
		return -ENOSYS;
	return 0;
}
