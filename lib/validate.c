// SPDX-License-Identifier: MIT
/*
 * libcopyoffload: request and range validation for the no-module path.
 *
 * The rules and their order follow uapi/linux/copyoffload.h: first the request
 * itself, then every range against its descriptors, all before any work.
 * The per-range errnos are those copy_file_range(2), FICLONERANGE and
 * FIDEDUPERANGE give for the same mistakes (fs/read_write.c,
 * fs/remap_range.c: generic_file_rw_checks, generic_remap_checks).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>

#include "internal.h"

#define CO_F_ALL	(COPYOFFLOAD_F_ALLOW_SHARE | COPYOFFLOAD_F_REQUIRE_SHARE | \
			 COPYOFFLOAD_F_NO_FALLBACK | COPYOFFLOAD_F_OFFLOAD_MASK)

/* Stride and tails as the module checks them: E2BIG for a non-zero tail. */
static int co_check_stride(const struct co_request *rq)
{
	const size_t base = sizeof(struct copyoffload_range);
	unsigned int i;
	size_t j;

	if (rq->range_size < COPYOFFLOAD_RANGE_SIZE_VER0 ||
	    rq->range_size % 8)
		return -EINVAL;
	if (rq->range_size > 4096)
		return -E2BIG;
	if (rq->range_size == base)
		return 0;
	for (i = 0; i < rq->nr; i++)
		for (j = base; j < rq->range_size; j++)
			if (rq->ranges[i * rq->range_size + j])
				return -E2BIG;
	return 0;
}

int co_check_request(const struct co_request *rq)
{
	uint64_t flags = rq->flags;
	uint64_t offload = flags & COPYOFFLOAD_F_OFFLOAD_MASK;

	switch (rq->op) {
	case COPYOFFLOAD_OP_CLONE:
	case COPYOFFLOAD_OP_DEDUPE:
		if (flags)
			return -EINVAL;
		break;
	case COPYOFFLOAD_OP_COPY:
		if (flags & ~CO_F_ALL)
			return -EINVAL;
		if ((flags & COPYOFFLOAD_F_REQUIRE_SHARE) && offload)
			return -EINVAL;
		if (offload & (offload - 1))	/* more than one selector */
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (!rq->nr)
		return -EINVAL;
	if (rq->nr > COPYOFFLOAD_MAX_RANGES)
		return -E2BIG;
	if (rq->max_bytes % COPYOFFLOAD_MAX_BYTES_ALIGN ||
	    (rq->max_bytes && rq->op == COPYOFFLOAD_OP_CLONE))
		return -EINVAL;
	if (!rq->ranges)
		return -EFAULT;
	return co_check_stride(rq);
}

void co_prefill(const struct co_request *rq)
{
	struct copyoffload_range *r;
	unsigned int i;

	for (i = 0; i < rq->nr; i++) {
		r = co_range_at(rq, i);
		r->bytes_done = 0;
		r->status = COPYOFFLOAD_STATUS_NOT_RUN;
		r->methods = 0;
	}
}

/* Open descriptor (not O_PATH) and its attributes, or -EBADF. */
int co_file_get(struct co_file *f, int fd)
{
	unsigned int mask = STATX_BASIC_STATS;

#ifdef STATX_MNT_ID
	mask |= STATX_MNT_ID;
#endif
	f->fd = fd;
	f->fl = fcntl(fd, F_GETFL);
	if (f->fl < 0 || (f->fl & O_PATH))
		return -EBADF;
	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_SYNC_AS_STAT, mask,
		  &f->stx) < 0)
		return -errno;
	return 0;
}

uint64_t co_effective_len(const struct copyoffload_range *r, uint64_t size)
{
	uint64_t avail;

	if (r->src_off >= size)
		return 0;
	avail = size - r->src_off;
	if (r->len == COPYOFFLOAD_LEN_TO_EOF || r->len > avail)
		return avail;
	return r->len;
}

static bool co_same_inode(const struct co_file *a, const struct co_file *b)
{
	return a->stx.stx_ino == b->stx.stx_ino &&
	       a->stx.stx_dev_major == b->stx.stx_dev_major &&
	       a->stx.stx_dev_minor == b->stx.stx_dev_minor;
}

