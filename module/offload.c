// SPDX-License-Identifier: GPL-2.0
/*
 * copyoffload: the storage step of COPY.  The disk's copy manager copies
 * the blocks (SCSI EXTENDED COPY, ROD tokens: ODX, or NVMe Copy); the
 * bytes never cross the host.  One path for the three engines: the same
 * batches, mappings, locks and commit; only the command layer differs
 * (xcopy.c, odx.c, nvme.c).
 *
 * Writing a file's blocks underneath its filesystem is correct only when
 * all of this holds (a range that fails any of it goes to the next method,
 * and the reason is counted):
 *   - both files are on xfs or ext4 (never btrfs: copy-on-write and
 *     checksums), regular, not DAX, encrypted, verity or swap, each
 *     filesystem directly on a SCSI disk or one of its partitions (not dm,
 *     md, loop) whose copy manager does EXTENDED COPY LID1 with NAA
 *     identification descriptors or ROD token copies (VPD 0x8F: POPULATE
 *     TOKEN, WRITE USING TOKEN, RRTI), or both on one NVMe namespace (a
 *     Copy reads and writes within one namespace) whose Copy limits root
 *     handed in (SET_NVME), with a request queue of its own (no multipath
 *     head) and no metadata, with equal logical block sizes;
 *   - source and destination offsets and the length are on the filesystem
 *     block grid (a tail shorter than a block goes to the next method);
 *   - the source's blocks are written extents inside EOF; the
 *     destination's are written extents inside EOF (made, where they are
 *     not, with FALLOC_FL_WRITE_ZEROES where the kernel and the disk can),
 *     or, for callers with CAP_SYS_RAWIO on xfs, unwritten extents that
 *     fallocate allocated and that are committed only once the device has
 *     written them; never shared;
 *   - the mapping is taken after the inodes' change counters were read and
 *     is used only while both inodes are locked and their counters have
 *     not moved (layout.c's rules 2 and 3): the locks are taken for each
 *     device command, the source's shared and the destination's
 *     exclusive (i_rwsem, then invalidate_lock), so a writer, truncate or
 *     extent swap of either file waits for at most one command; the
 *     destination's direct I/O is drained, the command's source range
 *     written back, its destination range written back and dropped from
 *     the page cache before and again after the command; privileges and
 *     times as a write would (errors stop the copy), fsnotify after;
 *   - every address lies inside the partition, the destination disk is
 *     writable, the copy stays inside RLIMIT_FSIZE (copy.c).
 * Work is done in batches of at most CO_BATCH bytes and CO_MAP_MAX
 * extents, checking for fatal signals between commands.  An ODX batch
 * spans the source's holes (up to CO_MAP_MAX data runs within
 * CO_BATCH_SPAN): its tokens' and WRITE USING TOKENs' ranges skip them,
 * the destination's part of a hole is not written but punched once the
 * data after it is copied, and only then counted; so does an EXTENDED
 * COPY batch where the copy manager takes several segment descriptors a
 * command.  EXTENDED COPY: one segment an extent piece, of at most
 * CO_XCOPY_MAX_BLOCKS blocks and the copy manager's segment length, as
 * many a command as it takes (LIO: one); a command that fails counts none
 * of its segments.  ODX: tokens of as many source ranges and blocks as the
 * disks' ROD token limits allow, each written by WRITE USING TOKEN over
 * the destination's ranges, again from the transfer count on when a copy
 * manager wrote less, a new token (at most CO_ODX_REPOPULATE times a
 * batch) when one expired or was revoked.  NVMe Copy: one destination
 * extent per command, from up to MSRC + 1 source ranges (the source's
 * extents, cut at MSSRL blocks), at most MCL blocks; a Copy either
 * succeeds whole or counts for nothing.  Only bytes a command reports
 * copied are counted.
 *
 * The engine is chosen per range: the one a request flag forces, or the
 * first of the module parameter offload_engine's order (auto: NVMe Copy,
 * ODX, then EXTENDED COPY) that both disks offer.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/blkdev.h>
#include <linux/capability.h>
#include <linux/falloc.h>
#include <linux/file.h>
#include <linux/fsnotify.h>
#include <linux/magic.h>
#include <linux/moduleparam.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <scsi/scsi_device.h>

#include "copyoffload.h"

/* Bytes mapped, locked and copied at a time. */
#define CO_BATCH		(256ULL << 20)
/* File bytes, data and holes, a batch over several data runs may span. */
#define CO_BATCH_SPAN		(4 * CO_BATCH)
/*
 * Bytes one NVMe Copy may write.  nvme_submit_sync_cmd() gives it the
 * driver's I/O timeout (nvme_core.io_timeout, 30 s by default), and a
 * timed-out command makes the driver abort it and then reset the
 * controller, under every other user of the disk: a device's MCL may be
 * far larger than what it copies in that time.
 */
#define CO_NVME_CMD_MAX		(64ULL << 20)
/* Times a batch is mapped again after the files changed under it. */
#define CO_REMAP_TRIES		3
/* New tokens a batch may ask for after one expired or was revoked. */
#define CO_ODX_REPOPULATE	3

/*
 * offload_engine: which device copy a COPY without an OFFLOAD_* flag tries
 * first where both disks offer both; the other one is used where they
 * offer only that one.
 */
enum { CO_ENGINE_AUTO, CO_ENGINE_ODX, CO_ENGINE_XCOPY, CO_ENGINE_NVME };
static const char * const co_engine_names[] = {
	"auto", "odx", "xcopy", "nvme"
};

static int co_engine_default = CO_ENGINE_AUTO;

static int co_engine_set(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(co_engine_names, val);

	if (i < 0)
		return -EINVAL;
	WRITE_ONCE(co_engine_default, i);
	return 0;
}

static int co_engine_get(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%s\n",
			 co_engine_names[READ_ONCE(co_engine_default)]);
}

static const struct kernel_param_ops co_engine_ops = {
	.set = co_engine_set,
	.get = co_engine_get,
};
module_param_cb(offload_engine, &co_engine_ops, NULL, 0644);
MODULE_PARM_DESC(offload_engine,
		 "device copy tried first: auto (NVMe Copy, ODX, then EXTENDED COPY), odx, xcopy, nvme");

/*
 * cmd_timeout: seconds the midlayer gives one EXTENDED COPY, POPULATE
 * TOKEN, WRITE USING TOKEN or RECEIVE ROD TOKEN INFORMATION before its
 * error handler aborts it (sd's default for ordinary commands is 30 s; a
 * copy manager may take longer).  The command then fails like any other,
 * and the range falls back or stops with what was copied before it.  An
 * NVMe Copy has the driver's I/O timeout (nvme_core.io_timeout) instead:
 * nvme_submit_sync_cmd() takes none.
 */
