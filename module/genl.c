// SPDX-License-Identifier: GPL-2.0
/*
 * copyoffload: the generic netlink family of jobs (COPYOFFLOAD_GENL_NAME):
 * queries, cancellation and events.  The uapi header documents the
 * commands and attributes.
 *
 * Who sees what.  A job is visible to the effective uid that submitted it
 * and to CAP_SYS_ADMIN (netlink_capable(): the socket's opener and the
 * sender both need it).  Queries run in the asker's context, so its uid is
 * current_euid().  Events cannot use a multicast group: before 6.7 any user
 * may join any generic netlink group (GENL_MCAST_CAP_* came later), and
 * progress of one user's copies is no business of another's.  So a socket
 * subscribes (COPYOFFLOAD_CMD_SUBSCRIBE), its uid is recorded, and events
 * are unicast to the subscriptions of the job's uid.  A subscription ends
 * with its socket (NETLINK_URELEASE notifier): no later socket that happens
 * to get the same port id can receive another user's events.
 *
 * Events are sent with bottom halves disabled under co_subs_lock (the
 * notifier runs in atomic context; netlink_unicast() then allocates
 * atomically and never sleeps).  A subscriber that reads too slowly loses
 * events (ENOBUFS on its socket); the event numbers (A_JOB_SEQ) say which.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netlink.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "copyoffload.h"

/* Subscriptions one user may hold. */
#define CO_SUBS_PER_USER	16

struct co_sub {
	struct list_head node;
	struct net *net;	/* no reference: the socket's, gone with it */
	u32 portid;
	kuid_t uid;
	bool all;		/* every user's jobs (CAP_SYS_ADMIN) */
};

static LIST_HEAD(co_subs);
static DEFINE_SPINLOCK(co_subs_lock);

static struct genl_family co_genl_family;

static const struct nla_policy co_genl_policy[COPYOFFLOAD_A_MAX + 1] = {
	[COPYOFFLOAD_A_JOB_ID]		= { .type = NLA_U32 },
	[COPYOFFLOAD_A_SUBSCRIBE_ALL]	= { .type = NLA_FLAG },
};

