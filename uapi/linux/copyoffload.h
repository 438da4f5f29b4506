/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * copyoffload: range-array CLONE, DEDUPE and COPY through /dev/copyoffload.
 *
 * This header describes ABI version 2 (COPYOFFLOAD_ABI_VERSION).  Version 2
 * grew the structures at their ends (the *_SIZE_VER* constants say where
 * each version's structure ends) and kept version 1's ioctl numbers and
 * behaviour: a program built against version 1 passes the version 1 sizes
 * and gets exactly what it got from a version 1 module.  See "Versions" at
 * the end of this comment for what version 2 added.
 *
 * Overview
 * --------
 * One request names one operation (CLONE, DEDUPE or COPY), its flags and an
 * array of ranges.  Every range carries its own source and destination file
 * descriptors, so one request can gather from many files (as SMB2 COPYCHUNK
 * does) or scatter into many; a per-request pair of descriptors would force a
 * caller that assembles a file from pieces of several others into one call
 * per source.  Each range is processed on its own and reports, in place, the
 * bytes done, a status and (for COPY) the methods that moved its bytes.
 *
 * The device
 * ----------
 * /dev/copyoffload is a misc device opened by anyone (mode 0666): every
 * operation acts only on descriptors the caller already holds and applies the
 * same checks as the corresponding system call (copy_file_range(2),
 * FICLONERANGE, FIDEDUPERANGE), so the device grants no access of its own.
 *
 * Ioctls
 * ------
 * COPYOFFLOAD_IOC_INFO (struct copyoffload_info, read-write)
 *   The caller sets info.size to the size of the structure it knows
 *   (at least COPYOFFLOAD_INFO_SIZE_VER0); the module writes back as many
 *   bytes as both sides know and sets info.size to that number.  Userspace
 *   probes features from info.features; it never guesses from versions.
 *   info.flags lists the request flags this module accepts (there is no
 *   "all flags" constant in this header: its value would change with every
 *   new flag).  From COPYOFFLOAD_INFO_SIZE_VER1 on: nr_methods (the methods
 *   this module reports, COPYOFFLOAD_METHOD_* below that number), the sizes
 *   of the request, range and devinfo structures it knows, and the DEVINFO
 *   flags it accepts.
 *
 * COPYOFFLOAD_IOC_DEVINFO (struct copyoffload_devinfo, read-write)
 *   What the module knows of the storage under devinfo.fd: a block device,
 *   or any file on a filesystem that sits on one.  The whole disk is
 *   identified (partitions are resolved, start_sect says where the
 *   partition starts) and, for a SCSI disk, probed once and cached: the 3PC
 *   bit of standard INQUIRY, the NAA designator of VPD page 0x83, the
 *   copy manager's limits from RECEIVE COPY RESULTS (OPERATING
 *   PARAMETERS) and, when the disk has the Third Party Copy VPD page
 *   (0x8F), whether it offers ROD token copies (ODX) and their limits
 *   (the rod_* fields, from COPYOFFLOAD_DEVINFO_SIZE_VER1 on).  As for
 *   INFO, devinfo.size says how much the caller knows and the module
 *   writes back what both know; as for RUN, a larger structure must have
 *   a zero tail.  COPYOFFLOAD_DEVINFO_F_REFRESH probes again (needs
 *   CAP_SYS_ADMIN: it sends commands to the device).  Errors: EBADF (fd
 *   not open), ENODEV (no block device under the file: tmpfs, NFS ...),
 *   EINVAL (unknown flags, size too small), E2BIG (a non-zero tail, or
 *   a size over 4096), EPERM (REFRESH unprivileged).
 *   A disk that is not SCSI, or a probe that failed, is not an error: caps
 *   and probe_status say so.
 *   COPYOFFLOAD_DEVINFO_F_SET_NVME (CAP_SYS_ADMIN, COPYOFFLOAD_FEAT_NVME,
 *   size at least COPYOFFLOAD_DEVINFO_SIZE_VER2) hands the module an NVMe
 *   namespace's Copy limits, read by the caller from Identify Controller
 *   (ONCS) and Identify Namespace (MSSRL, MCL, MSRC): u.nvme.caps
 *   (COPYOFFLOAD_NVME_COPY or 0), mcl, mssrl, msrc in; nsid, reserved
 *   fields and the out-only caps must be 0.  They replace what the module
 *   knew of that namespace until it goes away.  ENODEV: fd is not on an
 *   NVMe namespace; EINVAL: with REFRESH, a limit set without
 *   COPYOFFLOAD_NVME_COPY, or COPYOFFLOAD_NVME_COPY with mcl or mssrl 0
 *   (a controller that offers Copy reports both non-zero).  Wrong limits cost only speed: a command
 *   the device refuses is not retried, the rest of its range goes to the
 *   next method, and the reason is counted.  From
 *   COPYOFFLOAD_DEVINFO_SIZE_VER2 on, devinfo.transport says how the disk is reached and which part of the
 *   union after it is filled: the SCSI facts are the fixed fields above it
 *   (version 1's), other transports (NVMe) have their own part there.
 *
 * COPYOFFLOAD_IOC_RUN (struct copyoffload_req, read-write)
 *   Runs one request.  req.size is read first and the structure is then read
 *   with copy_struct_from_user() semantics: a smaller, older structure is
 *   zero-extended; a larger, newer one must have a zero tail or the call
 *   fails with E2BIG.  The ioctl numbers encode the VER0 sizes and never
 *   change when the structures grow.
 *
 * Validation happens before any work, in two stages, and a request that
 * fails either stage changes nothing.  First the request itself:
 *   EINVAL  req.size < COPYOFFLOAD_REQ_SIZE_VER0, unknown req.op, a flag
 *           this module does not accept (info.flags) or not valid for
 *           req.op, conflicting flags, non-zero req.reserved, nr_ranges of
 *           0, req.range_size smaller than COPYOFFLOAD_RANGE_SIZE_VER0 or
 *           not a multiple of 8; method_bytes_ptr set without
 *           nr_method_bytes or the other way round, nr_method_bytes over
 *           COPYOFFLOAD_METHODS_MAX; max_bytes not a multiple of
 *           COPYOFFLOAD_MAX_BYTES_ALIGN, or set for CLONE;
 *   E2BIG   req.nr_ranges > COPYOFFLOAD_MAX_RANGES, req.size or
 *           req.range_size > 4096 (as openat2 and clone3), or a request or
 *           range larger than the module knows with a non-zero tail;
 *   EFAULT  the request, the range array or the method array is not
 *           readable and writable;
 *   ENOMEM  no memory for the request's state (a page at most).
 * A range larger than COPYOFFLOAD_RANGE_SIZE_VER0 whose tail is not zero
 * fails the call with E2BIG after the pre-fill below, without naming the
 * range in a status.
 * Then every range's outputs are pre-filled (bytes_done = 0, status =
 * COPYOFFLOAD_STATUS_NOT_RUN, methods = 0) and every range is checked against
 * its descriptors.  The first range that fails makes the whole call fail with
 * its errno, which is also stored in that range's status; no range is worked
 * on.  The errnos are those of copy_file_range(2), FICLONERANGE and
 * FIDEDUPERANGE:
 *   EBADF   a descriptor is not open, the source is not open for reading,
 *           the destination not for writing or opened with O_APPEND;
 *   EISDIR  a descriptor names a directory;
 *   EINVAL  zero length, not a regular file (pipe, socket, device), the same
 *           file with overlapping ranges, a CLONE or DEDUPE range starting
 *           at or past the source's EOF;
 *   EPERM   immutable or append-only destination;
 *   ETXTBSY an active swapfile;
 *   EOVERFLOW  offset + length wraps;
 *   EFBIG   the destination range passes the maximum file size;
 *   EXDEV   CLONE or DEDUPE across filesystems.
 * Where the system calls check differently the module is stricter, never
 * looser: a non-regular file is EINVAL even where FICLONERANGE and
 * FIDEDUPERANGE, which look at the superblock first, say EXDEV; a zero
 * length is EINVAL where the syscalls accept it; an append-only
 * destination is EPERM even when it was opened before it became one.
 *
 * Once work has started the ioctl returns 0 and each range reports in its
 * status what happened to it, as FIDEDUPERANGE does: the same errnos (the
 * files may have changed since validation), the filesystem's own (EINVAL
 * for misaligned clone ranges, ENOSPC, EIO ...), and EOPNOTSUPP, the one errno
 * for "cannot offload": no allowed method could serve the range.
 * req.nr_processed counts the ranges that got a final status and
 * req.bytes_done the bytes done over all ranges.  The bytes per method go to
 * req.method_bytes[] (methods 0 to 7) and, from COPYOFFLOAD_REQ_SIZE_VER1
 * on, to the caller's array at method_bytes_ptr (nr_method_bytes entries,
 * or none when it is 0): the module fills as many entries as both know and
 * sets nr_method_bytes to that number, never to more than the caller's, so
 * that a request reused as it came back never overruns its array
 * (info.nr_methods says how many methods the module knows).
 *
 * Stopping and resuming.  A version 1 request (req.size below
 * COPYOFFLOAD_REQ_SIZE_VER1) stops only for a fatal signal: the call then
 * returns EINTR after writing all outputs back truthfully.  A version 2
 * request also stops, between two steps of its work (a chunk of a kernel
 * copy, a storage command, a dedupe piece, a range), when any signal is
 * pending, and when req.max_bytes is not 0 and req.bytes_done has reached
 * it.  The request never passes max_bytes: a range that fits in what is
 * left of it runs whole, one that does not is bounded to whole
 * COPYOFFLOAD_MAX_BYTES_ALIGN units from its start (so that it stops where
 * storage offload can go on from), and is not started when not one fits.
 * req.stop says why (COPYOFFLOAD_STOP_SIGNAL, _MAX_BYTES; 0 when the
 * request ran to its end), the range being worked on gets
 * COPYOFFLOAD_STATUS_STOPPED with a true bytes_done and the ranges after it
 * stay COPYOFFLOAD_STATUS_NOT_RUN.  The call returns 0, or EINTR when a
 * signal stopped it before any byte or range was done (as read(2) does).
 * To resume, run again the range at index nr_processed advanced by its
 * bytes_done (src_off and dst_off up, len down unless it is
 * COPYOFFLOAD_LEN_TO_EOF), followed by the ranges after it.  A storage
 * command in flight is always waited for; max_bytes counts holes kept as
 * holes too.  CLONE takes no max_bytes (a clone is all or nothing).
 *
 * Operations and their semantics
 * ------------------------------
 * COPYOFFLOAD_OP_CLONE: each range is shared all-or-nothing
 *   (vfs_clone_file_range without CAN_SHORTEN): bytes_done is 0 or the whole
 *   length.  Processing stops at the first range that fails; its status holds
 *   the errno and the ranges after it stay COPYOFFLOAD_STATUS_NOT_RUN.
 *   Ranges before it stay cloned.  No flags.
 *
 * COPYOFFLOAD_OP_DEDUPE: each range is compared and, where equal, shared.
 *   status is COPYOFFLOAD_STATUS_SAME or COPYOFFLOAD_STATUS_DIFFERS or an
 *   errno, bytes_done the bytes deduplicated.  Ranges are worked in pieces
 *   (COPYOFFLOAD_DEDUPE_PIECE) so a filesystem's per-call cap never shows;
 *   DIFFERS after a partial bytes_done means the pieces before the first
 *   difference were shared.  Every range is attempted.  No flags.
 *
 * COPYOFFLOAD_OP_COPY: each range is copied by the first method that can
 *   serve it, in this order:
 *     CLONE    reflink, only with COPYOFFLOAD_F_ALLOW_SHARE or _REQUIRE_SHARE;
 *     FS_COPY  the filesystem's own ->copy_file_range (NFS 4.2 COPY, SMB
 *              server-side copy, Ceph, FUSE); never a local filesystem's
 *              clone-as-copy, so a default COPY makes no shared extents
 *              itself (a server may still clone what it is asked to copy:
 *              knfsd does within one exported filesystem).  NFS's is used
 *              only where the server does the COPY; SMB's, Ceph's and
 *              FUSE's copy through this host themselves what their server
 *              cannot, so with COPYOFFLOAD_F_NO_FALLBACK they are not used,
 *              and without it their bytes are reported as FS_COPY;
 *     XCOPY    SCSI EXTENDED COPY on the storage, or
 *     ODX      SCSI ROD token copy on the storage, or
 *     NVME_COPY  the NVMe Copy command, within one namespace: one of the
 *              three per range, the one an OFFLOAD_* flag forces, else
 *              the first both disks offer in the order of the module
 *              parameter offload_engine (auto: NVMe Copy, ODX, then
 *              XCOPY);
 *     KERNEL   an in-kernel copy through the page cache (not with
 *              COPYOFFLOAD_F_NO_FALLBACK).
 *   Holes in the source stay holes in the destination.  A copy may be partial:
 *   bytes_done counts what was copied, from the start of the range, and is
 *   true even when a fatal signal stops the request.  A range that runs past
 *   the source's EOF is copied up to EOF with status 0, like copy_file_range.
 *   Every method is held to the limits of a write: a range that crosses the
 *   caller's RLIMIT_FSIZE (or the largest offset of the destination) is
 *   copied up to it and then gets status EFBIG, and one that starts there
 *   gets EFBIG with nothing copied; at RLIMIT_FSIZE SIGXFSZ is sent, as
 *   write(2) sends it.
 *   The work is done in bounded chunks.  Every range is attempted.
 *
 * Length: COPYOFFLOAD_LEN_TO_EOF as a range's len means "to the end of the
 * source file" as it is when the range is started.
 *
 * Limits: at most COPYOFFLOAD_MAX_RANGES ranges per request.  The module
 * reads and writes ranges one at a time, so its memory does not grow with
 * nr_ranges or with file sizes.
 *
 * Asynchronous jobs (COPYOFFLOAD_FEAT_JOBS)
 * ----------------------------------------
 * COPYOFFLOAD_IOC_SUBMIT (struct copyoffload_req, read-write)
 *   Validates a COPY or DEDUPE request exactly as COPYOFFLOAD_IOC_RUN does
 *   (the same errnos, the same pre-filled outputs, nothing worked on when it
 *   fails) and queues it as a job; returns the job's id (a positive number)
 *   at once (ids are 1 to INT_MAX, reused only long after).  On top of
 *   RUN's rules: req.size must be at least
 *   COPYOFFLOAD_REQ_SIZE_VER1, req.op CLONE is EINVAL (a clone is quick and
 *   all or nothing), nr_ranges over COPYOFFLOAD_JOB_MAX_RANGES is E2BIG, and
 *   EAGAIN says the caller's user already has info.max_jobs jobs (running
 *   or not yet reaped).  The job takes the files the descriptors name at
 *   submission (closing or reusing a descriptor afterwards changes nothing)
 *   and the caller's credentials and RLIMIT_FSIZE (a range that crosses it
 *   gets EFBIG; no SIGXFSZ is sent), and charges its I/O and page cache to
 *   the caller's cgroups.  It does not read the caller's memory again: the
 *   outputs are kept until COPYOFFLOAD_IOC_WAIT hands them over.
 *   The work goes through the same range loop as RUN's, on a workqueue, in
 *   steps of a bounded number of bytes and ranges (a DEDUPE's: of ranges;
 *   each range's outputs are carried over from step to step, so a job's
 *   results equal RUN's);
 *   req.max_bytes bounds the whole job as it bounds a RUN.
 *
 * COPYOFFLOAD_IOC_WAIT (struct copyoffload_wait, read-write)
 *   Waits until job wait.job_id has finished (interruptibly: EINTR leaves
 *   the job running), writes its outputs into the struct copyoffload_req at
 *   wait.req (nr_processed, bytes_done, method_bytes, the array at its
 *   method_bytes_ptr, stop) and into its range array (each range's
 *   bytes_done, status and methods), exactly as RUN writes them, and reaps
 *   the job: its id is then unknown.  The request at wait.req must name as
 *   many ranges of the same range_size as were submitted (else EINVAL); it
 *   is normally the one submitted.  wait.req = 0 reaps without outputs.
 *   COPYOFFLOAD_WAIT_F_NOHANG: EAGAIN instead of waiting.  ENOENT: no job of
 *   that id was submitted through this open file (or it was reaped);
 *   EFAULT: the outputs could not be written, the job is kept.
 *
 * COPYOFFLOAD_IOC_CANCEL (job id as the argument)
 *   Asks job arg to stop: it stops between two steps of its work, as a
 *   signal stops a RUN, with req.stop COPYOFFLOAD_STOP_CANCELLED, the range
 *   it was working on COPYOFFLOAD_STATUS_STOPPED with a true bytes_done and
 *   the ranges after it COPYOFFLOAD_STATUS_NOT_RUN.  0 also when the job had
 *   already finished; ENOENT as for WAIT.  It still has to be reaped.
 *
 * Lifetime: jobs belong to the open file description of /dev/copyoffload
 * that submitted them.  When it is closed, its jobs are cancelled and
 * waited for (close() returns after their current step; a fatal signal
 * ends that wait, and the jobs then stop and free themselves) and their
 * results dropped.  Unloading the module needs every such file closed, and
 * waits for such jobs.  Each
 * user (effective uid of the submitter) has at most info.max_jobs jobs at a
 * time (module parameter max_jobs_per_user).
 *
 * Events and queries: the generic netlink family COPYOFFLOAD_GENL_NAME
 * (version COPYOFFLOAD_GENL_VERSION, commands and attributes below).
 *   COPYOFFLOAD_CMD_JOB_GET     A_JOB_ID: that job; without it, a dump of
 *                               every job the caller may see;
 *   COPYOFFLOAD_CMD_JOB_CANCEL  A_JOB_ID: as COPYOFFLOAD_IOC_CANCEL;
 *   COPYOFFLOAD_CMD_SUBSCRIBE   events of the caller's jobs are sent to this
 *                               socket from now on (A_SUBSCRIBE_ALL with
 *                               CAP_SYS_ADMIN: every user's; EPERM
 *                               without); until COPYOFFLOAD_CMD_UNSUBSCRIBE
 *                               (ENOENT when not subscribed) or its close;
 *                               ENOSPC: the user has 16 subscriptions;
 *   COPYOFFLOAD_CMD_EVENT_PROGRESS  (from the module) a running job's
 *                               counters, at most every job_progress_ms
 *                               (module parameter) and only when they moved;
 *   COPYOFFLOAD_CMD_EVENT_DONE  (from the module) the job finished: its
 *                               totals, A_JOB_STOP, the first failed range
 *                               (A_JOB_ERROR, A_JOB_ERROR_RANGE) and the
 *                               outputs of its first
 *                               COPYOFFLOAD_EVENT_MAX_RANGES ranges
 *                               (A_JOB_RANGES; A_JOB_RANGES_TRUNCATED if
 *                               there are more).
 * A caller sees (GET, CANCEL, events) the jobs its effective uid submitted,
 * every job with CAP_SYS_ADMIN; others are ENOENT.  There is no multicast
 * group: before Linux 6.7 any user may join any generic netlink group, so
 * events are unicast to the sockets that subscribed.  Every event carries
 * A_JOB_SEQ, numbered from 1 per job: a subscriber sees each job's events
 * in order, and a gap (or ENOBUFS on its socket when it read too slowly)
 * says it missed some; events are notifications only, WAIT's outputs are
 * the results.  A job's bytes done may step back while a merged clone or
 * dedupe is redone range by range.
 *
 * Versions
 * --------
 * Version 2 added, each at the end of its structure: info.nr_methods,
 * req_size, range_size, devinfo_size and devinfo_flags
 * (COPYOFFLOAD_INFO_SIZE_VER1); req.method_bytes_ptr, nr_method_bytes, stop
 * and max_bytes (COPYOFFLOAD_REQ_SIZE_VER1) with the stopping rules above
 * and COPYOFFLOAD_STATUS_STOPPED; devinfo.transport and its per-transport
 * union (COPYOFFLOAD_DEVINFO_SIZE_VER2).  It removed from this header
 * COPYOFFLOAD_F_ALL, COPYOFFLOAD_DEVINFO_F_ALL (use info.flags and
 * info.devinfo_flags) and COPYOFFLOAD_METHOD_NR (info.nr_methods), whose
 * values would have changed under compiled programs; and it gave every bit
 * of copyoffload_range.methods to the module (version 1 left bits 16 to 31
 * to libcopyoffload, which now reports its own work apart).  Asynchronous
 * jobs came with it: COPYOFFLOAD_IOC_SUBMIT, _WAIT and _CANCEL,
 * COPYOFFLOAD_FEAT_JOBS, info.max_jobs, COPYOFFLOAD_STOP_CANCELLED and the
 * generic netlink family.  The NVMe Copy engine came later within version
 * 2, without a structure growing: COPYOFFLOAD_FEAT_NVME,
 * COPYOFFLOAD_F_OFFLOAD_NVME, COPYOFFLOAD_METHOD_NVME_COPY and
 * COPYOFFLOAD_DEVINFO_F_SET_NVME.
 */
#ifndef _UAPI_LINUX_COPYOFFLOAD_H
#define _UAPI_LINUX_COPYOFFLOAD_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define COPYOFFLOAD_ABI_VERSION		2
#define COPYOFFLOAD_DEVICE		"/dev/copyoffload"
#define COPYOFFLOAD_IOC_MAGIC		0xC5

/* Most ranges in one request. */
#define COPYOFFLOAD_MAX_RANGES		65536U

/* len value meaning "to the end of the source file". */
#define COPYOFFLOAD_LEN_TO_EOF		(~(__u64)0)

/* DEDUPE compares and shares at most this many bytes per filesystem call. */
#define COPYOFFLOAD_DEDUPE_PIECE	(16ULL << 20)

enum copyoffload_op {
	COPYOFFLOAD_OP_CLONE = 1,
	COPYOFFLOAD_OP_DEDUPE = 2,
	COPYOFFLOAD_OP_COPY = 3,
};

/*
 * Request flags.  All of them are for COPYOFFLOAD_OP_COPY; CLONE and DEDUPE
 * take none.
 *
 * ALLOW_SHARE    the copy may share extents with the source (reflink first).
 * REQUIRE_SHARE  reflink or fail (status holds the clone errno); implies
 *                ALLOW_SHARE; conflicts with the OFFLOAD_* selectors.
 * NO_FALLBACK    never move the data through the host: a range that no
 *                offload method serves fails with EOPNOTSUPP.  Beyond
 *                bytes_done each destination byte is as it was or
 *                already the source's (a storage command that failed may
 *                have written some of its blocks; they are not counted);
 *                on ext4, what read as zeroes may have become written
 *                zeroes.
 * OFFLOAD_XCOPY, OFFLOAD_ODX, OFFLOAD_NVME  restrict storage offload to
 *                one engine (OFFLOAD_NVME: COPYOFFLOAD_FEAT_NVME).
 * OFFLOAD_NONE   skip storage offload altogether.
 * At most one OFFLOAD_* flag may be set.  COPYOFFLOAD_F_OFFLOAD_MASK grew
 * with OFFLOAD_NVME; info.flags says which selectors a module accepts.
 */
#define COPYOFFLOAD_F_ALLOW_SHARE	(1ULL << 0)
#define COPYOFFLOAD_F_REQUIRE_SHARE	(1ULL << 1)
#define COPYOFFLOAD_F_NO_FALLBACK	(1ULL << 2)
#define COPYOFFLOAD_F_OFFLOAD_XCOPY	(1ULL << 3)
#define COPYOFFLOAD_F_OFFLOAD_ODX	(1ULL << 4)
#define COPYOFFLOAD_F_OFFLOAD_NONE	(1ULL << 5)
#define COPYOFFLOAD_F_OFFLOAD_NVME	(1ULL << 6)
#define COPYOFFLOAD_F_OFFLOAD_MASK	(COPYOFFLOAD_F_OFFLOAD_XCOPY | \
					 COPYOFFLOAD_F_OFFLOAD_ODX | \
					 COPYOFFLOAD_F_OFFLOAD_NONE | \
					 COPYOFFLOAD_F_OFFLOAD_NVME)