#define CO_CMD_TIMEOUT_MAX	3600
static unsigned int co_cmd_timeout_secs = 120;

static int co_cmd_timeout_set(const char *val, const struct kernel_param *kp)
{
	unsigned int secs;
	int ret = kstrtouint(val, 0, &secs);

	if (ret)
		return ret;
	if (!secs || secs > CO_CMD_TIMEOUT_MAX)
		return -ERANGE;
	WRITE_ONCE(co_cmd_timeout_secs, secs);
	return 0;
}

static const struct kernel_param_ops co_cmd_timeout_ops = {
	.set = co_cmd_timeout_set,
	.get = param_get_uint,
};
module_param_cb(cmd_timeout, &co_cmd_timeout_ops, &co_cmd_timeout_secs, 0644);
MODULE_PARM_DESC(cmd_timeout,
		 "seconds before a copy command is aborted (1-3600, default 120)");

/* The timeout of one copy command, in jiffies. */
unsigned int co_cmd_timeout(void)
{
	return READ_ONCE(co_cmd_timeout_secs) * HZ;
}

#ifndef XFS_SUPER_MAGIC
#define XFS_SUPER_MAGIC		0x58465342
#endif

/* One end of the copy as the disk sees it. */
struct co_end {
	struct file *file;
	struct inode *inode;
	struct block_device *bdev;
	struct scsi_device *sdev;	/* with a reference, or NULL */
	struct copyoffload_devinfo di;
	struct co_disk_stats *stats;
	u64 disk_off;		/* partition start, bytes */
	u64 disk_len;		/* partition size, bytes */
	u64 cookie;		/* change counter the mapping is valid for */
	struct co_map map;
};

/*
 * The data runs of a batch: the source's data between its holes, as
 * offsets from the batch's start, the same at both ends (a hole in the
 * source stays one in the destination: its part is not written).  A data
 * position counts the runs' bytes only, one run after the other, as a ROD
 * token's blocks do: token block k is the k-th block of the source's runs
 * and is written to the k-th of the destination's.
 */
struct co_runs {
	unsigned int nr;
	u64 data;		/* the sum of r[].len */
	struct {
		u64 off;
		u64 len;
	} r[CO_MAP_MAX];
};

struct co_offload {
	u64 flags;
	unsigned int method;	/* COPYOFFLOAD_METHOD_XCOPY, _ODX, _NVME_COPY */
	bool raw;		/* the caller has CAP_SYS_RAWIO */
	bool unwritten;		/* xfs, raw: unwritten destination extents */
	bool del_tkn;		/* ODX: delete a token with its last use */
	bool mmap_denied;	/* the destination's writable mmaps refused */
	u32 lbs;		/* logical block size, bytes */
	u32 fsb;		/* largest filesystem block size, bytes */
	u64 max_cmd;		/* bytes per EXTENDED COPY, or per ROD token */
	unsigned int max_ranges; /* ODX, NVMe: disk ranges per command */
	u32 range_blocks;	/* ODX, NVMe: blocks per disk range */
	unsigned int max_runs;	/* data runs a batch may span */
	struct file *seek;	/* the source's, for SEEK_DATA: co_find_runs */
	const struct co_stats *st; /* the request's: co_interrupted() */
	int stop_err;		/* a command failed after some were copied */
	unsigned int stop_reason;
	struct co_xcopy x;
	struct co_end src, dst;
	struct co_lba_list ranges;	/* ODX, NVMe: a command's */
	unsigned int max_segs;	/* EXTENDED COPY: segments per command */
	struct co_xcopy_seg segs[CO_XCOPY_MAX_SEGS];
	struct co_runs runs;
	u8 token[CO_ODX_TOKEN_LEN];
};

static bool co_fs_offloadable(struct inode *inode)
{
	unsigned long magic = inode->i_sb->s_magic;

	if (magic != XFS_SUPER_MAGIC && magic != EXT4_SUPER_MAGIC)
		return false;
	return S_ISREG(inode->i_mode) && !IS_DAX(inode) &&
	       !IS_ENCRYPTED(inode) && !IS_VERITY(inode) &&
	       !IS_SWAPFILE(inode) && inode->i_sb->s_bdev;
}

static int co_end_init(struct co_end *e, struct file *file)
{
	e->file = file;
	e->inode = file_inode(file);
	e->bdev = e->inode->i_sb->s_bdev;
	e->stats = co_disk_get(e->bdev, &e->di);
	e->sdev = co_bdev_sdev(e->bdev);
	e->disk_off = (u64)get_start_sect(e->bdev) << SECTOR_SHIFT;
	e->disk_len = bdev_nr_bytes(e->bdev);
	return 0;
}

static void co_offload_fallback(struct co_offload *o, unsigned int reason)
{
	co_stats_fallback(o->dst.stats, reason);
}

static void co_offload_put(struct co_offload *o)
{
	if (o->src.sdev)
		scsi_device_put(o->src.sdev);
	if (o->dst.sdev)
		scsi_device_put(o->dst.sdev);
	co_disk_put(o->src.stats);
	co_disk_put(o->dst.stats);
	if (o->seek)
		fput(o->seek);
	kfree_sensitive(o);	/* o->token */
}

/*
 * Do both disks offer METHOD?  NVMe Copy is within one namespace: two
 * that would both take it are refused with *REASON CO_FB_CROSS_NS (QEMU
 * 7.2 has no copy between namespaces; formats 2 and 3 would need Set
 * Features Host Behavior Support, an admin command the module cannot send).
 */
static bool co_engine_offered(const struct co_offload *o, unsigned int method,
			      unsigned int *reason)
{
	u32 need = COPYOFFLOAD_DEV_SCSI | COPYOFFLOAD_DEV_3PC;

	if (method == COPYOFFLOAD_METHOD_NVME_COPY) {
		if (!co_nvme_usable(o->src.bdev, &o->src.di) ||
		    !co_nvme_usable(o->dst.bdev, &o->dst.di))
			return false;
		if (o->src.bdev->bd_disk != o->dst.bdev->bd_disk) {
			*reason = CO_FB_CROSS_NS;
			return false;
		}
		return true;
	}

	if (method == COPYOFFLOAD_METHOD_ODX)
		need |= COPYOFFLOAD_DEV_ROD_TOKENS;
	else
		need |= COPYOFFLOAD_DEV_NAA | COPYOFFLOAD_DEV_XCOPY_LID1;
	return (o->src.di.caps & need) == need &&
	       (o->dst.di.caps & need) == need &&
	       o->src.sdev && o->dst.sdev;
}

/*
 * The device copy for FLAGS both disks offer, best first; 0 if none
 * (*REASON: CO_FB_DEVICE, or why an engine both disks have was refused).
 */
