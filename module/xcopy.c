// SPDX-License-Identifier: GPL-2.0
/*
 * copyoffload: SCSI EXTENDED COPY (LID1) commands.
 *
 * One command copies up to CO_XCOPY_MAX_SEGS runs of logical blocks (as
 * many as the copy manager's MAXIMUM SEGMENT DESCRIPTOR COUNT allows: 1 on
 * LIO) from one LUN to another (or within one), with the parameter list an
 * initiator needs for every copy manager we know (SPC-4 6.4, LIO's
 * target_core_xcopy.c, tcmu-runner):
 *
 *   header       LIST ID USAGE 11b (no list ID: nothing to ask RECEIVE COPY
 *                RESULTS about later; LIO answers OPERATING PARAMETERS only)
 *   CSCD 0xE4    identification descriptor: the LUN's NAA designator from
 *                VPD page 0x83; one for a copy within a LUN, two across LUNs
 *   segment 0x02 block device to block device, one per run: NUMBER OF
 *                BLOCKS is 16 bits, so a segment moves at most 65535 blocks
 *
 * The command goes to the destination LUN (whose copy manager must reach
 * the source).  A failed command counts for nothing: all its segments'
 * blocks are redone by the next method.  The copy manager may say in the
 * sense data's COMMAND-SPECIFIC INFORMATION which segment it was
 * processing (SPC-4; the ones before it would be done), but that field is
 * only as good as a copy manager's implementation of it, and a segment
 * counted but not copied would leave old blocks behind a copy reported
 * done; redoing a few segments costs little.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/string.h>
#include <scsi/scsi.h>
#include <scsi/scsi_proto.h>
#include <scsi/scsi_device.h>

#include "copyoffload.h"
#include "compat/compat-scsi.h"

#define CO_XCOPY_HDR_LEN	16
#define CO_XCOPY_CSCD_LEN	32
#define CO_XCOPY_SEG_LEN	28
#define CO_XCOPY_LIST_ID_NONE	0x18	/* LIST ID USAGE 11b */
#define CO_XCOPY_CSCD_ID	0xe4
#define CO_XCOPY_SEG_B2B	0x02
#define CO_XCOPY_RETRIES	0	/* a failed copy is redone by fallback */

/* Time for one command: 65535 blocks of 4 KiB on a slow array. */

/* An identification CSCD descriptor (0xE4) naming a LUN by its NAA. */
static void co_xcopy_cscd(u8 *d, const struct copyoffload_devinfo *di)
{
	d[0] = CO_XCOPY_CSCD_ID;
	d[1] = TYPE_DISK;		/* LU ID TYPE 0, NUL 0 */
	d[4] = 0x01;			/* code set: binary */
	d[5] = 0x03;			/* association: LU, type: NAA */
	d[7] = di->naa_len;
	memcpy(d + 8, di->naa, di->naa_len);
	/* device type specific parameters: the disk block length */
	put_unaligned_be24(di->logical_block_size, d + 29);
}

/*
 * The segments a command may carry to the copy manager described by DI:
 * its MAXIMUM SEGMENT DESCRIPTOR COUNT, and what its MAXIMUM DESCRIPTOR
 * LIST LENGTH (the CSCD and segment descriptor lists, not the header:
 * SPC-4 6.20.4, LIO's RCR_OP_MAX_DESC_LIST_LEN) leaves after our CSCDs
 * (SAME: one LUN, one CSCD); at most CO_XCOPY_MAX_SEGS, at least 1 (a
 * copy manager that reports 0 was never offered: discover.c).
 */
unsigned int co_xcopy_max_segs(const struct copyoffload_devinfo *di,
			       bool same)
{
	unsigned int n = min_t(unsigned int, di->max_segment_descriptors,
			       CO_XCOPY_MAX_SEGS);
	u32 cscds = (same ? 1 : 2) * CO_XCOPY_CSCD_LEN;

	if (di->max_descriptor_list_length)
		n = min_t(u64, n, di->max_descriptor_list_length > cscds ?
			  (di->max_descriptor_list_length - cscds) /
			  CO_XCOPY_SEG_LEN : 0);
	return max(n, 1U);
}

/* The parameter list's length for NR segments. */
static unsigned int co_xcopy_len(const struct co_xcopy *x, unsigned int nr)
{
	return CO_XCOPY_HDR_LEN + (x->same ? 1 : 2) * CO_XCOPY_CSCD_LEN +
	       nr * CO_XCOPY_SEG_LEN;
}

/*
 * Build the parameter list for the NR segments SEG into BUF (zeroed);
 * returns its length.  SAME is true for a copy within one LUN: one CSCD
 * serves both ends.
 */