/* The attributes every message about a job carries. */
static int co_genl_put_job(struct sk_buff *msg, const struct co_job_view *v)
{
	const struct co_progress *p = &v->p;
	struct nlattr *nest;
	u32 m;

	if (nla_put_u32(msg, COPYOFFLOAD_A_JOB_ID, v->id) ||
	    nla_put_u32(msg, COPYOFFLOAD_A_JOB_STATE, v->state) ||
	    nla_put_u32(msg, COPYOFFLOAD_A_JOB_OP, p->op) ||
	    nla_put_u64_64bit(msg, COPYOFFLOAD_A_JOB_FLAGS, p->flags,
			      COPYOFFLOAD_A_PAD) ||
	    nla_put_u32(msg, COPYOFFLOAD_A_JOB_NR_RANGES, p->nr_ranges) ||
	    nla_put_u32(msg, COPYOFFLOAD_A_JOB_RANGES_DONE, p->ranges_done) ||
	    nla_put_u64_64bit(msg, COPYOFFLOAD_A_JOB_BYTES_DONE, p->bytes_done,
			      COPYOFFLOAD_A_PAD) ||
	    nla_put_u64_64bit(msg, COPYOFFLOAD_A_JOB_BYTES_TOTAL,
			      p->bytes_total, COPYOFFLOAD_A_PAD) ||
	    nla_put_u64_64bit(msg, COPYOFFLOAD_A_JOB_ELAPSED_NS, v->elapsed_ns,
			      COPYOFFLOAD_A_PAD))
		return -EMSGSIZE;
	/* no method has moved anything before the first byte */
	if (p->bytes_done &&
	    nla_put_u32(msg, COPYOFFLOAD_A_JOB_METHOD, p->method))
		return -EMSGSIZE;
	if (v->state == COPYOFFLOAD_JOB_DONE &&
	    nla_put_u32(msg, COPYOFFLOAD_A_JOB_STOP, p->stop))
		return -EMSGSIZE;
	nest = nla_nest_start(msg, COPYOFFLOAD_A_JOB_METHOD_BYTES);
	if (!nest)
		return -EMSGSIZE;
	for (m = 0; m < CO_METHOD_NR; m++)
		if (nla_put_u64_64bit(msg, m + 1, p->method_bytes[m],
				      COPYOFFLOAD_A_PAD))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* A query's answer: what events carry, and who submitted the job. */
static int co_genl_put_query(struct sk_buff *msg, const struct co_job_view *v)
{
	if (co_genl_put_job(msg, v) ||
	    nla_put_u32(msg, COPYOFFLOAD_A_JOB_UID,
			from_kuid_munged(current_user_ns(), v->uid)) ||
	    nla_put_u32(msg, COPYOFFLOAD_A_JOB_PID, v->pid))
		return -EMSGSIZE;
	return 0;
}

static int co_genl_get(struct sk_buff *skb, struct genl_info *info)
{
	bool all = netlink_capable(skb, CAP_SYS_ADMIN);
	struct co_job_view v;
	struct sk_buff *msg;
	void *hdr;
	int ret;

	if (!info->attrs[COPYOFFLOAD_A_JOB_ID]) {
		NL_SET_ERR_MSG(info->extack, "job id missing (dump for all)");
		return -EINVAL;
	}
	ret = co_job_view_id(nla_get_u32(info->attrs[COPYOFFLOAD_A_JOB_ID]),
			     current_euid(), all, &v);
	if (ret)
		return ret;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &co_genl_family, 0,
				COPYOFFLOAD_CMD_JOB_GET);
	if (!hdr || co_genl_put_query(msg, &v)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

struct co_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
};

static int co_genl_dump_one(const struct co_job_view *v, void *ctx)
{
	struct co_dump *d = ctx;
	void *hdr;

	hdr = genlmsg_put(d->skb, NETLINK_CB(d->cb->skb).portid,
			  d->cb->nlh->nlmsg_seq, &co_genl_family, NLM_F_MULTI,
			  COPYOFFLOAD_CMD_JOB_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (co_genl_put_query(d->skb, v)) {
		genlmsg_cancel(d->skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(d->skb, hdr);
	return 0;
}

/* cb->args[0]: the id to go on from; args[1]: every job was sent. */
static int co_genl_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct co_dump d = { .skb = skb, .cb = cb };
	u32 next = 0;
	int ret;

	if (cb->args[1])
		return 0;
	ret = co_jobs_visit(cb->args[0], current_euid(),
			    netlink_capable(cb->skb, CAP_SYS_ADMIN),
			    co_genl_dump_one, &d, &next);
	if (ret == -EMSGSIZE && skb->len) {
		cb->args[0] = next;
		return skb->len;
	}
	if (ret)
		return ret;
	cb->args[1] = 1;
	return skb->len;
}

static int co_genl_cancel(struct sk_buff *skb, struct genl_info *info)
{
	if (!info->attrs[COPYOFFLOAD_A_JOB_ID]) {
		NL_SET_ERR_MSG(info->extack, "job id missing");
		return -EINVAL;
	}
	return co_job_cancel_id(nla_get_u32(info->attrs[COPYOFFLOAD_A_JOB_ID]),
				current_euid(),
				netlink_capable(skb, CAP_SYS_ADMIN));
}

static struct co_sub *co_sub_find(struct net *net, u32 portid)
{
	struct co_sub *s;

	list_for_each_entry(s, &co_subs, node)
		if (s->portid == portid && net_eq(s->net, net))
			return s;
	return NULL;
}

static int co_genl_subscribe(struct sk_buff *skb, struct genl_info *info)
{
	bool all = nla_get_flag(info->attrs[COPYOFFLOAD_A_SUBSCRIBE_ALL]);
	struct net *net = genl_info_net(info);
	struct co_sub *s, *new;
	unsigned int n = 0;
	int ret = 0;

	if (all && !netlink_capable(skb, CAP_SYS_ADMIN))
		return -EPERM;
	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;
	new->net = net;
	new->portid = info->snd_portid;
	new->uid = current_euid();
	new->all = all;

	spin_lock_bh(&co_subs_lock);
	s = co_sub_find(net, new->portid);
	if (s) {
		/* subscribing again changes only ALL */
		s->all = all;
		goto unlock;
	}
	list_for_each_entry(s, &co_subs, node)
		if (uid_eq(s->uid, new->uid))
			n++;
	if (n >= CO_SUBS_PER_USER) {
		ret = -ENOSPC;
		goto unlock;
	}
	list_add_tail(&new->node, &co_subs);
	new = NULL;
unlock:
	spin_unlock_bh(&co_subs_lock);
	kfree(new);
	return ret;
}

static int co_genl_unsubscribe(struct sk_buff *skb, struct genl_info *info)
{
	struct co_sub *s;

	spin_lock_bh(&co_subs_lock);
	s = co_sub_find(genl_info_net(info), info->snd_portid);
	if (s)
		list_del(&s->node);
	spin_unlock_bh(&co_subs_lock);
	if (!s)
		return -ENOENT;
	kfree(s);
	return 0;
}

static int co_genl_urelease(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct netlink_notify *n = ptr;
	struct co_sub *s;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	spin_lock_bh(&co_subs_lock);
	s = co_sub_find(n->net, n->portid);
	if (s)
		list_del(&s->node);
	spin_unlock_bh(&co_subs_lock);
	kfree(s);
	return NOTIFY_DONE;
}

static struct notifier_block co_genl_notifier = {
	.notifier_call = co_genl_urelease,
};

/* The DONE event's part: the first failure and the ranges' outputs. */
static int co_genl_put_done(struct sk_buff *msg, const struct co_req *cr,
			    u32 nr)
{
	struct nlattr *ranges, *range;
	u64 bytes;
	s32 status;
	u32 i, methods;

	for (i = 0; i < nr; i++) {
		co_req_range_out(cr, i, &bytes, &status, &methods);
		if (status < 0) {
			if (nla_put_s32(msg, COPYOFFLOAD_A_JOB_ERROR, status) ||
			    nla_put_u32(msg, COPYOFFLOAD_A_JOB_ERROR_RANGE, i))
				return -EMSGSIZE;
			break;
		}
	}
	ranges = nla_nest_start(msg, COPYOFFLOAD_A_JOB_RANGES);
	if (!ranges)
		return -EMSGSIZE;
	for (i = 0; i < min_t(u32, nr, COPYOFFLOAD_EVENT_MAX_RANGES); i++) {
		co_req_range_out(cr, i, &bytes, &status, &methods);
		range = nla_nest_start(msg, COPYOFFLOAD_A_RANGE);
		if (!range ||
		    nla_put_u32(msg, COPYOFFLOAD_A_RANGE_INDEX, i) ||
		    nla_put_u64_64bit(msg, COPYOFFLOAD_A_RANGE_BYTES_DONE,
				      bytes, COPYOFFLOAD_A_PAD) ||
		    nla_put_s32(msg, COPYOFFLOAD_A_RANGE_STATUS, status) ||
		    nla_put_u32(msg, COPYOFFLOAD_A_RANGE_METHODS, methods))
			return -EMSGSIZE;
		nla_nest_end(msg, range);
	}
	nla_nest_end(msg, ranges);
	if (nr > COPYOFFLOAD_EVENT_MAX_RANGES &&
	    nla_put_flag(msg, COPYOFFLOAD_A_JOB_RANGES_TRUNCATED))
		return -EMSGSIZE;
	return 0;
}

/* Bytes a range takes in the DONE event: a nest of four attributes. */
#define CO_EVENT_RANGE_SIZE	(nla_total_size(0) + 2 * nla_total_size(4) + \
				 nla_total_size(4) + nla_total_size_64bit(8))

/*
 * The event about job V (DONE: its request, finished; NULL: progress) to
 * every subscription that may see it.  An event that cannot be built is
 * not sent (the subscriber sees the gap in SEQ).
 */
void co_genl_event(const struct co_job_view *v, const struct co_req *done,
		   u32 seq)
{
	u32 nr = done ? min_t(u32, v->p.nr_ranges,
			      COPYOFFLOAD_EVENT_MAX_RANGES) : 0;
	struct sk_buff *msg, *c;
	struct co_sub *s;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE + nr * CO_EVENT_RANGE_SIZE,
			  GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &co_genl_family, 0,
			  done ? COPYOFFLOAD_CMD_EVENT_DONE :
				 COPYOFFLOAD_CMD_EVENT_PROGRESS);
	/* whose job: for CAP_SYS_ADMIN's subscriptions to every user's */
	if (!hdr || co_genl_put_job(msg, v) ||
	    nla_put_u32(msg, COPYOFFLOAD_A_JOB_UID,
			from_kuid_munged(&init_user_ns, v->uid)) ||
	    nla_put_u32(msg, COPYOFFLOAD_A_JOB_SEQ, seq) ||
	    (done && co_genl_put_done(msg, done, v->p.nr_ranges))) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);

	spin_lock_bh(&co_subs_lock);
	list_for_each_entry(s, &co_subs, node) {
		if (!s->all && !uid_eq(s->uid, v->uid))
			continue;
		c = skb_clone(msg, GFP_ATOMIC);
		if (c)
			genlmsg_unicast(s->net, c, s->portid);
	}
	spin_unlock_bh(&co_subs_lock);
	nlmsg_free(msg);
}

