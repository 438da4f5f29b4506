// SPDX-License-Identifier: MIT
/*
 * libcopyoffload: the module's generic netlink family (COPYOFFLOAD_GENL_NAME)
 * with libmnl: job queries, cancel by id, and the events of subscribed
 * sockets.  Every message is parsed by mnl_cb_run() and every attribute
 * checked by mnl_attr_validate() before it is read.
 *
 * Built without libmnl (make LIBMNL=no, CO_NO_LIBMNL) every function here
 * returns -ENOSYS.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#ifdef CO_NO_LIBMNL

CO_EXPORT int copyoffload_job_get(uint32_t job_id, struct copyoffload_job *job)
{
	(void)job_id;
	(void)job;
	return -ENOSYS;
}

CO_EXPORT int copyoffload_job_list(struct copyoffload_job *jobs,
				   size_t job_size, unsigned int max,
				   unsigned int *nr)
{
	(void)jobs;
	(void)job_size;
	(void)max;
	if (nr)
		*nr = 0;
	return -ENOSYS;
}

CO_EXPORT int copyoffload_job_cancel(uint32_t job_id)
{
	(void)job_id;
	return -ENOSYS;
}

CO_EXPORT int copyoffload_events_open(struct copyoffload_events **ev,
				      unsigned int flags)
{
	(void)flags;
	if (ev)
		*ev = NULL;
	return -ENOSYS;
}

CO_EXPORT int copyoffload_events_fd(const struct copyoffload_events *ev)
{
	(void)ev;
	return -ENOSYS;
}

CO_EXPORT int copyoffload_events_read(struct copyoffload_events *ev,
				      struct copyoffload_event *event)
{
	(void)ev;
	(void)event;
	return -ENOSYS;
}

CO_EXPORT void copyoffload_events_close(struct copyoffload_events *ev)
{
	(void)ev;
}

#else /* !CO_NO_LIBMNL */

#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

/* One datagram: a DONE event with COPYOFFLOAD_EVENT_MAX_RANGES ranges
 * takes about 12 KiB, a dump part at most 32 KiB.
 */
#define CO_NL_BUF	(64U << 10)

#define CO_EVENTS_ALL	(COPYOFFLOAD_EVENTS_ALL_USERS | \
			 COPYOFFLOAD_EVENTS_NONBLOCK)

/* A generic netlink socket with the family resolved. */
struct co_nl {
	struct mnl_socket *nl;
	unsigned int portid;
	unsigned int seq;
	uint16_t family;
	/* messages that are not the answer (events) are kept here when
	 * keep is set: they are read after it
	 */
	bool keep;
	char *kept;
	size_t kept_len, kept_off, kept_cap;
};

struct copyoffload_events {
	struct co_nl n;
	char *buf;		/* CO_NL_BUF bytes */
};

/* A job's attributes, as the module sent them, parsed. */
struct co_jobattrs {
	uint8_t cmd;
	uint32_t seq;
	uint32_t truncated;
	uint32_t nr_outs;
	struct copyoffload_job job;
	/* where a DONE event's range outputs go */
	char *outs;
	size_t out_size;
	uint32_t max_outs;
};

