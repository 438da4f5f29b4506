// SPDX-License-Identifier: GPL-2.0
/*
 * copyoffload: discovery of the storage under a file, and of what its copy
 * manager can do (COPYOFFLOAD_IOC_DEVINFO).
 *
 * A file's filesystem sits on a block device; its disk's parent device is
 * the SCSI device when the disk is an sd disk (scsi_device_from_queue() is
 * not exported by the kernels we support, so we go through the device
 * model: disk_to_dev()->parent, scsi_is_sdev_device()).  A SCSI disk is
 * probed with the commands an initiator of EXTENDED COPY needs:
 *   standard INQUIRY         the 3PC bit (sent afresh: the midlayer's copy
 *                            is from scan time and a target may change);
 *   VPD 0x83                 the NAA designator for CSCD descriptors;
 *   RECEIVE COPY RESULTS     OPERATING PARAMETERS: descriptor and segment
 *                            limits and the descriptor types implemented
 *                            (LIO wants an allocation length of >= 54);
 *   VPD 0x8F                 Third Party Copy, when present: whether the
 *                            disk offers ROD token copies (ODX), and
 *                            their limits (ranges per command, token
 *                            size, inactivity timeouts).
 * An NVMe namespace (its disk's parent is an NVMe controller, class
 * "nvme") is not probed with commands: its Copy limits live in Identify,
 * which only the controller's admin queue answers, and that is private to
 * the driver.  A privileged program reads them and hands them over with
 * COPYOFFLOAD_DEVINFO_F_SET_NVME; the module learns only the NSID itself
 * (the namespace's own NVME_IOCTL_ID, asked only once the disk is known to
 * be the NVMe driver's), and whether the namespace can take a command at
 * all: a multipath head (parent class "nvme-subsystem", bio-based, no
 * request queue of its own) or a namespace with metadata or protection
 * information cannot.
 * Results are cached per disk, keyed by dev_t and the disk's sequence
 * number (a dev_t can be reused by another disk; a diskseq cannot); a
 * namespace's limits stay with its entry until the disk goes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/blk-integrity.h>
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/list.h>
#include <linux/jiffies.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <scsi/scsi.h>
#include <scsi/scsi_proto.h>

#include "copyoffload.h"
#include "compat/compat-scsi.h"
#include "compat/compat-nvme.h"

#define CO_SCSI_TIMEOUT		(30 * HZ)
#define CO_SCSI_RETRIES		3
#define CO_PROBE_BUF		256	/* >= 54 for LIO's RCR */
#define CO_PROBE_TPC_BUF	1024	/* VPD 0x8F: several descriptors */

#define CO_VPD_DEVICE_ID	0x83
#define CO_RCR_OP_PARAMS	0x03	/* RECEIVE COPY RESULTS service action */
#define CO_DESC_SEG_B2B		0x02	/* segment: block device to block device */
#define CO_DESC_CSCD_ID		0xe4	/* CSCD: identification descriptor */

struct co_disk {
	struct list_head node;
	dev_t devt;
	u64 diskseq;
	struct copyoffload_devinfo info;	/* the probed, disk-wide part */
	struct co_disk_stats *stats;		/* its offload counters */
	unsigned long probed;			/* jiffies of the probe */
	bool probing;				/* a probe is under way */
};

/*
 * A disk's facts are probed again on the first use after this long, so
 * that a copy manager turned on (or off, or given new limits) is noticed
 * without copyoffload info --refresh, as sd re-reads what it caches on a
 * revalidation.
 */
#define CO_REPROBE_AFTER	(600 * HZ)

/* Disks remembered at most; the least recently asked for goes first. */
#define CO_MAX_DISKS		256

static LIST_HEAD(co_disks);
static unsigned int co_nr_disks;
static DEFINE_MUTEX(co_disks_lock);

/* The SCSI device under BDEV's disk, with a reference, or NULL. */
struct scsi_device *co_bdev_sdev(struct block_device *bdev)
{
	struct device *parent = disk_to_dev(bdev->bd_disk)->parent;
	struct scsi_device *sdev;

	if (!parent || !scsi_is_sdev_device(parent))
		return NULL;
	sdev = to_scsi_device(parent);
	return scsi_device_get(sdev) ? NULL : sdev;
}

