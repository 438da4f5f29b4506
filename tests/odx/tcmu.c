// SPDX-License-Identifier: GPL-2.0
/*
 * The TCMU command ring (include/uapi/linux/target_core_user.h), seen from
 * the handler: the UIO device's one memory map holds the mailbox, the
 * command ring right after it and the data area after the ring.  The
 * kernel appends entries at mailbox->cmd_head and kicks the UIO interrupt;
 * we read them in ring order, copying out what we need (CDB and iovecs),
 * then answer.  An answer is written into the entry at our tail (the
 * kernel finds the command by the cmd_id written there, so answers may be
 * out of order: TCMU_MAILBOX_FLAG_CAP_OOOC), mailbox->cmd_tail is moved past
 * it, and a write(2) to the UIO device makes the kernel reap it.
 * PAD and TMR entries are skipped at both ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "odx.h"

static uint32_t mb_load(const struct tcmu_mailbox *mb, size_t off)
{
	const uint32_t *p = (const uint32_t *)((const char *)mb + off);

	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void mb_store(struct tcmu_mailbox *mb, size_t off, uint32_t v)
{
	uint32_t *p = (uint32_t *)((char *)mb + off);

	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static int read_sysfs(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

/*
 * "tcm-user/HBA/NAME/CONFIG", CONFIG being what dev_config= was set to:
 * ours is "odx/PATH".
 */
static int parse_uio_name(const char *s, unsigned int *hba, char *name,
			  size_t name_len, char *path, size_t path_len)
{
	const char *p, *q;
	char *end;

	if (strncmp(s, "tcm-user/", 9))
		return -EINVAL;
	p = s + 9;
	*hba = strtoul(p, &end, 10);
	if (end == p || *end != '/')
		return -EINVAL;
	p = end + 1;
	q = strchr(p, '/');
	if (!q || (size_t)(q - p) >= name_len)
		return -EINVAL;
	memcpy(name, p, q - p);
	name[q - p] = '\0';
	if (strncmp(q + 1, "odx/", 4))
		return -ENOENT;
	if (strlen(q + 5) >= path_len || !q[5])
		return -EINVAL;
	strcpy(path, q + 5);
	return 0;
}

bool tcmu_claims(const char *uio_name)
{
	char name[64], path[256];
	unsigned int hba;

	return !parse_uio_name(uio_name, &hba, name, sizeof(name), path,
			       sizeof(path));
}

static unsigned long configfs_attr(const struct odx_dev *dev, const char *attr,
				   unsigned long def)
{
	char p[PATH_MAX], buf[64];

	snprintf(p, sizeof(p), "/sys/kernel/config/target/core/user_%u/%s/attrib/%s",
		 dev->hba, dev->name, attr);
	if (read_sysfs(p, buf, sizeof(buf)))
		return def;
	return strtoul(buf, NULL, 0) ?: def;
}