/* Attribute types: the nests' members share the space (flat). */
static const enum mnl_attr_data_type co_attr_type[COPYOFFLOAD_A_MAX + 1] = {
	[COPYOFFLOAD_A_JOB_ID] = MNL_TYPE_U32,
	[COPYOFFLOAD_A_JOB_STATE] = MNL_TYPE_U32,
	[COPYOFFLOAD_A_JOB_OP] = MNL_TYPE_U32,
	[COPYOFFLOAD_A_JOB_FLAGS] = MNL_TYPE_U64,
	[COPYOFFLOAD_A_JOB_UID] = MNL_TYPE_U32,
	[COPYOFFLOAD_A_JOB_PID] = MNL_TYPE_U32,
	[COPYOFFLOAD_A_JOB_NR_RANGES] = MNL_TYPE_U32,
	[COPYOFFLOAD_A_JOB_RANGES_DONE] = MNL_TYPE_U32,
	[COPYOFFLOAD_A_JOB_BYTES_DONE] = MNL_TYPE_U64,
	[COPYOFFLOAD_A_JOB_BYTES_TOTAL] = MNL_TYPE_U64,
	[COPYOFFLOAD_A_JOB_METHOD] = MNL_TYPE_U32,
	[COPYOFFLOAD_A_JOB_METHOD_BYTES] = MNL_TYPE_NESTED,
	[COPYOFFLOAD_A_JOB_ELAPSED_NS] = MNL_TYPE_U64,
	[COPYOFFLOAD_A_JOB_SEQ] = MNL_TYPE_U32,
	[COPYOFFLOAD_A_JOB_STOP] = MNL_TYPE_U32,
	[COPYOFFLOAD_A_JOB_ERROR] = MNL_TYPE_U32,
	[COPYOFFLOAD_A_JOB_ERROR_RANGE] = MNL_TYPE_U32,
	[COPYOFFLOAD_A_JOB_RANGES] = MNL_TYPE_NESTED,
	[COPYOFFLOAD_A_JOB_RANGES_TRUNCATED] = MNL_TYPE_FLAG,
	[COPYOFFLOAD_A_RANGE] = MNL_TYPE_NESTED,
	[COPYOFFLOAD_A_RANGE_INDEX] = MNL_TYPE_U32,
	[COPYOFFLOAD_A_RANGE_BYTES_DONE] = MNL_TYPE_U64,
	[COPYOFFLOAD_A_RANGE_STATUS] = MNL_TYPE_U32,
	[COPYOFFLOAD_A_RANGE_METHODS] = MNL_TYPE_U32,
	[COPYOFFLOAD_A_SUBSCRIBE_ALL] = MNL_TYPE_FLAG,
};

/*
 * One attribute into the table DATA (COPYOFFLOAD_A_MAX + 1 entries).  An
 * attribute of a newer module (a type past COPYOFFLOAD_A_MAX) is skipped;
 * one of a known type with the wrong size fails the message (EINVAL).
 */
static int co_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, COPYOFFLOAD_A_MAX) < 0 ||
	    co_attr_type[type] == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, co_attr_type[type]) < 0)
		return MNL_CB_ERROR;
	tb[type] = attr;
	return MNL_CB_OK;
}

static uint32_t co_u32(const struct nlattr *const *tb, int type, uint32_t def)
{
	return tb[type] ? mnl_attr_get_u32(tb[type]) : def;
}

static uint64_t co_u64(const struct nlattr *const *tb, int type)
{
	return tb[type] ? mnl_attr_get_u64(tb[type]) : 0;
}

/* COPYOFFLOAD_A_JOB_METHOD_BYTES: a u64 per method, type = method + 1. */
static int co_method_bytes_cb(const struct nlattr *attr, void *data)
{
	struct copyoffload_job *job = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (!type || type > COPYOFFLOAD_METHODS_MAX)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
		return MNL_CB_ERROR;
	job->method_bytes[type - 1] = mnl_attr_get_u64(attr);
	return MNL_CB_OK;
}

/* One COPYOFFLOAD_A_RANGE of COPYOFFLOAD_A_JOB_RANGES. */
static int co_range_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr *tb[COPYOFFLOAD_A_MAX + 1] = { NULL };
	struct co_jobattrs *ja = data;
	struct copyoffload_range_out out;

	if (mnl_attr_get_type(attr) != COPYOFFLOAD_A_RANGE)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0 ||
	    mnl_attr_parse_nested(attr, co_attr_cb, tb) < 0)
		return MNL_CB_ERROR;
	if (!tb[COPYOFFLOAD_A_RANGE_INDEX]) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	if (ja->nr_outs < ja->max_outs && ja->outs) {
		out = (struct copyoffload_range_out) {
			.index = co_u32(tb, COPYOFFLOAD_A_RANGE_INDEX, 0),
			.status = (int32_t)co_u32(tb, COPYOFFLOAD_A_RANGE_STATUS,
						  COPYOFFLOAD_STATUS_NOT_RUN),
			.bytes_done = co_u64(tb, COPYOFFLOAD_A_RANGE_BYTES_DONE),
			.methods = co_u32(tb, COPYOFFLOAD_A_RANGE_METHODS, 0),
		};
		memcpy(ja->outs + ja->nr_outs * ja->out_size, &out,
		       ja->out_size < sizeof(out) ? ja->out_size : sizeof(out));
	}
	ja->nr_outs++;
	return MNL_CB_OK;
}

static bool co_any_bytes(const struct copyoffload_job *job)
{
	unsigned int m;

	for (m = 0; m < COPYOFFLOAD_METHODS_MAX; m++)
		if (job->method_bytes[m])
			return true;
	return false;
}

