// SPDX-License-Identifier: GPL-2.0
/*
 * copyoffload: COPYOFFLOAD_IOC_RUN.
 *
 * A request is read with copy_struct_from_user(), validated as a whole,
 * then its ranges are walked twice, CO_CHUNK_BYTES of the range array in
 * kernel memory at a time (memory does not grow with nr_ranges):
 *   1. check every range against its descriptors and pre-fill its outputs:
 *      the first failure fails the call with nothing worked on (the ranges
 *      after it are pre-filled before returning);
 *   2. work on each range, checking it again first (the files may have
 *      changed), and write its outputs back.
 * A pass resolves each descriptor once for a run of ranges naming it (one
 * fget() per change of src_fd or dst_fd, not two per range); every pass
 * starts afresh.  The user's array is re-read in every pass and every
 * value is checked where it is used, so changing it under us gains a
 * caller nothing.
 *
 * Ranges that continue one another (one file pair, each starting where the
 * one before ended in both files, on the block grid) are worked as one, up
 * to CO_MERGE_MAX of them: 10,000 adjacent 4 KiB clones cost one reflink
 * instead of 10,000, and SMB's back-to-back 1 MiB copychunks one storage
 * batch.  Each range still reports its own bytes, status and methods (the
 * methods are tracked per range while the bytes move); where the merged
 * outcome cannot be told apart per range (a clone or dedupe that did not
 * take the whole run), the ranges are worked one by one as before.
 *
 * A request of ABI version 2 (req.size >= COPYOFFLOAD_REQ_SIZE_VER1) stops
 * between two steps when any signal is pending or when its bytes_done
 * reaches req.max_bytes, and says so in req.stop: the range it was working
 * on gets COPYOFFLOAD_STATUS_STOPPED with a true bytes_done, and the caller
 * resumes from there.  A version 1 request stops for fatal signals only,
 * as it always did.
 */
#include <linux/fs.h>
#include <linux/file.h>
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

/* One descriptor resolved once for a run of ranges that name it. */
struct co_fcache {
	int fd;
	struct file *file;	/* a reference, or NULL */
};

#define CO_CHUNK_BYTES	4096U

struct co_req {
	struct copyoffload_req req;
	u32 usize;		/* the caller's req.size */
	void __user *ranges;
	struct co_stats stats;
	struct co_fcache fsrc, fdst;
	u8 *chunk;		/* ranges chunk_first .. + chunk_nr, as read */
	u32 chunk_first, chunk_nr, chunk_max;
	struct co_parts parts;	/* the run being worked as one range */
};

static struct file *co_fcache_get(struct co_fcache *c, int fd)
{
	if (c->file && c->fd == fd)
		return c->file;
	if (c->file)
		fput(c->file);
	c->fd = fd;
	c->file = fget(fd);
	return c->file;
}

static void co_fcache_drop(struct co_req *cr)
{
	if (cr->fsrc.file)
		fput(cr->fsrc.file);
	if (cr->fdst.file)
		fput(cr->fdst.file);
	cr->fsrc.file = NULL;
	cr->fdst.file = NULL;
}

/* A new pass: nothing read or resolved is reused from the last one. */
static void co_pass_start(struct co_req *cr)
{
	co_fcache_drop(cr);
	cr->chunk_nr = 0;
}

/* The inputs ABI version 2 added; zero in a version 1 request. */
static int co_validate_req_ver1(const struct copyoffload_req *req)
{
	if (!req->method_bytes_ptr != !req->nr_method_bytes)
		return -EINVAL;
	if (req->nr_method_bytes > COPYOFFLOAD_METHODS_MAX)
		return -EINVAL;
	if (req->max_bytes % COPYOFFLOAD_MAX_BYTES_ALIGN)
		return -EINVAL;
	/* a clone is all or nothing: it cannot stop half-way */
	if (req->max_bytes && req->op == COPYOFFLOAD_OP_CLONE)
		return -EINVAL;
	return 0;
}

static int co_validate_req(const struct copyoffload_req *req)
{
	u64 copy_only = CO_F_ALL;

	if (req->reserved)
		return -EINVAL;
	if (req->flags & ~CO_F_ALL)
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
	return co_validate_req_ver1(req);
}

static void __user *co_urange(const struct co_req *cr, u32 i)
{
	return cr->ranges + (size_t)i * cr->req.range_size;
}