/* 0, or the negative errno / positive SCSI result of the command. */
static int co_scsi_in(struct scsi_device *sdev, const u8 *cdb, void *buf,
		      unsigned int len)
{
	struct scsi_sense_hdr sshdr;

	memset(buf, 0, len);
	return co_scsi_execute(sdev, cdb, false, buf, len, &sshdr,
			       CO_SCSI_TIMEOUT, CO_SCSI_RETRIES);
}

static int co_probe_inquiry(struct scsi_device *sdev, u8 *buf,
			    struct copyoffload_devinfo *di)
{
	const u8 cdb[6] = { INQUIRY, 0, 0, 0, 36, 0 };
	int ret;

	ret = co_scsi_in(sdev, cdb, buf, 36);
	if (ret)
		return ret;
	if (buf[5] & 0x08)
		di->caps |= COPYOFFLOAD_DEV_3PC;
	memcpy(di->vendor, buf + 8, sizeof(di->vendor));
	memcpy(di->product, buf + 16, sizeof(di->product));
	memcpy(di->revision, buf + 32, sizeof(di->revision));
	return 0;
}

/* The logical unit's 16-byte NAA (IEEE Registered Extended) designator. */
static int co_probe_naa(struct scsi_device *sdev, u8 *buf,
			struct copyoffload_devinfo *di)
{
	unsigned int end, off;
	int ret;

	ret = scsi_get_vpd_page(sdev, CO_VPD_DEVICE_ID, buf, CO_PROBE_BUF);
	if (ret)
		return ret;
	end = min_t(unsigned int, 4 + get_unaligned_be16(buf + 2),
		    CO_PROBE_BUF);
	for (off = 4; off + 4 <= end; off += 4 + buf[off + 3]) {
		const u8 *d = buf + off;
		unsigned int len = d[3];

		if (off + 4 + len > end)
			break;
		/* binary code set, associated with the LU, type NAA */
		if ((d[0] & 0x0f) != 1 || (d[1] & 0x30) || (d[1] & 0x0f) != 3)
			continue;
		if (len != 16 || (d[4] >> 4) != 6)
			continue;
		memcpy(di->naa, d + 4, len);
		di->naa_len = len;
		di->caps |= COPYOFFLOAD_DEV_NAA;
		return 0;
	}
	return 0;
}

#define CO_VPD_TPC		0x8f	/* Third Party Copy */
#define CO_TPC_ROD_LIMITS	0x0000	/* Block Device ROD Token Limits */
#define CO_TPC_COMMANDS		0x0001	/* Supported Commands */

/* Does a Supported Commands descriptor list OPCODE with service action SA? */
static bool co_tpc_lists(const u8 *d, unsigned int len, u8 opcode, u8 sa)
{
	unsigned int off = 5, end = min(len, 5U + d[4]);

	while (off + 2 <= end) {
		unsigned int n = d[off + 1], i;

		if (d[off] == opcode)
			for (i = 0; i < n && off + 2 + i < end; i++)
				if (d[off + 2 + i] == sa)
					return true;
		off += 2 + n;
	}
	return false;
}

/*
 * The Block Device ROD Token Limits descriptor (SBC-3 6.6.5): bytes 10-11
 * maximum range descriptors, 12-15 maximum and 16-19 default inactivity
 * timeout (seconds), 20-27 maximum token transfer size, 28-35 optimal
 * transfer count (logical blocks).
 */
static bool co_tpc_rod_limits(const u8 *d, unsigned int len,
			      struct copyoffload_devinfo *di)
{
	if (len < 36)
		return false;
	di->rod_max_ranges = get_unaligned_be16(d + 10);
	di->rod_max_inactivity = get_unaligned_be32(d + 12);
	di->rod_default_inactivity = get_unaligned_be32(d + 16);
	di->rod_max_token_blocks = get_unaligned_be64(d + 20);
	di->rod_optimal_blocks = get_unaligned_be64(d + 28);
	return true;
}

/*
 * The Third Party Copy VPD page (SPC-4 7.8.17), when the disk has one:
 * ROD token copies (ODX) need its Block Device ROD Token Limits
 * descriptor and POPULATE TOKEN, WRITE USING TOKEN and RECEIVE ROD TOKEN
 * INFORMATION among its supported commands.  The midlayer does not cache
 * this page; a disk without it (LIO) is not an error.
 */