/* A job's message (a GET reply, a dump part or an event) into JA. */
static int co_job_parse(const struct nlmsghdr *nlh, struct co_jobattrs *ja)
{
	const struct nlattr *tb[COPYOFFLOAD_A_MAX + 1] = { NULL };
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	struct copyoffload_job *job = &ja->job;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*genl)) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	if (mnl_attr_parse(nlh, sizeof(*genl), co_attr_cb, tb) < 0)
		return MNL_CB_ERROR;
	if (!tb[COPYOFFLOAD_A_JOB_ID]) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	ja->cmd = genl->cmd;
	memset(job, 0, sizeof(*job));
	job->size = sizeof(*job);
	job->job_id = co_u32(tb, COPYOFFLOAD_A_JOB_ID, 0);
	job->state = co_u32(tb, COPYOFFLOAD_A_JOB_STATE, 0);
	job->op = co_u32(tb, COPYOFFLOAD_A_JOB_OP, 0);
	job->flags = co_u64(tb, COPYOFFLOAD_A_JOB_FLAGS);
	job->uid = co_u32(tb, COPYOFFLOAD_A_JOB_UID, 0);
	job->pid = co_u32(tb, COPYOFFLOAD_A_JOB_PID, 0);
	job->nr_ranges = co_u32(tb, COPYOFFLOAD_A_JOB_NR_RANGES, 0);
	job->ranges_done = co_u32(tb, COPYOFFLOAD_A_JOB_RANGES_DONE, 0);
	job->bytes_done = co_u64(tb, COPYOFFLOAD_A_JOB_BYTES_DONE);
	job->bytes_total = co_u64(tb, COPYOFFLOAD_A_JOB_BYTES_TOTAL);
	job->method = co_u32(tb, COPYOFFLOAD_A_JOB_METHOD,
			     COPYOFFLOAD_JOB_NO_METHOD);
	job->stop = co_u32(tb, COPYOFFLOAD_A_JOB_STOP, 0);
	job->error = (int32_t)co_u32(tb, COPYOFFLOAD_A_JOB_ERROR, 0);
	job->error_range = co_u32(tb, COPYOFFLOAD_A_JOB_ERROR_RANGE, 0);
	job->elapsed_ns = co_u64(tb, COPYOFFLOAD_A_JOB_ELAPSED_NS);
	ja->seq = co_u32(tb, COPYOFFLOAD_A_JOB_SEQ, 0);
	ja->truncated = !!tb[COPYOFFLOAD_A_JOB_RANGES_TRUNCATED];
	ja->nr_outs = 0;
	if (tb[COPYOFFLOAD_A_JOB_METHOD_BYTES] &&
	    mnl_attr_parse_nested(tb[COPYOFFLOAD_A_JOB_METHOD_BYTES],
				  co_method_bytes_cb, job) < 0)
		return MNL_CB_ERROR;
	/* the module says method 0 (clone) before any byte moved: none */
	if (!job->bytes_done && !co_any_bytes(job))
		job->method = COPYOFFLOAD_JOB_NO_METHOD;
	if (tb[COPYOFFLOAD_A_JOB_RANGES] &&
	    mnl_attr_parse_nested(tb[COPYOFFLOAD_A_JOB_RANGES], co_range_cb,
				  ja) < 0)
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

/*
 * SRC, a structure of KNOWN bytes whose leading u32 is its size, into the
 * caller's DST of SIZE bytes: as much as both know, and that much as its
 * size (the rest of a larger one is left alone).
 */
static void co_copy_sized(void *dst, const void *src, size_t size,
			  size_t known)
{
	uint32_t n = size < known ? size : known;

	memcpy(dst, src, n);
	memcpy(dst, &n, sizeof(n));
}

/* --- the socket ---------------------------------------------------------- */

static void co_nl_close(struct co_nl *n)
{
	if (n->nl)
		mnl_socket_close(n->nl);
	free(n->kept);
	memset(n, 0, sizeof(*n));
}

/* Keep message NLH to be read later (an event that came before an ack). */
static int co_nl_keep(struct co_nl *n, const struct nlmsghdr *nlh)
{
	size_t len = NLMSG_ALIGN(nlh->nlmsg_len);
	char *p;

	if (n->kept_off == n->kept_len)
		n->kept_off = n->kept_len = 0;
	if (n->kept_len + len > n->kept_cap) {
		p = realloc(n->kept, n->kept_len + len);
		if (!p)
			return -ENOMEM;
		n->kept = p;
		n->kept_cap = n->kept_len + len;
	}
	memcpy(n->kept + n->kept_len, nlh, nlh->nlmsg_len);
	n->kept_len += len;
	return 0;
}