static unsigned int co_engine_pick(const struct co_offload *o, u64 flags,
				   unsigned int *reason)
{
	unsigned int order[3] = {}, i;

	if (flags & COPYOFFLOAD_F_OFFLOAD_NVME) {
		order[0] = COPYOFFLOAD_METHOD_NVME_COPY;
	} else if (flags & COPYOFFLOAD_F_OFFLOAD_ODX) {
		order[0] = COPYOFFLOAD_METHOD_ODX;
	} else if (flags & COPYOFFLOAD_F_OFFLOAD_XCOPY) {
		order[0] = COPYOFFLOAD_METHOD_XCOPY;
	} else {
		/* a disk is SCSI or NVMe: only the SCSI pair's order matters */
		order[0] = COPYOFFLOAD_METHOD_NVME_COPY;
		order[1] = COPYOFFLOAD_METHOD_ODX;
		order[2] = COPYOFFLOAD_METHOD_XCOPY;
		if (READ_ONCE(co_engine_default) == CO_ENGINE_XCOPY)
			swap(order[1], order[2]);
	}
	*reason = CO_FB_DEVICE;
	for (i = 0; i < ARRAY_SIZE(order) && order[i]; i++)
		if (co_engine_offered(o, order[i], reason))
			return order[i];
	return 0;
}

/* A limit of both disks, 0 meaning none reported: the smaller one set. */
static u64 co_limit(u64 a, u64 b)
{
	if (!a || !b)
		return a | b;
	return min(a, b);
}

/* Sizes of the chosen engine's commands; false when they make no sense. */
static bool co_engine_limits(struct co_offload *o)
{
	u64 blocks;

	if (o->method == COPYOFFLOAD_METHOD_NVME_COPY) {
		const struct copyoffload_devinfo_nvme *n = &o->dst.di.u.nvme;

		/*
		 * One namespace: its limits.  A data run a command: the
		 * destination of a Copy is one LBA run, and a hole in the
		 * source is one in the destination.
		 */
		o->max_runs = 1;
		o->max_cmd = min_t(u64, n->mcl, CO_NVME_CMD_MAX / o->lbs) *
			     o->lbs;
		o->range_blocks = n->mssrl;
		o->max_ranges = min_t(unsigned int, n->msrc + 1U,
				      CO_LBA_LIST_MAX);
	} else if (o->method == COPYOFFLOAD_METHOD_ODX) {
		/* a token's blocks: what both disks take, and their optimum */
		blocks = co_limit(o->src.di.rod_max_token_blocks,
				  o->dst.di.rod_max_token_blocks);
		blocks = co_limit(blocks,
				  co_limit(o->src.di.rod_optimal_blocks,
					   o->dst.di.rod_optimal_blocks));
		o->max_cmd = blocks ? min_t(u64, blocks, CO_BATCH / o->lbs) *
				      o->lbs : CO_BATCH;
		o->max_ranges = co_limit(co_limit(o->src.di.rod_max_ranges,
						  o->dst.di.rod_max_ranges),
					 CO_LBA_LIST_MAX);
		o->range_blocks = U32_MAX;	/* a descriptor's NUMBER OF LBAS */
		/* a token's ranges skip holes: a batch spans them */
		o->max_runs = CO_MAP_MAX;
	} else {
		o->x.sdev = o->dst.sdev;
		o->x.src = &o->src.di;
		o->x.dst = &o->dst.di;
		o->x.same = o->src.bdev->bd_disk == o->dst.bdev->bd_disk;
		/*
		 * Segments per command: where there are several, a batch
		 * spans holes as an ODX one does (a hole between two
		 * segments costs nothing); where one (LIO), a batch stays
		 * one data run, as it always was.
		 */
		o->max_segs = co_xcopy_max_segs(&o->dst.di, o->x.same);
		o->max_runs = o->max_segs > 1 ? CO_MAP_MAX : 1;
		/* bytes per segment */
		o->max_cmd = (u64)CO_XCOPY_MAX_BLOCKS * o->lbs;
		if (o->dst.di.max_segment_length)
			o->max_cmd = min_t(u64, o->max_cmd,
					   o->dst.di.max_segment_length);
	}
	/* whole filesystem blocks per command or token */
	o->max_cmd = round_down(o->max_cmd, max(o->fsb, o->lbs));
	return o->max_cmd != 0;
}

/*
 * Can the disks' copy manager serve range R at all, and how?  A NULL
 * return with *REASON set when not (the reason is counted by the caller
 * once the disks are known).
 */
static struct co_offload *co_offload_get(u64 flags, struct co_range *r,
					 unsigned int *reason)
{
	struct inode *in = file_inode(r->src), *out = file_inode(r->dst);
	struct co_offload *o;

	*reason = CO_FB_FS;
	if (!co_fs_offloadable(in) || !co_fs_offloadable(out) ||
	    in->i_sb->s_magic != out->i_sb->s_magic ||
	    !co_map_cookie_capable(in) || !co_map_cookie_capable(out))
		return NULL;
	o = kzalloc(sizeof(*o), GFP_KERNEL);
	if (!o)
		return NULL;
	o->flags = flags;
	co_end_init(&o->src, r->src);
	co_end_init(&o->dst, r->dst);

	*reason = CO_FB_DEVICE;
	if (bdev_read_only(o->dst.bdev))
		goto fail;
	o->method = co_engine_pick(o, flags, reason);
	if (!o->method)
		goto fail;
	*reason = CO_FB_DEVICE;
	o->lbs = bdev_logical_block_size(o->dst.bdev);
	if (o->lbs != bdev_logical_block_size(o->src.bdev))
		goto fail;
	o->src.di.logical_block_size = o->lbs;
	o->dst.di.logical_block_size = o->lbs;

	/* an optional path: no audit record when the caller lacks it */
	o->raw = ns_capable_noaudit(&init_user_ns, CAP_SYS_RAWIO);
	*reason = CO_FB_PERM;
	if (in->i_sb->s_magic != XFS_SUPER_MAGIC && !o->raw)
		goto fail;
	o->unwritten = o->raw && in->i_sb->s_magic == XFS_SUPER_MAGIC &&
		       co_layout_capable(out);
	o->del_tkn = true;

	o->fsb = max(i_blocksize(in), i_blocksize(out));
	*reason = CO_FB_DEVICE;
	if (!co_engine_limits(o))
		goto fail;
	return o;
fail:
	co_offload_fallback(o, *reason);
	co_offload_put(o);
	*reason = CO_FB_NR;	/* counted */
	return NULL;
}

/*
 * Lock both inodes for one device command: the source shared (readers and
 * direct I/O go on; writers, truncate and every mover of blocks wait), the
 * destination exclusive.  i_rwsem of both, then invalidate_lock of both,
 * each pair in address order as lock_two_nondirectories() and
 * filemap_invalidate_lock_two() take them.
 */
