// SPDX-License-Identifier: GPL-2.0
/*
 * copyoffload: COPYOFFLOAD_IOC_RUN.
 *
 * A request is read with copy_struct_from_user(), validated as a whole,
 * then its ranges are walked three times, one range in kernel memory at a
 * time (memory does not grow with nr_ranges):
 *   1. pre-fill every range's outputs;
 *   2. check every range against its descriptors: the first failure fails
 *      the call with nothing worked on;
 *   3. work on each range, checking it again first (the files may have
 *      changed), and write its outputs back.
 * The user's array is re-read in every pass and every value is checked
 * where it is used, so changing it under us gains a caller nothing.
 */
#include <linux/fs.h>
#include <linux/uaccess.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "copyoffload.h"

/* The output part of struct copyoffload_range, written back as a block. */
struct co_range_out {
	__u64 bytes_done;
	__s32 status;
	__u32 methods;
};

static_assert(offsetof(struct copyoffload_range, methods) + sizeof(__u32) ==
	      sizeof(struct copyoffload_range));
static_assert(offsetofend(struct copyoffload_range, methods) -
	      offsetof(struct copyoffload_range, bytes_done) ==
	      sizeof(struct co_range_out));

struct co_req {
	struct copyoffload_req req;
	void __user *ranges;
	struct co_stats stats;
};

