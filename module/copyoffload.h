/* SPDX-License-Identifier: GPL-2.0 */
/*
 * copyoffload: internal declarations shared by the module's files.
 */
#ifndef COPYOFFLOAD_INTERNAL_H
#define COPYOFFLOAD_INTERNAL_H

#include <linux/types.h>
#include <linux/fs.h>
#include <linux/sched/signal.h>
#include <linux/copyoffload.h>

/*
 * The NVMe Copy engine, where the target kernel exports the NVMe driver's
 * nvme_submit_sync_cmd() (compat/Kbuild.include): its feature, its
 * selector flag and SET_NVME exist only then.
 */
#ifdef COMPAT_HAVE_NVME_SUBMIT_SYNC_CMD
#define CO_HAVE_NVME		1
#define CO_FEAT_NVME		COPYOFFLOAD_FEAT_NVME
#define CO_F_NVME		COPYOFFLOAD_F_OFFLOAD_NVME
#define CO_DEVINFO_F_NVME	COPYOFFLOAD_DEVINFO_F_SET_NVME
#else
#define CO_HAVE_NVME		0
#define CO_FEAT_NVME		0
#define CO_F_NVME		0
#define CO_DEVINFO_F_NVME	0
#endif

/* Features this build supports, reported by COPYOFFLOAD_IOC_INFO. */
#define CO_FEATURES	(COPYOFFLOAD_FEAT_CLONE | COPYOFFLOAD_FEAT_DEDUPE | \
			 COPYOFFLOAD_FEAT_COPY | COPYOFFLOAD_FEAT_FS_COPY | \
			 COPYOFFLOAD_FEAT_KERNEL_COPY | COPYOFFLOAD_FEAT_DEVINFO | \
			 COPYOFFLOAD_FEAT_XCOPY | COPYOFFLOAD_FEAT_ODX | \
			 COPYOFFLOAD_FEAT_JOBS | CO_FEAT_NVME)

/* COPYOFFLOAD_F_* this build accepts (info.flags). */
#define CO_F_ALL	(COPYOFFLOAD_F_ALLOW_SHARE | COPYOFFLOAD_F_REQUIRE_SHARE | \
			 COPYOFFLOAD_F_NO_FALLBACK | COPYOFFLOAD_F_OFFLOAD_XCOPY | \
			 COPYOFFLOAD_F_OFFLOAD_ODX | COPYOFFLOAD_F_OFFLOAD_NONE | \
			 CO_F_NVME)

/* COPYOFFLOAD_DEVINFO_F_* this build accepts (info.devinfo_flags). */
#define CO_DEVINFO_F_ALL	(COPYOFFLOAD_DEVINFO_F_REFRESH | CO_DEVINFO_F_NVME)

/*
 * Methods this build knows: COPYOFFLOAD_METHOD_* are 0 .. CO_METHOD_NR - 1
 * (NVME_COPY is known, and reported, even where the engine is not built).
 */
#define CO_METHOD_NR	(COPYOFFLOAD_METHOD_NVME_COPY + 1)

/* Bytes moved per step of a copy, between signal checks. */
#define CO_CHUNK_SIZE	(4U << 20)

/* Largest request or devinfo structure a caller may pass (a newer ABI). */
#define CO_MAX_STRUCT_SIZE	PAGE_SIZE

/* Largest range structure a caller may pass (a newer, larger ABI). */
#define CO_MAX_RANGE_SIZE	4096U

/*
 * Adjacent ranges worked as one (request.c): their lengths, and the methods
 * that moved each one's bytes.
 */
#define CO_MERGE_MAX	128
struct co_parts {
	u32 nr;
	u64 len[CO_MERGE_MAX];
	u32 methods[CO_MERGE_MAX];
};

/* One range as the module works on it: inputs, then outputs. */
struct co_range {
	struct copyoffload_range u;	/* as read from the caller */
	struct file *src;
	struct file *dst;
	u64 len;			/* resolved: LEN_TO_EOF made concrete */
	struct co_parts *parts;		/* several ranges worked as one */
};

void co_parts_account(struct co_parts *p, u64 start, u64 bytes,
		      unsigned int method);

/*
 * What one request accumulates, and when its work should stop.  A job's
 * progress is read from another thread while its worker writes it
 * (method_bytes, method): written with WRITE_ONCE().
 */
struct co_stats {
	u64 method_bytes[CO_METHOD_NR];
	u32 method;		/* the method of the latest bytes */
	bool intr;		/* any signal stops it (ABI 2), not only SIGKILL */
	const bool *cancel;	/* a job's: no signals, this stops it */
	unsigned long fsize;	/* the caller's RLIMIT_FSIZE */
};

