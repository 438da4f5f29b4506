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
#define COPYOFFLOAD_LIB_VERSION_MINOR	4

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
/*
 * Hand the module an NVMe namespace's Copy limits (since 0.5.0,
 * LIBCOPYOFFLOAD_1.4): COPYOFFLOAD_IOC_DEVINFO with
 * COPYOFFLOAD_DEVINFO_F_SET_NVME on FD, the namespace's block device.
 * NVME's caps (COPYOFFLOAD_NVME_COPY or 0), mcl, mssrl and msrc are what
 * the caller read from Identify Controller and Identify Namespace; its
 * nsid and reserved fields must be 0.  Needs CAP_SYS_ADMIN.  -ENODEV
 * without the module or when FD is not on an NVMe namespace, -EOPNOTSUPP
 * with a module without COPYOFFLOAD_FEAT_NVME.
 */
int copyoffload_nvme_set(struct copyoffload *co, int fd,
			 const struct copyoffload_devinfo_nvme *nvme);

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

/*
 * Asynchronous jobs (since 0.4.0, LIBCOPYOFFLOAD_1.3): COPY and DEDUPE
 * requests that run in the background in the module (COPYOFFLOAD_FEAT_JOBS;
 * see "Asynchronous jobs" in <libcopyoffload/copyoffload.h>), with their
 * events and queries over the module's generic netlink family.  There is
 * no fallback: without the module, or with a module without jobs, every
 * function below returns -EOPNOTSUPP; a library built without netlink
 * support (make LIBMNL=no) returns -ENOSYS from the netlink ones
 * (copyoffload_events_*, copyoffload_job_*).  Like copyoffload_report,
 * every structure the library fills carries its size, set by the caller.
 */

/*
 * Queue ARGS (as copyoffload_run() takes them; COPY or DEDUPE) as a job of
 * the handle's open device; *JOB_ID receives its id.  The ranges are
 * validated at once (the same errnos as copyoffload_run(), the same
 * pre-filled outputs); their outputs are written by copyoffload_wait().
 */
int copyoffload_submit(struct copyoffload *co,
		       const struct copyoffload_args *args, uint32_t *job_id);

/* copyoffload_wait() flags */
#define COPYOFFLOAD_WAIT_NOHANG	COPYOFFLOAD_WAIT_F_NOHANG /* -EAGAIN, not a wait */

/*
 * Wait for job JOB_ID of this handle and reap it: the outputs go into ARGS'
 * range array (the same number of ranges and range_size as submitted,
 * normally the same ARGS) and REPORT, exactly as copyoffload_run() writes
 * them.  ARGS NULL reaps without outputs; REPORT may be NULL.  -EINTR: a
 * signal came first, the job goes on.
 */
int copyoffload_wait(struct copyoffload *co, uint32_t job_id,
		     unsigned int flags, const struct copyoffload_args *args,
		     struct copyoffload_report *report);

/* Ask job JOB_ID of this handle to stop (COPYOFFLOAD_STOP_CANCELLED). */
int copyoffload_cancel(struct copyoffload *co, uint32_t job_id);

/*
 * One job as the module's netlink family describes it.  The caller sets
 * size (sizeof as it was built); the library fills as much as it and the
 * caller know, and sets size to that (a larger structure's tail is left
 * alone).  Fields the module did not send are 0; method is
 * COPYOFFLOAD_JOB_NO_METHOD until a byte has moved.
 */
#define COPYOFFLOAD_JOB_NO_METHOD	0xffffffffU

struct copyoffload_job {
	uint32_t size;		/* in: sizeof(struct copyoffload_job);
				 * out: bytes filled
				 */
	uint32_t job_id;
	uint32_t state;		/* COPYOFFLOAD_JOB_QUEUED, _RUNNING, _DONE */
	uint32_t op;		/* COPYOFFLOAD_OP_* */
	uint64_t flags;		/* COPYOFFLOAD_F_* */
	uint32_t uid;		/* the submitter's effective uid */
	uint32_t pid;		/* its process, 0 when gone or not visible */
	uint32_t nr_ranges;
	uint32_t ranges_done;	/* ranges with a final status */
	uint64_t bytes_done;
	uint64_t bytes_total;	/* the bytes the ranges named */
	uint32_t method;	/* method of the latest bytes */
	uint32_t stop;		/* COPYOFFLOAD_STOP_* (a finished job) */
	int32_t error;		/* first negative range status, or 0 */
	uint32_t error_range;	/* that range's index */
	uint64_t elapsed_ns;	/* since submission */
	uint64_t method_bytes[COPYOFFLOAD_METHODS_MAX];
};
#define COPYOFFLOAD_JOB_SIZE_VER0	336

