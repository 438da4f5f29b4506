// SPDX-License-Identifier: GPL-2.0
/*
 * copyoffload: SCSI ROD token copies (ODX): POPULATE TOKEN, WRITE USING
 * TOKEN and RECEIVE ROD TOKEN INFORMATION (SBC-3 5.11, 5.42; SPC-4 6.18).
 *
 *   POPULATE TOKEN (0x83/0x10)  to the source LUN: up to the copy manager's
 *                 maximum of block device range descriptors; the token
 *                 represents a point-in-time copy of them (ROD type left to
 *                 the copy manager's default), default inactivity timeout;
 *   RRTI (0x84/0x07)            to the same LUN with the same list
 *                 identifier: the 512-byte token and the number of blocks
 *                 it represents (a copy manager may make a shorter one);
 *   WRITE USING TOKEN (0x83/0x11) to the destination LUN: the token, an
 *                 offset into it in blocks, the destination's ranges;
 *   RRTI          again: how many blocks the WRITE USING TOKEN wrote.  A
 *                 copy manager may write fewer than asked and still report
 *                 GOOD: only that transfer count is ever counted as copied.
 *
 * No command asks for IMMED, so each completes when its copy has; a copy
 * manager that still reports "in progress" is polled, killably, for at
 * most CO_ODX_POLL_TIME.  List identifiers come from one counter, started
 * at a random value, so copies running at once never share one (SPC-4
 * keeps them per I_T nexus: every copy from this host shares the nexus).
 * A token is a bearer credential for the source's blocks: it stays in
 * kernel memory and is wiped when freed.
 * A failed command copied nothing that is counted; a token that expired,
 * was revoked, cancelled, deleted, is unknown or corrupt (ASC 23h) is
 * -EAGAIN: the caller may populate a new one.  A token the copy manager
 * cannot use at all (unsupported token type, remote tokens not supported,
 * invalid token length: 23h/01, 02, 03, 0A) would fail the same way again:
 * the range falls back at once.  The last WRITE USING TOKEN of a token
 * sets DEL_TKN, so the copy manager may free it at once.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <scsi/scsi.h>
#include <scsi/scsi_common.h>
#include <scsi/scsi_proto.h>
#include <scsi/scsi_device.h>

#include "copyoffload.h"
#include "compat/compat-scsi.h"

#define CO_ODX_OUT		0x83	/* THIRD-PARTY COPY OUT */
#define CO_ODX_IN		0x84	/* THIRD-PARTY COPY IN */
#define CO_ODX_SA_PT		0x10
#define CO_ODX_SA_WUT		0x11
#define CO_ODX_SA_RRTI		0x07

#define CO_ODX_RANGE_LEN	16
#define CO_ODX_PT_HDR		16	/* ranges start here */
#define CO_ODX_WUT_TOKEN	16
#define CO_ODX_WUT_HDR		536
#define CO_ODX_PARAM_MAX	(CO_ODX_WUT_HDR + CO_LBA_LIST_MAX * \
				 CO_ODX_RANGE_LEN)
/* header, the largest sense data, the token descriptor with its token */
#define CO_ODX_RRTI_LEN		(32 + 252 + 6 + CO_ODX_TOKEN_LEN)

/* RRTI's COPY OPERATION STATUS */
#define CO_ODX_DONE		0x01	/* completed without errors */
#define CO_ODX_FAILED		0x02	/* completed with errors */
#define CO_ODX_DONE_PARTIAL	0x03	/* ... with partial ROD token usage */
#define CO_ODX_DONE_RESIDUAL	0x04	/* ... with residual data */
#define CO_ODX_BUSY_FG		0x10	/* in progress, foreground */
#define CO_ODX_BUSY_BG		0x11	/* in progress, background */
#define CO_ODX_UNITS_BLOCKS	0xf1	/* TRANSFER COUNT in logical blocks */

#define CO_ODX_RETRIES		0	/* a failed copy is redone by fallback */
#define CO_ODX_POLL_TIME	(120 * HZ)
#define CO_ODX_POLL_MIN_MS	10
#define CO_ODX_POLL_MAX_MS	1000