static void co_probe_tpc(struct scsi_device *sdev, u8 *buf, unsigned int size,
			 struct copyoffload_devinfo *di)
{
	unsigned int end, off;
	bool limits = false, pt = false, wut = false, rrti = false;

	if (scsi_get_vpd_page(sdev, CO_VPD_TPC, buf, size))
		return;
	di->caps |= COPYOFFLOAD_DEV_TPC_VPD;
	end = min_t(unsigned int, 4 + get_unaligned_be16(buf + 2), size);
	for (off = 4; off + 4 <= end;
	     off += 4 + get_unaligned_be16(buf + off + 2)) {
		const u8 *d = buf + off;
		unsigned int len = 4 + get_unaligned_be16(d + 2);

		if (off + len > end)
			break;
		switch (get_unaligned_be16(d)) {
		case CO_TPC_ROD_LIMITS:
			limits = co_tpc_rod_limits(d, len, di);
			break;
		case CO_TPC_COMMANDS:
			pt = co_tpc_lists(d, len, 0x83, 0x10);
			wut = co_tpc_lists(d, len, 0x83, 0x11);
			rrti = co_tpc_lists(d, len, 0x84, 0x07);
			break;
		}
	}
	if (limits && pt && wut && rrti)
		di->caps |= COPYOFFLOAD_DEV_ROD_TOKENS;
}

static bool co_rcr_implements(const u8 *buf, u8 type)
{
	unsigned int i, n = buf[43];

	for (i = 0; i < n && 44 + i < CO_PROBE_BUF; i++)
		if (buf[44 + i] == type)
			return true;
	return false;
}

static int co_probe_copy_params(struct scsi_device *sdev, u8 *buf,
				struct copyoffload_devinfo *di)
{
	u8 cdb[16] = { RECEIVE_COPY_RESULTS, CO_RCR_OP_PARAMS };
	int ret;

	put_unaligned_be32(CO_PROBE_BUF, cdb + 10);
	ret = co_scsi_in(sdev, cdb, buf, CO_PROBE_BUF);
	if (ret)
		return ret;
	di->max_cscd_descriptors = get_unaligned_be16(buf + 8);
	di->max_segment_descriptors = get_unaligned_be16(buf + 10);
	di->max_descriptor_list_length = get_unaligned_be32(buf + 12);
	di->max_segment_length = get_unaligned_be32(buf + 16);
	di->max_inline_data = get_unaligned_be32(buf + 20);
	di->segment_granularity = buf[37];
	if ((di->caps & COPYOFFLOAD_DEV_NAA) &&
	    di->max_cscd_descriptors >= 2 && di->max_segment_descriptors &&
	    co_rcr_implements(buf, CO_DESC_SEG_B2B) &&
	    co_rcr_implements(buf, CO_DESC_CSCD_ID))
		di->caps |= COPYOFFLOAD_DEV_XCOPY_LID1;
	return 0;
}

/*
 * Is DISK an NVMe namespace?  A namespace's disk hangs off its controller
 * (class "nvme"); a multipath head's off the subsystem ("nvme-subsystem",
 * *HEAD set).  Nothing NVMe-specific is sent to a disk that is not one.
 */
static bool co_disk_is_nvme(struct gendisk *disk, bool *head)
{
	struct device *parent = disk_to_dev(disk)->parent;

	*head = false;
	if (!parent || !parent->class || !parent->class->name)
		return false;
	if (!strcmp(parent->class->name, "nvme"))
		return true;
	*head = !strcmp(parent->class->name, "nvme-subsystem");
	return *head;
}

/*
 * The NVMe facts the module can learn itself: the NSID, and why a Copy
 * cannot be sent (multipath head, metadata).  The limits come from
 * SET_NVME.
 */
static void co_probe_nvme(struct gendisk *disk, bool head,
			  struct copyoffload_devinfo *di)
{
	struct copyoffload_devinfo_nvme *n = &di->u.nvme;
	int id;