/*
 * Methods, reported per range as a bitmask (1U << method) in
 * copyoffload_range.methods, and as byte counts per method in the array at
 * copyoffload_req.method_bytes_ptr (and, for methods 0 to 7, in
 * copyoffload_req.method_bytes[]).  Every bit of methods is the module's:
 * new methods take the next numbers, up to 31, and info.nr_methods says how
 * many this module knows.  Numbers 16, 17 and 31 are never assigned:
 * libcopyoffload's first functions (its version 1) report its own ways of
 * copying under them.
 */
enum copyoffload_method {
	COPYOFFLOAD_METHOD_CLONE = 0,	/* extents shared (reflink / dedupe) */
	COPYOFFLOAD_METHOD_FS_COPY = 1,	/* the filesystem's ->copy_file_range */
	COPYOFFLOAD_METHOD_XCOPY = 2,	/* SCSI EXTENDED COPY */
	COPYOFFLOAD_METHOD_ODX = 3,	/* SCSI POPULATE / WRITE USING TOKEN */
	COPYOFFLOAD_METHOD_KERNEL = 4,	/* in-kernel copy through the page cache */
	COPYOFFLOAD_METHOD_HOLE = 5,	/* source hole kept as a hole */
	COPYOFFLOAD_METHOD_NVME_COPY = 6, /* NVMe Copy command on the storage */
};