static atomic_t co_odx_list_ids = ATOMIC_INIT(0);

void co_odx_init(void)
{
	atomic_set(&co_odx_list_ids, get_random_u32());
}

static u32 co_odx_list_id(void)
{
	return atomic_inc_return(&co_odx_list_ids);
}

/*
 * ASC 23h qualifiers that no new token would cure: unsupported token type,
 * remote token usage or creation not supported, invalid token length.
 */
static bool co_odx_token_unusable(u8 ascq)
{
	return ascq == 0x01 || ascq == 0x02 || ascq == 0x03 || ascq == 0x0a;
}

/* What a CHECK CONDITION (or a failed operation's sense) means. */
static int co_odx_sense(const struct scsi_sense_hdr *sshdr,
			unsigned int *reason)
{
	*reason = CO_FB_TARGET;
	if (!scsi_sense_valid(sshdr))
		return -EOPNOTSUPP;
	switch (sshdr->sense_key) {
	case ILLEGAL_REQUEST:
		/* 23h: invalid token operation */
		if (sshdr->asc == 0x23 && !co_odx_token_unusable(sshdr->ascq)) {
			*reason = CO_FB_TOKEN;
			return -EAGAIN;
		}
		*reason = CO_FB_UNSUPPORTED;
		break;
	case COPY_ABORTED:
		/* 0x0d/0x02: copy target device not reachable */
		if (sshdr->asc == 0x0d && sshdr->ascq == 0x02)
			*reason = CO_FB_UNREACHABLE;
		break;
	}
	return -EOPNOTSUPP;
}

static int co_odx_error(int result, const struct scsi_sense_hdr *sshdr,
			unsigned int *reason)
{
	*reason = CO_FB_TARGET;
	if (result < 0)
		return result == -EINTR ? -EINTR : -EOPNOTSUPP;
	return co_odx_sense(sshdr, reason);
}

/* Write ranges L as block device range descriptors at P. */
static void co_odx_put_ranges(u8 *p, const struct co_lba_list *l)
{
	unsigned int i;

	for (i = 0; i < l->nr; i++, p += CO_ODX_RANGE_LEN) {
		put_unaligned_be64(l->r[i].lba, p);
		put_unaligned_be32(l->r[i].blocks, p + 8);
	}
}

/*
 * RECEIVE ROD TOKEN INFORMATION for the operation LIST_ID of service
 * action SA, polled while the copy manager says it is in progress.  On
 * success *BLOCKS is its transfer count and, for SA = POPULATE TOKEN, the
 * token is copied to TOKEN.
 */
