// SPDX-License-Identifier: MIT
/*
 * libcopyoffload: asynchronous jobs through the device (COPYOFFLOAD_IOC_SUBMIT,
 * _WAIT and _CANCEL).  No fallback: a job is the module's, so without it
 * (or without COPYOFFLOAD_FEAT_JOBS) every call is -EOPNOTSUPP.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/ioctl.h>

#include "internal.h"

_Static_assert(sizeof(struct copyoffload_job) == COPYOFFLOAD_JOB_SIZE_VER0 &&
	       sizeof(struct copyoffload_event) == COPYOFFLOAD_EVENT_SIZE_VER0 &&
	       sizeof(struct copyoffload_range_out) == 24,
	       "a structure of LIBCOPYOFFLOAD_1.3 changed size: add a _SIZE_VER1");

static bool co_has_jobs(const struct copyoffload *co)
{
	return co->fd >= 0 && co->abi2 &&
	       (co->features & COPYOFFLOAD_FEAT_JOBS);
}

/* ARGS as copyoffload_run() reads them, into RQ. */
static int co_args_request(const struct copyoffload_args *args,
			   struct co_request *rq)
{
	int err;

	err = co_check_struct(args, args->size, COPYOFFLOAD_ARGS_SIZE_VER0,
			      sizeof(*args));
	if (err)
		return err;
	*rq = (struct co_request) {
		.op = args->op, .flags = args->flags, .ranges = args->ranges,
		.nr = args->nr_ranges,
		.range_size = args->range_size ? args->range_size :
				sizeof(struct copyoffload_range),
		.max_bytes = args->max_bytes,
	};
	return 0;
}

static void co_req_init(struct copyoffload_req *req,
			const struct co_request *rq)
{
	*req = (struct copyoffload_req) {
		.size = COPYOFFLOAD_REQ_SIZE_VER1,
		.op = rq->op,
		.flags = rq->flags,
		.ranges = (uintptr_t)rq->ranges,
		.nr_ranges = rq->nr,
		.range_size = rq->range_size,
		.max_bytes = rq->max_bytes,
	};
}

CO_EXPORT int copyoffload_submit(struct copyoffload *co,
				 const struct copyoffload_args *args,
				 uint32_t *job_id)
{
	struct copyoffload_req req;
	struct co_request rq;
	int err, id;

	if (!co || !args || !job_id)
		return -EINVAL;
	*job_id = 0;
	if (!co_has_jobs(co))
		return -EOPNOTSUPP;
	err = co_args_request(args, &rq);
	if (err)
		return err;
	/* the library's own checks, so that what it rejects is never sent;
	 * a clone is quick and all or nothing: never a job
	 */
	err = co_check_request(&rq);
	if (!err && rq.op == COPYOFFLOAD_OP_CLONE)
		err = -EINVAL;
	if (err)
		return err;
	co_req_init(&req, &rq);
	id = ioctl(co->fd, COPYOFFLOAD_IOC_SUBMIT, &req);
	if (id < 0)
		return -errno;
	if (id == 0)		/* a job id is positive: not the ABI we know */
		return -EPROTO;
	*job_id = id;
	return 0;
}

CO_EXPORT int copyoffload_wait(struct copyoffload *co, uint32_t job_id,
			       unsigned int flags,
			       const struct copyoffload_args *args,
			       struct copyoffload_report *report)
{
	uint64_t mb[COPYOFFLOAD_METHODS_MAX] = { 0 };
	struct copyoffload_wait w = {
		.size = sizeof(w), .flags = flags, .job_id = job_id,
	};
	struct copyoffload_req req;
	struct co_tally t = { 0 };
	struct co_request rq;
	unsigned int i;
	int err;

	if (!co || flags & ~COPYOFFLOAD_WAIT_NOHANG || !job_id ||
	    (report && report->size < COPYOFFLOAD_REPORT_SIZE_VER0))
		return -EINVAL;
	if (!co_has_jobs(co))
		return -EOPNOTSUPP;
	if (args) {
		err = co_args_request(args, &rq);
		if (err)
			return err;
		if (!rq.ranges || !rq.nr)
			return -EINVAL;
		co_req_init(&req, &rq);
		req.method_bytes_ptr = (uintptr_t)mb;
		req.nr_method_bytes = COPYOFFLOAD_METHODS_MAX;
		w.req = (uintptr_t)&req;
	}
	if (ioctl(co->fd, COPYOFFLOAD_IOC_WAIT, &w) < 0)
		return -errno;
	if (args) {
		t.nr_processed = req.nr_processed;
		t.bytes_done = req.bytes_done;
		t.stop = req.stop;
		t.nr_methods = req.nr_method_bytes < COPYOFFLOAD_METHODS_MAX ?
			       req.nr_method_bytes : COPYOFFLOAD_METHODS_MAX;
		for (i = 0; i < COPYOFFLOAD_METHODS_MAX; i++)
			t.method_bytes[i] = mb[i];
	}
	if (report)
		co_report(&t, false, report);
	return 0;
}

CO_EXPORT int copyoffload_cancel(struct copyoffload *co, uint32_t job_id)
{
	if (!co || !job_id || job_id > INT_MAX)
		return -EINVAL;
	if (!co_has_jobs(co))
		return -EOPNOTSUPP;
	if (ioctl(co->fd, COPYOFFLOAD_IOC_CANCEL, (unsigned long)job_id) < 0)
		return -errno;
	return 0;
}