/*
 * Send NLH (its sequence number set here) and run CB over the answer
 * until the kernel's ack, the end of a dump or an error (its negative
 * errno).  BUF: CO_NL_BUF bytes.
 */
static int co_nl_talk(struct co_nl *n, struct nlmsghdr *nlh, char *buf,
		      mnl_cb_t cb, void *data)
{
	const struct nlmsghdr *m;
	ssize_t got;
	int len, ret;

	nlh->nlmsg_seq = ++n->seq;
	if (mnl_socket_sendto(n->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		got = mnl_socket_recvfrom(n->nl, buf, CO_NL_BUF);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		len = got;
		for (m = (const void *)buf; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != n->seq) {
				/* an event, or an answer to an older call */
				if (n->keep && !m->nlmsg_seq &&
				    (ret = co_nl_keep(n, m)) < 0)
					return ret;
				continue;
			}
			ret = mnl_cb_run(m, m->nlmsg_len, n->seq, n->portid,
					 cb, data);
			if (ret == MNL_CB_ERROR)
				return errno ? -errno : -EPROTO;
			if (ret == MNL_CB_STOP)
				return 0;
		}
	}
}

static int co_ctrl_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, CTRL_ATTR_MAX) < 0)
		return MNL_CB_OK;
	if (type == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
		return MNL_CB_ERROR;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int co_family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1] = { NULL };
	uint16_t *family = data;

	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), co_ctrl_attr_cb,
			   tb) < 0)
		return MNL_CB_ERROR;
	if (tb[CTRL_ATTR_FAMILY_ID])
		*family = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	return MNL_CB_OK;
}

/* A generic netlink message for CMD, into BUF. */
static struct nlmsghdr *co_genl_msg(char *buf, uint16_t type, uint8_t cmd,
				    uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = type == GENL_ID_CTRL ? 1 : COPYOFFLOAD_GENL_VERSION;
	return nlh;
}

/*
 * Open a socket and resolve the family: -EOPNOTSUPP when there is none
 * (the module is not loaded, or it has no jobs).
 */
static int co_nl_open(struct co_nl *n, char *buf)
{
	struct nlmsghdr *nlh;
	int ret;

	memset(n, 0, sizeof(*n));
	n->nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!n->nl)
		return -errno;
	if (mnl_socket_bind(n->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto fail;
	}
	n->portid = mnl_socket_get_portid(n->nl);
	n->seq = time(NULL);
	nlh = co_genl_msg(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, COPYOFFLOAD_GENL_NAME);
	ret = co_nl_talk(n, nlh, buf, co_family_cb, &n->family);
	if (ret == -ENOENT || (!ret && !n->family))
		ret = -EOPNOTSUPP;
	if (ret)
		goto fail;
	return 0;
fail:
	co_nl_close(n);
	return ret;
}

/* --- queries and cancel -------------------------------------------------- */

struct co_list {
	struct co_jobattrs ja;
	char *jobs;
	size_t job_size;
	unsigned int max, nr;
};

static int co_job_one_cb(const struct nlmsghdr *nlh, void *data)
{
	struct co_list *l = data;
	int ret = co_job_parse(nlh, &l->ja);

	if (ret != MNL_CB_OK)
		return ret;
	if (l->nr < l->max) {
		co_copy_sized(l->jobs + (size_t)l->nr * l->job_size,
			      &l->ja.job, l->job_size, sizeof(l->ja.job));
	}
	l->nr++;
	return MNL_CB_OK;
}

/* JOB_GET (with A_JOB_ID JOB_ID, or a dump without) into L. */
static int co_job_query(uint32_t job_id, struct co_list *l)
{
	struct nlmsghdr *nlh;
	struct co_nl n;
	char *buf;
	int ret;

	buf = malloc(CO_NL_BUF);
	if (!buf)
		return -ENOMEM;
	ret = co_nl_open(&n, buf);
	if (ret)
		goto out;
	nlh = co_genl_msg(buf, n.family, COPYOFFLOAD_CMD_JOB_GET,
			  job_id ? NLM_F_ACK : NLM_F_DUMP);
	if (job_id)
		mnl_attr_put_u32(nlh, COPYOFFLOAD_A_JOB_ID, job_id);
	ret = co_nl_talk(&n, nlh, buf, co_job_one_cb, l);
	co_nl_close(&n);
out:
	free(buf);
	return ret;
}