/* Most methods there can be: one bit each in copyoffload_range.methods. */
#define COPYOFFLOAD_METHODS_MAX		32

/* Range status: 0, a negative errno, or one of these. */
#define COPYOFFLOAD_STATUS_OK		0
#define COPYOFFLOAD_STATUS_SAME		1	/* DEDUPE: equal, shared */
#define COPYOFFLOAD_STATUS_DIFFERS	2	/* DEDUPE: data differs */
#define COPYOFFLOAD_STATUS_NOT_RUN	3	/* not attempted */
#define COPYOFFLOAD_STATUS_STOPPED	4	/* stopped part-way (req.stop):
						 * bytes_done is true, the rest
						 * may be run again
						 */

/* copyoffload_req.stop: why a request returned before its last range. */
#define COPYOFFLOAD_STOP_NONE		0
#define COPYOFFLOAD_STOP_SIGNAL		1	/* a signal is pending */
#define COPYOFFLOAD_STOP_MAX_BYTES	2	/* req.max_bytes reached */
#define COPYOFFLOAD_STOP_CANCELLED	3	/* a job was cancelled */

/* copyoffload_req.max_bytes is 0 or a multiple of this. */
#define COPYOFFLOAD_MAX_BYTES_ALIGN	(1ULL << 20)

/* Feature bits in copyoffload_info.features. */
#define COPYOFFLOAD_FEAT_CLONE		(1ULL << 0)
#define COPYOFFLOAD_FEAT_DEDUPE		(1ULL << 1)
#define COPYOFFLOAD_FEAT_COPY		(1ULL << 2)
#define COPYOFFLOAD_FEAT_FS_COPY	(1ULL << 3)
#define COPYOFFLOAD_FEAT_KERNEL_COPY	(1ULL << 4)
#define COPYOFFLOAD_FEAT_XCOPY		(1ULL << 5)
#define COPYOFFLOAD_FEAT_ODX		(1ULL << 6)
#define COPYOFFLOAD_FEAT_DEVINFO	(1ULL << 7)	/* IOC_DEVINFO */
#define COPYOFFLOAD_FEAT_JOBS		(1ULL << 8)	/* IOC_SUBMIT, WAIT,
							 * CANCEL, netlink
							 */
