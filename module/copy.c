// SPDX-License-Identifier: GPL-2.0
/*
 * copyoffload: COPY ranges.  Each range goes down the chain of methods,
 * every method continuing where the one before it stopped:
 *
 *   clone    only with ALLOW_SHARE / REQUIRE_SHARE
 *   fs copy  the filesystem's own ->copy_file_range (NFS, SMB, Ceph, FUSE)
 *   storage  SCSI EXTENDED COPY on the disk under the files (offload.c)
 *   kernel   splice through the page cache, unless NO_FALLBACK
 *
 * vfs_copy_file_range() without flags clones when both files share a
 * superblock that can reflink (fs/read_write.c: "we implement copy on same
 * sb using clone"), so it is only called where the destination has its own
 * ->copy_file_range, which it then calls instead; the kernel copy passes
 * COPY_FILE_SPLICE, which never clones.  A default COPY therefore never
 * creates shared extents.
 */
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/nfs_fs.h>
#include <linux/sched/signal.h>

#include "copyoffload.h"

/* Bytes per ->copy_file_range call: big enough for a server-side copy. */
#define CO_FS_CHUNK_SIZE	(64U << 20)

/* Errors after which the next method may still serve the range. */
static bool co_try_next(int err)
{
	return err == -EOPNOTSUPP || err == -EXDEV || err == -EINVAL ||
	       err == -ENOTSUPP;
}

/*
 * Share the whole range; with ALLOW_SHARE, if the filesystem refuses an
 * unaligned end, share the block-aligned head and let the next method copy
 * the tail.  REQUIRE_SHARE takes the whole range or nothing.
 */
static int co_copy_clone(u64 flags, struct co_range *r, struct co_stats *st)
{
	u64 bs = file_inode(r->dst)->i_sb->s_blocksize;
	u64 head;
	loff_t ret;

	ret = vfs_clone_file_range(r->src, r->u.src_off, r->dst, r->u.dst_off,
				   r->len, 0);
	if (ret == r->len) {
		co_account(r, st, COPYOFFLOAD_METHOD_CLONE, ret);
		return 0;
	}
	if (ret >= 0)
		return -EINVAL;
	head = round_down(r->len, bs);
	if (ret != -EINVAL || (flags & COPYOFFLOAD_F_REQUIRE_SHARE) ||
	    !head || head == r->len)
		return ret;
	ret = vfs_clone_file_range(r->src, r->u.src_off, r->dst, r->u.dst_off,
				   head, 0);
	if (ret != head)
		return ret < 0 ? ret : -EINVAL;
	co_account(r, st, COPYOFFLOAD_METHOD_CLONE, head);
	return -EINVAL;
}

/*
 * The filesystem's own copy, where it has one that is not a clone in
 * disguise: overlayfs hands copies to the layer below, which may clone.
 * Only NFS's is known here to move no byte through this host (below); the
 * others (cifs, ceph, fuse, ...) splice through the page cache themselves
 * what their server cannot copy (EOPNOTSUPP, EXDEV; ceph also unaligned
 * heads and tails), and what they did cannot be told apart afterwards: with
 * NO_FALLBACK they are not used at all.
 */
static bool co_fs_copy_usable(u64 flags, const struct co_range *r)
{
	const struct file_operations *in = r->src->f_op, *out = r->dst->f_op;
	struct inode *iin = file_inode(r->src), *iout = file_inode(r->dst);

	if (!out->copy_file_range ||
	    in->copy_file_range != out->copy_file_range ||
	    iout->i_sb->s_magic == OVERLAYFS_SUPER_MAGIC)
		return false;
	if ((flags & COPYOFFLOAD_F_NO_FALLBACK) &&
	    iout->i_sb->s_magic != NFS_SUPER_MAGIC)
		return false;
	/*
	 * NFS's ->copy_file_range quietly splices through the client what it
	 * cannot hand to the server (fs/nfs/nfs4file.c): a copy within one
	 * file, a server without COPY (NFS < 4.2), another server (inter-server
	 * copy is off by default).  That is no offload: leave it to the kernel
	 * method, which reports it as such and which NO_FALLBACK refuses.
	 */
	if (iout->i_sb->s_magic == NFS_SUPER_MAGIC)
		return iin != iout &&
		       (NFS_SERVER(iin)->caps & NFS_CAP_COPY) &&
		       (NFS_SERVER(iout)->caps & NFS_CAP_COPY) &&
		       NFS_SERVER(iin)->nfs_client == NFS_SERVER(iout)->nfs_client;
	return true;
}

static int co_copy_fs(struct co_range *r, struct co_stats *st)
{
	ssize_t ret;

	while (co_rest(r)) {
		if (co_interrupted(st))
			return -EINTR;
		ret = vfs_copy_file_range(r->src, co_src_pos(r), r->dst,
					  co_dst_pos(r),
					  min_t(u64, co_rest(r), CO_FS_CHUNK_SIZE),
					  0);
		if (ret < 0)
			return ret;
		if (ret == 0)		/* the source ended */
			return 0;
		co_account(r, st, COPYOFFLOAD_METHOD_FS_COPY, ret);
		cond_resched();
	}
	return 0;
}

/* Bytes per read and write of the bounce copy. */
#define CO_BOUNCE_SIZE	(256U << 10)

/*
 * Copy LEN bytes with kernel_read() and kernel_write() through a bounce
 * buffer: reads and writes of regular files stop for fatal signals only,
 * and the loop for those co_interrupted() names.
 */