/* Read range I; its outputs start zeroed, whatever the caller left there. */
static int co_read_range(struct co_req *cr, u32 i, struct co_range *r)
{
	size_t rsize = cr->req.range_size;
	const u8 *p;

	if (i < cr->chunk_first || i >= cr->chunk_first + cr->chunk_nr) {
		u32 n = min(cr->chunk_max, cr->req.nr_ranges - i);

		if (copy_from_user(cr->chunk, co_urange(cr, i), n * rsize))
			return -EFAULT;
		cr->chunk_first = i;
		cr->chunk_nr = n;
	}
	p = cr->chunk + (size_t)(i - cr->chunk_first) * rsize;
	memset(r, 0, sizeof(*r));
	memcpy(&r->u, p, min(rsize, sizeof(r->u)));
	if (rsize > sizeof(r->u) &&
	    memchr_inv(p + sizeof(r->u), 0, rsize - sizeof(r->u)))
		return -E2BIG;
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

static int co_prefill_from(const struct co_req *cr, u32 first)
{
	struct co_range r = { .u.status = COPYOFFLOAD_STATUS_NOT_RUN };
	u32 i;
	int ret;

	for (i = first; i < cr->req.nr_ranges; i++) {
		ret = co_write_range(cr, i, &r);
		if (ret)
			return ret;
		if (!(i % 1024))
			cond_resched();
	}
	return 0;
}

/* Open and check range R; on failure its status holds why. */
static int co_range_prepare(struct co_req *cr, struct co_range *r)
{
	int ret;

	r->src = co_fcache_get(&cr->fsrc, r->u.src_fd);
	r->dst = co_fcache_get(&cr->fdst, r->u.dst_fd);
	/*
	 * The work pass checks everything again: a descriptor may name
	 * another file by now (dup2() from a sibling thread), and the VFS
	 * does not check all of it (vfs_dedupe_file_range_one() does not
	 * check that the source is open for reading).
	 */
	if (!r->src || !r->dst)
		ret = -EBADF;
	else
		ret = co_range_check(cr->req.op, r);
	if (ret)
		r->u.status = ret;
	return ret;
}

/*
 * Check every range, pre-filling its outputs as it goes (one pass over the
 * array instead of two).  On a failure the ranges not reached yet are
 * pre-filled too, so every range's outputs are defined either way.
 */
static int co_check_all(struct co_req *cr)
{
	struct co_range r;
	u32 i;
	int ret;

	co_pass_start(cr);
	for (i = 0; i < cr->req.nr_ranges; i++) {
		ret = co_read_range(cr, i, &r);
		if (ret)
			goto fail;
		ret = co_range_prepare(cr, &r);
		if (ret) {
			if (co_write_range(cr, i, &r))
				return -EFAULT;
			i++;
			goto fail;
		}
		if (co_write_range(cr, i, &r)) {
			ret = -EFAULT;
			goto fail;
		}
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto fail;
		}
		cond_resched();
	}
	co_fcache_drop(cr);
	return 0;
fail:
	co_fcache_drop(cr);
	if (co_prefill_from(cr, i))
		return -EFAULT;
	return ret;
}

/* The operation on R (prepared), and what its status means for the request. */
static void co_run_op(struct co_req *cr, struct co_range *r, bool bounded)
{
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

	if (r->u.status == -EINTR && cr->stats.intr &&
	    !fatal_signal_pending(current) && signal_pending(current)) {
		r->u.status = COPYOFFLOAD_STATUS_STOPPED;
		cr->req.stop = COPYOFFLOAD_STOP_SIGNAL;
	} else if (bounded && r->u.bytes_done == r->len &&
		   (r->u.status == COPYOFFLOAD_STATUS_OK ||
		    r->u.status == COPYOFFLOAD_STATUS_SAME)) {
		r->u.status = COPYOFFLOAD_STATUS_STOPPED;
		cr->req.stop = COPYOFFLOAD_STOP_MAX_BYTES;
	}
}

/*
 * Work on range R, at most BUDGET bytes of it (0: no bound).  A range that
 * does not fit in the budget is bounded to whole COPYOFFLOAD_MAX_BYTES_ALIGN
 * units of it, so that it stops where storage offload can go on from, and
 * is not started when not one unit fits.  A range stopped by the budget or
 * by a signal (co_interrupted()) before its end gets
 * COPYOFFLOAD_STATUS_STOPPED; cr->req.stop says why.
 */
static void co_work_range(struct co_req *cr, struct co_range *r, u64 budget)
{
	bool bounded = false;

	if (co_range_prepare(cr, r))
		return;
	if (budget && r->len > budget) {
		r->len = round_down(budget, COPYOFFLOAD_MAX_BYTES_ALIGN);
		bounded = true;
		if (!r->len) {
			cr->req.stop = COPYOFFLOAD_STOP_MAX_BYTES;
			return;		/* stays COPYOFFLOAD_STATUS_NOT_RUN */
		}
	}
	co_run_op(cr, r, bounded);
}

void co_parts_account(struct co_parts *p, u64 start, u64 bytes,
		      unsigned int method)
{
	u64 pos = 0;
	u32 k;

	for (k = 0; k < p->nr && pos < start + bytes; pos += p->len[k++])
		if (pos + p->len[k] > start)
			p->methods[k] |= 1U << method;
}

