// SPDX-License-Identifier: GPL-2.0
/*
 * copyoffload: asynchronous jobs (COPYOFFLOAD_IOC_SUBMIT, _WAIT, _CANCEL).
 *
 * A job is a COPY or DEDUPE request that request.c read, checked and
 * snapshotted (ranges and files) in the submitter's context; a worker of
 * co_wq runs it in bounded steps (co_req_step()), queueing itself again
 * between steps, so a long job holds no worker and can be cancelled
 * between any two steps of its work.  The worker works as the submitter
 * would: with its credentials (override_creds()), its RLIMIT_FSIZE (taken
 * into the request's co_stats), its block cgroup (the I/O a kernel copy
 * issues is throttled and accounted as the submitter's) and memory cgroup
 * (page cache and allocations charged to it).
 *
 * Lifetimes.  A job belongs to the open file of /dev/copyoffload that
 * submitted it (struct co_owner): its id is known to that file only (WAIT
 * and CANCEL through another file are ENOENT), and release() cancels every
 * job of the file, waits for it and frees it.  That wait is killable: a
 * job may wait for the closing process itself (a FUSE server that copies
 * its own files and then closes the device), so a process killed there
 * leaves its jobs orphaned, cancelled, to free themselves when their step
 * ends.  Module unload waits for those (destroy_workqueue() drains co_wq);
 * a file open holds the module, so no other job can outlive it.  The
 * results stay in kernel memory until WAIT copies them out and reaps the
 * job; until then the job counts against its user's limit
 * (max_jobs_per_user), which bounds the memory and file references one
 * user can pin (COPYOFFLOAD_JOB_MAX_RANGES ranges each).
 *
 * Locking: co_jobs_lock (a mutex) protects the id table, every owner's
 * list and each job's owner/claimed fields.  A job's counters are written
 * by its worker only and read racily (READ_ONCE) by queries and progress
 * events.  A job is freed when its last reference goes: the table's, and
 * one per WAIT that waits on it.  Its events are sent from its worker
 * (done) and from its progress work (progress), which never run at once
 * (co_job_finish() cancels the latter synchronously first), so a job's
 * event numbers (seq) are in order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/completion.h>
#include <linux/cred.h>
#include <linux/kref.h>
#include <linux/kthread.h>
#include <linux/memcontrol.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "copyoffload.h"

unsigned int co_max_jobs_per_user = 16;
module_param_named(max_jobs_per_user, co_max_jobs_per_user, uint, 0644);
MODULE_PARM_DESC(max_jobs_per_user, "Jobs one user may have, running or not reaped (default 16, 0: no jobs)");

static unsigned int co_job_progress_ms = 250;
module_param_named(job_progress_ms, co_job_progress_ms, uint, 0644);
MODULE_PARM_DESC(job_progress_ms, "Least time between two progress events of a job (default 250 ms, 0: none)");

struct co_owner {
	struct list_head jobs;		/* under co_jobs_lock */
};

struct co_job {
	struct kref ref;
	u32 id;
	struct co_owner *owner;		/* NULL once reaped */
	struct list_head node;		/* in owner->jobs */
	bool claimed;			/* a WAIT is handing it over */
	bool orphan;			/* its file is gone: it frees itself */
	bool finished;			/* past its last step */
	kuid_t uid;
	struct pid *pid;
	const struct cred *cred;
	struct cgroup_subsys_state *blkcg, *memcg;
	struct co_req *cr;
	u32 state;			/* COPYOFFLOAD_JOB_* */
	u64 start_ns, end_ns;
	u32 seq;			/* events sent */
	u64 sent_bytes;			/* as the last progress event said */
	u32 sent_ranges;
	struct work_struct work;
	struct delayed_work progress;
	struct completion done;
};

static DEFINE_MUTEX(co_jobs_lock);
static DEFINE_XARRAY_ALLOC1(co_jobs);
static u32 co_jobs_next;
static struct workqueue_struct *co_wq;

static void co_job_cgroups_get(struct co_job *job)
{
#ifdef CONFIG_BLK_CGROUP
	job->blkcg = task_get_css(current, io_cgrp_id);
#endif
#ifdef CONFIG_MEMCG
	job->memcg = task_get_css(current, memory_cgrp_id);
#endif
}