static int co_validate_req(const struct copyoffload_req *req)
{
	u64 copy_only = COPYOFFLOAD_F_ALL;

	if (req->reserved)
		return -EINVAL;
	if (req->flags & ~COPYOFFLOAD_F_ALL)
		return -EINVAL;
	switch (req->op) {
	case COPYOFFLOAD_OP_CLONE:
	case COPYOFFLOAD_OP_DEDUPE:
		if (req->flags & copy_only)
			return -EINVAL;
		break;
	case COPYOFFLOAD_OP_COPY:
		if (hweight64(req->flags & COPYOFFLOAD_F_OFFLOAD_MASK) > 1)
			return -EINVAL;
		if ((req->flags & COPYOFFLOAD_F_REQUIRE_SHARE) &&
		    (req->flags & COPYOFFLOAD_F_OFFLOAD_MASK))
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (!req->nr_ranges)
		return -EINVAL;
	if (req->nr_ranges > COPYOFFLOAD_MAX_RANGES)
		return -E2BIG;
	if (req->range_size < COPYOFFLOAD_RANGE_SIZE_VER0 ||
	    req->range_size % 8)
		return -EINVAL;
	if (req->range_size > CO_MAX_RANGE_SIZE)
		return -E2BIG;
	return 0;
}

static void __user *co_urange(const struct co_req *cr, u32 i)
{
	return cr->ranges + (size_t)i * cr->req.range_size;
}

/* Read range I; its outputs start zeroed, whatever the caller left there. */
static int co_read_range(const struct co_req *cr, u32 i, struct co_range *r)
{
	int ret;

	memset(r, 0, sizeof(*r));
	ret = copy_struct_from_user(&r->u, sizeof(r->u), co_urange(cr, i),
				    cr->req.range_size);
	if (ret)
		return ret;
	r->u.bytes_done = 0;
	r->u.status = COPYOFFLOAD_STATUS_NOT_RUN;
	r->u.methods = 0;
	return 0;
}

static int co_write_range(const struct co_req *cr, u32 i,
			  const struct co_range *r)
{
	struct co_range_out out = {
		.bytes_done = r->u.bytes_done,
		.status = r->u.status,
		.methods = r->u.methods,
	};
	void __user *p = co_urange(cr, i) +
			 offsetof(struct copyoffload_range, bytes_done);

	return copy_to_user(p, &out, sizeof(out)) ? -EFAULT : 0;
}

static int co_prefill(const struct co_req *cr)
{
	struct co_range r = { .u.status = COPYOFFLOAD_STATUS_NOT_RUN };
	u32 i;
	int ret;

	for (i = 0; i < cr->req.nr_ranges; i++) {
		ret = co_write_range(cr, i, &r);
		if (ret)
			return ret;
		if (!(i % 1024))
			cond_resched();
	}
	return 0;
}

/* Open and check range R; on failure its status holds why. */
static int co_range_prepare(const struct co_req *cr, struct co_range *r)
{
	int ret;

	ret = co_range_get_files(r);
	if (!ret) {
		ret = co_range_check(cr->req.op, r);
		if (ret)
			co_range_put_files(r);
	}
	if (ret)
		r->u.status = ret;
	return ret;
}

static int co_check_all(const struct co_req *cr)
{
	struct co_range r;
	u32 i;
	int ret;

	for (i = 0; i < cr->req.nr_ranges; i++) {
		ret = co_read_range(cr, i, &r);
		if (ret)
			return ret;
		ret = co_range_prepare(cr, &r);
		if (ret) {
			if (co_write_range(cr, i, &r))
				return -EFAULT;
			return ret;
		}
		co_range_put_files(&r);
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

static void co_work_range(struct co_req *cr, struct co_range *r)
{
	if (co_range_prepare(cr, r))
		return;
	switch (cr->req.op) {
	case COPYOFFLOAD_OP_CLONE:
		co_clone_range(r, &cr->stats);
		break;
	case COPYOFFLOAD_OP_DEDUPE:
		co_dedupe_range(r, &cr->stats);
		break;
	case COPYOFFLOAD_OP_COPY:
		co_copy_range(cr->req.flags, r, &cr->stats);
		break;
	}
	/* Restart codes are the kernel's own: a caller sees EINTR. */
	if (r->u.status <= -ERESTARTSYS &&
	    r->u.status >= -ERESTART_RESTARTBLOCK)
		r->u.status = -EINTR;
	co_range_put_files(r);
}

static int co_work_all(struct co_req *cr)
{
	struct co_range r;
	u32 i;
	int ret;

	for (i = 0; i < cr->req.nr_ranges; i++) {
		if (fatal_signal_pending(current))
			return -EINTR;
		ret = co_read_range(cr, i, &r);
		if (ret)
			return ret;
		co_work_range(cr, &r);
		cr->req.nr_processed++;
		cr->req.bytes_done += r.u.bytes_done;
		ret = co_write_range(cr, i, &r);
		if (ret)
			return ret;
		if (r.u.status == -EINTR && fatal_signal_pending(current))
			return -EINTR;
		/* CLONE is all-or-nothing per range and stops at a failure. */
		if (cr->req.op == COPYOFFLOAD_OP_CLONE && r.u.status)
			break;
		cond_resched();
	}
	return 0;
}

/* Write back the request's outputs, and nothing else of it. */
static int co_write_req(const struct co_req *cr, void __user *arg)
{
	struct copyoffload_req __user *u = arg;
	int ret = 0;
	u32 m;

	ret |= put_user(cr->req.nr_processed, &u->nr_processed);
	ret |= put_user(cr->req.bytes_done, &u->bytes_done);
	for (m = 0; m < COPYOFFLOAD_METHOD_NR; m++)
		ret |= put_user(cr->stats.method_bytes[m], &u->method_bytes[m]);
	return ret ? -EFAULT : 0;
}

long co_ioctl_run(void __user *arg)
{
	struct co_req *cr;
	u32 usize;
	int ret, wret;

	if (get_user(usize, (u32 __user *)arg))
		return -EFAULT;
	if (usize < COPYOFFLOAD_REQ_SIZE_VER0)
		return -EINVAL;

	cr = kzalloc(sizeof(*cr), GFP_KERNEL);
	if (!cr)
		return -ENOMEM;
	ret = copy_struct_from_user(&cr->req, sizeof(cr->req), arg, usize);
	if (ret)
		goto out;
	ret = co_validate_req(&cr->req);
	if (ret)
		goto out;
	cr->ranges = u64_to_user_ptr(cr->req.ranges);
	cr->req.nr_processed = 0;
	cr->req.bytes_done = 0;

	ret = co_prefill(cr);
	if (!ret)
		ret = co_write_req(cr, arg);
	if (!ret)
		ret = co_check_all(cr);
	if (ret)
		goto out;
	ret = co_work_all(cr);
	wret = co_write_req(cr, arg);
	if (!ret)
		ret = wret;
out:
	kfree(cr);
	return ret;
}
