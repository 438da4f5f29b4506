// SPDX-License-Identifier: GPL-2.0
/*
 * copyoffload: the NVMe Copy command layer of the storage step.  One NVMe
 * Copy (NVMe 2.0, I/O opcode 19h) writes one contiguous run of destination
 * LBAs from up to MSRC + 1 source ranges of the same namespace, each of at
 * most MSSRL blocks, at most MCL blocks in all; offload.c keeps within
 * those limits (handed in by SET_NVME: the module cannot read Identify)
 * and calls this once per command, with both files locked.
 *
 * The command goes to the namespace's own request queue through the NVMe
 * driver's nvme_submit_sync_cmd(), as the driver's own passthrough does:
 * the NSID in the command, the range descriptors in a kernel buffer, the
 * LBAs from the file mappings, never from the caller.  The driver marks it
 * fail-fast: a refused Copy is not retried, it comes back as a status.
 * Every failure sends the rest of the range to the next method, the reason
 * counted; none is retried here (a Copy refused for its size would be
 * refused again, and QEMU answers a range over MSSRL with Internal Error,
 * which does not say so).  The specification leaves a failed Copy's
 * destination undefined: offload.c counts nothing of it, and the next
 * method writes all of its bytes again.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/slab.h>

#include "copyoffload.h"
#include "compat/compat-nvme.h"

#if CO_HAVE_NVME
/* What a failed command means for the range (*REASON). */
static int co_nvme_error(int ret, unsigned int *reason)
{
	*reason = CO_FB_TARGET;
	if (ret < 0)
		return ret == -EINTR ? -EINTR : -EOPNOTSUPP;
	switch (ret & CO_NVME_SC_MASK) {
	case CO_NVME_SC_INVALID_OPCODE:
	case CO_NVME_SC_INVALID_FIELD:
		/* no Copy here, or not with descriptor format 0 */
		*reason = CO_FB_UNSUPPORTED;
		break;
	case CO_NVME_SC_CMD_SIZE_LIMIT:
		/* the limits handed in are wrong */
		*reason = CO_FB_LIMITS;
		break;
	}
	return -EOPNOTSUPP;
}

/*
 * Copy L's source ranges (LBAs of the namespace NSID under BDEV, in
 * order) to DST_LBA and on with one NVMe Copy.  0, or a negative errno
 * with *REASON set.
 */
int co_nvme_copy(struct block_device *bdev, u32 nsid,
		 const struct co_lba_list *l, u64 dst_lba,
		 unsigned int *reason)
{
	struct nvme_command c = {};
	struct co_nvme_range0 *d;
	unsigned int i;
	int ret;

	BUILD_BUG_ON(sizeof(*d) != 32);
	if (WARN_ON_ONCE(!l->nr || l->nr > CO_LBA_LIST_MAX || !nsid))
		return -EINVAL;
	d = kcalloc(l->nr, sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	for (i = 0; i < l->nr; i++) {
		if (WARN_ON_ONCE(!l->r[i].blocks || l->r[i].blocks > 65536)) {
			kfree(d);
			return -EINVAL;
		}
		d[i].slba = cpu_to_le64(l->r[i].lba);
		d[i].nlb = cpu_to_le16(l->r[i].blocks - 1);
	}
	c.common.opcode = CO_NVME_CMD_COPY;
	c.common.nsid = cpu_to_le32(nsid);
	c.common.cdw10 = cpu_to_le32(lower_32_bits(dst_lba));
	c.common.cdw11 = cpu_to_le32(upper_32_bits(dst_lba));
	c.common.cdw12 = cpu_to_le32(l->nr - 1);	/* format 0 */

	ret = nvme_submit_sync_cmd(bdev_get_queue(bdev), &c, d,
				   l->nr * sizeof(*d));
	kfree(d);
	if (ret) {
		pr_debug("NVMe Copy of %u ranges, %llu blocks to %llu: %d\n",
			 l->nr, l->blocks, dst_lba, ret);
		return co_nvme_error(ret, reason);
	}
	return 0;
}
#else
int co_nvme_copy(struct block_device *bdev, u32 nsid,
		 const struct co_lba_list *l, u64 dst_lba,
		 unsigned int *reason)
{
	*reason = CO_FB_DEVICE;
	return -EOPNOTSUPP;
}
#endif