	di->transport = COPYOFFLOAD_TRANSPORT_NVME;
	/*
	 * A head has no request queue to send a command to, and which path
	 * (controller) it would take is the driver's private choice.
	 */
	if (head || !queue_is_mq(disk->queue)) {
		n->caps |= COPYOFFLOAD_NVME_MULTIPATH;
		return;
	}
	/* the Copy would need protection fields the engine does not fill */
	if (blk_get_integrity(disk))
		n->caps |= COPYOFFLOAD_NVME_METADATA;
	/*
	 * The namespace driver's ioctl answers NVME_IOCTL_ID with the NSID
	 * before any permission check (mode 0: no open for write needed).
	 */
	if (!disk->fops->ioctl) {
		di->probe_status = -ENOTTY;
		return;
	}
	id = disk->fops->ioctl(disk->part0, 0, NVME_IOCTL_ID, 0);
	if (id > 0)
		n->nsid = id;
	else
		di->probe_status = id < 0 ? id : -EIO;
}

/* Probe the disk under BDEV into DI (the disk-wide fields only). */
static void co_probe_disk(struct block_device *bdev,
			  struct copyoffload_devinfo *di)
{
	struct scsi_device *sdev;
	bool head;
	u8 *buf;
	int ret;

	sdev = co_bdev_sdev(bdev);
	if (!sdev) {
		if (co_disk_is_nvme(bdev->bd_disk, &head))
			co_probe_nvme(bdev->bd_disk, head, di);
		return;
	}
	di->caps |= COPYOFFLOAD_DEV_SCSI;
	di->transport = COPYOFFLOAD_TRANSPORT_SCSI;
	buf = kmalloc(CO_PROBE_TPC_BUF, GFP_KERNEL);
	if (!buf) {
		di->probe_status = -ENOMEM;
		goto out;
	}
	ret = co_probe_inquiry(sdev, buf, di);
	if (!ret)
		ret = co_probe_naa(sdev, buf, di);
	if (!ret && (di->caps & COPYOFFLOAD_DEV_3PC)) {
		co_probe_tpc(sdev, buf, CO_PROBE_TPC_BUF, di);
		/* RCR may be absent where 0x8F is there: not an error */
		ret = co_probe_copy_params(sdev, buf, di);
		if (ret && (di->caps & COPYOFFLOAD_DEV_TPC_VPD))
			ret = 0;
	}
	di->probe_status = ret;
	kfree(buf);
out:
	scsi_device_put(sdev);
}

static struct co_disk *co_disk_find(dev_t devt, u64 diskseq)
{
	struct co_disk *d;

	list_for_each_entry(d, &co_disks, node)
		if (d->devt == devt && d->diskseq == diskseq)
			return d;
	return NULL;
}

/*
 * Remember DI as the facts of DISK (its entry D, or a new one, which may
 * replace an older disk's of the same dev_t, or the least recently used).
 * Called with co_disks_lock held; returns the entry, or NULL.
 */
static struct co_disk *co_disk_remember(struct gendisk *disk,
					struct co_disk *d,
					const struct copyoffload_devinfo *di)
{
	if (!d) {
		/* a dev_t names one disk at a time: forget the one before */
		list_for_each_entry(d, &co_disks, node)
			if (d->devt == disk_devt(disk))
				break;
		if (list_entry_is_head(d, &co_disks, node) &&
		    co_nr_disks >= CO_MAX_DISKS)
			d = list_last_entry(&co_disks, struct co_disk, node);
		if (!list_entry_is_head(d, &co_disks, node)) {
			list_del(&d->node);
			co_disk_stats_forget(d->stats);
		} else {
			d = kmalloc(sizeof(*d), GFP_KERNEL);
			if (!d)
				return NULL;
			co_nr_disks++;
		}
		d->devt = disk_devt(disk);
		d->diskseq = disk->diskseq;
		d->stats = co_disk_stats_new(d->devt);
		d->probing = false;
		list_add(&d->node, &co_disks);
	}
	d->info = *di;
	d->probed = jiffies;
	return d;
}

/* The NVMe limits SET_NVME gave (all of u.nvme that is not probed). */
#define CO_NVME_GIVEN	(COPYOFFLOAD_NVME_COPY | COPYOFFLOAD_NVME_LIMITS_SET)

/*
 * A namespace probed again keeps the limits it was given: nothing but
 * SET_NVME (or the disk going away) changes them.
 */
static void co_nvme_keep_limits(const struct co_disk *d,
				struct copyoffload_devinfo *di)
{
	const struct copyoffload_devinfo_nvme *old = &d->info.u.nvme;
	struct copyoffload_devinfo_nvme *n = &di->u.nvme;