static void co_job_release(struct kref *ref)
{
	struct co_job *job = container_of(ref, struct co_job, ref);

	co_req_free(job->cr);
	if (job->blkcg)
		css_put(job->blkcg);
	if (job->memcg)
		css_put(job->memcg);
	put_pid(job->pid);
	put_cred(job->cred);
	kfree(job);
}

static void co_job_put(struct co_job *job)
{
	kref_put(&job->ref, co_job_release);
}

/* The worker's context for a step: the submitter's cgroups. */
struct co_cg {
	struct mem_cgroup *memcg;
};

static void co_cg_enter(const struct co_job *job, struct co_cg *cg)
{
	if (job->blkcg)
		kthread_associate_blkcg(job->blkcg);
#ifdef CONFIG_MEMCG
	if (job->memcg)
		cg->memcg = set_active_memcg(mem_cgroup_from_css(job->memcg));
#endif
}

static void co_cg_leave(const struct co_job *job, struct co_cg *cg)
{
#ifdef CONFIG_MEMCG
	if (job->memcg)
		set_active_memcg(cg->memcg);
#endif
	if (job->blkcg)
		kthread_associate_blkcg(NULL);
}

/*
 * What queries and events show of JOB.  The submitter's pid is shown as
 * the caller of this function sees it (a query runs in the asker's
 * context; events do not carry it).
 */
static void co_job_view(const struct co_job *job, struct co_job_view *v)
{
	u64 end = READ_ONCE(job->end_ns);

	v->id = job->id;
	v->state = READ_ONCE(job->state);
	v->uid = job->uid;
	v->pid = pid_vnr(job->pid);
	v->elapsed_ns = (end ? end : ktime_get_ns()) - job->start_ns;
	co_req_progress(job->cr, &v->p);
}

static void co_job_progress_arm(struct co_job *job)
{
	unsigned int ms = READ_ONCE(co_job_progress_ms);

	if (ms)
		queue_delayed_work(system_wq, &job->progress,
				   msecs_to_jiffies(ms));
}

/* A running job's progress event, when its counters moved. */
static void co_job_progress(struct work_struct *work)
{
	struct co_job *job = container_of(to_delayed_work(work),
					  struct co_job, progress);
	struct co_job_view v;

	co_job_view(job, &v);
	if (v.p.bytes_done != job->sent_bytes ||
	    v.p.ranges_done != job->sent_ranges) {
		job->sent_bytes = v.p.bytes_done;
		job->sent_ranges = v.p.ranges_done;
		v.pid = 0;
		co_genl_event(&v, NULL, ++job->seq);
	}
	co_job_progress_arm(job);
}

static void co_job_reap(struct co_job *job);

static void co_job_finish(struct co_job *job)
{
	struct co_job_view v;
	bool orphan;

	cancel_delayed_work_sync(&job->progress);
	co_req_put_files(job->cr);
	WRITE_ONCE(job->end_ns, ktime_get_ns());
	WRITE_ONCE(job->state, COPYOFFLOAD_JOB_DONE);
	co_job_view(job, &v);
	v.pid = 0;
	co_genl_event(&v, job->cr, ++job->seq);

	/* whoever frees the job decides here, under the lock */
	mutex_lock(&co_jobs_lock);
	job->finished = true;
	orphan = job->orphan;
	mutex_unlock(&co_jobs_lock);
	/* the last touch of the job unless orphaned: a WAIT may free it */
	complete_all(&job->done);
	if (orphan)
		co_job_reap(job);
}

static void co_job_work(struct work_struct *work)
{
	struct co_job *job = container_of(work, struct co_job, work);
	const struct cred *old;
	struct co_cg cg = {};
	bool done;

	if (READ_ONCE(job->state) == COPYOFFLOAD_JOB_QUEUED) {
		WRITE_ONCE(job->state, COPYOFFLOAD_JOB_RUNNING);
		co_job_progress_arm(job);
	}
	old = override_creds(job->cred);
	co_cg_enter(job, &cg);
	done = co_req_step(job->cr);
	co_cg_leave(job, &cg);
	revert_creds(old);
	if (done)
		co_job_finish(job);
	else
		queue_work(co_wq, &job->work);
}

