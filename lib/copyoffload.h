/* SPDX-License-Identifier: MIT */
/*
 * libcopyoffload: a thin, synchronous C API over /dev/copyoffload.
 *
 * Requests are arrays of struct copyoffload_range (see
 * <libcopyoffload/copyoffload.h>, the module's ABI, for the semantics of
 * every field and errno).  When the module is not
 * loaded, the library does the same work with plain system calls
 * (FICLONERANGE, FIDEDUPERANGE, copy_file_range(2), read/write) and says so:
 * copyoffload_run() in its report (no_module, lib_bytes[]), the first
 * functions (copyoffload_copy() ...) with COPYOFFLOAD_LIB_M_NO_MODULE in
 * every range's methods.
 */
#ifndef COPYOFFLOAD_H
#define COPYOFFLOAD_H

#include <stddef.h>
#include <stdint.h>
/*
 * The module's ABI: uapi/linux/copyoffload.h of the source tree, installed
 * under the library's own directory rather than as <linux/copyoffload.h>,
 * which belongs to the kernel's headers (linux-libc-dev) should the ABI
 * ever be merged; in the tree, lib/libcopyoffload/ links to it.
 */
#include <libcopyoffload/copyoffload.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The library interface these declarations describe: MAJOR is the soname's
 * (libcopyoffload.so.MAJOR), MINOR grows with every release that adds to
 * it, and the functions added are in the symbol version node
 * LIBCOPYOFFLOAD_MAJOR.MINOR.  It is not the package version (VERSION).
 * For compile-time checks:
 *   #if COPYOFFLOAD_LIB_VERSION_MAJOR == 1 && COPYOFFLOAD_LIB_VERSION_MINOR >= 2
 * lib/lib.mk builds libcopyoffload.so.MAJOR.MINOR.0 from the same numbers
 * and lib/copyoffload.c refuses to compile when they differ.
 */
#define COPYOFFLOAD_LIB_VERSION_MAJOR	1
#define COPYOFFLOAD_LIB_VERSION_MINOR	2

/*
 * The library's own ways of moving bytes without the module: indices of
 * copyoffload_report.lib_bytes[].
 */
#define COPYOFFLOAD_LIB_COPY_FILE_RANGE	0	/* copy_file_range(2) */
#define COPYOFFLOAD_LIB_USERSPACE	1	/* read(2)/write(2) */
#define COPYOFFLOAD_LIB_NR		4	/* room in lib_bytes[] */

/*
 * The first functions (copyoffload_clone/_dedupe/_copy) report the same
 * work in version 1's way: method numbers 16 and 17 in struct
 * copyoffload_result and in the ranges' methods, and bit 31 of every
 * range's methods for "done without the module".  copyoffload_run() never
 * sets bits of methods that are not the module's.
 */
#define COPYOFFLOAD_LIB_METHOD_COPY_FILE_RANGE	16 /* copy_file_range(2) */
#define COPYOFFLOAD_LIB_METHOD_USERSPACE	17 /* read(2)/write(2) */
#define COPYOFFLOAD_LIB_M_NO_MODULE		(1U << 31)

/* copyoffload_open() flags */
#define COPYOFFLOAD_OPEN_NO_MODULE	(1U << 0) /* never use the module */
#define COPYOFFLOAD_OPEN_REQUIRE_MODULE	(1U << 1) /* -ENODEV without it */

struct copyoffload;

/* What a request did as a whole (the first functions). */
struct copyoffload_result {
	uint32_t nr_processed;	/* ranges with a final status */
	uint32_t no_module;	/* 1 when done without the module */
	uint64_t bytes_done;	/* sum of the ranges' bytes_done */
	/* bytes per method number, module and library methods alike */
	uint64_t method_bytes[32];
};

/*
 * All functions return 0 or a negative errno; none sets errno as its way of
 * reporting.  A request function returns 0 once work has started: each
 * range's status then says what happened to it.  res may be NULL.  A handle
 * may be used by several threads at once.  See libcopyoffload(3).
 */
int copyoffload_open(struct copyoffload **co, unsigned int flags);
void copyoffload_close(struct copyoffload *co);
int copyoffload_has_module(const struct copyoffload *co);
/*
 * COPYOFFLOAD_IOC_INFO.  copyoffload_info() fills the first
 * COPYOFFLOAD_INFO_SIZE_VER0 bytes (what programs built against version 1
 * have); copyoffload_info_size() (since 0.3.0, LIBCOPYOFFLOAD_1.2) the first
 * SIZE, normally sizeof(*info).
 */
int copyoffload_info(struct copyoffload *co, struct copyoffload_info *info);
int copyoffload_info_size(struct copyoffload *co,
			  struct copyoffload_info *info, size_t size);
/*
 * What the module knows of the storage under FD (a block device or a file
 * on one): COPYOFFLOAD_IOC_DEVINFO.  FLAGS: COPYOFFLOAD_DEVINFO_F_*.
 * -ENODEV without the module (or one without the feature), or when no
 * block device is under FD.  copyoffload_devinfo() fills the first
 * COPYOFFLOAD_DEVINFO_SIZE_VER0 bytes; copyoffload_devinfo_size() (since
 * 0.2.0, LIBCOPYOFFLOAD_1.1) the first SIZE, normally sizeof(*di), which
 * includes the ROD token limits (rod_*).
 */