	if (d->info.transport != COPYOFFLOAD_TRANSPORT_NVME ||
	    di->transport != COPYOFFLOAD_TRANSPORT_NVME)
		return;
	n->caps |= old->caps & CO_NVME_GIVEN;
	n->mcl = old->mcl;
	n->mssrl = old->mssrl;
	n->msrc = old->msrc;
}

/*
 * The cached or freshly probed facts of BDEV's disk, copied into DI.  Only
 * SCSI disks and NVMe namespaces are remembered, at most CO_MAX_DISKS of them.  The probe runs
 * without co_disks_lock: a LUN that does not answer stalls the callers
 * that need that disk, not every copy on the system.  While one caller
 * probes a known disk again, the others use what was known.
 */
static struct co_disk_stats *co_disk_info(struct block_device *bdev,
					  bool refresh,
					  struct copyoffload_devinfo *di)
{
	struct gendisk *disk = bdev->bd_disk;
	struct co_disk_stats *ds = NULL;
	struct co_disk *d;

	mutex_lock(&co_disks_lock);
	d = co_disk_find(disk_devt(disk), disk->diskseq);
	if (d && (d->probing ||
		  (!refresh && time_before(jiffies,
					   d->probed + CO_REPROBE_AFTER)))) {
		list_move(&d->node, &co_disks);
		*di = d->info;
		goto out;
	}
	if (d)
		d->probing = true;
	mutex_unlock(&co_disks_lock);

	co_probe_disk(bdev, di);

	mutex_lock(&co_disks_lock);
	/* the entry may have gone (a new disk took the dev_t): look again */
	d = co_disk_find(disk_devt(disk), disk->diskseq);
	if (d) {
		d->probing = false;
		co_nvme_keep_limits(d, di);
	}
	if (di->transport != COPYOFFLOAD_TRANSPORT_OTHER)
		d = co_disk_remember(disk, d, di);
out:
	if (d) {
		ds = d->stats;
		co_disk_stats_get(ds);
	}
	mutex_unlock(&co_disks_lock);
	return ds;
}

/*
 * What storage offload needs to know of BDEV's disk (cached, probed on
 * first use) in DI, and its counters, with a reference (co_disk_put()).
 */
struct co_disk_stats *co_disk_get(struct block_device *bdev,
				  struct copyoffload_devinfo *di)
{
	memset(di, 0, sizeof(*di));
	return co_disk_info(bdev, false, di);
}

void co_disk_put(struct co_disk_stats *ds)
{
	co_disk_stats_put(ds);
}

/*
 * Can the NVMe Copy engine send commands to BDEV's namespace, as DI
 * (co_disk_get) describes it?  Limits given, Copy offered, a namespace
 * with its own request queue and no metadata.
 */
bool co_nvme_usable(struct block_device *bdev,
		    const struct copyoffload_devinfo *di)
{
	const struct copyoffload_devinfo_nvme *n = &di->u.nvme;
	u32 need = COPYOFFLOAD_NVME_COPY | COPYOFFLOAD_NVME_LIMITS_SET;

	return CO_HAVE_NVME && di->transport == COPYOFFLOAD_TRANSPORT_NVME &&
	       (n->caps & need) == need &&
	       !(n->caps & (COPYOFFLOAD_NVME_MULTIPATH |
			    COPYOFFLOAD_NVME_METADATA)) &&
	       n->nsid && n->mcl && n->mssrl &&
	       queue_is_mq(bdev->bd_disk->queue);
}

/* Is SET_NVME's input (IN) well formed?  Reserved and out-only fields 0. */
static bool co_nvme_set_valid(const struct copyoffload_devinfo_nvme *in)
{
	if (in->nsid || in->reserved || in->reserved2[0] || in->reserved2[1] ||
	    in->caps & ~COPYOFFLOAD_NVME_COPY)
		return false;
	/*
	 * Limits of a Copy the controller does not offer make no sense, and
	 * one that offers it reports MSSRL and MCL non-zero (NVMe 2.0,
	 * Identify Namespace)
	 */
	if (in->caps & COPYOFFLOAD_NVME_COPY)
		return in->mcl && in->mssrl;
	return !in->mcl && !in->mssrl && !in->msrc;
}

/*
 * SET_NVME: the limits IN replace what was known of BDEV's namespace (in
 * its cache entry, which co_disk_info() just made); DI gets the result.
 */