CO_EXPORT int copyoffload_job_get(uint32_t job_id, struct copyoffload_job *job)
{
	struct co_list l;
	int ret;

	if (!job_id || !job || job->size < COPYOFFLOAD_JOB_SIZE_VER0)
		return -EINVAL;
	l = (struct co_list) { .jobs = (char *)job, .job_size = job->size,
			       .max = 1 };
	ret = co_job_query(job_id, &l);
	if (!ret && l.nr != 1)
		ret = l.nr ? -EPROTO : -ENOENT;
	return ret;
}

CO_EXPORT int copyoffload_job_list(struct copyoffload_job *jobs,
				   size_t job_size, unsigned int max,
				   unsigned int *nr)
{
	struct co_list l;
	int ret;

	if (!nr)
		return -EINVAL;
	*nr = 0;
	if ((max && !jobs) || job_size < COPYOFFLOAD_JOB_SIZE_VER0 ||
	    job_size > UINT32_MAX || job_size % 8)
		return -EINVAL;
	l = (struct co_list) { .jobs = (char *)jobs, .job_size = job_size,
			       .max = max };
	ret = co_job_query(0, &l);
	if (!ret)
		*nr = l.nr;
	return ret;
}

static int co_ack_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

CO_EXPORT int copyoffload_job_cancel(uint32_t job_id)
{
	struct nlmsghdr *nlh;
	struct co_nl n;
	char *buf;
	int ret;

	if (!job_id)
		return -EINVAL;
	buf = malloc(CO_NL_BUF);
	if (!buf)
		return -ENOMEM;
	ret = co_nl_open(&n, buf);
	if (!ret) {
		nlh = co_genl_msg(buf, n.family, COPYOFFLOAD_CMD_JOB_CANCEL,
				  NLM_F_ACK);
		mnl_attr_put_u32(nlh, COPYOFFLOAD_A_JOB_ID, job_id);
		ret = co_nl_talk(&n, nlh, buf, co_ack_cb, NULL);
		co_nl_close(&n);
	}
	free(buf);
	return ret;
}

/* --- events -------------------------------------------------------------- */

CO_EXPORT int copyoffload_events_open(struct copyoffload_events **evp,
				      unsigned int flags)
{
	struct copyoffload_events *ev;
	struct nlmsghdr *nlh;
	int ret, fl;

	if (!evp)
		return -EINVAL;
	*evp = NULL;
	if (flags & ~CO_EVENTS_ALL)
		return -EINVAL;
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	ev->buf = malloc(CO_NL_BUF);
	if (!ev->buf) {
		free(ev);
		return -ENOMEM;
	}
	ret = co_nl_open(&ev->n, ev->buf);
	if (ret)
		goto fail;
	/* events may come between the subscription and its ack */
	ev->n.keep = true;
	nlh = co_genl_msg(ev->buf, ev->n.family, COPYOFFLOAD_CMD_SUBSCRIBE,
			  NLM_F_ACK);
	if (flags & COPYOFFLOAD_EVENTS_ALL_USERS)
		mnl_attr_put(nlh, COPYOFFLOAD_A_SUBSCRIBE_ALL, 0, NULL);
	ret = co_nl_talk(&ev->n, nlh, ev->buf, co_ack_cb, NULL);
	if (ret)
		goto fail;
	if (flags & COPYOFFLOAD_EVENTS_NONBLOCK) {
		fl = fcntl(mnl_socket_get_fd(ev->n.nl), F_GETFL);
		if (fl < 0 || fcntl(mnl_socket_get_fd(ev->n.nl), F_SETFL,
				    fl | O_NONBLOCK) < 0) {
			ret = -errno;
			goto fail;
		}
	}
	*evp = ev;
	return 0;
fail:
	copyoffload_events_close(ev);
	return ret;
}

CO_EXPORT int copyoffload_events_fd(const struct copyoffload_events *ev)
{
	if (!ev)
		return -EINVAL;
	return mnl_socket_get_fd(ev->n.nl);
}

CO_EXPORT void copyoffload_events_close(struct copyoffload_events *ev)
{
	if (!ev)
		return;
	if (ev->n.nl)
		co_nl_close(&ev->n);
	free(ev->buf);
	free(ev);
}

