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
 *
 * A job (COPYOFFLOAD_IOC_SUBMIT, job.c) is the same request worked by the
 * same loop, with the range array and the files snapshotted in kernel
 * memory at submission (struct co_jrange: its worker has neither the
 * caller's memory nor its descriptor table).  The worker runs it in steps:
 * each is co_work_all() from the range the last one stopped in, bounded by
 * a budget of bytes and ranges as max_bytes bounds a call, and resumes a
 * stopped range from its bytes_done, as a caller of RUN would; the range
 * keeps what earlier steps did (base) so that its outputs are those of one
 * call.  Cancelling is the job's signal.
 */
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/moduleparam.h>
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

/* One range of a job: as submitted, with its outputs so far. */
struct co_jrange {
	struct copyoffload_range u;
	struct file *src, *dst;		/* references */
	u64 base;			/* bytes done by the steps before */
	u32 base_methods;
};

/* A job's step reached its bound (internal, never in req.stop). */
#define CO_STOP_STEP	(~0U)

/* Ranges one step of a job starts at most. */
#define CO_JOB_STEP_RANGES	256

/* Bytes one step of a job moves at most (a storage batch: CO_BATCH). */
static unsigned int co_job_step_mib = 256;
module_param_named(job_step_mib, co_job_step_mib, uint, 0644);
MODULE_PARM_DESC(job_step_mib, "MiB a job moves before it yields its worker (default 256)");

struct co_req {
	struct copyoffload_req req;
	u32 usize;		/* the caller's req.size */
	void __user *ranges;
	struct co_stats stats;
	struct co_fcache fsrc, fdst;
	u8 *chunk;		/* ranges chunk_first .. + chunk_nr, as read */
	u32 chunk_first, chunk_nr, chunk_max;
	struct co_parts parts;	/* the run being worked as one range */
	u64 limit;		/* bytes_done that stops the work (0: none) */
	u32 limit_stop;		/* why: STOP_MAX_BYTES, or CO_STOP_STEP */
	u32 first;		/* the range the work starts at */
	u32 step_ranges;	/* 0, or ranges the work may start */
	/* a job's */
	struct co_jrange *snap;	/* the ranges, or NULL for a call */
	bool cancel;
	u64 bytes_total;
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

/* Range I of a job: resumed from what the steps before did. */
static void co_read_jrange(const struct co_req *cr, u32 i, struct co_range *r)
{
	const struct co_jrange *j = &cr->snap[i];

	memset(r, 0, sizeof(*r));
	r->u = j->u;
	r->src = j->src;
	r->dst = j->dst;
	r->u.src_off += j->base;
	r->u.dst_off += j->base;
	if (r->u.len != COPYOFFLOAD_LEN_TO_EOF)
		r->u.len -= j->base;
	r->u.bytes_done = 0;
	r->u.status = COPYOFFLOAD_STATUS_NOT_RUN;
	r->u.methods = 0;
}

/* Read range I; its outputs start zeroed, whatever the caller left there. */
static int co_read_range(struct co_req *cr, u32 i, struct co_range *r)
{
	size_t rsize = cr->req.range_size;
	const u8 *p;

	if (cr->snap) {
		co_read_jrange(cr, i, r);
		return 0;
	}
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

/* The outputs of range I of the caller's array at RANGES. */
static int co_put_range(void __user *ranges, u32 range_size, u32 i,
			const struct copyoffload_range *u)
{
	struct co_range_out out = {
		.bytes_done = u->bytes_done,
		.status = u->status,
		.methods = u->methods,
	};
	void __user *p = ranges + (size_t)i * range_size +
			 offsetof(struct copyoffload_range, bytes_done);

	return copy_to_user(p, &out, sizeof(out)) ? -EFAULT : 0;
}

static int co_write_range(struct co_req *cr, u32 i, const struct co_range *r)
{
	struct co_jrange *j;

	if (!cr->snap)
		return co_put_range(cr->ranges, cr->req.range_size, i, &r->u);
	j = &cr->snap[i];
	j->u.bytes_done = j->base + r->u.bytes_done;
	j->u.methods = j->base_methods | r->u.methods;
	/* a range a step stopped in, which this one did not start, stays so */
	j->u.status = r->u.status == COPYOFFLOAD_STATUS_NOT_RUN && j->base ?
		      COPYOFFLOAD_STATUS_STOPPED : r->u.status;
	return 0;
}

static int co_prefill_from(struct co_req *cr, u32 first)
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

	/* a job's files were taken at submission (co_read_jrange()) */
	if (!cr->snap) {
		r->src = co_fcache_get(&cr->fsrc, r->u.src_fd);
		r->dst = co_fcache_get(&cr->fdst, r->u.dst_fd);
	}
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

	if (r->u.status == -EINTR && cr->snap && READ_ONCE(cr->cancel)) {
		r->u.status = COPYOFFLOAD_STATUS_STOPPED;
		cr->req.stop = COPYOFFLOAD_STOP_CANCELLED;
	} else if (r->u.status == -EINTR && cr->stats.intr &&
		   !fatal_signal_pending(current) && signal_pending(current)) {
		r->u.status = COPYOFFLOAD_STATUS_STOPPED;
		cr->req.stop = COPYOFFLOAD_STOP_SIGNAL;
	} else if (bounded && r->u.bytes_done == r->len &&
		   (r->u.status == COPYOFFLOAD_STATUS_OK ||
		    r->u.status == COPYOFFLOAD_STATUS_SAME)) {
		r->u.status = COPYOFFLOAD_STATUS_STOPPED;
		cr->req.stop = cr->limit_stop;
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
			cr->req.stop = cr->limit_stop;
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
 * Why the request should stop before range I, if it should:
 * COPYOFFLOAD_STOP_* or CO_STOP_STEP.  *BUDGET: the bytes range I may move
 * (0: no bound).
 */
static u32 co_stop_before(const struct co_req *cr, u32 i, u64 *budget)
{
	*budget = 0;
	if (cr->snap && READ_ONCE(cr->cancel))
		return COPYOFFLOAD_STOP_CANCELLED;
	if (cr->stats.intr && signal_pending(current))
		return COPYOFFLOAD_STOP_SIGNAL;
	if (cr->step_ranges && i - cr->first >= cr->step_ranges)
		return CO_STOP_STEP;
	if (!cr->limit)
		return COPYOFFLOAD_STOP_NONE;
	*budget = cr->limit - cr->req.bytes_done;
	return *budget ? COPYOFFLOAD_STOP_NONE : cr->limit_stop;
}

/*
 * Work on the ranges from cr->first on; cr->first is left at the range
 * the work stopped in or before (for a job's next step).
 */
static int co_work_all(struct co_req *cr)
{
	struct co_range r;
	u32 i, n, finished, alone_until = 0;
	u64 budget;
	int ret;

	co_pass_start(cr);
	for (i = cr->first; i < cr->req.nr_ranges; i++) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto out;
		}
		cr->req.stop = co_stop_before(cr, i, &budget);
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
	cr->first = i;
	co_fcache_drop(cr);
	return ret;
}

/*
 * Write back the request's outputs, and nothing else of it: the fixed
 * method_bytes[] for the methods it has room for, and from ABI version 2
 * on the caller's array, as many entries as both know.
 */
static int co_write_req_to(const struct co_req *cr, void __user *arg,
			   u32 usize, u64 method_bytes_ptr, u32 nr_method_bytes)
{
	struct copyoffload_req __user *u = arg;
	u64 __user *mb = u64_to_user_ptr(method_bytes_ptr);
	u32 m, nr = min_t(u32, nr_method_bytes, CO_METHOD_NR);
	int ret = 0;

	ret |= put_user(cr->req.nr_processed, &u->nr_processed);
	ret |= put_user(cr->req.bytes_done, &u->bytes_done);
	for (m = 0; m < ARRAY_SIZE(u->method_bytes); m++)
		ret |= put_user(m < CO_METHOD_NR ? cr->stats.method_bytes[m] : 0,
				&u->method_bytes[m]);
	if (usize < COPYOFFLOAD_REQ_SIZE_VER1)
		return ret ? -EFAULT : 0;
	ret |= put_user(nr, &u->nr_method_bytes);
	ret |= put_user(cr->req.stop, &u->stop);
	if (nr && copy_to_user(mb, cr->stats.method_bytes, nr * sizeof(*mb)))
		ret = -EFAULT;
	return ret ? -EFAULT : 0;
}

static int co_write_req(const struct co_req *cr, void __user *arg)
{
	return co_write_req_to(cr, arg, cr->usize, cr->req.method_bytes_ptr,
			       cr->req.nr_method_bytes);
}

/*
 * A job's files, dropped as soon as it has finished: results waiting to be
 * reaped pin no file (nor keep a filesystem from being unmounted).
 */
void co_req_put_files(struct co_req *cr)
{
	struct co_jrange *j;
	u32 i;

	for (i = 0; cr->snap && i < cr->req.nr_ranges; i++) {
		j = &cr->snap[i];
		if (j->src)
			fput(j->src);
		if (j->dst)
			fput(j->dst);
		j->src = NULL;
		j->dst = NULL;
	}
}

void co_req_free(struct co_req *cr)
{
	if (!cr)
		return;
	co_req_put_files(cr);
	kvfree(cr->snap);
	kfree(cr->chunk);
	kfree(cr);
}

/*
 * Read and validate the request at ARG, write its outputs' first values
 * back and check every range (nothing is worked on when one fails).  JOB:
 * for COPYOFFLOAD_IOC_SUBMIT, whose rules are stricter.
 */
static struct co_req *co_req_read(void __user *arg, bool job, int *err)
{
	struct co_req *cr;
	u32 usize;
	int ret;

	if (get_user(usize, (u32 __user *)arg)) {
		*err = -EFAULT;
		return NULL;
	}
	if (usize < (job ? COPYOFFLOAD_REQ_SIZE_VER1 :
			   COPYOFFLOAD_REQ_SIZE_VER0)) {
		*err = -EINVAL;
		return NULL;
	}
	/* as openat2() and clone3(): no caller's struct is that large */
	if (usize > CO_MAX_STRUCT_SIZE) {
		*err = -E2BIG;
		return NULL;
	}

	cr = kzalloc(sizeof(*cr), GFP_KERNEL_ACCOUNT);
	if (!cr) {
		*err = -ENOMEM;
		return NULL;
	}
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
	if (job && cr->req.op == COPYOFFLOAD_OP_CLONE) {
		ret = -EINVAL;
		goto out;
	}
	if (job && cr->req.nr_ranges > COPYOFFLOAD_JOB_MAX_RANGES) {
		ret = -E2BIG;
		goto out;
	}
	cr->usize = usize;
	cr->stats.intr = usize >= COPYOFFLOAD_REQ_SIZE_VER1;
	cr->stats.fsize = rlimit(RLIMIT_FSIZE);
	cr->ranges = u64_to_user_ptr(cr->req.ranges);
	cr->chunk_max = max(1U, CO_CHUNK_BYTES / cr->req.range_size);
	cr->chunk = kmalloc_array(cr->chunk_max, cr->req.range_size,
				  GFP_KERNEL_ACCOUNT);
	if (!cr->chunk) {
		ret = -ENOMEM;
		goto out;
	}
	cr->req.nr_processed = 0;
	cr->req.bytes_done = 0;
	cr->req.stop = COPYOFFLOAD_STOP_NONE;
	cr->limit = cr->req.max_bytes;
	cr->limit_stop = COPYOFFLOAD_STOP_MAX_BYTES;

	ret = co_write_req(cr, arg);
	if (!ret)
		ret = co_check_all(cr);
	if (!ret)
		return cr;
out:
	co_req_free(cr);
	*err = ret;
	return NULL;
}

long co_ioctl_run(void __user *arg)
{
	struct co_req *cr;
	int ret, wret;

	cr = co_req_read(arg, false, &ret);
	if (!cr)
		return ret;
	ret = co_work_all(cr);
	wret = co_write_req(cr, arg);
	if (!ret)
		ret = wret;
	co_req_free(cr);
	return ret;
}

/*
 * The ranges of a checked request, with references to the files their
 * descriptors name now, in kernel memory for a job.  A descriptor closed
 * since the check is EBADF, as the check would have said.
 */
static int co_snapshot(struct co_req *cr)
{
	struct co_jrange *snap;
	struct co_range r;
	loff_t size;
	u32 i;
	int ret = 0;

	snap = kvcalloc(cr->req.nr_ranges, sizeof(*snap), GFP_KERNEL_ACCOUNT);
	if (!snap)
		return -ENOMEM;
	co_pass_start(cr);
	for (i = 0; i < cr->req.nr_ranges; i++) {
		ret = co_read_range(cr, i, &r);
		if (ret)
			break;
		snap[i].u = r.u;
		snap[i].src = fget(r.u.src_fd);
		snap[i].dst = fget(r.u.dst_fd);
		if (!snap[i].src || !snap[i].dst) {
			ret = -EBADF;
			break;
		}
		/*
		 * Only regular files, as the check said: a descriptor swapped
		 * since (dup2()) for this device's own file would make the job
		 * pin the file that owns it, which then never closes.
		 */
		if (!S_ISREG(file_inode(snap[i].src)->i_mode) ||
		    !S_ISREG(file_inode(snap[i].dst)->i_mode)) {
			ret = -EINVAL;
			break;
		}
		size = i_size_read(file_inode(snap[i].src));
		if (size > r.u.src_off)
			cr->bytes_total += min_t(u64, r.u.len,
						 size - r.u.src_off);
		cond_resched();
	}
	cr->snap = snap;
	return ret;
}

/*
 * COPYOFFLOAD_IOC_SUBMIT's request: read, checked and snapshotted in the
 * caller's context; the job's worker takes it from there (co_req_step()).
 */
struct co_req *co_req_submit(void __user *arg, int *err)
{
	struct co_req *cr;
	int ret;

	cr = co_req_read(arg, true, err);
	if (!cr)
		return NULL;
	ret = co_snapshot(cr);
	if (ret) {
		co_req_free(cr);
		*err = ret;
		return NULL;
	}
	kfree(cr->chunk);
	cr->chunk = NULL;
	cr->ranges = NULL;
	cr->stats.intr = false;
	cr->stats.cancel = &cr->cancel;
	return cr;
}

/*
 * One step of a job, in its worker: at most co_job_step_mib MiB and
 * CO_JOB_STEP_RANGES ranges, from the range the last step stopped in.
 * A DEDUPE's step is bounded by ranges only: cutting a range where a call
 * would not have would compare other pieces, and a piece that differs
 * shares nothing, so the outcome could differ from a call's.  Its worker
 * still stops between pieces when cancelled.  Returns whether the job has
 * finished.
 */
bool co_req_step(struct co_req *cr)
{
	u64 step = (u64)max(1U, READ_ONCE(co_job_step_mib)) << 20;
	struct co_jrange *j;

	if (cr->first < cr->req.nr_ranges) {
		/* a range the last step stopped in goes on from there */
		j = &cr->snap[cr->first];
		j->base = j->u.status == COPYOFFLOAD_STATUS_STOPPED ?
			  j->u.bytes_done : 0;
		j->base_methods = j->base ? j->u.methods : 0;
	}
	cr->step_ranges = CO_JOB_STEP_RANGES;
	cr->limit = 0;
	if (cr->req.op != COPYOFFLOAD_OP_DEDUPE) {
		cr->limit = cr->req.bytes_done + step;
		cr->limit_stop = CO_STOP_STEP;
	}
	if (cr->req.max_bytes &&
	    (!cr->limit || cr->req.max_bytes <= cr->limit)) {
		cr->limit = cr->req.max_bytes;
		cr->limit_stop = COPYOFFLOAD_STOP_MAX_BYTES;
	}
	co_work_all(cr);
	if (cr->req.stop != CO_STOP_STEP)
		return true;
	cr->req.stop = COPYOFFLOAD_STOP_NONE;
	return false;
}

void co_req_cancel(struct co_req *cr)
{
	WRITE_ONCE(cr->cancel, true);
}

/* A job's counters, read while its worker may be writing them. */
void co_req_progress(const struct co_req *cr, struct co_progress *p)
{
	u32 m;

	memset(p, 0, sizeof(*p));
	p->op = cr->req.op;
	p->flags = cr->req.flags;
	p->nr_ranges = cr->req.nr_ranges;
	p->ranges_done = READ_ONCE(cr->req.nr_processed);
	p->bytes_total = cr->bytes_total;
	p->method = READ_ONCE(cr->stats.method);
	p->stop = READ_ONCE(cr->req.stop);
	if (p->stop == CO_STOP_STEP)
		p->stop = COPYOFFLOAD_STOP_NONE;
	for (m = 0; m < CO_METHOD_NR; m++) {
		p->method_bytes[m] = READ_ONCE(cr->stats.method_bytes[m]);
		p->bytes_done += p->method_bytes[m];
	}
}

/* The outputs of a finished job's range I. */
int co_req_range_out(const struct co_req *cr, u32 i, u64 *bytes_done,
		     s32 *status, u32 *methods)
{
	if (i >= cr->req.nr_ranges)
		return -ENOENT;
	*bytes_done = cr->snap[i].u.bytes_done;
	*status = cr->snap[i].u.status;
	*methods = cr->snap[i].u.methods;
	return 0;
}

/*
 * A finished job's outputs into the caller's request at UREQ and its
 * ranges, as co_ioctl_run() writes them: the request must name as many
 * ranges of the same size.
 */
int co_req_wait_out(const struct co_req *cr, void __user *ureq)
{
	struct copyoffload_req req;
	u32 usize, i;
	int ret;

	if (get_user(usize, (u32 __user *)ureq))
		return -EFAULT;
	if (usize < COPYOFFLOAD_REQ_SIZE_VER1)
		return -EINVAL;
	if (usize > CO_MAX_STRUCT_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(&req, sizeof(req), ureq, usize);
	if (ret)
		return ret;
	if (req.nr_ranges != cr->req.nr_ranges ||
	    req.range_size != cr->req.range_size ||
	    !req.method_bytes_ptr != !req.nr_method_bytes ||
	    req.nr_method_bytes > COPYOFFLOAD_METHODS_MAX)
		return -EINVAL;
	for (i = 0; i < cr->req.nr_ranges; i++) {
		ret = co_put_range(u64_to_user_ptr(req.ranges), req.range_size,
				   i, &cr->snap[i].u);
		if (ret)
			return ret;
		if (!(i % 1024))
			cond_resched();
	}
	return co_write_req_to(cr, ureq, usize, req.method_bytes_ptr,
			       req.nr_method_bytes);
}