static int co_nvme_set(struct block_device *bdev,
		       const struct copyoffload_devinfo_nvme *in,
		       struct copyoffload_devinfo *di)
{
	struct gendisk *disk = bdev->bd_disk;
	struct copyoffload_devinfo_nvme *n;
	struct co_disk *d;
	int ret = 0;

	if (di->transport != COPYOFFLOAD_TRANSPORT_NVME)
		return -ENODEV;
	mutex_lock(&co_disks_lock);
	d = co_disk_find(disk_devt(disk), disk->diskseq);
	if (!d) {
		ret = -ENOMEM;	/* co_disk_remember() could not */
		goto out;
	}
	n = &d->info.u.nvme;
	n->caps = (n->caps & ~CO_NVME_GIVEN) | in->caps |
		  COPYOFFLOAD_NVME_LIMITS_SET;
	n->mcl = in->mcl;
	n->mssrl = in->mssrl;
	n->msrc = in->msrc;
	di->u.nvme = *n;
out:
	mutex_unlock(&co_disks_lock);
	return ret;
}

/* The block device under FILE: its own, or its filesystem's. */
static struct block_device *co_file_bdev(struct file *file)
{
	struct inode *inode = file_inode(file);

	if (S_ISBLK(inode->i_mode))
		return I_BDEV(file->f_mapping->host);
	return inode->i_sb->s_bdev;
}

long co_ioctl_devinfo(void __user *arg)
{
	struct copyoffload_devinfo in, di = {};
	struct block_device *bdev;
	struct file *file;
	u32 usize;
	int ret;

	if (get_user(usize, (u32 __user *)arg))
		return -EFAULT;
	if (usize < COPYOFFLOAD_DEVINFO_SIZE_VER0)
		return -EINVAL;
	/* as openat2() and clone3(): no caller's struct is that large */
	if (usize > CO_MAX_STRUCT_SIZE)
		return -E2BIG;
	/* a newer caller's inputs we do not know must be zero (E2BIG) */
	ret = copy_struct_from_user(&in, sizeof(in), arg, usize);
	if (ret)
		return ret;
	if (in.flags & ~CO_DEVINFO_F_ALL)
		return -EINVAL;
	if ((in.flags & (COPYOFFLOAD_DEVINFO_F_REFRESH |
			 COPYOFFLOAD_DEVINFO_F_SET_NVME)) &&
	    !capable(CAP_SYS_ADMIN))
		return -EPERM;
	/* SET_NVME: its input is in version 2's union; nothing else with it */
	if ((in.flags & COPYOFFLOAD_DEVINFO_F_SET_NVME) &&
	    (usize < COPYOFFLOAD_DEVINFO_SIZE_VER2 ||
	     (in.flags & COPYOFFLOAD_DEVINFO_F_REFRESH) ||
	     !co_nvme_set_valid(&in.u.nvme)))
		return -EINVAL;

	file = fget(in.fd);
	if (!file)
		return -EBADF;
	bdev = co_file_bdev(file);
	if (!bdev) {
		ret = -ENODEV;
		goto out;
	}
	co_disk_put(co_disk_info(bdev, in.flags & COPYOFFLOAD_DEVINFO_F_REFRESH,
				 &di));
	if (in.flags & COPYOFFLOAD_DEVINFO_F_SET_NVME) {
		ret = co_nvme_set(bdev, &in.u.nvme, &di);
		if (ret)
			goto out;
	}
	di.size = min_t(u32, usize, sizeof(di));
	di.fd = in.fd;
	di.flags = in.flags;
	di.dev_major = MAJOR(disk_devt(bdev->bd_disk));
	di.dev_minor = MINOR(disk_devt(bdev->bd_disk));
	di.start_sect = get_start_sect(bdev);
	di.logical_block_size = bdev_logical_block_size(bdev);
	ret = copy_to_user(arg, &di, di.size) ? -EFAULT : 0;
out:
	fput(file);
	return ret;
}

void co_discover_exit(void)
{
	struct co_disk *d, *tmp;

	list_for_each_entry_safe(d, tmp, &co_disks, node) {
		list_del(&d->node);
		co_disk_stats_forget(d->stats);
		kfree(d);
	}
	co_nr_disks = 0;
}