#define COPYOFFLOAD_FEAT_NVME		(1ULL << 9)	/* NVMe Copy engine,
							 * DEVINFO_F_SET_NVME
							 */

struct copyoffload_info {
	__u32 size;		/* in: sizeof what the caller knows; out: written */
	__u32 abi_version;	/* out: COPYOFFLOAD_ABI_VERSION */
	__u64 features;		/* out: COPYOFFLOAD_FEAT_* */
	__u64 flags;		/* out: COPYOFFLOAD_F_* this module accepts */
	__u32 max_ranges;	/* out: COPYOFFLOAD_MAX_RANGES */
	__u32 chunk_size;	/* out: bytes per in-kernel copy step */
	__u8 version[32];	/* out: module version, NUL-terminated */
	/* since COPYOFFLOAD_INFO_SIZE_VER1 (ABI version 2) */
	__u32 nr_methods;	/* out: methods this module knows */
	__u32 req_size;		/* out: sizeof(struct copyoffload_req) known */
	__u32 range_size;	/* out: sizeof(struct copyoffload_range) known */
	__u32 devinfo_size;	/* out: sizeof(struct copyoffload_devinfo) known */
	__u32 devinfo_flags;	/* out: COPYOFFLOAD_DEVINFO_F_* accepted */
	__u32 max_jobs;		/* out: jobs one user may have at a time */
};
#define COPYOFFLOAD_INFO_SIZE_VER0	64
#define COPYOFFLOAD_INFO_SIZE_VER1	88