/*
 * Whether the work should stop between two steps: for a fatal signal
 * always, for any other pending signal when the request asked for that; a
 * job (on a workqueue, where no signal comes) when it was cancelled.
 * Steps are never cut short: a storage command in flight is waited for.
 */
static inline bool co_interrupted(const struct co_stats *st)
{
	if (st->cancel)
		return READ_ONCE(*st->cancel);
	return fatal_signal_pending(current) ||
	       (st->intr && signal_pending(current));
}

/* Account BYTES moved by METHOD to range R and to the request. */
static inline void co_account(struct co_range *r, struct co_stats *st,
			      unsigned int method, u64 bytes)
{
	if (!bytes)
		return;
	if (r->parts)
		co_parts_account(r->parts, r->u.bytes_done, bytes, method);
	r->u.bytes_done += bytes;
	r->u.methods |= 1U << method;
	WRITE_ONCE(st->method_bytes[method], st->method_bytes[method] + bytes);
	WRITE_ONCE(st->method, method);
}

static inline loff_t co_src_pos(const struct co_range *r)
{
	return r->u.src_off + r->u.bytes_done;
}

static inline loff_t co_dst_pos(const struct co_range *r)
{
	return r->u.dst_off + r->u.bytes_done;
}

static inline u64 co_rest(const struct co_range *r)
{
	return r->len - r->u.bytes_done;
}

/* check.c */
int co_range_check(u32 op, struct co_range *r);

/* remap.c */
void co_clone_range(struct co_range *r, struct co_stats *st);
void co_dedupe_range(struct co_range *r, struct co_stats *st);

/* walk.c */
typedef ssize_t (*co_mover_t)(struct co_range *r, loff_t pos, u64 len,
			      struct co_stats *st, void *ctx);
int co_walk(struct co_range *r, struct co_stats *st, co_mover_t move,
	    void *ctx);
struct file *co_seek_file(struct file *file);
int co_dst_hole(struct file *dst, loff_t pos, u64 len);

/* copy.c */
void co_copy_range(u64 flags, struct co_range *r, struct co_stats *st);

/*
 * Why storage offload passed a range on to the next method (counted per
 * disk and globally, shown in sysfs).
 */
enum co_fallback {
	CO_FB_DEVICE,		/* no disk with a device copy under it */
	CO_FB_FS,		/* filesystem or file kind not offloadable */
	CO_FB_PERM,		/* CAP_SYS_RAWIO needed (ext4, new blocks) */
	CO_FB_UNALIGNED,	/* offsets or length off the block grid */
	CO_FB_UNMAPPED,		/* holes, unwritten or shared blocks */
	CO_FB_CHANGED,		/* the files changed under the mapping */
	CO_FB_UNSUPPORTED,	/* the copy manager refused the command */
	CO_FB_UNREACHABLE,	/* it cannot reach the source LUN */
	CO_FB_TARGET,		/* the command failed otherwise */
	CO_FB_TOKEN,		/* ROD tokens kept expiring or being revoked */
	CO_FB_CROSS_NS,		/* NVMe: the files are on two namespaces */
	CO_FB_LIMITS,		/* NVMe: Command Size Limit Exceeded */
	CO_FB_NR
};

/* offload.c */
int co_copy_offload(u64 flags, struct co_range *r, struct co_stats *st);
unsigned int co_cmd_timeout(void);

/* xcopy.c */
struct scsi_device;
#define CO_XCOPY_MAX_BLOCKS	65535U	/* 16-bit NUMBER OF BLOCKS */
struct co_xcopy {
	struct scsi_device *sdev;	/* the destination LUN: gets the command */
	const struct copyoffload_devinfo *src, *dst;
	bool same;			/* one LUN: one CSCD */
};

#define CO_XCOPY_MAX_SEGS	64	/* segment descriptors a command */
struct co_xcopy_seg {
	u64 src_lba, dst_lba;
	u32 blocks;
};

unsigned int co_xcopy_max_segs(const struct copyoffload_devinfo *di,
			       bool same);
int co_xcopy_segments(const struct co_xcopy *x, const struct co_xcopy_seg *seg,
		      unsigned int nr, unsigned int *reason);

/*
 * One storage command's disk ranges, in logical blocks: a ROD token's or a
 * WRITE USING TOKEN's block device range descriptors, an NVMe Copy's
 * source ranges.  A batch maps no more extents (CO_MAP_MAX).
 */
#define CO_LBA_LIST_MAX		64
struct co_lba_list {
	unsigned int nr;
	u64 blocks;			/* sum of r[].blocks */
	struct {
		u64 lba;
		u32 blocks;
	} r[CO_LBA_LIST_MAX];
};