/* Whether R may be worked with others: two files, on both block grids. */
static bool co_mergeable(const struct co_range *r)
{
	struct inode *in = file_inode(r->src), *out = file_inode(r->dst);
	u64 blk = max(i_blocksize(in), i_blocksize(out));

	return r->u.len != COPYOFFLOAD_LEN_TO_EOF && in != out &&
	       !((r->u.src_off | r->u.dst_off | r->u.len) & (blk - 1));
}

/*
 * Range I is prepared in R: gather the ranges after it that continue it
 * (the same descriptors, adjacent in both files, mergeable, within BUDGET)
 * into cr->parts and R's length.  Returns how many ranges R stands for.
 */
static u32 co_gather(struct co_req *cr, u32 i, struct co_range *r, u64 budget)
{
	struct co_parts *p = &cr->parts;
	struct co_range t;
	u32 j;

	if (!co_mergeable(r) || (budget && r->len > budget))
		return 1;
	p->nr = 1;
	p->len[0] = r->len;
	for (j = i + 1; j < cr->req.nr_ranges && p->nr < CO_MERGE_MAX; j++) {
		if (co_read_range(cr, j, &t))
			break;
		if (t.u.src_fd != r->u.src_fd || t.u.dst_fd != r->u.dst_fd ||
		    t.u.src_off != r->u.src_off + r->len ||
		    t.u.dst_off != r->u.dst_off + r->len ||
		    (budget && t.u.len > budget - r->len))
			break;
		if (co_range_prepare(cr, &t) || t.src != r->src ||
		    t.dst != r->dst || !co_mergeable(&t))
			break;
		p->len[p->nr++] = t.len;
		r->len += t.len;
	}
	return p->nr;
}

/*
 * Work ranges I .. I + N - 1, gathered into R, as one, and write back the
 * outputs of those the outcome decides: every range whose bytes were all
 * done, and the one the work stopped inside.  *FINISHED: how many, from
 * I; the caller works the rest one by one.  A clone or dedupe that did not
 * take the whole run decides none (which range failed, or differs, cannot
 * be told): its counts are taken back and its ranges worked one by one
 * (sharing again what it shared changes nothing).
 */
static int co_work_merged(struct co_req *cr, u32 i, u32 n, struct co_range *r,
			  u32 *finished)
{
	struct co_parts *p = &cr->parts;
	struct co_stats saved = cr->stats;
	s32 ok = cr->req.op == COPYOFFLOAD_OP_DEDUPE ?
		 COPYOFFLOAD_STATUS_SAME : COPYOFFLOAD_STATUS_OK;
	u64 pos = 0, total = r->len, done, end;
	struct co_range part;
	u32 k;

	*finished = 0;
	memset(p->methods, 0, sizeof(p->methods));
	r->parts = p;
	co_run_op(cr, r, false);
	r->parts = NULL;
	done = r->u.bytes_done;
	if (cr->req.op != COPYOFFLOAD_OP_COPY &&
	    (r->u.status != ok || done != total)) {
		cr->stats = saved;
		cr->req.stop = COPYOFFLOAD_STOP_NONE;
		return 0;
	}
	/*
	 * A range all of whose bytes were done is done (the last of the run
	 * takes the run's status); the one the work stopped inside takes the
	 * run's status; one the work stopped in front of is left.
	 */
	for (k = 0; k < n && pos < done; pos += p->len[k++]) {
		end = pos + p->len[k];
		memset(&part, 0, sizeof(part));
		part.u.bytes_done = min(done, end) - pos;
		part.u.methods = p->methods[k];
		part.u.status = end < done || (end == done && done < total) ?
				ok : r->u.status;
		if (co_write_range(cr, i + k, &part))
			return -EFAULT;
		if (part.u.status != COPYOFFLOAD_STATUS_STOPPED)
			cr->req.nr_processed++;
		cr->req.bytes_done += part.u.bytes_done;
		*finished = k + 1;
	}
	return 0;
}

/*
 * Why the request should stop before its next range, if it should:
 * COPYOFFLOAD_STOP_*.  *BUDGET: the bytes the next range may move (0: no
 * bound).
 */
static u32 co_stop_before(const struct co_req *cr, u64 *budget)
{
	u64 max = cr->req.max_bytes;

	*budget = 0;
	if (cr->stats.intr && signal_pending(current))
		return COPYOFFLOAD_STOP_SIGNAL;
	if (!max)
		return COPYOFFLOAD_STOP_NONE;
	*budget = max - cr->req.bytes_done;
	return *budget ? COPYOFFLOAD_STOP_NONE : COPYOFFLOAD_STOP_MAX_BYTES;
}