static int co_odx_rrti(struct scsi_device *sdev, u32 list_id, u8 sa, u8 *buf,
		       u8 *token, u64 *blocks, unsigned int *reason)
{
	u8 cdb[16] = { CO_ODX_IN, CO_ODX_SA_RRTI };
	unsigned long deadline = jiffies + CO_ODX_POLL_TIME;
	struct scsi_sense_hdr sshdr;
	unsigned int avail, sense_len, tok;
	u32 ms;
	int ret;

	put_unaligned_be32(list_id, cdb + 2);
	put_unaligned_be32(CO_ODX_RRTI_LEN, cdb + 10);
	for (;;) {
		memset(buf, 0, CO_ODX_RRTI_LEN);
		memset(&sshdr, 0, sizeof(sshdr));
		ret = co_scsi_execute(sdev, cdb, false, buf, CO_ODX_RRTI_LEN,
				      &sshdr, co_cmd_timeout(), CO_ODX_RETRIES);
		if (ret) {
			pr_debug("RRTI list %u: result %d, sense %x/%x/%x\n",
				 list_id, ret, sshdr.sense_key, sshdr.asc,
				 sshdr.ascq);
			/* whatever the sense: the operation's outcome is unknown */
			ret = co_odx_error(ret, &sshdr, reason);
			*reason = CO_FB_TARGET;
			return ret == -EINTR ? ret : -EOPNOTSUPP;
		}
		if (buf[5] != CO_ODX_BUSY_FG && buf[5] != CO_ODX_BUSY_BG)
			break;
		if (time_after(jiffies, deadline)) {
			pr_warn_ratelimited("list %u: still in progress after %u s\n",
					    list_id, CO_ODX_POLL_TIME / HZ);
			*reason = CO_FB_TARGET;
			return -EOPNOTSUPP;
		}
		/*
		 * Killable, not interruptible: a caught signal stays pending
		 * until the ioctl returns, and an interruptible sleep would
		 * then return at once, every time (a busy loop).
		 */
		ms = clamp_t(u32, get_unaligned_be32(buf + 8),
			     CO_ODX_POLL_MIN_MS, CO_ODX_POLL_MAX_MS);
		schedule_timeout_killable(msecs_to_jiffies(ms));
		if (fatal_signal_pending(current))
			return -EINTR;
	}

	*reason = CO_FB_TARGET;
	avail = min_t(u32, 4 + get_unaligned_be32(buf), CO_ODX_RRTI_LEN);
	if (avail < 32 || (buf[4] & 0x1f) != sa)
		return -EOPNOTSUPP;
	sense_len = buf[13];
	if (buf[5] == CO_ODX_FAILED) {
		if (sense_len && 32 + sense_len <= avail &&
		    scsi_normalize_sense(buf + 32, sense_len, &sshdr))
			return co_odx_sense(&sshdr, reason);
		return -EOPNOTSUPP;
	}
	if (buf[5] != CO_ODX_DONE && buf[5] != CO_ODX_DONE_PARTIAL &&
	    buf[5] != CO_ODX_DONE_RESIDUAL)
		return -EOPNOTSUPP;
	if (buf[15] != CO_ODX_UNITS_BLOCKS)
		return -EOPNOTSUPP;
	*blocks = get_unaligned_be64(buf + 16);
	if (!token)
		return 0;

	/* ROD TOKEN DESCRIPTORS LENGTH, 2 reserved bytes, the token */
	tok = 32 + sense_len;
	if (tok + 6 + CO_ODX_TOKEN_LEN > avail ||
	    get_unaligned_be32(buf + tok) < 2 + CO_ODX_TOKEN_LEN)
		return -EOPNOTSUPP;
	memcpy(token, buf + tok + 6, CO_ODX_TOKEN_LEN);
	/* a token's own length field: the 504 bytes after its header */
	if (get_unaligned_be16(token + 6) != CO_ODX_TOKEN_LEN - 8)
		return -EOPNOTSUPP;
	return 0;
}

/* Send a THIRD-PARTY COPY OUT command (PT or WUT) with parameters BUF. */
static int co_odx_out(struct scsi_device *sdev, u8 sa, u32 list_id, u8 *buf,
		      unsigned int len, unsigned int *reason)
{
	u8 cdb[16] = { CO_ODX_OUT, sa };
	struct scsi_sense_hdr sshdr = {};
	int ret;

	put_unaligned_be32(list_id, cdb + 6);
	put_unaligned_be32(len, cdb + 10);
	put_unaligned_be16(len - 2, buf);	/* DATA LENGTH */
	ret = co_scsi_execute(sdev, cdb, true, buf, len, &sshdr,
			      co_cmd_timeout(), CO_ODX_RETRIES);
	if (ret) {
		pr_debug("%s list %u: result %d, sense %x/%x/%x\n",
			 sa == CO_ODX_SA_PT ? "POPULATE TOKEN" :
			 "WRITE USING TOKEN", list_id, ret, sshdr.sense_key,
			 sshdr.asc, sshdr.ascq);
		return co_odx_error(ret, &sshdr, reason);
	}
	return 0;
}

/* A buffer for one operation's parameters and then its RRTI answer. */
static u8 *co_odx_buf(void)
{
	return kzalloc(max_t(unsigned int, CO_ODX_PARAM_MAX, CO_ODX_RRTI_LEN),
		       GFP_KERNEL);
}

