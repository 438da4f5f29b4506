// SPDX-License-Identifier: GPL-2.0
/*
 * copyoffload: the walk over a COPY range's data and holes, shared by the
 * kernel copy (copy.c) and the storage step (offload.c).  Holes in the
 * source become holes in the destination, here, for every method; each
 * data run goes to the method's mover, which moves a prefix of it.  The
 * range flows one way: request.c -> copy.c's chain of methods -> this walk
 * -> a mover (the page cache, or the storage batch of offload.c and its
 * command layers: xcopy.c, odx.c, nvme.c).
 */
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/falloc.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>

#include "copyoffload.h"

static int co_write_zeroes(struct file *f, loff_t pos, u64 len)
{
	void *zero = page_address(ZERO_PAGE(0));
	ssize_t ret;

	while (len) {
		if (fatal_signal_pending(current))
			return -EINTR;
		ret = kernel_write(f, zero, min_t(u64, len, PAGE_SIZE), &pos);
		if (ret < 0)
			return ret;
		if (ret == 0)
			return -EIO;
		len -= ret;
	}
	return 0;
}

/*
 * Make [pos, pos + len) of the destination read as a hole: punch what lies
 * inside its current size (zeroes where the filesystem cannot punch), leave
 * what lies past EOF for co_dst_extend().
 */
int co_dst_hole(struct file *dst, loff_t pos, u64 len)
{
	loff_t size = i_size_read(file_inode(dst));
	u64 inside;
	int ret;

	if (pos >= size)
		return 0;
	inside = min_t(u64, len, size - pos);
	ret = vfs_fallocate(dst, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			    pos, inside);
	if (ret == -EOPNOTSUPP)
		ret = co_write_zeroes(dst, pos, inside);
	return ret;
}

/*
 * Grow the destination to SIZE when a copied hole ends past its EOF.  Only
 * ever grows: allocating the last byte (or writing a zero there) cannot
 * shrink a file that a concurrent writer made longer, which a truncate to
 * SIZE could.
 */
static int co_dst_extend(struct file *dst, loff_t size)
{
	loff_t pos = size - 1;
	int ret;

	if (i_size_read(file_inode(dst)) >= size)
		return 0;
	ret = vfs_fallocate(dst, 0, pos, 1);
	if (ret == -EOPNOTSUPP)
		ret = co_write_zeroes(dst, pos, 1);
	return ret;
}

/* A private file for SEEK_DATA/SEEK_HOLE: the caller's f_pos stays put. */
struct file *co_seek_file(struct file *src)
{
	struct file *f;

	f = dentry_open(&src->f_path, O_RDONLY | O_LARGEFILE, src->f_cred);
	return IS_ERR(f) ? NULL : f;
}

/* Where the data at or after POS starts, and where it ends. */
static void co_next_data(struct file *seek, loff_t pos, loff_t end,
			 loff_t *data, loff_t *hole)
{
	*data = pos;
	*hole = end;
	if (!seek)
		return;
	*data = vfs_llseek(seek, pos, SEEK_DATA);
	if (*data == -ENXIO || *data > end)
		*data = end;		/* only a hole (or EOF) before END */
	else if (*data < 0)
		*data = pos;		/* cannot tell: copy it */
	if (*data >= end)
		return;
	*hole = vfs_llseek(seek, *data, SEEK_HOLE);
	if (*hole <= *data || *hole > end)
		*hole = end;
}

/*
 * Walk the rest of range R: holes in the source become holes in the
 * destination, data goes to MOVE, which moves a prefix of [pos, pos + len)
 * and accounts it (returns the bytes moved, 0 at the source's EOF, or a
 * negative errno).  Fatal signals are checked between steps.
 */
int co_walk(struct co_range *r, struct co_stats *st, co_mover_t move,
	    void *ctx)
{
	struct file *seek = co_seek_file(r->src);
	loff_t end = r->u.src_off + r->len;
	loff_t pos, data, hole, want;
	ssize_t ret = 0;

	/*
	 * A source with holes copied past the destination's EOF: give the
	 * destination its final size first, so that every write lands inside
	 * EOF and the filesystem's speculative preallocation past EOF (xfs)
	 * cannot fill what must stay holes.
	 */
	if (seek && vfs_llseek(seek, co_src_pos(r), SEEK_HOLE) < end) {
		ret = co_dst_extend(r->dst, co_dst_pos(r) + co_rest(r));
		if (ret)
			goto out;
	}

	while (co_rest(r)) {
		if (co_interrupted(st)) {
			ret = -EINTR;
			break;
		}
		pos = co_src_pos(r);
		/* The source may have shrunk: stop at its EOF. */
		end = min_t(loff_t, end, i_size_read(file_inode(r->src)));
		if (pos >= end)
			break;
		co_next_data(seek, pos, end, &data, &hole);
		if (data > pos) {
			ret = co_dst_hole(r->dst, co_dst_pos(r), data - pos);
			if (ret)
				break;
			co_account(r, st, COPYOFFLOAD_METHOD_HOLE, data - pos);
			continue;
		}
		ret = move(r, pos, hole - pos, st, ctx);
		if (ret <= 0)
			break;
		ret = 0;
		cond_resched();
	}
out:
	if (seek)
		fput(seek);

	/* Bytes counted as done must read back: a trailing hole needs size. */
	want = co_dst_pos(r);
	if (r->u.bytes_done && co_dst_extend(r->dst, want)) {
		u64 short_by = want - max_t(loff_t, r->u.dst_off,
					  i_size_read(file_inode(r->dst)));

		r->u.bytes_done -= short_by;
		st->method_bytes[COPYOFFLOAD_METHOD_HOLE] -= short_by;
		if (!ret)
			ret = -EIO;
	}
	return ret;
}