static int co_work_all(struct co_req *cr)
{
	struct co_range r;
	u32 i, n, finished, alone_until = 0;
	u64 budget;
	int ret;

	co_pass_start(cr);
	for (i = 0; i < cr->req.nr_ranges; i++) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto out;
		}
		cr->req.stop = co_stop_before(cr, &budget);
		if (cr->req.stop)
			break;
		ret = co_read_range(cr, i, &r);
		if (ret)
			goto out;
		n = i < alone_until || co_range_prepare(cr, &r) ? 1 :
		    co_gather(cr, i, &r, budget);
		if (n > 1) {
			ret = co_work_merged(cr, i, n, &r, &finished);
			if (ret)
				goto out;
			if (finished) {
				i += finished - 1;
				if (cr->req.stop)
					break;
				cond_resched();
				continue;
			}
			/* one by one; not merged again */
			alone_until = i + n;
			ret = co_read_range(cr, i, &r);
			if (ret)
				goto out;
		}
		co_work_range(cr, &r, budget);
		if (r.u.status != COPYOFFLOAD_STATUS_STOPPED &&
		    r.u.status != COPYOFFLOAD_STATUS_NOT_RUN)
			cr->req.nr_processed++;
		cr->req.bytes_done += r.u.bytes_done;
		ret = co_write_range(cr, i, &r);
		if (ret)
			goto out;
		if (r.u.status == -EINTR && fatal_signal_pending(current)) {
			ret = -EINTR;
			goto out;
		}
		if (cr->req.stop)
			break;
		/* CLONE is all-or-nothing per range and stops at a failure. */
		if (cr->req.op == COPYOFFLOAD_OP_CLONE && r.u.status)
			break;
		cond_resched();
	}
	ret = 0;
	/* as read(2): a signal before anything was done is EINTR */
	if (cr->req.stop == COPYOFFLOAD_STOP_SIGNAL && !cr->req.bytes_done &&
	    !cr->req.nr_processed)
		ret = -EINTR;
out:
	co_fcache_drop(cr);
	return ret;
}

/*
 * Write back the request's outputs, and nothing else of it: the fixed
 * method_bytes[] for the methods it has room for, and from ABI version 2
 * on the caller's array, as many entries as both know.
 */
static int co_write_req(const struct co_req *cr, void __user *arg)
{
	struct copyoffload_req __user *u = arg;
	u64 __user *mb = u64_to_user_ptr(cr->req.method_bytes_ptr);
	u32 m, nr = min_t(u32, cr->req.nr_method_bytes, CO_METHOD_NR);
	int ret = 0;

	ret |= put_user(cr->req.nr_processed, &u->nr_processed);
	ret |= put_user(cr->req.bytes_done, &u->bytes_done);
	for (m = 0; m < ARRAY_SIZE(u->method_bytes); m++)
		ret |= put_user(m < CO_METHOD_NR ? cr->stats.method_bytes[m] : 0,
				&u->method_bytes[m]);
	if (cr->usize < COPYOFFLOAD_REQ_SIZE_VER1)
		return ret ? -EFAULT : 0;
	ret |= put_user(nr, &u->nr_method_bytes);
	ret |= put_user(cr->req.stop, &u->stop);
	if (nr && copy_to_user(mb, cr->stats.method_bytes, nr * sizeof(*mb)))
		ret = -EFAULT;
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
	/* as openat2() and clone3(): no caller's struct is that large */
	if (usize > CO_MAX_STRUCT_SIZE)
		return -E2BIG;

	cr = kzalloc(sizeof(*cr), GFP_KERNEL);
	if (!cr)
		return -ENOMEM;
	ret = copy_struct_from_user(&cr->req, sizeof(cr->req), arg, usize);
	if (ret)
		goto out;
	ret = co_validate_req(&cr->req);
	if (ret)
		goto out;
	/* a size between the versions holds no half of version 2 */
	if (usize < COPYOFFLOAD_REQ_SIZE_VER1 &&
	    (cr->req.method_bytes_ptr || cr->req.nr_method_bytes ||
	     cr->req.max_bytes)) {
		ret = -EINVAL;
		goto out;
	}
	cr->usize = usize;
	cr->stats.intr = usize >= COPYOFFLOAD_REQ_SIZE_VER1;
	cr->ranges = u64_to_user_ptr(cr->req.ranges);
	cr->chunk_max = max(1U, CO_CHUNK_BYTES / cr->req.range_size);
	cr->chunk = kmalloc_array(cr->chunk_max, cr->req.range_size,
				  GFP_KERNEL);
	if (!cr->chunk) {
		ret = -ENOMEM;
		goto out;
	}
	cr->req.nr_processed = 0;
	cr->req.bytes_done = 0;
	cr->req.stop = COPYOFFLOAD_STOP_NONE;

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
	kfree(cr->chunk);
	kfree(cr);
	return ret;
}