struct copyoffload_range {
	__s32 src_fd;		/* in: open for reading */
	__s32 dst_fd;		/* in: open for writing, not O_APPEND */
	__u64 src_off;		/* in */
	__u64 dst_off;		/* in */
	__u64 len;		/* in: bytes, or COPYOFFLOAD_LEN_TO_EOF */
	__u64 bytes_done;	/* out */
	__s32 status;		/* out: COPYOFFLOAD_STATUS_* or -errno */
	__u32 methods;		/* out: 1U << COPYOFFLOAD_METHOD_* */
};
#define COPYOFFLOAD_RANGE_SIZE_VER0	48

struct copyoffload_req {
	__u32 size;		/* in: sizeof(struct copyoffload_req) */
	__u32 op;		/* in: enum copyoffload_op */
	__u64 flags;		/* in: COPYOFFLOAD_F_* */
	__u64 ranges;		/* in: user pointer to the range array */
	__u32 nr_ranges;	/* in: 1 .. COPYOFFLOAD_MAX_RANGES */
	__u32 range_size;	/* in: sizeof(struct copyoffload_range) */
	__u32 nr_processed;	/* out: ranges with a final status */
	__u32 reserved;		/* in: must be 0 */
	__u64 bytes_done;	/* out: sum of the ranges' bytes_done */
	__u64 method_bytes[8];	/* out: bytes per method, methods 0 to 7 */
	/* since COPYOFFLOAD_REQ_SIZE_VER1 (ABI version 2) */
	__u64 method_bytes_ptr;	/* in: 0, or a user pointer to
				 * __u64[nr_method_bytes]: bytes per method
				 */
	__u32 nr_method_bytes;	/* in: entries at method_bytes_ptr;
				 * out: entries filled, never more
				 */
	__u32 stop;		/* out: COPYOFFLOAD_STOP_* */
	__u64 max_bytes;	/* in: 0, or stop once bytes_done reaches it */
};
#define COPYOFFLOAD_REQ_SIZE_VER0	112
#define COPYOFFLOAD_REQ_SIZE_VER1	136

