/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SCSI midlayer shims, for the files that talk to SCSI devices (included
 * by them, not force-included: most of the module has no SCSI business).
 */
#ifndef COPYOFFLOAD_COMPAT_SCSI_H
#define COPYOFFLOAD_COMPAT_SCSI_H

#include <linux/blk_types.h>
#include <scsi/scsi_device.h>

/* <asm/unaligned.h> moved to <linux/unaligned.h> (6.12 has only the new) */
#ifdef COMPAT_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/*
 * Upstream replaced scsi_execute_req() (Debian 6.1) with scsi_execute_cmd()
 * and its struct scsi_exec_args (Debian 6.12, 7.2: the old wrapper is
 * gone); probed as COMPAT_HAVE_SCSI_EXECUTE_CMD.
 * Returns 0, a negative errno, or a positive SCSI result.
 */
static inline int co_scsi_execute(struct scsi_device *sdev, const u8 *cdb,
				  bool to_device, void *buf, unsigned int len,
				  struct scsi_sense_hdr *sshdr, int timeout,
				  int retries)
{
#ifdef COMPAT_HAVE_SCSI_EXECUTE_CMD
	const struct scsi_exec_args args = { .sshdr = sshdr };

	return scsi_execute_cmd(sdev, cdb,
				to_device ? REQ_OP_DRV_OUT : REQ_OP_DRV_IN,
				buf, len, timeout, retries, &args);
#else
	return scsi_execute_req(sdev, cdb,
				to_device ? DMA_TO_DEVICE : DMA_FROM_DEVICE,
				buf, len, sshdr, timeout, retries, NULL);
#endif
}

#endif /* COPYOFFLOAD_COMPAT_SCSI_H */