static void co_lock(struct co_offload *o)
{
	struct inode *s = o->src.inode, *d = o->dst.inode;

	if (s == d) {
		inode_lock(d);
		filemap_invalidate_lock(d->i_mapping);
	} else if (s < d) {
		inode_lock_shared(s);
		inode_lock_nested(d, I_MUTEX_NONDIR2);
		filemap_invalidate_lock_shared(s->i_mapping);
		down_write_nested(&d->i_mapping->invalidate_lock, 1);
	} else {
		inode_lock(d);
		inode_lock_shared_nested(s, I_MUTEX_NONDIR2);
		filemap_invalidate_lock(d->i_mapping);
		down_read_nested(&s->i_mapping->invalidate_lock, 1);
	}
	inode_dio_wait(d);
}

static void co_unlock(struct co_offload *o)
{
	struct inode *s = o->src.inode, *d = o->dst.inode;

	filemap_invalidate_unlock(d->i_mapping);
	if (s != d)
		filemap_invalidate_unlock_shared(s->i_mapping);
	inode_unlock(d);
	if (s != d)
		inode_unlock_shared(s);
}

/* Is what was mapped still true?  Called with the inodes locked. */
static bool co_mapping_valid(struct co_offload *o)
{
	return co_map_cookie_valid(o->src.inode, o->src.cookie) &&
	       co_map_cookie_valid(o->dst.inode, o->dst.cookie);
}

/*
 * Lock for a device command over [SPOS, SPOS + N) and [DPOS, DPOS + N) and
 * prove the mapping current.  -ESTALE (reason changed) when the files
 * changed since they were mapped: the batch is mapped again from there.
 * Otherwise, as a write would: privileges dropped and times updated (an
 * error stops the copy), the source range written back, the destination
 * range written back and dropped from the page cache.
 */
static int co_cmd_lock(struct co_offload *o, loff_t spos, loff_t dpos, u64 n,
		       unsigned int *reason)
{
	struct address_space *dmap = o->dst.inode->i_mapping;
	int ret;

	co_lock(o);
	*reason = CO_FB_CHANGED;
	if (!co_mapping_valid(o) ||
	    i_size_read(o->src.inode) < spos + n ||
	    i_size_read(o->dst.inode) < dpos + n) {
		co_unlock(o);
		return -ESTALE;
	}
	ret = file_modified(o->dst.file);
	if (!ret)
		ret = filemap_write_and_wait_range(o->src.inode->i_mapping,
						   spos, spos + n - 1);
	if (!ret)
		ret = filemap_write_and_wait_range(dmap, dpos, dpos + n - 1);
	/* a page that will not go (pinned): not now */
	if (!ret && invalidate_inode_pages2_range(dmap, dpos >> PAGE_SHIFT,
						  (dpos + n - 1) >> PAGE_SHIFT))
		ret = -EOPNOTSUPP;
	if (ret) {
		co_unlock(o);
		return ret;
	}
	/*
	 * Our own time update and writeback may have moved the counters;
	 * with the locks held nobody else can have moved a block since they
	 * were checked.
	 */
	o->src.cookie = co_map_cookie(o->src.inode);
	o->dst.cookie = co_map_cookie(o->dst.inode);
	return 0;
}