/* Jobs of UID in the table (co_jobs_lock held). */
static unsigned int co_user_jobs(kuid_t uid)
{
	struct co_job *job;
	unsigned long id;
	unsigned int n = 0;

	xa_for_each(&co_jobs, id, job)
		if (uid_eq(job->uid, uid))
			n++;
	return n;
}

long co_ioctl_submit(struct co_owner *ow, void __user *arg)
{
	struct co_job *job;
	struct co_req *cr;
	u32 id;
	int ret;

	cr = co_req_submit(arg, &ret);
	if (!cr)
		return ret;
	job = kzalloc(sizeof(*job), GFP_KERNEL_ACCOUNT);
	if (!job) {
		co_req_free(cr);
		return -ENOMEM;
	}
	kref_init(&job->ref);
	INIT_LIST_HEAD(&job->node);
	INIT_WORK(&job->work, co_job_work);
	INIT_DELAYED_WORK(&job->progress, co_job_progress);
	init_completion(&job->done);
	job->cr = cr;
	job->uid = current_euid();
	job->pid = get_pid(task_tgid(current));
	job->cred = get_current_cred();
	co_job_cgroups_get(job);
	job->state = COPYOFFLOAD_JOB_QUEUED;
	job->start_ns = ktime_get_ns();

	mutex_lock(&co_jobs_lock);
	if (co_user_jobs(job->uid) >= READ_ONCE(co_max_jobs_per_user))
		ret = -EAGAIN;
	else
		ret = xa_alloc_cyclic(&co_jobs, &id, job, XA_LIMIT(1, INT_MAX),
				      &co_jobs_next, GFP_KERNEL);
	if (ret >= 0) {
		job->id = id;
		job->owner = ow;
		list_add_tail(&job->node, &ow->jobs);
	}
	mutex_unlock(&co_jobs_lock);
	if (ret < 0) {
		co_job_put(job);
		return ret == -EBUSY ? -EAGAIN : ret;
	}
	queue_work(co_wq, &job->work);
	return id;
}

/* Take JOB out of the table and its owner's list; drop the table's ref. */
static void co_job_reap(struct co_job *job)
{
	mutex_lock(&co_jobs_lock);
	xa_erase(&co_jobs, job->id);
	list_del_init(&job->node);
	job->owner = NULL;
	mutex_unlock(&co_jobs_lock);
	co_job_put(job);
}

/* A reference to job ID of OW, not being reaped; NULL: ENOENT. */
static struct co_job *co_owner_job(struct co_owner *ow, u32 id)
{
	struct co_job *job;

	mutex_lock(&co_jobs_lock);
	job = xa_load(&co_jobs, id);
	if (job && (job->owner != ow || job->claimed))
		job = NULL;
	if (job)
		kref_get(&job->ref);
	mutex_unlock(&co_jobs_lock);
	return job;
}