static unsigned int co_xcopy_params(u8 *buf, const struct co_xcopy *x,
				    const struct co_xcopy_seg *seg,
				    unsigned int nr)
{
	unsigned int ncscd = x->same ? 1 : 2, i;
	u8 *p = buf + CO_XCOPY_HDR_LEN + ncscd * CO_XCOPY_CSCD_LEN;

	buf[1] = CO_XCOPY_LIST_ID_NONE;
	put_unaligned_be16(ncscd * CO_XCOPY_CSCD_LEN, buf + 2);
	put_unaligned_be32(nr * CO_XCOPY_SEG_LEN, buf + 8);
	co_xcopy_cscd(buf + CO_XCOPY_HDR_LEN, x->src);
	if (!x->same)
		co_xcopy_cscd(buf + CO_XCOPY_HDR_LEN + CO_XCOPY_CSCD_LEN,
			      x->dst);

	for (i = 0; i < nr; i++, p += CO_XCOPY_SEG_LEN) {
		p[0] = CO_XCOPY_SEG_B2B;
		put_unaligned_be16(CO_XCOPY_SEG_LEN - 4, p + 2);
		put_unaligned_be16(0, p + 4);			/* source CSCD */
		put_unaligned_be16(x->same ? 0 : 1, p + 6);	/* destination */
		put_unaligned_be16(seg[i].blocks, p + 10);
		put_unaligned_be64(seg[i].src_lba, p + 12);
		put_unaligned_be64(seg[i].dst_lba, p + 20);
	}
	return p - buf;
}

/*
 * What a failed command means for the range: every failure the copy
 * manager reports is "this copy manager will not do it" (the range goes to
 * the next method, the reason is counted); only a fatal signal stops it.
 */
static int co_xcopy_error(int result, const struct scsi_sense_hdr *sshdr,
			  unsigned int *reason)
{
	*reason = CO_FB_TARGET;
	if (result < 0)
		return result == -EINTR ? -EINTR : -EOPNOTSUPP;
	if (!scsi_sense_valid(sshdr))
		return -EOPNOTSUPP;
	switch (sshdr->sense_key) {
	case ILLEGAL_REQUEST:
		/* invalid opcode or field: this target has no (such) XCOPY */
		*reason = CO_FB_UNSUPPORTED;
		break;
	case COPY_ABORTED:
		/*
		 * 0x0d/0x02: copy target device not reachable; not the rest
		 * of 0x0d (0x0d/0x01: third party device failure, a segment
		 * that failed on a LUN the copy manager did reach)
		 */
		if (sshdr->asc == 0x0d && sshdr->ascq == 0x02)
			*reason = CO_FB_UNREACHABLE;
		break;
	}
	return -EOPNOTSUPP;
}

/*
 * Copy the NR segments SEG (1 to CO_XCOPY_MAX_SEGS, each of 1 to
 * CO_XCOPY_MAX_BLOCKS logical blocks) with one EXTENDED COPY sent to
 * X->sdev.  0, or a negative errno with *REASON set.
 */
int co_xcopy_segments(const struct co_xcopy *x, const struct co_xcopy_seg *seg,
		      unsigned int nr, unsigned int *reason)
{
	u8 cdb[16] = { EXTENDED_COPY, 0x00 };	/* service action: LID1 */
	struct scsi_sense_hdr sshdr = {};
	unsigned int len, i;
	u8 *buf;
	int ret;

	*reason = CO_FB_TARGET;
	if (WARN_ON_ONCE(!nr || nr > CO_XCOPY_MAX_SEGS))
		return -EINVAL;
	for (i = 0; i < nr; i++)
		if (WARN_ON_ONCE(!seg[i].blocks ||
				 seg[i].blocks > CO_XCOPY_MAX_BLOCKS))
			return -EINVAL;
	buf = kzalloc(co_xcopy_len(x, nr), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	len = co_xcopy_params(buf, x, seg, nr);
	put_unaligned_be32(len, cdb + 10);

	ret = co_scsi_execute(x->sdev, cdb, true, buf, len, &sshdr,
			      co_cmd_timeout(), CO_XCOPY_RETRIES);
	kfree(buf);
	if (ret) {
		pr_debug("EXTENDED COPY of %u segments, %u blocks %llu -> %llu first: result %d, sense %x/%x/%x\n",
			 nr, seg[0].blocks, seg[0].src_lba, seg[0].dst_lba, ret,
			 sshdr.sense_key, sshdr.asc, sshdr.ascq);
		return co_xcopy_error(ret, &sshdr, reason);
	}
	return 0;
}
