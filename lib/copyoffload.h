/* SPDX-License-Identifier: MIT */
/*
 * libcopyoffload: a thin, synchronous C API over /dev/copyoffload.
 *
 * Requests are arrays of struct copyoffload_range (see <linux/copyoffload.h>
 * for the semantics of every field and errno).  When the module is not
 * loaded, the library does the same work with plain system calls
 * (FICLONERANGE, FIDEDUPERANGE, copy_file_range(2), read/write) and says so
 * in every range it processed by setting COPYOFFLOAD_LIB_M_NO_MODULE in its
 * methods.
 */
#ifndef COPYOFFLOAD_H
#define COPYOFFLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <linux/copyoffload.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Method bits the library sets in copyoffload_range.methods (bits 16..31,
 * which the module never uses).
 */
#define COPYOFFLOAD_LIB_METHOD_COPY_FILE_RANGE	16 /* copy_file_range(2) */
#define COPYOFFLOAD_LIB_METHOD_USERSPACE	17 /* read(2)/write(2) */
#define COPYOFFLOAD_LIB_M_NO_MODULE		(1U << 31)

/* copyoffload_open() flags */
#define COPYOFFLOAD_OPEN_NO_MODULE	(1U << 0) /* never use the module */
#define COPYOFFLOAD_OPEN_REQUIRE_MODULE	(1U << 1) /* -ENODEV without it */

struct copyoffload;

/* What a request did as a whole. */
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
int copyoffload_info(struct copyoffload *co, struct copyoffload_info *info);
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
 * "ok", "same", "differs", "not run", or strerror() of -status (C locale,
 * thread-safe); "unknown status" for anything else.  Never NULL.
 */
const char *copyoffload_status_name(int status);

#ifdef __cplusplus
}
#endif

#endif /* COPYOFFLOAD_H */
