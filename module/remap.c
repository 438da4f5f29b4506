// SPDX-License-Identifier: GPL-2.0
/*
 * copyoffload: CLONE and DEDUPE ranges, through the VFS remap helpers.
 */
#include <linux/fs.h>
#include <linux/sched/signal.h>

#include "copyoffload.h"

/*
 * All or nothing: without REMAP_FILE_CAN_SHORTEN the filesystem shares the
 * whole range or fails.  A count other than the one asked for is treated as
 * FICLONERANGE treats it: an error, EINVAL.
 */
void co_clone_range(struct co_range *r, struct co_stats *st)
{
	loff_t ret;

	ret = vfs_clone_file_range(r->src, r->u.src_off, r->dst, r->u.dst_off,
				   r->len, 0);
	if (ret < 0) {
		r->u.status = ret;
		return;
	}
	if (ret != r->len) {
		r->u.status = -EINVAL;
		return;
	}
	co_account(r, st, COPYOFFLOAD_METHOD_CLONE, ret);
	r->u.status = COPYOFFLOAD_STATUS_OK;
}

/*
 * Compare and share in pieces of COPYOFFLOAD_DEDUPE_PIECE bytes, so neither
 * btrfs's 16 MiB working size nor the VFS's 1 GiB cap on FIDEDUPERANGE shows
 * through.  A piece that differs ends the range: the pieces before it stay
 * shared and are counted in bytes_done.
 */
void co_dedupe_range(struct co_range *r, struct co_stats *st)
{
	u64 done = 0;
	loff_t ret;

	while (done < r->len) {
		u64 piece = min_t(u64, r->len - done, COPYOFFLOAD_DEDUPE_PIECE);

		if (co_interrupted(st)) {
			r->u.status = -EINTR;
			return;
		}
		ret = vfs_dedupe_file_range_one(r->src, r->u.src_off + done,
						r->dst, r->u.dst_off + done,
						piece, 0);
		if (ret == -EBADE) {
			r->u.status = COPYOFFLOAD_STATUS_DIFFERS;
			return;
		}
		if (ret < 0) {
			r->u.status = ret;
			return;
		}
		if (ret == 0)	/* the filesystem made no progress */
			break;
		co_account(r, st, COPYOFFLOAD_METHOD_CLONE, ret);
		done += ret;
		cond_resched();
	}
	r->u.status = done == r->len ? COPYOFFLOAD_STATUS_SAME : -EIO;
}