/* COPYOFFLOAD_IOC_DEVINFO */
#define COPYOFFLOAD_DEVINFO_F_REFRESH	(1U << 0)	/* probe again */
#define COPYOFFLOAD_DEVINFO_F_SET_NVME	(1U << 1)	/* in: u.nvme's limits */

/* copyoffload_devinfo.transport: how the disk is reached. */
#define COPYOFFLOAD_TRANSPORT_OTHER	0	/* none the module speaks */
#define COPYOFFLOAD_TRANSPORT_SCSI	1	/* the SCSI fields above */
#define COPYOFFLOAD_TRANSPORT_NVME	2	/* devinfo.u.nvme */

/* copyoffload_devinfo.caps */
#define COPYOFFLOAD_DEV_SCSI		(1U << 0)	/* a SCSI disk */
#define COPYOFFLOAD_DEV_3PC		(1U << 1)	/* INQUIRY: 3PC set */
#define COPYOFFLOAD_DEV_NAA		(1U << 2)	/* VPD 0x83: NAA, 16 bytes */
#define COPYOFFLOAD_DEV_XCOPY_LID1	(1U << 3)	/* EXTENDED COPY (LID1),
							 * CSCD 0xE4, segment 0x02
							 */
#define COPYOFFLOAD_DEV_TPC_VPD		(1U << 4)	/* VPD 0x8F (Third Party
							 * Copy) present
							 */
#define COPYOFFLOAD_DEV_ROD_TOKENS	(1U << 5)	/* 0x8F: ROD token limits,
							 * POPULATE TOKEN, WRITE
							 * USING TOKEN, RRTI (ODX)
							 */