/*
 * FICLONERANGE and FIDEDUPERANGE want both files on one mount.  Without
 * STATX_MNT_ID we cannot tell (btrfs subvolumes have their own st_dev on
 * one mount), and the ioctl itself answers EXDEV when the range is run.
 */
static bool co_same_mount(const struct co_file *a, const struct co_file *b)
{
#ifdef STATX_MNT_ID
	if ((a->stx.stx_mask & b->stx.stx_mask & STATX_MNT_ID))
		return a->stx.stx_mnt_id == b->stx.stx_mnt_id;
#endif
	(void)a;
	(void)b;
	return true;
}

/* EISDIR for a directory, EINVAL for anything else not a regular file. */
static int co_check_type(const struct co_file *f)
{
	if (S_ISDIR(f->stx.stx_mode))
		return -EISDIR;
	if (!S_ISREG(f->stx.stx_mode))
		return -EINVAL;
	return 0;
}

/*
 * Open modes as the module checks them: COPY and CLONE as
 * generic_file_rw_checks(), DEDUPE as FIDEDUPERANGE (a source not open for
 * reading is EINVAL; whether the destination may be deduplicated without
 * being open for writing is the kernel's allow_file_dedupe() decision).
 */
static int co_check_modes(unsigned int op, const struct co_file *src,
			  const struct co_file *dst)
{
	if (op == COPYOFFLOAD_OP_DEDUPE)
		return (src->fl & O_ACCMODE) == O_WRONLY ? -EINVAL : 0;
	if ((src->fl & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	if ((dst->fl & O_ACCMODE) == O_RDONLY || (dst->fl & O_APPEND))
		return -EBADF;
	if (dst->stx.stx_attributes &
	    (STATX_ATTR_IMMUTABLE | STATX_ATTR_APPEND))
		return -EPERM;
	return 0;
}

/*
 * off .. off + len must fit in a loff_t: EOVERFLOW for COPY (as
 * copy_file_range), EINVAL for CLONE and DEDUPE (as remap_verify_area).
 */
static int co_check_span(unsigned int op, uint64_t off, uint64_t len)
{
	int err = op == COPYOFFLOAD_OP_COPY ? -EOVERFLOW : -EINVAL;

	if (off > INT64_MAX)
		return err;
	if (len != COPYOFFLOAD_LEN_TO_EOF && len > INT64_MAX - off)
		return err;
	return 0;
}

static bool co_overlap(const struct copyoffload_range *r, uint64_t len)
{
	return len && r->dst_off < r->src_off + len &&
	       r->src_off < r->dst_off + len;
}

static int co_check_range(unsigned int op, const struct copyoffload_range *r)
{
	struct co_file src, dst;
	uint64_t len;
	int err;

	err = co_file_get(&src, r->src_fd);
	if (!err)
		err = co_file_get(&dst, r->dst_fd);
	if (!err)
		err = co_check_type(&src);
	if (!err)
		err = co_check_type(&dst);
	if (!err)
		err = co_check_modes(op, &src, &dst);
	if (err)
		return err;
	if (!r->len)
		return -EINVAL;
	len = r->len;
	if (len == COPYOFFLOAD_LEN_TO_EOF)
		len = co_effective_len(r, src.stx.stx_size);
	err = co_check_span(op, r->src_off, r->len);
	if (!err)
		err = co_check_span(op, r->dst_off, len);
	if (err)
		return err;
	if (op != COPYOFFLOAD_OP_COPY) {
		if (r->src_off >= src.stx.stx_size)
			return -EINVAL;
		if (!co_same_mount(&src, &dst))
			return -EXDEV;
	}
	if (co_same_inode(&src, &dst) &&
	    co_overlap(r, co_effective_len(r, src.stx.stx_size)))
		return -EINVAL;
	return 0;
}

/*
 * Check every range; the first bad one gets its errno as status and makes
 * the whole request fail with it.
 */
int co_check_ranges(const struct co_request *rq)
{
	struct copyoffload_range *r;
	unsigned int i;
	int err;

	for (i = 0; i < rq->nr; i++) {
		r = co_range_at(rq, i);
		err = co_check_range(rq->op, r);
		if (err) {
			r->status = err;
			return err;
		}
	}
	return 0;
}
