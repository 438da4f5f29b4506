/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the NVMe Copy engine needs of the NVMe driver and of the NVMe 2.0
 * specification that the kernel headers lack.  Included by nvme.c and
 * discover.c only.
 */
#ifndef COPYOFFLOAD_COMPAT_NVME_H
#define COPYOFFLOAD_COMPAT_NVME_H

#include <linux/nvme.h>
#include <linux/nvme_ioctl.h>

/*
 * Exported (EXPORT_SYMBOL_GPL) by nvme-core with this signature in every
 * kernel we build for, but declared only in the private
 * drivers/nvme/host/nvme.h.  Its presence is probed from the target's
 * Module.symvers (COMPAT_HAVE_NVME_SUBMIT_SYNC_CMD).  Returns 0, a
 * negative errno, or a positive NVMe status (Status Field without the
 * phase bit: SC bits 7:0, SCT 10:8, More 13, DNR 14).
 */
#ifdef COMPAT_HAVE_NVME_SUBMIT_SYNC_CMD
int nvme_submit_sync_cmd(struct request_queue *q, struct nvme_command *cmd,
			 void *buffer, unsigned int bufflen);
#endif

/*
 * NVMe 2.0 (NVM Command Set 3.3.1) Copy, checked against QEMU's
 * include/block/nvme.h (NvmeCopyCmd, NvmeCopySourceRangeFormat0): I/O
 * opcode 19h; CDW10-11 SDLBA; CDW12 bits 7:0 NR (source ranges, 0's
 * based), 11:8 descriptor format (0 here).  The data buffer holds NR + 1
 * source range entries of format 0, 32 bytes each.
 */
#define CO_NVME_CMD_COPY	0x19

struct co_nvme_range0 {
	__u8	rsvd0[8];
	__le64	slba;		/* starting LBA */
	__le16	nlb;		/* logical blocks, 0's based */
	__u8	rsvd18[6];
	__le32	reftag;		/* end-to-end protection: unused */
	__le16	apptag;
	__le16	appmask;
};

/* Status codes the engine tells apart (SCT << 8 | SC). */
#define CO_NVME_SC_MASK			0x7ff
#define CO_NVME_SC_INVALID_OPCODE	0x001
#define CO_NVME_SC_INVALID_FIELD	0x002
#define CO_NVME_SC_CMD_SIZE_LIMIT	0x183	/* over MSSRL, MCL or MSRC */

#endif /* COPYOFFLOAD_COMPAT_NVME_H */