/*
 * The NVMe part of struct copyoffload_devinfo (transport
 * COPYOFFLOAD_TRANSPORT_NVME): the namespace's Copy limits from Identify
 * Namespace and whether the controller offers Copy (ONCS bit 8).  0: not
 * known.  (The SCSI part predates the transport tag and lives in the fixed
 * fields above the union.)
 *
 * The kernel keeps Identify's answers private to the NVMe driver, and admin
 * commands reach only its controller, so the module cannot learn them
 * itself: a privileged program (copyoffload nvme-setup, run by udev) reads
 * them with NVME_IOCTL_ADMIN_CMD and hands them over with
 * COPYOFFLOAD_DEVINFO_F_SET_NVME.  The module learns nsid itself.
 */
struct copyoffload_devinfo_nvme {
	__u32 nsid;		/* out: namespace id */
	__u32 caps;		/* COPYOFFLOAD_NVME_*: in (SET_NVME), out */
	__u32 mcl;		/* maximum copy length, logical blocks */
	__u16 mssrl;		/* maximum single source range length, blocks */
	__u8 msrc;		/* maximum source ranges, 0's based */
	__u8 reserved;
	__u64 reserved2[2];
};
/* in and out: */
#define COPYOFFLOAD_NVME_COPY		(1U << 0)	/* ONCS: Copy supported,
							 * source range format 0
							 */
/* out only: */
#define COPYOFFLOAD_NVME_LIMITS_SET	(1U << 16)	/* SET_NVME was given */
#define COPYOFFLOAD_NVME_MULTIPATH	(1U << 17)	/* a multipath head: no
							 * queue of its own
							 */
#define COPYOFFLOAD_NVME_METADATA	(1U << 18)	/* metadata or protection
							 * information: refused
							 */

struct copyoffload_devinfo {
	__u32 size;		/* in: sizeof what the caller knows; out: written */
	__s32 fd;		/* in: block device, or a file on one */
	__u32 flags;		/* in: COPYOFFLOAD_DEVINFO_F_* */
	__u32 caps;		/* out: COPYOFFLOAD_DEV_* */
	__u32 dev_major;	/* out: the whole disk */
	__u32 dev_minor;
	__u64 start_sect;	/* out: partition start, 512-byte sectors */
	__u32 logical_block_size; /* out: bytes */
	__s32 probe_status;	/* out: 0, -errno, or the SCSI result of the
				 * first probe step that failed
				 */
	/* out, from RECEIVE COPY RESULTS (OPERATING PARAMETERS): */
	__u16 max_cscd_descriptors;
	__u16 max_segment_descriptors;
	__u32 max_descriptor_list_length;
	__u32 max_segment_length;	/* bytes */
	__u32 max_inline_data;		/* bytes */
	__u8 segment_granularity;	/* log2 bytes */
	__u8 naa_len;			/* bytes of naa[] used */
	__u8 reserved[6];
	__u8 naa[16];		/* out: VPD 0x83 NAA designator */
	__u8 vendor[8];		/* out: INQUIRY, space padded */
	__u8 product[16];
	__u8 revision[4];
	__u32 reserved2;
	/* out, from VPD 0x8F's Block Device ROD Token Limits descriptor
	 * (COPYOFFLOAD_DEV_ROD_TOKENS); 0: not reported
	 */
	__u16 rod_max_ranges;		/* range descriptors per command */
	__u16 reserved3;
	__u32 rod_max_inactivity;	/* token inactivity timeout, seconds */
	__u32 rod_default_inactivity;	/* seconds */
	__u32 reserved4;
	__u64 rod_max_token_blocks;	/* logical blocks one token may hold */
	__u64 rod_optimal_blocks;	/* optimal transfer count, blocks */
	/* since COPYOFFLOAD_DEVINFO_SIZE_VER2 (ABI version 2) */
	__u32 transport;	/* out: COPYOFFLOAD_TRANSPORT_* */
	__u32 reserved5;
	union {			/* out: the transport's own part */
		struct copyoffload_devinfo_nvme nvme;
		__u8 space[128];
	} u;
};
#define COPYOFFLOAD_DEVINFO_SIZE_VER0	112
#define COPYOFFLOAD_DEVINFO_SIZE_VER1	144	/* + rod_* */
#define COPYOFFLOAD_DEVINFO_SIZE_VER2	280	/* + transport */

/* COPYOFFLOAD_IOC_SUBMIT: most ranges in one job. */
#define COPYOFFLOAD_JOB_MAX_RANGES	4096U

/* COPYOFFLOAD_IOC_WAIT */
#define COPYOFFLOAD_WAIT_F_NOHANG	(1U << 0)	/* EAGAIN, not a wait */

struct copyoffload_wait {
	__u32 size;		/* in: sizeof(struct copyoffload_wait) */
	__u32 flags;		/* in: COPYOFFLOAD_WAIT_F_* */
	__u32 job_id;		/* in: COPYOFFLOAD_IOC_SUBMIT's return value */
	__u32 reserved;		/* in: must be 0 */
	__u64 req;		/* in: 0, or a user pointer to the struct
				 * copyoffload_req that receives the outputs
				 */
};
#define COPYOFFLOAD_WAIT_SIZE_VER0	24

/*
 * The generic netlink family of jobs.  Attributes are flat: the members of
 * the nests (A_JOB_METHOD_BYTES, A_JOB_RANGES, A_RANGE) share the space.
 */
#define COPYOFFLOAD_GENL_NAME		"copyoffload"
#define COPYOFFLOAD_GENL_VERSION	1

/* Ranges whose outputs a COPYOFFLOAD_CMD_EVENT_DONE carries at most. */
#define COPYOFFLOAD_EVENT_MAX_RANGES	256