/* Zero the disk blocks under [DPOS, DPOS + N) of the (mapped) destination. */
static int co_dst_zero(struct co_offload *o, loff_t dpos, u64 n)
{
	const struct co_map *m = &o->dst.map;
	loff_t end = dpos + n;
	unsigned int i;
	int ret;

	for (i = 0; i < m->nr; i++) {
		const struct co_ext *x = &m->ext[i];
		loff_t s = max_t(loff_t, x->pos, dpos);
		loff_t t = min_t(loff_t, x->pos + x->len, end);

		if (s >= t)
			continue;
		ret = blkdev_issue_zeroout(o->dst.bdev,
					   (x->addr + (s - x->pos)) >> SECTOR_SHIFT,
					   (t - s) >> SECTOR_SHIFT, GFP_KERNEL, 0);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * After the command RET (which may have written [DPOS, DPOS + N) of the
 * destination: WROTE), still locked.  With the source's i_rwsem held
 * shared, a direct I/O write submitted under it may still replace source
 * blocks (xfs's copy-on-write atomic writes, 6.16 and later): if the
 * source's counter moved, the copy manager may have read blocks that
 * already belonged to another file.  What the command wrote is then zeroed
 * on the disk before anyone can read it (the destination is locked and has
 * no pages cached for the range), and the command counts for nothing: the
 * batch is mapped again.  Then readers (ext4 reads take no lock) see the
 * copy.
 */
static int co_cmd_unlock(struct co_offload *o, loff_t dpos, u64 n, bool wrote,
			 int ret, unsigned int *reason)
{
	int zret = 0;

	if (!co_map_cookie_valid(o->src.inode, o->src.cookie)) {
		if (wrote)
			zret = co_dst_zero(o, dpos, n);
		if (!zret && ret != -EINTR) {
			*reason = CO_FB_CHANGED;
			ret = -ESTALE;
		}
	}
	invalidate_inode_pages2_range(o->dst.inode->i_mapping,
				      dpos >> PAGE_SHIFT,
				      (dpos + n - 1) >> PAGE_SHIFT);
	co_unlock(o);
	if (zret) {
		/*
		 * The disk would not zero them: take the blocks away from
		 * the file instead, and fail the range.
		 */
		pr_warn_ratelimited("cannot zero a copy made from moved blocks: %d\n",
				    zret);
		vfs_fallocate(o->dst.file,
			      FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, dpos, n);
		ret = -EIO;
	}
	return ret;
}

/*
 * Give [DPOS, DPOS + LEN) of the destination blocks the device may write,
 * through the filesystem, before anything is mapped: what reads as zeroes
 * because nothing is written there (holes, unwritten extents, what lies
 * past EOF) becomes zeroed written blocks with FALLOC_FL_WRITE_ZEROES
 * (6.17; the disk must zero by unmapping: LBPRZ and WRITE SAME with
 * UNMAP), or, where that is not to be had and the caller may have
 * unwritten extents committed (o->unwritten), allocated unwritten blocks.
 * Either way the size grows as a write's would, with the filesystem's own
 * EOF zeroing and RLIMIT_FSIZE check, and nothing is left past EOF.
 * Written data is never zeroed.  Where neither works nothing happens and
 * the range goes to the next method.  Should the device copy fail, the
 * zeroes or the unwritten blocks stay, for the next method to overwrite.
 */
static void co_dst_prepare(struct co_offload *o, loff_t dpos, u64 len)
{
	loff_t end = dpos + len, at = dpos, hole, data;
	struct file *seek = co_seek_file(o->dst.file);
	int ret;

	if (!seek)
		return;
	while (at < end) {
		hole = vfs_llseek(seek, at, SEEK_HOLE);
		if (hole == -ENXIO)
			hole = at;	/* at or past EOF: all of it */
		if (hole < 0 || hole >= end)
			break;
		data = vfs_llseek(seek, hole, SEEK_DATA);
		if (data == -ENXIO || data > end)
			data = end;
		else if (data < 0)
			break;
		hole = round_up(hole, o->fsb);
		ret = 0;
		if (hole < data) {
			ret = -EOPNOTSUPP;
#ifdef FALLOC_FL_WRITE_ZEROES
			ret = vfs_fallocate(o->dst.file, FALLOC_FL_WRITE_ZEROES,
					    hole, data - hole);
#endif
			if (ret && o->unwritten)
				ret = vfs_fallocate(o->dst.file, 0, hole,
						    data - hole);
		}
		if (ret)
			break;
		at = data;
	}
	fput(seek);
}

/*
 * The batch offset of data position DP, and in *LEFT the bytes of its run
 * from there on (0 past the last run).
 */
static u64 co_run_pos(const struct co_runs *rs, u64 dp, u64 *left)
{
	unsigned int i;

	for (i = 0; i < rs->nr; i++) {
		if (dp < rs->r[i].len) {
			*left = rs->r[i].len - dp;
			return rs->r[i].off + dp;
		}
		dp -= rs->r[i].len;
	}
	*left = 0;
	return rs->nr ? rs->r[rs->nr - 1].off + rs->r[rs->nr - 1].len : 0;
}

/*
 * The batch offset just after the first DP data bytes: the holes before
 * them are inside, the hole after them is not.
 */
static u64 co_run_end(const struct co_runs *rs, u64 dp)
{
	unsigned int i;

	if (!dp)
		return 0;
	for (i = 0; i < rs->nr; i++) {
		if (dp <= rs->r[i].len)
			return rs->r[i].off + dp;
		dp -= rs->r[i].len;
	}
	return rs->nr ? rs->r[rs->nr - 1].off + rs->r[rs->nr - 1].len : 0;
}

/* Keep the first DATA bytes of the runs (DATA <= rs->data). */
static void co_runs_cut(struct co_runs *rs, u64 data)
{
	unsigned int i;
	u64 left = data;

	for (i = 0; i < rs->nr && left; i++) {
		if (rs->r[i].len >= left) {
			rs->r[i].len = left;
			left = 0;
		} else {
			left -= rs->r[i].len;
		}
	}
	rs->nr = i;
	rs->data = data;
}

/*
 * The data runs of a batch from SPOS: the first LEN bytes (data, as the
 * walk found them), then, where the engine's commands take several runs
 * (o->max_runs) and MORE (the first one reaches its hole), the source's
 * next data runs before END, each after its hole: all on the filesystem
 * block grid, at most CO_BATCH bytes of data and CO_BATCH_SPAN from SPOS.
 * A run cut short ends the list (the next batch starts inside it).  The
 * holes are not checked again under the locks: as for the walk, a hole is
 * what SEEK_DATA said when the batch began.
 */
static void co_find_runs(struct co_offload *o, loff_t spos, u64 len,
			 bool more, loff_t end)
{
	struct co_runs *rs = &o->runs;
	loff_t at = spos + len, data, hole;
	u64 n;

	rs->nr = 1;
	rs->r[0].off = 0;
	rs->r[0].len = len;
	rs->data = len;
	if (!more || o->max_runs < 2)
		return;
	end = min_t(loff_t, end, spos + CO_BATCH_SPAN);
	if (!o->seek)
		o->seek = co_seek_file(o->src.file);
	if (!o->seek)
		return;
	while (rs->nr < o->max_runs && rs->data < CO_BATCH && at < end) {
		data = vfs_llseek(o->seek, at, SEEK_DATA);
		if (data <= at || data >= end || data & (o->fsb - 1))
			break;	/* none, no hole before it, or off the grid */
		hole = vfs_llseek(o->seek, data, SEEK_HOLE);
		if (hole <= data)
			break;
		hole = min_t(loff_t, hole, end);
		n = min_t(u64, round_down(hole - data, o->fsb),
			  CO_BATCH - rs->data);
		if (!n)
			break;
		rs->r[rs->nr].off = data - spos;
		rs->r[rs->nr].len = n;
		rs->nr++;
		rs->data += n;
		if (data + n != hole)
			break;
		at = hole;
	}
}

/*
 * Map the runs of end E (its batch starting at BASE) into its map, one
 * after the other.  Returns the data bytes mapped from the first run on
 * (whole filesystem blocks): short at the first block that cannot be
 * used, or when the map is full.
 */
static u64 co_map_runs(struct co_offload *o, struct co_end *e, loff_t base,
		       bool unwritten)
{
	const struct co_runs *rs = &o->runs;
	unsigned int i;
	u64 done = 0;
	s64 n;

	e->map.nr = 0;
	for (i = 0; i < rs->nr; i++) {
		n = co_map(e->inode, base + rs->r[i].off, rs->r[i].len,
			   unwritten, &e->map);
		n = round_down(max_t(s64, n, 0), o->fsb);
		done += n;
		if (n < rs->r[i].len)
			break;
	}
	return done;
}

/*
 * Map the batch's runs (o->runs) at both ends from SPOS and DPOS, after
 * reading their change counters.  The runs are cut to what both ends have
 * mapped; returns their data bytes (a multiple of the block grid), or 0
 * when the first block cannot be used.
 */
static s64 co_map_both(struct co_offload *o, loff_t spos, loff_t dpos,
		       unsigned int *reason)
{
	u64 span = co_run_end(&o->runs, o->runs.data);
	u64 src_len, dst_len;

	/* what is dirty now would move the counters under the mapping */
	filemap_write_and_wait_range(o->src.inode->i_mapping, spos,
				     spos + span - 1);
	filemap_write_and_wait_range(o->dst.inode->i_mapping, dpos,
				     dpos + span - 1);
	o->src.cookie = co_map_cookie(o->src.inode);
	o->dst.cookie = co_map_cookie(o->dst.inode);

	*reason = CO_FB_UNMAPPED;
	src_len = co_map_runs(o, &o->src, spos, false);
	if (!src_len)
		return 0;
	co_runs_cut(&o->runs, src_len);
	dst_len = co_map_runs(o, &o->dst, dpos, false);
	/*
	 * Unwritten destination blocks (o->unwritten: see layout.c, rule 4)
	 * through ->map_blocks(), whose page cache invalidation (and that of
	 * ->commit_blocks()) WARNs when a page was dirtied again meanwhile:
	 * only while nobody can map the destination writable (as memfd
	 * seals do), until the commit (co_mmap_allow).  A destination mapped
	 * writable now keeps what bmap() found.
	 */
	if (dst_len < src_len && o->unwritten && !o->mmap_denied &&
	    !mapping_deny_writable(o->dst.inode->i_mapping)) {
		o->mmap_denied = true;
		dst_len = co_map_runs(o, &o->dst, dpos, true);
	}
	if (!dst_len) {
		/* nothing written there, and no way to make it so */
		if (!o->raw)
			*reason = CO_FB_PERM;
		return 0;
	}
	co_runs_cut(&o->runs, min(src_len, dst_len));
	return o->runs.data;
}

/* Writable mappings of the destination are possible again. */
static void co_mmap_allow(struct co_offload *o)
{
	if (o->mmap_denied) {
		mapping_allow_writable(o->dst.inode->i_mapping);
		o->mmap_denied = false;
	}
}

/* The disk address of file offset POS of end E (mapped), or ~0. */
static u64 co_addr(const struct co_end *e, loff_t pos, u64 *run)
{
	unsigned int i;

	for (i = 0; i < e->map.nr; i++) {
		const struct co_ext *x = &e->map.ext[i];

		if (pos >= x->pos && pos < x->pos + x->len) {
			/* never an address outside the partition */
			if (x->addr > e->disk_len ||
			    x->len > e->disk_len - x->addr)
				break;
			*run = x->pos + x->len - pos;
			return e->disk_off + x->addr + (pos - x->pos);
		}
	}
	*run = 0;
	return ~0ULL;
}

/*
 * What a device copy of a batch returns: the bytes DONE, or the error RET
 * when there are none (-ESTALE: 0, the batch is mapped again).  A command
 * that failed (RET) after others copied something stops the engine for
 * the rest of the range: that goes to the next method, REASON counted, as
 * if the first command had failed.
 */
static s64 co_device_result(struct co_offload *o, u64 done, int ret,
			    unsigned int reason)
{
	/* the files changed: map again from where the commands stopped */
	if (ret == -ESTALE)
		return done;
	if (!done)
		return ret;
	if (ret) {
		o->stop_err = ret;
		o->stop_reason = reason;
	}
	return done;
}

/*
 * Lock for a command over the data positions [DP, DP + N) of the batch
 * from SPOS and DPOS: the file span from the first of their bytes to the
 * last, holes between them included.  *AT and *SPAN: that span.
 */
static int co_span_lock(struct co_offload *o, loff_t spos, loff_t dpos,
			u64 dp, u64 n, u64 *at, u64 *span,
			unsigned int *reason)
{
	u64 left;

	*at = co_run_pos(&o->runs, dp, &left);
	*span = co_run_end(&o->runs, dp + n) - *at;
	return co_cmd_lock(o, spos + *at, dpos + *at, *span, reason);
}

/*
 * Copy the batch from SPOS to DPOS (its LEN data bytes: o->runs) on the
 * disk, extent piece by extent piece (holes skipped), each piece a segment
 * of at most max_cmd bytes, as many segments a command as the copy manager
 * takes (o->max_segs).  Returns the data bytes copied from the start
 * (commands succeed or fail whole: a failed one counts none of its
 * segments), or a negative errno when nothing was copied.
 */
static s64 co_xcopy_mapped(struct co_offload *o, loff_t spos, loff_t dpos,
			   u64 len, unsigned int *reason, u32 *commands)
{
	u64 done = 0, n, at, span;
	unsigned int nr;
	int ret = 0;

	while (done < len) {
		if (co_interrupted(o->st)) {
			ret = -EINTR;
			break;
		}
		for (n = 0, nr = 0; done + n < len && nr < o->max_segs; nr++) {
			u64 left, srun, drun, saddr, daddr, off, k;

			off = co_run_pos(&o->runs, done + n, &left);
			saddr = co_addr(&o->src, spos + off, &srun);
			daddr = co_addr(&o->dst, dpos + off, &drun);
			k = min3(srun, drun, left);
			k = min3(k, len - done - n, o->max_cmd);
			/*
			 * whole filesystem blocks: a command that fails leaves
			 * no block half copied, which a commit would make
			 * written
			 */
			k = round_down(k, max(o->fsb, o->lbs));
			if (!k || saddr == ~0ULL || daddr == ~0ULL ||
			    (saddr | daddr) & (o->lbs - 1))
				break;
			o->segs[nr].src_lba = saddr / o->lbs;
			o->segs[nr].dst_lba = daddr / o->lbs;
			o->segs[nr].blocks = k / o->lbs;
			n += k;
		}
		if (!nr) {
			*reason = CO_FB_UNALIGNED;
			ret = -EOPNOTSUPP;
			break;
		}
		ret = co_span_lock(o, spos, dpos, done, n, &at, &span, reason);
		if (ret)
			break;
		ret = co_xcopy_segments(&o->x, o->segs, nr, reason);
		ret = co_cmd_unlock(o, dpos + at, span, true, ret, reason);
		if (ret)
			break;
		(*commands)++;
		done += n;
	}
	return co_device_result(o, done, ret, *reason);
}

/*
 * Add the N bytes at disk address ADDR (whole logical blocks) to L: to its
 * last range where they continue it and it stays within o->range_blocks,
 * else as a new range.  False when that needs more than o->max_ranges.
 */
static bool co_lba_add(const struct co_offload *o, struct co_lba_list *l,
		       u64 addr, u64 n)
{
	u64 lba = addr / o->lbs, blocks = n / o->lbs;

	if (l->nr && l->r[l->nr - 1].lba + l->r[l->nr - 1].blocks == lba &&
	    l->r[l->nr - 1].blocks + blocks <= o->range_blocks) {
		l->r[l->nr - 1].blocks += blocks;
	} else {
		if (l->nr == o->max_ranges)
			return false;
		l->r[l->nr].lba = lba;
		l->r[l->nr].blocks = blocks;
		l->nr++;
	}
	l->blocks += blocks;
	return true;
}

/* the bytes of a disk range from ADDR: whole blocks, within RUN and LEFT */
static u64 co_lba_take(const struct co_offload *o, u64 addr, u64 run, u64 left)
{
	if (addr == ~0ULL || addr & (o->lbs - 1))
		return 0;
	return round_down(min3(run, left, (u64)o->range_blocks * o->lbs),
			  o->lbs);
}

/*
 * The source's disk ranges for [SPOS, SPOS + LEN) (one data run, mapped)
 * into L: its extents in order, each cut at MSSRL, at most o->max_ranges
 * of them.  Returns the bytes they cover (whole logical blocks), short
 * where the list is full or a block cannot be used.
 */
static u64 co_nvme_ranges(const struct co_offload *o, loff_t spos, u64 len,
			  struct co_lba_list *l)
{
	u64 done = 0, run, addr, n;

	l->nr = 0;
	l->blocks = 0;
	while (done < len) {
		addr = co_addr(&o->src, spos + done, &run);
		n = co_lba_take(o, addr, run, len - done);
		if (!n || !co_lba_add(o, l, addr, n))
			break;
		done += n;
	}
	return done;
}

/*
 * Copy [SPOS, SPOS + LEN) (one data run) to DPOS with NVMe Copies: each
 * fills one destination extent piece of at most MCL blocks from as many
 * source ranges as MSRC allows.  Returns the bytes copied from the start
 * (a Copy succeeds or fails whole), or a negative errno when none were.
 */
static s64 co_nvme_mapped(struct co_offload *o, loff_t spos, loff_t dpos,
			  u64 len, unsigned int *reason, u32 *ranges,
			  u32 *commands)
{
	struct co_lba_list *l = &o->ranges;
	u64 grid = max(o->fsb, o->lbs);
	u64 done = 0;
	int ret = 0;

	while (done < len) {
		u64 drun, daddr, n;

		if (co_interrupted(o->st)) {
			ret = -EINTR;
			break;
		}
		daddr = co_addr(&o->dst, dpos + done, &drun);
		n = min3(drun, len - done, o->max_cmd);
		/*
		 * whole filesystem blocks (a failed command leaves no block
		 * half copied that a commit would make written): the list
		 * is made again for what was rounded off
		 */
		n = round_down(co_nvme_ranges(o, spos + done, n, l), grid);
		if (n && l->blocks * o->lbs != n)
			n = co_nvme_ranges(o, spos + done, n, l);
		if (!n || daddr == ~0ULL || daddr & (o->lbs - 1)) {
			*reason = CO_FB_UNALIGNED;
			ret = -EOPNOTSUPP;
			break;
		}
		ret = co_cmd_lock(o, spos + done, dpos + done, n, reason);
		if (ret)
			break;
		ret = co_nvme_copy(o->dst.bdev, o->dst.di.u.nvme.nsid, l,
				   daddr / o->lbs, reason);
		ret = co_cmd_unlock(o, dpos + done, n, true, ret, reason);
		if (ret)
			break;
		(*commands)++;
		*ranges += l->nr;
		done += n;
	}
	return co_device_result(o, done, ret, *reason);
}

/*
 * End E's disk ranges for the data positions [DP, DP + LEN) of the batch
 * from BASE (its runs: holes skipped), at most o->max_ranges of them, into
 * L.  Returns the data bytes they cover (whole logical blocks), 0 when the
 * first block is not mapped or off the disk's block grid.
 */
static u64 co_odx_ranges(const struct co_offload *o, const struct co_end *e,
			 loff_t base, u64 dp, u64 len, struct co_lba_list *l)
{
	u64 done = 0, run, left, pos, addr, n;

	l->nr = 0;
	l->blocks = 0;
	while (done < len) {
		pos = co_run_pos(&o->runs, dp + done, &left);
		addr = co_addr(e, base + pos, &run);
		n = co_lba_take(o, addr, run, min(left, len - done));
		if (!n || !co_lba_add(o, l, addr, n))
			break;
		done += n;
	}
	return done;
}

/*
 * Copy the batch from SPOS to DPOS (its LEN data bytes: o->runs) with ROD
 * tokens: a token for as much of the rest as one may hold (its ranges
 * skip the holes between the runs), written with as many WRITE USING
 * TOKENs as the destination's ranges and the copy manager's transfer
 * counts take.  Returns the data bytes copied from the start (whole
 * filesystem blocks), or a negative errno when none were.
 */
static s64 co_odx_mapped(struct co_offload *o, loff_t spos, loff_t dpos,
			 u64 len, unsigned int *reason, u32 *tokens,
			 u32 *commands)
{
	struct co_lba_list *l = &o->ranges;
	unsigned int repopulated = 0;
	u64 done = 0, tbytes, off, n, blocks, at, span;
	bool last, deleted;
	int ret = 0;

	while (done < len && !ret) {
		if (co_interrupted(o->st)) {
			ret = -EINTR;
			break;
		}
		n = co_odx_ranges(o, &o->src, spos, done,
				  min(len - done, o->max_cmd), l);
		if (!n) {
			*reason = CO_FB_UNALIGNED;
			ret = -EOPNOTSUPP;
			break;
		}
		ret = co_span_lock(o, spos, dpos, done, n, &at, &span, reason);
		if (ret)
			break;
		ret = co_odx_populate(o->src.sdev, l, o->token, &blocks, reason);
		ret = co_cmd_unlock(o, dpos + at, span, false, ret, reason);
		if (ret)
			break;
		(*tokens)++;
		tbytes = blocks * o->lbs;
		deleted = false;
		for (off = 0; off < tbytes && !ret && !deleted;
		     off += blocks * o->lbs) {
			if (co_interrupted(o->st)) {
				ret = -EINTR;
				break;
			}
			n = co_odx_ranges(o, &o->dst, dpos, done, tbytes - off,
					  l);
			if (!n) {
				*reason = CO_FB_UNALIGNED;
				ret = -EOPNOTSUPP;
				break;
			}
			last = o->del_tkn && n == tbytes - off;
			ret = co_span_lock(o, spos, dpos, done, n, &at, &span,
					   reason);
			if (ret)
				break;
			ret = co_odx_write(o->dst.sdev, o->token, off / o->lbs,
					   l, last, &blocks, reason);
			ret = co_cmd_unlock(o, dpos + at, span, true, ret,
					    reason);
			if (!ret && !blocks) {
				/* GOOD, nothing written: no progress to make */
				*reason = CO_FB_TARGET;
				ret = -EOPNOTSUPP;
			}
			if (ret)
				break;
			(*commands)++;
			/*
			 * The transfer count is data: the token's blocks from
			 * OFFSET on, written to the ranges in order, holes
			 * skipped (co_run_end maps it back to the file).
			 */
			done += blocks * o->lbs;
			/*
			 * Written short after DEL_TKN: the token is gone with
			 * blocks left.  A new one from here, not counted
			 * against the bound; this copy manager writes short,
			 * so no more DEL_TKN for this copy.
			 */
			if (last && blocks * o->lbs < n) {
				o->del_tkn = false;
				deleted = true;
			}
		}
		/* expired, revoked, ...: a new token from where it stopped */
		if (ret == -EAGAIN && repopulated++ < CO_ODX_REPOPULATE)
			ret = 0;
	}
	if (ret == -EAGAIN)
		ret = -EOPNOTSUPP;	/* *reason: token */
	/* a block half written stays for the next method to write whole */
	return co_device_result(o, round_down(done, o->fsb), ret, *reason);
}

/*
 * One batch (o->runs from SPOS and DPOS): map, then each command under the
 * locks (co_cmd_lock), then commit what was copied into unwritten extents.
 * Returns the data bytes copied (> 0) from the first run on, 0 when the
 * mapping changed under us and the batch is worth mapping again, or a
 * negative errno (*REASON set for -EOPNOTSUPP).
 */
static s64 co_offload_mapped(struct co_offload *o, loff_t spos, loff_t dpos,
			     unsigned int *reason)
{
	u32 tokens = 0, commands = 0;
	s64 n, done;
	u64 span;
	int ret = 0;

	n = co_map_both(o, spos, dpos, reason);
	if (n <= 0) {
		co_mmap_allow(o);
		return -EOPNOTSUPP;
	}

	if (o->method == COPYOFFLOAD_METHOD_ODX)
		done = co_odx_mapped(o, spos, dpos, n, reason, &tokens,
				     &commands);
	else if (o->method == COPYOFFLOAD_METHOD_NVME_COPY)
		/* one run; tokens: the source ranges the Copies read */
		done = co_nvme_mapped(o, spos, dpos, n, reason, &tokens,
				      &commands);
	else
		done = co_xcopy_mapped(o, spos, dpos, n, reason, &commands);
	if (done <= 0) {
		co_mmap_allow(o);
		return done;
	}

	/*
	 * Unwritten extents become written: not before the device wrote
	 * them.  ->commit_blocks() takes the iolock itself (layout.c, rule 4).
	 * The map holds the runs' extents only: no hole is committed.
	 */
	span = co_run_end(&o->runs, done);
	if (co_map_unwritten(&o->dst.map, dpos + span))
		ret = co_layout_commit(o->dst.inode, &o->dst.map, dpos, span);
	co_mmap_allow(o);
	fsnotify_modify(o->dst.file);
	co_stats_copied(o->dst.stats, o->method, ret ? 0 : done, tokens,
			commands);
	return ret ? ret : done;	/* not committed: reads as zeroes */
}

/*
 * One batch from SPOS and DPOS over the data run of LEN bytes there and,
 * with MORE, the next ones before END (co_find_runs), checked and
 * freeze-protected as a read of the source and a write of the destination
 * would be (security hooks, fsnotify permission events, a frozen
 * filesystem waits).  Returns as co_offload_mapped.
 */
static s64 co_offload_batch(struct co_offload *o, loff_t spos, loff_t dpos,
			    u64 len, bool more, loff_t end,
			    unsigned int *reason)
{
	const struct co_runs *rs = &o->runs;
	unsigned int i;
	u64 span;
	s64 ret;

	co_find_runs(o, spos, len, more, end);
	span = co_run_end(rs, rs->data);
	ret = rw_verify_area(READ, o->src.file, &spos, span);
	if (!ret)
		ret = rw_verify_area(WRITE, o->dst.file, &dpos, span);
	if (ret)
		return ret;
	/* before freeze protection: fallocate takes it itself */
	for (i = 0; i < rs->nr; i++)
		co_dst_prepare(o, dpos + rs->r[i].off, rs->r[i].len);
	file_start_write(o->dst.file);
	ret = co_offload_mapped(o, spos, dpos, reason);
	file_end_write(o->dst.file);
	return ret;
}

/*
 * Account the first DONE data bytes of the batch just copied (o->runs,
 * from R's position on): the runs' bytes as the engine's, each hole
 * between them as a hole, punched in the destination first.  A hole is
 * reached only when the data after it was copied too, so bytes_done never
 * counts a hole whose data after it is not there.  Returns the file bytes
 * accounted (the first run's copied bytes at least).
 */
static u64 co_account_runs(struct co_offload *o, struct co_range *r,
			   struct co_stats *st, u64 done)
{
	const struct co_runs *rs = &o->runs;
	loff_t dpos = co_dst_pos(r);
	unsigned int i;
	u64 at = 0, n;

	for (i = 0; i < rs->nr && done; i++) {
		if (rs->r[i].off > at) {
			/*
			 * Cannot punch it: stop before it; the walk finds the
			 * hole and fails on it the same way.
			 */
			if (co_dst_hole(r->dst, dpos + at, rs->r[i].off - at))
				break;
			co_account(r, st, COPYOFFLOAD_METHOD_HOLE,
				   rs->r[i].off - at);
			at = rs->r[i].off;
		}
		n = min(done, rs->r[i].len);
		co_account(r, st, o->method, n);
		at += n;
		done -= n;
	}
	return at;
}

/*
 * The storage step's mover: as much of [pos, pos + len) (data, up to a
 * hole or the range's end) as can be, and where the engine takes several
 * data runs a batch, the data runs after it and the holes between them.
 */
static ssize_t co_move_device(struct co_range *r, loff_t pos, u64 len,
			      struct co_stats *st, void *ctx)
{
	struct co_offload *o = ctx;
	unsigned int reason = CO_FB_UNALIGNED, tries = 0;
	loff_t dpos = co_dst_pos(r), end = r->u.src_off + r->len;
	bool more = true;	/* [pos, pos + len) reaches a hole or END */
	u64 moved = 0;
	s64 n;

	if (o->stop_err == -EINTR)
		return -EINTR;
	if (o->stop_err) {
		reason = o->stop_reason;
		goto fallback;
	}
	/* on the grid of both filesystems' blocks, at both ends */
	if ((pos | dpos) & (o->fsb - 1))
		goto fallback;
	if (len & (o->fsb - 1) || len > CO_BATCH)
		more = false;
	len = round_down(len, o->fsb);
	if (!len)
		goto fallback;
	len = min_t(u64, len, CO_BATCH);

	while (moved < len) {
		n = co_offload_batch(o, pos + moved, dpos + moved,
				     len - moved, more, end, &reason);
		if (n == 0 && ++tries < CO_REMAP_TRIES)
			continue;
		if (n <= 0) {
			if (moved)
				break;
			if (n == 0 || n == -EOPNOTSUPP)
				goto fallback;
			return n;
		}
		moved += co_account_runs(o, r, st, n);
		tries = 0;
		if (o->stop_err)
			break;	/* the next call hands the rest on */
	}
	return moved;
fallback:
	co_offload_fallback(o, reason);
	return -EOPNOTSUPP;
}

/*
 * Copy range R on the storage, from where the methods before stopped.
 * 0 when all of it was done; -EOPNOTSUPP (or another errno) with
 * bytes_done telling how far it got otherwise.
 */
int co_copy_offload(u64 flags, struct co_range *r, struct co_stats *st)
{
	struct co_offload *o;
	unsigned int reason;
	int ret;

	o = co_offload_get(flags, r, &reason);
	if (!o) {
		if (reason != CO_FB_NR)
			co_stats_fallback(NULL, reason);
		return -EOPNOTSUPP;
	}
	o->st = st;
	ret = co_walk(r, st, co_move_device, o);
	co_offload_put(o);
	if (!ret && co_rest(r) &&
	    r->u.src_off + r->u.bytes_done < i_size_read(file_inode(r->src)))
		ret = -EOPNOTSUPP;
	return ret;
}