static ssize_t co_bounce(struct file *in, loff_t pos_in, struct file *out,
			 loff_t pos_out, size_t len,
			 const struct co_stats *st)
{
	size_t size = min_t(size_t, len, CO_BOUNCE_SIZE), done = 0;
	ssize_t rd, wr, err = 0;
	void *buf;

	buf = kvmalloc(size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	while (done < len) {
		if (co_interrupted(st)) {
			err = -EINTR;
			break;
		}
		rd = kernel_read(in, buf, min(len - done, size), &pos_in);
		if (rd <= 0) {
			err = rd;
			break;
		}
		wr = kernel_write(out, buf, rd, &pos_out);
		if (wr <= 0) {
			err = wr ? wr : -EIO;
			break;
		}
		done += wr;
		if (wr < rd)
			break;
	}
	kvfree(buf);
	return done ? done : err;
}

/*
 * Copy LEN bytes through the page cache; never clones.  Splice is the fast
 * way, but splice_from_pipe_next() gives up with -ERESTARTSYS as soon as
 * any signal is pending, and a signal stays pending until the ioctl
 * returns: a caught SIGUSR1 or SIGWINCH, or a SIGSTOP, would end the copy.
 * Unless the request stops for any signal (co_interrupted()), only a fatal
 * one may stop it, so while another one is pending the bytes go through a
 * bounce buffer.
 */
static ssize_t co_splice(struct file *in, loff_t pos_in, struct file *out,
			 loff_t pos_out, size_t len, const struct co_stats *st)
{
	ssize_t ret = -ERESTARTSYS;

	if (!signal_pending(current))
		ret = vfs_copy_file_range(in, pos_in, out, pos_out, len,
					  COPY_FILE_SPLICE);
	if (ret != -ERESTARTSYS && ret != -EINTR)
		return ret;
	if (co_interrupted(st))
		return -EINTR;
	return co_bounce(in, pos_in, out, pos_out, len, st);
}

/* The kernel method's mover: one chunk through the page cache. */
static ssize_t co_move_kernel(struct co_range *r, loff_t pos, u64 len,
			      struct co_stats *st, void *ctx)
{
	ssize_t ret;

	ret = co_splice(r->src, pos, r->dst, co_dst_pos(r),
			min_t(u64, len, CO_CHUNK_SIZE), st);
	if (ret > 0)
		co_account(r, st, COPYOFFLOAD_METHOD_KERNEL, ret);
	return ret;
}

/*
 * Copy through the page cache in chunks of CO_CHUNK_SIZE, keeping the
 * source's holes as holes, checking for fatal signals between chunks.
 */
static int co_copy_kernel(struct co_range *r, struct co_stats *st)
{
	return co_walk(r, st, co_move_kernel, NULL);
}

/*
 * RLIMIT_FSIZE was met: a call sends SIGXFSZ, as write(2) does; a job's
 * worker is no process of the caller's (the range's EFBIG says it).
 */
static void co_fsize_signal(const struct co_stats *st)
{
	if (!st->cancel)
		send_sig(SIGXFSZ, current, 0);
}

/*
 * The limits a write of range R would meet, as generic_write_check_limits()
 * applies them (not exported on 6.1): the caller's RLIMIT_FSIZE (taken with
 * the request: a job's worker has its own) and the largest offset the
 * destination file may take.  A range that crosses them is shortened to
 * end there (*CUT); one that starts there fails with EFBIG.  Every method
 * is held to them, storage offload included: the filesystem's own check
 * would see the worker's limit in a job.
 */
static int co_write_limits(struct co_range *r, const struct co_stats *st,
			   bool *cut)
{
	struct file *out = r->dst;
	loff_t pos = r->u.dst_off, limit = st->fsize;
	loff_t max = file_inode(out)->i_sb->s_maxbytes;
	u64 count = r->len;

	if (limit != RLIM_INFINITY) {
		if (pos >= limit) {
			co_fsize_signal(st);
			return -EFBIG;
		}
		count = min_t(u64, count, limit - pos);
	}
	if (!(out->f_flags & O_LARGEFILE))
		max = MAX_NON_LFS;
	if (pos >= max)
		return -EFBIG;
	count = min_t(u64, count, max - pos);
	*cut = count < r->len;
	r->len = count;
	return 0;
}

void co_copy_range(u64 flags, struct co_range *r, struct co_stats *st)
{
	loff_t size_in = i_size_read(file_inode(r->src));
	bool cut = false;
	int ret;

	/* A copy runs up to the source's EOF, like copy_file_range(2). */
	if (r->u.src_off >= size_in) {
		r->u.status = COPYOFFLOAD_STATUS_OK;
		return;
	}
	r->len = min_t(u64, r->len, size_in - r->u.src_off);
	ret = co_write_limits(r, st, &cut);
	if (ret)
		goto out;

	if (flags & (COPYOFFLOAD_F_ALLOW_SHARE | COPYOFFLOAD_F_REQUIRE_SHARE)) {
		ret = co_copy_clone(flags, r, st);
		if (!ret || (flags & COPYOFFLOAD_F_REQUIRE_SHARE))
			goto out;
	}

	if (co_fs_copy_usable(flags, r)) {
		ret = co_copy_fs(r, st);
		if (!ret || !co_try_next(ret))
			goto out;
	}

	if (!(flags & COPYOFFLOAD_F_OFFLOAD_NONE)) {
		ret = co_copy_offload(flags, r, st);
		if (!ret || !co_try_next(ret))
			goto out;
	}

	if (flags & COPYOFFLOAD_F_NO_FALLBACK) {
		ret = -EOPNOTSUPP;
		goto out;
	}
	ret = co_copy_kernel(r, st);
out:
	/* copied up to a limit: the rest is what a write there refuses */
	if (!ret && cut && !co_rest(r)) {
		if (r->u.dst_off + r->u.bytes_done >= st->fsize)
			co_fsize_signal(st);
		ret = -EFBIG;
	}
	r->u.status = ret;
}
