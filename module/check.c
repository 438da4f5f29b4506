// SPDX-License-Identifier: GPL-2.0
/*
 * copyoffload: the checks every range passes before it is worked on.
 *
 * They mirror what the matching system call does, so that a caller gets the
 * errno it knows: generic_copy_file_checks() for COPY (copy_file_range(2)),
 * do_clone_file_range()/generic_remap_checks() for CLONE (FICLONERANGE) and
 * vfs_dedupe_file_range() for DEDUPE (FIDEDUPERANGE).  They run twice: once
 * for every range before any work, and again right before each range is
 * worked on, since the files may have changed in between.  The filesystem's
 * own checks (alignment, permissions, security hooks) still run below us.
 */
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/limits.h>

#include "copyoffload.h"

/* Regular files only, as generic_file_rw_checks(). */
static int co_check_types(struct inode *in, struct inode *out)
{
	if (S_ISDIR(in->i_mode) || S_ISDIR(out->i_mode))
		return -EISDIR;
	if (!S_ISREG(in->i_mode) || !S_ISREG(out->i_mode))
		return -EINVAL;
	return 0;
}

/* Open modes: COPY and CLONE as generic_file_rw_checks(), DEDUPE as
 * vfs_dedupe_file_range() (the destination's write permission is the VFS's
 * allow_file_dedupe() decision, made when the range is worked on).
 */
static int co_check_modes(u32 op, struct file *src, struct file *dst)
{
	if (op == COPYOFFLOAD_OP_DEDUPE)
		return (src->f_mode & FMODE_READ) ? 0 : -EINVAL;
	if (!(src->f_mode & FMODE_READ) || !(dst->f_mode & FMODE_WRITE) ||
	    (dst->f_flags & O_APPEND))
		return -EBADF;
	return 0;
}

/* Resolve COPYOFFLOAD_LEN_TO_EOF against the source's size now. */
static int co_resolve_len(u32 op, struct co_range *r, u64 size_in)
{
	if (r->u.len != COPYOFFLOAD_LEN_TO_EOF) {
		r->len = r->u.len;
		return r->len ? 0 : -EINVAL;
	}
	if (r->u.src_off < size_in) {
		r->len = size_in - r->u.src_off;
		return 0;
	}
	r->len = 0;
	/* Nothing to copy is a short copy; nothing to share is an error. */
	return op == COPYOFFLOAD_OP_COPY ? 0 : -EINVAL;
}

/* Offsets and length: no wrap, nothing past what loff_t can address. */
static int co_check_bounds(u32 op, struct co_range *r, u64 size_in)
{
	u64 src_end, dst_end;
	int wrap_err = op == COPYOFFLOAD_OP_COPY ? -EOVERFLOW : -EINVAL;

	if (check_add_overflow(r->u.src_off, r->len, &src_end) ||
	    check_add_overflow(r->u.dst_off, r->len, &dst_end))
		return wrap_err;
	/* As copy_file_range(2): EFBIG before loff_t's limit is looked at. */
	if (op == COPYOFFLOAD_OP_COPY &&
	    r->u.dst_off >= file_inode(r->dst)->i_sb->s_maxbytes)
		return -EFBIG;
	if (src_end > LLONG_MAX || dst_end > LLONG_MAX)
		return wrap_err;
	if (op == COPYOFFLOAD_OP_COPY)
		return 0;
	/* CLONE and DEDUPE share whole ranges inside the source. */
	if (r->u.src_off >= size_in || src_end > size_in)
		return -EINVAL;
	if (op == COPYOFFLOAD_OP_DEDUPE &&
	    dst_end > i_size_read(file_inode(r->dst)))
		return -EINVAL;
	return 0;
}

int co_range_check(u32 op, struct co_range *r)
{
	struct inode *in = file_inode(r->src);
	struct inode *out = file_inode(r->dst);
	u64 size_in, copy_len;
	int ret;

	ret = co_check_types(in, out);
	if (ret)
		return ret;
	ret = co_check_modes(op, r->src, r->dst);
	if (ret)
		return ret;
	if (op != COPYOFFLOAD_OP_COPY) {
		if (in->i_sb != out->i_sb)
			return -EXDEV;
		if (!r->dst->f_op->remap_file_range)
			return -EOPNOTSUPP;
	}
	if (IS_IMMUTABLE(out) || IS_APPEND(out))
		return -EPERM;
	if (IS_SWAPFILE(in) || IS_SWAPFILE(out))
		return -ETXTBSY;

	size_in = i_size_read(in);
	ret = co_resolve_len(op, r, size_in);
	if (ret)
		return ret;
	ret = co_check_bounds(op, r, size_in);
	if (ret)
		return ret;

	/* No overlapping ranges within one file (COPY: as far as EOF). */
	copy_len = r->len;
	if (op == COPYOFFLOAD_OP_COPY)
		copy_len = r->u.src_off < size_in ?
			   min(copy_len, size_in - r->u.src_off) : 0;
	if (in == out && copy_len &&
	    r->u.dst_off < r->u.src_off + copy_len &&
	    r->u.src_off < r->u.dst_off + copy_len)
		return -EINVAL;
	return 0;
}