int copyoffload_devinfo(struct copyoffload *co, int fd, unsigned int flags,
			struct copyoffload_devinfo *di);
int copyoffload_devinfo_size(struct copyoffload *co, int fd,
			     unsigned int flags,
			     struct copyoffload_devinfo *di, size_t size);

int copyoffload_clone(struct copyoffload *co,
		      struct copyoffload_range *ranges, unsigned int nr,
		      struct copyoffload_result *res);
int copyoffload_dedupe(struct copyoffload *co,
		       struct copyoffload_range *ranges, unsigned int nr,
		       struct copyoffload_result *res);
int copyoffload_copy(struct copyoffload *co, uint64_t flags,
		     struct copyoffload_range *ranges, unsigned int nr,
		     struct copyoffload_result *res);

/*
 * One request for copyoffload_run() (since 0.3.0, LIBCOPYOFFLOAD_1.2).  size
 * is sizeof(struct copyoffload_args) as the caller was built: the library
 * reads no more, and a larger one's tail must be zero (-E2BIG).
 */
struct copyoffload_args {
	uint32_t size;		/* sizeof(struct copyoffload_args) */
	uint32_t op;		/* COPYOFFLOAD_OP_* */
	uint64_t flags;		/* COPYOFFLOAD_F_* */
	void *ranges;		/* nr_ranges ranges, range_size bytes apart */
	uint32_t nr_ranges;
	uint32_t range_size;	/* 0: sizeof(struct copyoffload_range) */
	uint64_t max_bytes;	/* 0, or stop once bytes_done reaches it
				 * (a multiple of COPYOFFLOAD_MAX_BYTES_ALIGN)
				 */
};
#define COPYOFFLOAD_ARGS_SIZE_VER0	(offsetof(struct copyoffload_args, \
						  max_bytes) + sizeof(uint64_t))

/*
 * What copyoffload_run() did.  The caller sets size (sizeof as it was
 * built); the library fills that much and leaves the rest alone.
 */
struct copyoffload_report {
	uint32_t size;		/* in: sizeof(struct copyoffload_report) */
	uint32_t nr_processed;	/* ranges with a final status */
	uint64_t bytes_done;	/* sum of the ranges' bytes_done */
	uint32_t stop;		/* COPYOFFLOAD_STOP_*: why it returned early */
	uint32_t no_module;	/* 1: done with system calls, no module */
	uint32_t nr_methods;	/* methods the module reported (0: none) */
	uint32_t reserved;
	/* bytes per COPYOFFLOAD_METHOD_* (the module's, or the library's
	 * FICLONERANGE/FIDEDUPERANGE as CLONE and kept holes as HOLE)
	 */
	uint64_t method_bytes[COPYOFFLOAD_METHODS_MAX];
	/* bytes per COPYOFFLOAD_LIB_*: moved by the library itself */
	uint64_t lib_bytes[COPYOFFLOAD_LIB_NR];
};
#define COPYOFFLOAD_REPORT_SIZE_VER0	320

/*
 * Run one request as the module's ABI version 2 defines it
 * (<libcopyoffload/copyoffload.h>): with the module, one ioctl; it returns
 * when a signal is pending or max_bytes is reached, with report->stop saying
 * so and the range it stopped in COPYOFFLOAD_STATUS_STOPPED (resume from
 * range nr_processed, advanced by its bytes_done).  Without the module the
 * library does the work itself and stops for max_bytes only.  A module of
 * ABI version 1 runs it as version 1 did: max_bytes is then -EOPNOTSUPP.
 * report may be NULL.
 */
int copyoffload_run(struct copyoffload *co, const struct copyoffload_args *args,
		    struct copyoffload_report *report);

/* Initialise a range: len may be COPYOFFLOAD_LEN_TO_EOF. */
void copyoffload_range_init(struct copyoffload_range *r, int src_fd,
			    uint64_t src_off, int dst_fd, uint64_t dst_off,
			    uint64_t len);

/*
 * Names for printing: "clone", "fs_copy", "xcopy", ... or NULL; bit 31 of
 * methods (COPYOFFLOAD_LIB_M_NO_MODULE) is named "no_module".
 */
const char *copyoffload_method_name(unsigned int method);
/*
 * Names of the library's own methods (COPYOFFLOAD_LIB_*, the indices of
 * copyoffload_report.lib_bytes[]): "copy_file_range", "userspace", or NULL.
 * Since 0.3.0.
 */
const char *copyoffload_lib_method_name(unsigned int lib_method);
/*
 * "ok", "same", "differs", "not run", "stopped", or strerror() of -status
 * in the C locale (strerror_l); "unknown status" for anything else, an
 * errno the C library does not know too.  Thread-safe; never NULL; a static string
 * that no later call changes or frees.
 */
const char *copyoffload_status_name(int status);

/*
 * The interface of the library the program runs with (since 0.3.0,
 * LIBCOPYOFFLOAD_1.2).  copyoffload_check_version() returns 0 when it
 * provides at least MAJOR.MINOR (the same MAJOR, a MINOR as large or
 * larger), -ENOSYS when it does not; a program checks what it was built
 * with by passing COPYOFFLOAD_LIB_VERSION_MAJOR and _MINOR.
 */
int copyoffload_lib_version_major(void);
int copyoffload_lib_version_minor(void);
int copyoffload_check_version(int major, int minor);

#ifdef __cplusplus
}
#endif

#endif /* COPYOFFLOAD_H */