/*
 * Job JOB_ID of any handle, if the caller may see it (its effective uid
 * submitted it, or CAP_SYS_ADMIN): -ENOENT otherwise.
 */
int copyoffload_job_get(uint32_t job_id, struct copyoffload_job *job);
/*
 * Every job the caller may see: the first MAX into JOBS, JOB_SIZE bytes
 * apart (each one filled as copyoffload_job_get() fills a structure of
 * JOB_SIZE); *NR receives how many there are, which may be more than MAX.
 */
int copyoffload_job_list(struct copyoffload_job *jobs, size_t job_size,
			 unsigned int max, unsigned int *nr);
/* Cancel job JOB_ID as copyoffload_cancel() does, from any process. */
int copyoffload_job_cancel(uint32_t job_id);

/* An event's kind. */
#define COPYOFFLOAD_EVENT_PROGRESS	1	/* a running job's counters */
#define COPYOFFLOAD_EVENT_DONE		2	/* the job finished */

/* One range's outputs, as a COPYOFFLOAD_EVENT_DONE carries them. */
struct copyoffload_range_out {
	uint32_t index;		/* the range's index in the job */
	int32_t status;		/* COPYOFFLOAD_STATUS_* or -errno */
	uint64_t bytes_done;
	uint32_t methods;	/* 1U << COPYOFFLOAD_METHOD_* */
	uint32_t reserved;
};

/*
 * One event: the job's counters as struct copyoffload_job has them (no uid
 * or pid), its kind and sequence number.  The caller sets size, and
 * optionally range_outs (an array of max_range_outs entries,
 * range_out_size bytes apart, 0 meaning sizeof(struct
 * copyoffload_range_out)) to receive a DONE event's range outputs; the
 * library fills the rest, as much as it and the caller know, and sets
 * size to that.
 */
struct copyoffload_event {
	uint32_t size;		/* in: sizeof(struct copyoffload_event);
				 * out: bytes filled
				 */
	uint32_t kind;		/* COPYOFFLOAD_EVENT_* */
	uint32_t job_id;
	uint32_t seq;		/* from 1 per job; a gap: events missed */
	uint32_t state;		/* COPYOFFLOAD_JOB_* */
	uint32_t op;		/* COPYOFFLOAD_OP_* */
	uint64_t flags;		/* COPYOFFLOAD_F_* */
	uint32_t nr_ranges;
	uint32_t ranges_done;
	uint64_t bytes_done;
	uint64_t bytes_total;
	uint32_t method;	/* method of the latest bytes */
	uint32_t stop;		/* DONE: COPYOFFLOAD_STOP_* */
	int32_t error;		/* DONE: first negative range status, or 0 */
	uint32_t error_range;	/* DONE: that range's index */
	uint64_t elapsed_ns;
	uint64_t method_bytes[COPYOFFLOAD_METHODS_MAX];
	/* DONE: range outputs */
	struct copyoffload_range_out *range_outs; /* in: NULL or an array */
	uint32_t max_range_outs;	/* in: its entries */
	uint32_t range_out_size;	/* in: their stride, 0: sizeof */
	uint32_t nr_range_outs;		/* out: ranges the event carried */
	uint32_t range_outs_truncated;	/* out: 1: the job has more ranges
					 * (COPYOFFLOAD_EVENT_MAX_RANGES)
					 */
};
#define COPYOFFLOAD_EVENT_SIZE_VER0	360

/* copyoffload_events_open() flags */
#define COPYOFFLOAD_EVENTS_ALL_USERS	(1U << 0) /* every user's jobs
						   * (CAP_SYS_ADMIN)
						   */
#define COPYOFFLOAD_EVENTS_NONBLOCK	(1U << 1) /* read: -EAGAIN, no wait */

struct copyoffload_events;

/*
 * A netlink socket subscribed to the events of the caller's jobs (or of
 * every user's): copyoffload_events_read() returns them one at a time, in
 * order per job; copyoffload_events_fd() is the descriptor to poll(2) for
 * POLLIN.  -ENOBUFS from read: events were lost (the socket overflowed);
 * the next read goes on.
 */
int copyoffload_events_open(struct copyoffload_events **ev,
			    unsigned int flags);
int copyoffload_events_fd(const struct copyoffload_events *ev);
int copyoffload_events_read(struct copyoffload_events *ev,
			    struct copyoffload_event *event);
void copyoffload_events_close(struct copyoffload_events *ev);

#ifdef __cplusplus
}
#endif

#endif /* COPYOFFLOAD_H */