long co_ioctl_wait(struct co_owner *ow, void __user *arg)
{
	struct copyoffload_wait w;
	struct co_job *job;
	u32 usize;
	int ret;

	if (get_user(usize, (u32 __user *)arg))
		return -EFAULT;
	if (usize < COPYOFFLOAD_WAIT_SIZE_VER0)
		return -EINVAL;
	if (usize > CO_MAX_STRUCT_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(&w, sizeof(w), arg, usize);
	if (ret)
		return ret;
	if ((w.flags & ~COPYOFFLOAD_WAIT_F_NOHANG) || w.reserved)
		return -EINVAL;

	job = co_owner_job(ow, w.job_id);
	if (!job)
		return -ENOENT;
	if (w.flags & COPYOFFLOAD_WAIT_F_NOHANG)
		ret = completion_done(&job->done) ? 0 : -EAGAIN;
	else if (wait_for_completion_interruptible(&job->done))
		ret = -EINTR;
	if (ret)
		goto out;

	/* one WAIT hands the job over; another that waited too gets ENOENT */
	mutex_lock(&co_jobs_lock);
	if (job->claimed || !job->owner)
		ret = -ENOENT;
	else
		job->claimed = true;
	mutex_unlock(&co_jobs_lock);
	if (ret)
		goto out;

	/* the caller's memory may fault for long: no lock held here */
	if (w.req)
		ret = co_req_wait_out(job->cr, u64_to_user_ptr(w.req));
	if (ret) {
		mutex_lock(&co_jobs_lock);
		job->claimed = false;
		mutex_unlock(&co_jobs_lock);
		goto out;
	}
	co_job_reap(job);
out:
	co_job_put(job);
	return ret;
}

long co_ioctl_cancel(struct co_owner *ow, unsigned long id)
{
	struct co_job *job;

	if (id > U32_MAX)
		return -ENOENT;
	job = co_owner_job(ow, id);
	if (!job)
		return -ENOENT;
	co_req_cancel(job->cr);
	co_job_put(job);
	return 0;
}

/* Whether a caller of UID (ALL: with CAP_SYS_ADMIN) may see JOB. */
static bool co_job_visible(const struct co_job *job, kuid_t uid, bool all)
{
	return all || uid_eq(job->uid, uid);
}

int co_job_cancel_id(u32 id, kuid_t uid, bool all)
{
	struct co_job *job;
	int ret = -ENOENT;

	mutex_lock(&co_jobs_lock);
	job = xa_load(&co_jobs, id);
	if (job && co_job_visible(job, uid, all)) {
		co_req_cancel(job->cr);
		ret = 0;
	}
	mutex_unlock(&co_jobs_lock);
	return ret;
}

int co_job_view_id(u32 id, kuid_t uid, bool all, struct co_job_view *v)
{
	struct co_job *job;
	int ret = -ENOENT;

	mutex_lock(&co_jobs_lock);
	job = xa_load(&co_jobs, id);
	if (job && co_job_visible(job, uid, all)) {
		co_job_view(job, v);
		ret = 0;
	}
	mutex_unlock(&co_jobs_lock);
	return ret;
}

/*
 * VISIT every job UID may see, in id order from FIRST on, until it
 * returns non-zero; *NEXT is then the id it stopped at.
 */
int co_jobs_visit(u32 first, kuid_t uid, bool all, co_job_visit_t visit,
		  void *ctx, u32 *next)
{
	struct co_job_view v;
	struct co_job *job;
	unsigned long id = first;
	int ret = 0;

	mutex_lock(&co_jobs_lock);
	xa_for_each_start(&co_jobs, id, job, first) {
		if (!co_job_visible(job, uid, all))
			continue;
		co_job_view(job, &v);
		ret = visit(&v, ctx);
		if (ret) {
			*next = id;
			break;
		}
	}
	mutex_unlock(&co_jobs_lock);
	return ret;
}

struct co_owner *co_owner_new(void)
{
	struct co_owner *ow = kzalloc(sizeof(*ow), GFP_KERNEL_ACCOUNT);

	if (ow)
		INIT_LIST_HEAD(&ow->jobs);
	return ow;
}

/*
 * The owning file is closed: cancel its jobs, wait for each to stop (its
 * current step ends: a storage command in flight is waited for) and drop
 * them with their results.
 */
void co_owner_release(struct co_owner *ow)
{
	struct co_job *job, *tmp;
	LIST_HEAD(jobs);
	bool orphan;

	mutex_lock(&co_jobs_lock);
	list_for_each_entry(job, &ow->jobs, node) {
		co_req_cancel(job->cr);
		job->claimed = true;
	}
	list_splice_init(&ow->jobs, &jobs);
	mutex_unlock(&co_jobs_lock);

	list_for_each_entry_safe(job, tmp, &jobs, node) {
		if (!wait_for_completion_killable(&job->done)) {
			co_job_reap(job);
			continue;
		}
		/* killed: the job frees itself once it has finished */
		mutex_lock(&co_jobs_lock);
		list_del_init(&job->node);
		job->owner = NULL;
		job->orphan = !job->finished;
		orphan = job->orphan;
		mutex_unlock(&co_jobs_lock);
		if (orphan)
			continue;
		/* its worker is past deciding: only complete_all() is left */
		wait_for_completion(&job->done);
		co_job_reap(job);
	}
	kfree(ow);
}

int co_jobs_init(void)
{
	/*
	 * Unbound: a step may wait for a storage command for long.
	 * Freezable: a job pauses between steps across suspend.
	 */
	co_wq = alloc_workqueue("copyoffload", WQ_UNBOUND | WQ_FREEZABLE, 0);
	return co_wq ? 0 : -ENOMEM;
}

void co_jobs_exit(void)
{
	/* every owning file is closed: every job was reaped */
	WARN_ON(!xa_empty(&co_jobs));
	destroy_workqueue(co_wq);
}