static const struct genl_small_ops co_genl_ops[] = {
	{
		.cmd	= COPYOFFLOAD_CMD_JOB_GET,
		.doit	= co_genl_get,
		.dumpit	= co_genl_dump,
	},
	{
		.cmd	= COPYOFFLOAD_CMD_JOB_CANCEL,
		.doit	= co_genl_cancel,
	},
	{
		.cmd	= COPYOFFLOAD_CMD_SUBSCRIBE,
		.doit	= co_genl_subscribe,
	},
	{
		.cmd	= COPYOFFLOAD_CMD_UNSUBSCRIBE,
		.doit	= co_genl_unsubscribe,
	},
};

static struct genl_family co_genl_family __ro_after_init = {
	.name		= COPYOFFLOAD_GENL_NAME,
	.version	= COPYOFFLOAD_GENL_VERSION,
	.maxattr	= COPYOFFLOAD_A_MAX,
	.policy		= co_genl_policy,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.small_ops	= co_genl_ops,
	.n_small_ops	= ARRAY_SIZE(co_genl_ops),
};

int co_genl_init(void)
{
	int ret;

	ret = netlink_register_notifier(&co_genl_notifier);
	if (ret)
		return ret;
	ret = genl_register_family(&co_genl_family);
	if (ret)
		netlink_unregister_notifier(&co_genl_notifier);
	return ret;
}

void co_genl_exit(void)
{
	struct co_sub *s, *tmp;

	genl_unregister_family(&co_genl_family);
	netlink_unregister_notifier(&co_genl_notifier);
	list_for_each_entry_safe(s, tmp, &co_subs, node)
		kfree(s);
}