enum copyoffload_genl_cmd {
	COPYOFFLOAD_CMD_UNSPEC,
	COPYOFFLOAD_CMD_JOB_GET,
	COPYOFFLOAD_CMD_JOB_CANCEL,
	COPYOFFLOAD_CMD_SUBSCRIBE,
	COPYOFFLOAD_CMD_UNSUBSCRIBE,
	COPYOFFLOAD_CMD_EVENT_PROGRESS,
	COPYOFFLOAD_CMD_EVENT_DONE,
	__COPYOFFLOAD_CMD_MAX
};
#define COPYOFFLOAD_CMD_MAX	(__COPYOFFLOAD_CMD_MAX - 1)

/* COPYOFFLOAD_A_JOB_STATE */
#define COPYOFFLOAD_JOB_QUEUED		1	/* not started yet */
#define COPYOFFLOAD_JOB_RUNNING		2
#define COPYOFFLOAD_JOB_DONE		3	/* finished, not reaped yet */

enum copyoffload_genl_attr {
	COPYOFFLOAD_A_UNSPEC,
	COPYOFFLOAD_A_PAD,
	COPYOFFLOAD_A_JOB_ID,		/* u32 */
	COPYOFFLOAD_A_JOB_STATE,	/* u32: COPYOFFLOAD_JOB_* */
	COPYOFFLOAD_A_JOB_OP,		/* u32: enum copyoffload_op */
	COPYOFFLOAD_A_JOB_FLAGS,	/* u64: COPYOFFLOAD_F_* */
	COPYOFFLOAD_A_JOB_UID,		/* u32: submitter's euid (GET: in the
					 * reader's user namespace; events: in
					 * the initial one)
					 */
	COPYOFFLOAD_A_JOB_PID,		/* u32: submitter's process, 0 when
					 * gone or not in the reader's pid
					 * namespace (GET only)
					 */
	COPYOFFLOAD_A_JOB_NR_RANGES,	/* u32 */
	COPYOFFLOAD_A_JOB_RANGES_DONE,	/* u32: ranges with a final status */
	COPYOFFLOAD_A_JOB_BYTES_DONE,	/* u64: over all ranges */
	COPYOFFLOAD_A_JOB_BYTES_TOTAL,	/* u64: the bytes the ranges named at
					 * submission (up to the sources' EOF)
					 */
	COPYOFFLOAD_A_JOB_METHOD,	/* u32: method of the latest bytes;
					 * absent before the first byte
					 */
	COPYOFFLOAD_A_JOB_METHOD_BYTES,	/* nest: u64 per method, attribute
					 * type = COPYOFFLOAD_METHOD_* + 1
					 */
	COPYOFFLOAD_A_JOB_ELAPSED_NS,	/* u64: since submission */
	COPYOFFLOAD_A_JOB_SEQ,		/* u32: events only, from 1 per job */
	COPYOFFLOAD_A_JOB_STOP,		/* u32: COPYOFFLOAD_STOP_* (DONE) */
	COPYOFFLOAD_A_JOB_ERROR,	/* s32: first negative range status */
	COPYOFFLOAD_A_JOB_ERROR_RANGE,	/* u32: that range's index */
	COPYOFFLOAD_A_JOB_RANGES,	/* nest of COPYOFFLOAD_A_RANGE */
	COPYOFFLOAD_A_JOB_RANGES_TRUNCATED, /* flag: not every range is in */
	COPYOFFLOAD_A_RANGE,		/* nest: one range's outputs */
	COPYOFFLOAD_A_RANGE_INDEX,	/* u32 */
	COPYOFFLOAD_A_RANGE_BYTES_DONE,	/* u64 */
	COPYOFFLOAD_A_RANGE_STATUS,	/* s32: COPYOFFLOAD_STATUS_* or -errno */
	COPYOFFLOAD_A_RANGE_METHODS,	/* u32: 1U << COPYOFFLOAD_METHOD_* */
	COPYOFFLOAD_A_SUBSCRIBE_ALL,	/* flag: SUBSCRIBE to every user's */
	__COPYOFFLOAD_A_MAX
};
#define COPYOFFLOAD_A_MAX	(__COPYOFFLOAD_A_MAX - 1)

#define COPYOFFLOAD_IOC_INFO \
	_IOC(_IOC_READ | _IOC_WRITE, COPYOFFLOAD_IOC_MAGIC, 0x00, \
	     COPYOFFLOAD_INFO_SIZE_VER0)
#define COPYOFFLOAD_IOC_RUN \
	_IOC(_IOC_READ | _IOC_WRITE, COPYOFFLOAD_IOC_MAGIC, 0x01, \
	     COPYOFFLOAD_REQ_SIZE_VER0)

#define COPYOFFLOAD_IOC_DEVINFO \
	_IOC(_IOC_READ | _IOC_WRITE, COPYOFFLOAD_IOC_MAGIC, 0x02, \
	     COPYOFFLOAD_DEVINFO_SIZE_VER0)
#define COPYOFFLOAD_IOC_SUBMIT \
	_IOC(_IOC_READ | _IOC_WRITE, COPYOFFLOAD_IOC_MAGIC, 0x03, \
	     COPYOFFLOAD_REQ_SIZE_VER1)
#define COPYOFFLOAD_IOC_WAIT \
	_IOC(_IOC_READ | _IOC_WRITE, COPYOFFLOAD_IOC_MAGIC, 0x04, \
	     COPYOFFLOAD_WAIT_SIZE_VER0)
#define COPYOFFLOAD_IOC_CANCEL \
	_IO(COPYOFFLOAD_IOC_MAGIC, 0x05)

#endif /* _UAPI_LINUX_COPYOFFLOAD_H */