/*
 * Run one operation: its parameters in BUF (LEN bytes, ranges L last),
 * sent with service action SA (PT or WUT) under a new list identifier,
 * then RRTI for its outcome: *BLOCKS (at most L's, 0 on failure) and, for
 * a PT, the token.  BUF is wiped and freed (it may hold the token).
 */
static int co_odx_op(struct scsi_device *sdev, u8 sa, u8 *buf,
		     unsigned int len, const struct co_lba_list *l, u8 *token,
		     u64 *blocks, unsigned int *reason)
{
	u32 list_id = co_odx_list_id();
	int ret;

	co_odx_put_ranges(buf + len - l->nr * CO_ODX_RANGE_LEN, l);
	ret = co_odx_out(sdev, sa, list_id, buf, len, reason);
	if (!ret)
		ret = co_odx_rrti(sdev, list_id, sa, buf, token, blocks,
				  reason);
	*blocks = ret ? 0 : min(*blocks, l->blocks);
	kfree_sensitive(buf);
	return ret;
}

/*
 * POPULATE TOKEN over the source ranges L (sent to SDEV): the token in
 * TOKEN (CO_ODX_TOKEN_LEN bytes), the blocks it represents in *BLOCKS
 * (at most L's, never 0).  0, or a negative errno with *REASON set.
 */
int co_odx_populate(struct scsi_device *sdev, const struct co_lba_list *l,
		    u8 *token, u64 *blocks, unsigned int *reason)
{
	u8 *buf;
	int ret;

	*reason = CO_FB_TARGET;
	if (WARN_ON_ONCE(!l->nr || l->nr > CO_LBA_LIST_MAX))
		return -EINVAL;
	buf = co_odx_buf();
	if (!buf)
		return -ENOMEM;
	/* no RTV: the copy manager's default (point in time) ROD type;
	 * inactivity timeout 0: its default
	 */
	put_unaligned_be16(l->nr * CO_ODX_RANGE_LEN, buf + 14);
	ret = co_odx_op(sdev, CO_ODX_SA_PT, buf,
			CO_ODX_PT_HDR + l->nr * CO_ODX_RANGE_LEN, l, token,
			blocks, reason);
	if (!ret && !*blocks)
		ret = -EOPNOTSUPP;	/* *reason: target */
	return ret;
}

/*
 * WRITE USING TOKEN: TOKEN's blocks from OFFSET on to the destination
 * ranges L (sent to SDEV); LAST: no other WRITE USING TOKEN will use the
 * token (DEL_TKN).  *BLOCKS is what the copy manager says it wrote (at most
 * L's, maybe 0).  0, or a negative errno with *REASON set (-EAGAIN: the
 * token is no longer usable).
 */
int co_odx_write(struct scsi_device *sdev, const u8 *token, u64 offset,
		 const struct co_lba_list *l, bool last, u64 *blocks,
		 unsigned int *reason)
{
	u8 *buf;

	*reason = CO_FB_TARGET;
	*blocks = 0;
	if (WARN_ON_ONCE(!l->nr || l->nr > CO_LBA_LIST_MAX))
		return -EINVAL;
	buf = co_odx_buf();
	if (!buf)
		return -ENOMEM;
	/*
	 * DEL_TKN only when this command writes the rest of the token; if it
	 * writes less, the next one needs the token again (and a copy manager
	 * that deleted it anyway answers 23h: a new token is populated).
	 */
	if (last)
		buf[2] |= 0x02;
	put_unaligned_be64(offset, buf + 8);
	memcpy(buf + CO_ODX_WUT_TOKEN, token, CO_ODX_TOKEN_LEN);
	put_unaligned_be16(l->nr * CO_ODX_RANGE_LEN, buf + 534);
	return co_odx_op(sdev, CO_ODX_SA_WUT, buf,
			 CO_ODX_WUT_HDR + l->nr * CO_ODX_RANGE_LEN, l, NULL,
			 blocks, reason);
}