/* odx.c */
#define CO_ODX_TOKEN_LEN	512

void co_odx_init(void);
int co_odx_populate(struct scsi_device *sdev, const struct co_lba_list *l,
		    u8 *token, u64 *blocks, unsigned int *reason);
int co_odx_write(struct scsi_device *sdev, const u8 *token, u64 offset,
		 const struct co_lba_list *l, bool last, u64 *blocks,
		 unsigned int *reason);

/* nvme.c */
struct block_device;
int co_nvme_copy(struct block_device *bdev, u32 nsid,
		 const struct co_lba_list *l, u64 dst_lba,
		 unsigned int *reason);

/* layout.c */
bool co_layout_capable(struct inode *inode);

/* Extents of one batch, in kernel memory only. */
#define CO_MAP_MAX	64
struct co_ext {
	loff_t pos;		/* file offset */
	u64 len;
	u64 addr;		/* bytes on the partition */
	bool unwritten;
};

struct co_map {
	unsigned int nr;
	struct co_ext ext[CO_MAP_MAX];
};

s64 co_map(struct inode *inode, loff_t pos, u64 len, bool unwritten,
	   struct co_map *m);
bool co_map_unwritten(const struct co_map *m, loff_t end);
int co_layout_commit(struct inode *inode, const struct co_map *m, loff_t pos,
		     u64 len);
bool co_map_cookie_capable(struct inode *inode);
u64 co_map_cookie(struct inode *inode);
bool co_map_cookie_valid(struct inode *inode, u64 cookie);

/* stats.c */
struct co_disk_stats;
struct co_disk_stats *co_disk_stats_new(dev_t devt);
void co_disk_stats_put(struct co_disk_stats *ds);
void co_disk_stats_forget(struct co_disk_stats *ds);
void co_disk_stats_get(struct co_disk_stats *ds);
void co_stats_copied(struct co_disk_stats *ds, unsigned int method,
		     u64 bytes, u32 tokens, u32 commands);
void co_stats_fallback(struct co_disk_stats *ds, unsigned int reason);
int co_stats_init(void);
void co_stats_exit(void);

/* discover.c */
struct block_device;

long co_ioctl_devinfo(void __user *arg);
struct scsi_device *co_bdev_sdev(struct block_device *bdev);
struct co_disk_stats *co_disk_get(struct block_device *bdev,
				  struct copyoffload_devinfo *di);
bool co_nvme_usable(struct block_device *bdev,
		    const struct copyoffload_devinfo *di);
void co_disk_put(struct co_disk_stats *ds);
void co_discover_exit(void);

/* request.c */
struct co_req;

/* A job's counters, as its progress events and queries show them. */
struct co_progress {
	u32 op, nr_ranges, ranges_done, method, stop;
	u64 flags, bytes_done, bytes_total;
	u64 method_bytes[CO_METHOD_NR];
};

long co_ioctl_run(void __user *arg);
struct co_req *co_req_submit(void __user *arg, int *err);
bool co_req_step(struct co_req *cr);
void co_req_cancel(struct co_req *cr);
void co_req_progress(const struct co_req *cr, struct co_progress *p);
int co_req_range_out(const struct co_req *cr, u32 i, u64 *bytes_done,
		     s32 *status, u32 *methods);
int co_req_wait_out(const struct co_req *cr, void __user *ureq);
void co_req_put_files(struct co_req *cr);
void co_req_free(struct co_req *cr);

/* job.c */
struct co_owner;
struct co_job;

extern unsigned int co_max_jobs_per_user;
int co_jobs_init(void);
void co_jobs_exit(void);
struct co_owner *co_owner_new(void);
void co_owner_release(struct co_owner *ow);
long co_ioctl_submit(struct co_owner *ow, void __user *arg);
long co_ioctl_wait(struct co_owner *ow, void __user *arg);
long co_ioctl_cancel(struct co_owner *ow, unsigned long id);

/* What netlink may see of a job; filled under the jobs' lock. */
struct co_job_view {
	u32 id, state, pid;
	kuid_t uid;
	u64 elapsed_ns;
	struct co_progress p;
};

typedef int (*co_job_visit_t)(const struct co_job_view *v, void *ctx);
int co_jobs_visit(u32 first, kuid_t uid, bool all, co_job_visit_t visit,
		  void *ctx, u32 *next);
int co_job_cancel_id(u32 id, kuid_t uid, bool all);
int co_job_view_id(u32 id, kuid_t uid, bool all, struct co_job_view *v);

/* genl.c */
int co_genl_init(void);
void co_genl_exit(void);
void co_genl_event(const struct co_job_view *v, const struct co_req *done,
		   u32 seq);

#endif /* COPYOFFLOAD_INTERNAL_H */