static int co_event_cb(const struct nlmsghdr *nlh, void *data)
{
	return co_job_parse(nlh, data);
}

/* The event of JA into the caller's EVENT, as much as its size holds. */
static void co_event_out(const struct co_jobattrs *ja,
			 struct copyoffload_event *event)
{
	const struct copyoffload_job *j = &ja->job;
	struct copyoffload_event e = {
		.kind = ja->cmd == COPYOFFLOAD_CMD_EVENT_DONE ?
			COPYOFFLOAD_EVENT_DONE : COPYOFFLOAD_EVENT_PROGRESS,
		.job_id = j->job_id, .seq = ja->seq, .state = j->state,
		.op = j->op, .flags = j->flags, .nr_ranges = j->nr_ranges,
		.ranges_done = j->ranges_done, .bytes_done = j->bytes_done,
		.bytes_total = j->bytes_total, .method = j->method,
		.stop = j->stop, .error = j->error,
		.error_range = j->error_range, .elapsed_ns = j->elapsed_ns,
		.range_outs = event->range_outs,
		.max_range_outs = event->max_range_outs,
		.range_out_size = event->range_out_size,
		.nr_range_outs = ja->nr_outs < ja->max_outs ? ja->nr_outs :
				 ja->max_outs,
		.range_outs_truncated = ja->truncated ||
					ja->nr_outs > ja->max_outs,
	};

	memcpy(e.method_bytes, j->method_bytes, sizeof(e.method_bytes));
	co_copy_sized(event, &e, event->size, sizeof(e));
}

/*
 * The next message of the buffer that is an event, parsed into EVENT: 1;
 * 0 when the buffer has none left.
 */
static int co_next_event(struct copyoffload_events *ev,
			 struct copyoffload_event *event)
{
	struct co_nl *n = &ev->n;
	const struct genlmsghdr *genl;
	const struct nlmsghdr *m;
	struct co_jobattrs ja;
	size_t left;
	int ret;

	while (n->kept_off < n->kept_len) {
		m = (const void *)(n->kept + n->kept_off);
		left = n->kept_len - n->kept_off;
		if (!mnl_nlmsg_ok(m, left)) {
			n->kept_off = n->kept_len;
			break;
		}
		n->kept_off += NLMSG_ALIGN(m->nlmsg_len);
		if (m->nlmsg_type != n->family ||
		    mnl_nlmsg_get_payload_len(m) < sizeof(*genl))
			continue;
		genl = mnl_nlmsg_get_payload(m);
		if (genl->cmd != COPYOFFLOAD_CMD_EVENT_PROGRESS &&
		    genl->cmd != COPYOFFLOAD_CMD_EVENT_DONE)
			continue;
		ja = (struct co_jobattrs) {
			.outs = (char *)event->range_outs,
			.out_size = event->range_out_size ?:
				    sizeof(struct copyoffload_range_out),
			.max_outs = event->range_outs ?
				    event->max_range_outs : 0,
		};
		ret = mnl_cb_run(m, m->nlmsg_len, 0, 0, co_event_cb, &ja);
		if (ret == MNL_CB_ERROR)
			return errno ? -errno : -EPROTO;
		co_event_out(&ja, event);
		return 1;
	}
	n->kept_off = n->kept_len = 0;
	return 0;
}

CO_EXPORT int copyoffload_events_read(struct copyoffload_events *ev,
				      struct copyoffload_event *event)
{
	struct co_nl *n;
	ssize_t len;
	int ret;

	if (!ev || !event || event->size < COPYOFFLOAD_EVENT_SIZE_VER0 ||
	    (event->range_outs && event->range_out_size &&
	     event->range_out_size < sizeof(struct copyoffload_range_out)))
		return -EINVAL;
	n = &ev->n;
	for (;;) {
		ret = co_next_event(ev, event);
		if (ret)
			return ret < 0 ? ret : 0;
		/* the kept buffer is empty: read the next datagram into it */
		if (n->kept_cap < CO_NL_BUF) {
			char *p = realloc(n->kept, CO_NL_BUF);

			if (!p)
				return -ENOMEM;
			n->kept = p;
			n->kept_cap = CO_NL_BUF;
		}
		len = mnl_socket_recvfrom(n->nl, n->kept, n->kept_cap);
		if (len < 0)
			return -errno;
		n->kept_len = len;
		n->kept_off = 0;
	}
}

#endif /* CO_NO_LIBMNL */