int tcmu_open_dev(struct odx_dev *dev, unsigned int minor)
{
	char p[PATH_MAX], buf[512];
	struct stat st;
	int ret;

	memset(dev, 0, sizeof(*dev));
	dev->uio_fd = dev->fd = -1;
	dev->minor = minor;
	snprintf(p, sizeof(p), "/sys/class/uio/uio%u/name", minor);
	ret = read_sysfs(p, buf, sizeof(buf));
	if (ret)
		return ret;
	ret = parse_uio_name(buf, &dev->hba, dev->name, sizeof(dev->name),
			     dev->path, sizeof(dev->path));
	if (ret)
		return ret;
	snprintf(p, sizeof(p), "/sys/class/uio/uio%u/version", minor);
	if (read_sysfs(p, buf, sizeof(buf)) || strcmp(buf, "2")) {
		odx_log("uio%u: TCMU version '%s', want 2", minor, buf);
		return -EPROTO;
	}
	snprintf(p, sizeof(p), "/sys/class/uio/uio%u/maps/map0/size", minor);
	ret = read_sysfs(p, buf, sizeof(buf));
	if (ret)
		return ret;
	dev->map_len = strtoull(buf, NULL, 0);

	dev->fd = open(dev->path, O_RDWR | O_CLOEXEC);
	if (dev->fd < 0 || fstat(dev->fd, &st)) {
		ret = -errno;
		odx_log("%s: cannot open backing file %s: %m", dev->name,
			dev->path);
		goto err;
	}
	dev->block_size = configfs_attr(dev, "block_size", 512);
	dev->nr_blocks = st.st_size / dev->block_size;
	dev->max_xfer = configfs_attr(dev, "hw_max_sectors", 1024);

	snprintf(p, sizeof(p), "/dev/uio%u", minor);
	dev->uio_fd = open(p, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (dev->uio_fd < 0) {
		ret = -errno;
		odx_log("%s: cannot open %s: %m", dev->name, p);
		goto err;
	}
	dev->map = mmap(NULL, dev->map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			dev->uio_fd, 0);
	if (dev->map == MAP_FAILED) {
		ret = -errno;
		dev->map = NULL;
		odx_log("%s: cannot map the ring: %m", dev->name);
		goto err;
	}
	dev->mb = dev->map;
	if (dev->mb->version != TCMU_MAILBOX_VERSION) {
		odx_log("%s: mailbox version %u", dev->name, dev->mb->version);
		ret = -EPROTO;
		goto err;
	}
	dev->cmdr = (uint8_t *)dev->map + dev->mb->cmdr_off;
	dev->cmdr_size = dev->mb->cmdr_size;
	dev->tail = mb_load(dev->mb, offsetof(struct tcmu_mailbox, cmd_tail));
	dev->head = dev->tail;
	dev_make_ids(dev);
	dev->used = true;
	odx_log("%s: uio%u, %s, %llu blocks of %u bytes, naa.%02x%02x%02x%02x%02x%02x%02x%02x...",
		dev->name, minor, dev->path,
		(unsigned long long)dev->nr_blocks, dev->block_size,
		dev->naa[0], dev->naa[1], dev->naa[2], dev->naa[3],
		dev->naa[4], dev->naa[5], dev->naa[6], dev->naa[7]);
	return 0;
err:
	tcmu_close_dev(dev);
	return ret;
}

void tcmu_close_dev(struct odx_dev *dev)
{
	struct odx_cmd *c;

	if (dev->used)
		odx_dev_gone(dev);
	while ((c = dev->done_head)) {
		dev->done_head = c->next;
		free(c);
	}
	if (dev->map)
		munmap(dev->map, dev->map_len);
	if (dev->uio_fd >= 0)
		close(dev->uio_fd);
	if (dev->fd >= 0)
		close(dev->fd);
	memset(dev, 0, sizeof(*dev));
	dev->uio_fd = dev->fd = -1;
}

/* Find the UIO minor of a device by its UIO name (the netlink event). */
int tcmu_find_minor(const char *uio_name, unsigned int *minor)
{
	char p[PATH_MAX], buf[512];
	unsigned int i;

	for (i = 0; i < 256; i++) {
		snprintf(p, sizeof(p), "/sys/class/uio/uio%u/name", i);
		if (read_sysfs(p, buf, sizeof(buf)))
			continue;
		if (!strcmp(buf, uio_name)) {
			*minor = i;
			return 0;
		}
	}
	return -ENOENT;
}

static struct tcmu_cmd_entry *ring_entry(struct odx_dev *dev, uint32_t off)
{
	return (struct tcmu_cmd_entry *)(dev->cmdr + off);
}

/* Copy a command out of its ring entry; NULL if the entry is malformed. */
static struct odx_cmd *take_cmd(struct odx_dev *dev, struct tcmu_cmd_entry *ent)
{
	uint32_t iov_cnt = ent->req.iov_cnt;
	uint64_t cdb_off = ent->req.cdb_off;
	const uint8_t *base = dev->map;
	struct odx_cmd *c;
	uint32_t i;

	if (ent->req.iov_bidi_cnt || ent->req.iov_dif_cnt || iov_cnt > 65536 ||
	    cdb_off >= dev->map_len - 16)
		return NULL;
	c = calloc(1, sizeof(*c) + iov_cnt * sizeof(struct iovec));
	if (!c)
		return NULL;
	c->dev = dev;
	c->cmd_id = ent->hdr.cmd_id;
	c->iov_cnt = iov_cnt;
	for (i = 0; i < iov_cnt; i++) {
		struct iovec v;

		memcpy(&v, (const uint8_t *)ent + offsetof(struct tcmu_cmd_entry, req.iov) +
		       i * sizeof(v), sizeof(v));
		if ((uintptr_t)v.iov_base + v.iov_len > dev->map_len) {
			free(c);
			return NULL;
		}
		c->iov[i].iov_base = (void *)(base + (uintptr_t)v.iov_base);
		c->iov[i].iov_len = v.iov_len;
		c->data_len += v.iov_len;
	}
	c->cdb_len = sizeof(c->cdb);
	if (cdb_off + c->cdb_len > dev->map_len)
		c->cdb_len = dev->map_len - cdb_off;
	memcpy(c->cdb, base + cdb_off, c->cdb_len);
	return c;
}

/* Queue an answered command; the queue is kept in due-time order. */
static void queue_done(struct odx_dev *dev, struct odx_cmd *c)
{
	struct odx_cmd **pp = &dev->done_head;

	while (*pp && (*pp)->due_ms <= c->due_ms)
		pp = &(*pp)->next;
	c->next = *pp;
	*pp = c;
}

static void skip_non_cmds(struct odx_dev *dev)
{
	while (dev->tail != dev->head) {
		struct tcmu_cmd_entry *ent = ring_entry(dev, dev->tail);
		uint32_t len_op = ent->hdr.len_op;

		if (tcmu_hdr_get_op(len_op) == TCMU_OP_CMD)
			break;
		dev->tail = (dev->tail + tcmu_hdr_get_len(len_op)) % dev->cmdr_size;
	}
}

static void complete_one(struct odx_dev *dev, struct odx_cmd *c)
{
	struct tcmu_cmd_entry *ent;
	uint32_t len_op;

	skip_non_cmds(dev);
	ent = ring_entry(dev, dev->tail);
	len_op = ent->hdr.len_op;
	ent->hdr.cmd_id = c->cmd_id;
	ent->hdr.uflags = 0;
	ent->rsp.scsi_status = c->status;
	ent->rsp.read_len = 0;
	if (c->read_len && c->read_len < c->data_len) {
		ent->hdr.uflags |= TCMU_UFLAG_READ_LEN;
		ent->rsp.read_len = c->read_len;
	}
	if (c->status == SAM_CHECK_CONDITION)
		memcpy(ent->rsp.sense_buffer, c->sense, sizeof(c->sense));
	dev->tail = (dev->tail + tcmu_hdr_get_len(len_op)) % dev->cmdr_size;
	dev->inflight--;
}

void tcmu_complete_due(struct odx_dev *dev, uint64_t now)
{
	uint32_t kick = 0;
	struct odx_cmd *c;
	bool any = false;

	while ((c = dev->done_head) && c->due_ms <= now) {
		dev->done_head = c->next;
		complete_one(dev, c);
		free(c);
		any = true;
	}
	if (!dev->done_head && !dev->inflight)
		skip_non_cmds(dev);	/* trailing PAD/TMR */
	if (!any && dev->tail == mb_load(dev->mb, offsetof(struct tcmu_mailbox, cmd_tail)))
		return;
	mb_store(dev->mb, offsetof(struct tcmu_mailbox, cmd_tail), dev->tail);
	if (write(dev->uio_fd, &kick, sizeof(kick)) != sizeof(kick))
		odx_dbg("%s: kick: %m", dev->name);
}

uint64_t tcmu_next_due(const struct odx_dev *dev)
{
	return dev->done_head ? dev->done_head->due_ms : UINT64_MAX;
}

void tcmu_process(struct odx_dev *dev)
{
	uint32_t events, head;

	/* Acknowledge the interrupt; the ring itself says what is new. */
	if (read(dev->uio_fd, &events, sizeof(events)) < 0 && errno != EAGAIN)
		odx_dbg("%s: read uio: %m", dev->name);
	head = mb_load(dev->mb, offsetof(struct tcmu_mailbox, cmd_head)) %
	       dev->cmdr_size;
	while (dev->head != head) {
		struct tcmu_cmd_entry *ent = ring_entry(dev, dev->head);
		uint32_t len_op = ent->hdr.len_op;
		uint32_t len = tcmu_hdr_get_len(len_op);
		struct odx_cmd *c;
		uint32_t delay;

		if (!len || len > dev->cmdr_size) {
			odx_log("%s: broken ring entry at %u", dev->name, dev->head);
			return;
		}
		if (tcmu_hdr_get_op(len_op) != TCMU_OP_CMD) {
			dev->head = (dev->head + len) % dev->cmdr_size;
			continue;
		}
		c = take_cmd(dev, ent);
		dev->head = (dev->head + len) % dev->cmdr_size;
		dev->inflight++;
		if (!c) {
			/* Answer in place: LOGICAL UNIT COMMUNICATION FAILURE */
			static struct odx_cmd bad;

			memset(&bad, 0, sizeof(bad));
			bad.cmd_id = ent->hdr.cmd_id;
			bad.dev = dev;
			cmd_sense(&bad, SK_HARDWARE_ERROR, 0x08, 0x00);
			complete_one(dev, &bad);
			continue;
		}
		dev->st.cmds++;
		odx_stats_dirty();
		if (!knobs_fault(c)) {
			scsi_exec(c);
			if (c->status == SAM_CHECK_CONDITION)
				odx_log("%s: op %02x/%02x -> %x/%02x/%02x",
					dev->name, c->cdb[0], c->cdb[1] & 0x1f,
					c->sense[2] & 0xf, c->sense[12],
					c->sense[13]);
		}
		delay = knobs_delay_ms(c);
		c->due_ms = delay ? odx_now_ms() + delay : 0;
		odx_dbg("%s: cmd %u op %02x/%02x len %zu -> status %u %02x/%02x/%02x%s",
			dev->name, c->cmd_id, c->cdb[0], c->cdb[1] & 0x1f,
			c->data_len, c->status, c->sense[2] & 0xf, c->sense[12],
			c->sense[13], delay ? " (delayed)" : "");
		queue_done(dev, c);
	}
	tcmu_complete_due(dev, odx_now_ms());
}
