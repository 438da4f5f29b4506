// SPDX-License-Identifier: GPL-2.0
/*
 * TCMU device events over generic netlink (family "TCM-USER", multicast
 * group "config"), with libmnl: TCMU_CMD_ADDED_DEVICE when a user backstore
 * is enabled, TCMU_CMD_REMOVED_DEVICE when it goes, each naming the UIO
 * device (TCMU_ATTR_DEVICE) and its minor (TCMU_ATTR_MINOR).
 *
 * We listen and never reply.  The kernel waits for a reply
 * (TCMU_CMD_ADDED_DEVICE_DONE...) only if some daemon has announced
 * TCMU_ATTR_SUPP_KERN_CMD_REPLY with TCMU_CMD_SET_FEATURES and the device's
 * nl_reply_supported is not negative; we never announce it, and our setup
 * (tests/vm/odx-setup) also writes nl_reply_supported=-1 into each
 * device's control, so enabling or removing a device never blocks on this
 * process: it may start before or after the devices, or die, and configfs
 * writes still return.  Devices that exist before we subscribe are found
 * by scanning /sys/class/uio at start.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "odx.h"

static struct mnl_socket *nl;
static uint16_t family_id;
static uint32_t group_id;

struct family_info {
	uint16_t id;
	uint32_t group;
	bool have_group;
};

static int group_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, CTRL_ATTR_MCAST_GRP_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

static void parse_groups(const struct nlattr *nest, struct family_info *fi)
{
	const struct nlattr *pos;

	mnl_attr_for_each_nested(pos, nest) {
		const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = { NULL };

		mnl_attr_parse_nested(pos, group_attr_cb, tb);
		if (tb[CTRL_ATTR_MCAST_GRP_NAME] && tb[CTRL_ATTR_MCAST_GRP_ID] &&
		    !strcmp(mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]), "config")) {
			fi->group = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
			fi->have_group = true;
		}
	}
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, CTRL_ATTR_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1] = { NULL };
	struct family_info *fi = data;

	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb, tb);
	if (tb[CTRL_ATTR_FAMILY_ID])
		fi->id = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_MCAST_GROUPS])
		parse_groups(tb[CTRL_ATTR_MCAST_GROUPS], fi);
	return MNL_CB_OK;
}

static int resolve_family(struct family_info *fi)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct genlmsghdr *genl;
	struct nlmsghdr *nlh;
	unsigned int seq = time(NULL), portid;
	int ret;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "TCM-USER");
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	portid = mnl_socket_get_portid(nl);
	for (;;) {
		ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret < 0)
			return -errno;
		ret = mnl_cb_run(buf, ret, seq, portid, family_cb, fi);
		if (ret < 0)
			return -errno;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

int nl_open(void)
{
	struct family_info fi = { 0 };
	int ret, grp;

	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto err;
	}
	ret = resolve_family(&fi);
	if (ret || !fi.id || !fi.have_group) {
		odx_log("netlink: no TCM-USER family with a 'config' group (%s): is target_core_user loaded?",
			ret ? strerror(-ret) : "incomplete answer");
		ret = ret ?: -ENOENT;
		goto err;
	}
	family_id = fi.id;
	group_id = fi.group;
	grp = group_id;
	if (mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) < 0) {
		ret = -errno;
		goto err;
	}
	odx_dbg("netlink: TCM-USER family %u, config group %u", family_id, group_id);
	return 0;
err:
	mnl_socket_close(nl);
	nl = NULL;
	return ret;
}

int nl_fd(void)
{
	return mnl_socket_get_fd(nl);
}

void nl_close(void)
{
	if (nl)
		mnl_socket_close(nl);
	nl = NULL;
}

static int event_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, TCMU_ATTR_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[TCMU_ATTR_MAX + 1] = { NULL };
	struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	nl_event_fn fn = (nl_event_fn)data;

	if (nlh->nlmsg_type != family_id)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*genl), event_attr_cb, tb);
	if (!tb[TCMU_ATTR_DEVICE] || !tb[TCMU_ATTR_MINOR])
		return MNL_CB_OK;
	fn(genl->cmd, mnl_attr_get_str(tb[TCMU_ATTR_DEVICE]),
	   mnl_attr_get_u32(tb[TCMU_ATTR_MINOR]));
	return MNL_CB_OK;
}

void nl_process(nl_event_fn fn)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int ret;

	ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (ret < 0) {
		odx_log("netlink: %m");
		return;
	}
	/* Multicast events: sequence 0, any port. */
	mnl_cb_run(buf, ret, 0, 0, event_cb, (void *)fn);
}
