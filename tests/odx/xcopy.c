// SPDX-License-Identifier: GPL-2.0
/*
 * EXTENDED COPY (LID1, 0x83/0x00) and RECEIVE COPY RESULTS with OPERATING
 * PARAMETERS (0x84/0x03), SPC-4 6.4 and 6.20, as far as a block copy
 * manager needs them, served only while the "xcopy SEGMENTS" knob is set
 * (otherwise both are unknown service actions, as before):
 *
 * - CSCD descriptors: identification descriptors (0xE4) only, as LIO takes
 *   them: peripheral device type 0, code set binary, association LU,
 *   designator type NAA, 16 bytes, an NAA-6 designator naming an LU this
 *   process serves, DISK BLOCK LENGTH 0 or the LU's block size; at most
 *   XCOPY_MAX_CSCDS of them.
 * - Segment descriptors: block device to block device (0x02) only, up to
 *   SEGMENTS per command (1 is what LIO allows), each with its own source
 *   and destination CSCD and at most 65535 blocks (the field is 16 bits);
 *   both LUs' block sizes equal.  No inline data.
 * - The whole list is checked before a block moves (ILLEGAL REQUEST with
 *   the field pointer, as a parse error); then the segments run in order.
 *   A segment that fails (I/O error, or the xcopy-fail-segment knob) ends
 *   the command in COPY ABORTED with the failing segment's index in the
 *   COMMAND-SPECIFIC INFORMATION field: the segments before it are copied.
 * - LIST ID USAGE 00b, 10b and 11b are accepted (11b with list identifier
 *   0); nothing is held for RECEIVE COPY STATUS or DATA, which are not
 *   served.
 */
#include <stdlib.h>
#include <string.h>

#include "odx.h"

#define XCOPY_HDR		16
#define XCOPY_CSCD_LEN		32
#define XCOPY_SEG_LEN		28	/* 0x02: 4 + DESCRIPTOR LENGTH 0x18 */
#define XCOPY_MAX_CSCDS		8
#define XCOPY_MAX_BLOCKS	65535u
#define XCOPY_CHUNK		(1u << 20)

struct xcopy_seg {
	struct odx_dev *src, *dst;
	uint64_t src_lba, dst_lba;
	uint32_t n;
};

/* The LU whose NAA designator is NAA, or NULL. */
static struct odx_dev *dev_by_naa(const uint8_t *naa)
{
	struct odx_dev *d;
	int i;

	for (i = 0; (d = odx_dev_by_index(i)); i++)
		if (d->used && !memcmp(d->naa, naa, 16))
			return d;
	return NULL;
}

/* CSCD descriptor I at P: the LU it names in *DEV (NULL: none here). */
static bool parse_cscd(struct odx_cmd *c, const uint8_t *p, size_t off,
		       struct odx_dev **dev)
{
	uint32_t bl;

	*dev = NULL;
	if (p[0] != 0xe4) {
		/* UNSUPPORTED TARGET DESCRIPTOR TYPE CODE */
		cmd_sense(c, SK_ILLEGAL_REQUEST, 0x26, 0x07);
		return false;
	}
	if ((p[1] & 0x1f) != 0x00) {		/* direct access block device */
		cmd_invalid_field(c, false, off + 1);
		return false;
	}
	if ((p[4] & 0x0f) != 0x01) {		/* code set: binary */
		cmd_invalid_field(c, false, off + 4);
		return false;
	}
	if ((p[5] & 0x30) || (p[5] & 0x0f) != 0x03) {	/* LU, NAA */
		cmd_invalid_field(c, false, off + 5);
		return false;
	}
	if (p[7] != 16 || (p[8] & 0xf0) != 0x60) {	/* NAA IEEE Reg. Ext. */
		cmd_invalid_field(c, false, off + 7);
		return false;
	}
	*dev = dev_by_naa(p + 8);
	bl = get_be24(p + 29);
	if (*dev && bl && bl != (*dev)->block_size) {
		cmd_invalid_field(c, false, off + 29);
		return false;
	}
	return true;
}

/* Copy segment S, XCOPY_CHUNK bytes at a time, through BUF. */
static int seg_copy(const struct xcopy_seg *s, uint8_t *buf)
{
	uint32_t bs = s->src->block_size;
	uint64_t soff = s->src_lba * bs, doff = s->dst_lba * bs;
	uint64_t len = (uint64_t)s->n * bs;
	int ret;

	while (len) {
		size_t k = len < XCOPY_CHUNK ? len : XCOPY_CHUNK;

		ret = dev_pread(s->src, buf, k, soff);
		if (!ret)
			ret = dev_pwrite(s->dst, buf, k, doff);
		if (ret)
			return ret;
		soff += k;
		doff += k;
		len -= k;
	}
	return 0;
}

void odx_extended_copy(struct odx_cmd *c)
{
	unsigned int max_segs = knobs_xcopy_segments(), fail_seg;
	struct odx_dev *cscd[XCOPY_MAX_CSCDS], *dev = c->dev;
	uint32_t plen = get_be32(c->cdb + 10), seg_len, inline_len;
	unsigned int ncscd, nseg = 0, i;
	struct xcopy_seg *segs = NULL;
	uint16_t cscd_len;
	uint8_t *buf = NULL, *copy = NULL, usage;
	size_t len, off;
	int ret = 0;

	if (!max_segs) {
		cmd_invalid_field(c, true, 1);	/* not served: service action */
		return;
	}
	dev->st.xcopy_cmds++;
	if (!plen)
		return;				/* nothing to copy: GOOD */
	if (plen > c->data_len)
		plen = c->data_len;
	buf = calloc(1, plen + 1);
	if (!buf) {
		cmd_sense(c, SK_HARDWARE_ERROR, 0x55, 0x03);
		return;
	}
	len = cmd_data_out(c, buf, plen);
	if (len < XCOPY_HDR) {
		cmd_sense(c, SK_ILLEGAL_REQUEST, 0x1a, 0x00);
		goto out;
	}
	usage = (buf[1] >> 3) & 0x03;
	if (usage == 0x01 || (usage == 0x03 && buf[0])) {
		cmd_invalid_field(c, false, usage == 0x01 ? 1 : 0);
		goto out;
	}
	cscd_len = get_be16(buf + 2);
	seg_len = get_be32(buf + 8);
	inline_len = get_be32(buf + 12);
	if (inline_len) {
		cmd_invalid_field(c, false, 12);
		goto out;
	}
	if (cscd_len % XCOPY_CSCD_LEN) {
		cmd_invalid_field(c, false, 2);
		goto out;
	}
	if ((uint64_t)XCOPY_HDR + cscd_len + seg_len > len) {
		cmd_sense(c, SK_ILLEGAL_REQUEST, 0x1a, 0x00);
		goto out;
	}
	ncscd = cscd_len / XCOPY_CSCD_LEN;
	if (ncscd > XCOPY_MAX_CSCDS) {
		/* TOO MANY TARGET DESCRIPTORS */
		cmd_sense(c, SK_ILLEGAL_REQUEST, 0x26, 0x06);
		goto out;
	}
	for (i = 0; i < ncscd; i++) {
		off = XCOPY_HDR + i * XCOPY_CSCD_LEN;
		if (!parse_cscd(c, buf + off, off, &cscd[i]))
			goto out;
	}

	segs = calloc(max_segs, sizeof(*segs));
	if (!segs) {
		cmd_sense(c, SK_HARDWARE_ERROR, 0x55, 0x03);
		goto out;
	}
	for (off = XCOPY_HDR + cscd_len; off < XCOPY_HDR + cscd_len + seg_len;
	     off += XCOPY_SEG_LEN) {
		const uint8_t *p = buf + off;
		struct xcopy_seg *s;
		uint16_t si, di;

		if (off + 4 > XCOPY_HDR + cscd_len + seg_len) {
			cmd_sense(c, SK_ILLEGAL_REQUEST, 0x1a, 0x00);
			goto out;
		}
		if (p[0] != 0x02) {
			/* UNSUPPORTED SEGMENT DESCRIPTOR TYPE CODE */
			cmd_sense(c, SK_ILLEGAL_REQUEST, 0x26, 0x09);
			goto out;
		}
		if (get_be16(p + 2) != XCOPY_SEG_LEN - 4 ||
		    off + XCOPY_SEG_LEN > XCOPY_HDR + cscd_len + seg_len) {
			cmd_invalid_field(c, false, off + 2);
			goto out;
		}
		if (nseg == max_segs) {
			/* TOO MANY SEGMENT DESCRIPTORS */
			cmd_sense(c, SK_ILLEGAL_REQUEST, 0x26, 0x08);
			goto out;
		}
		si = get_be16(p + 4);
		di = get_be16(p + 6);
		if (si >= ncscd) {
			cmd_invalid_field(c, false, off + 4);
			goto out;
		}
		if (di >= ncscd) {
			cmd_invalid_field(c, false, off + 6);
			goto out;
		}
		s = &segs[nseg];
		s->src = cscd[si];
		s->dst = cscd[di];
		if (!s->src || !s->dst) {
			/* COPY TARGET DEVICE NOT REACHABLE */
			cmd_sense(c, SK_COPY_ABORTED, 0x0d, 0x02);
			put_be32(c->sense + 8, nseg);
			goto out;
		}
		if (s->src->block_size != s->dst->block_size) {
			cmd_invalid_field(c, false, off + 4);
			goto out;
		}
		s->n = get_be16(p + 10);
		s->src_lba = get_be64(p + 12);
		s->dst_lba = get_be64(p + 20);
		if (s->src_lba > s->src->nr_blocks ||
		    s->n > s->src->nr_blocks - s->src_lba ||
		    s->dst_lba > s->dst->nr_blocks ||
		    s->n > s->dst->nr_blocks - s->dst_lba) {
			cmd_sense(c, SK_ILLEGAL_REQUEST, 0x21, 0x00);
			goto out;
		}
		nseg++;
	}

	copy = malloc(XCOPY_CHUNK);
	if (!copy) {
		cmd_sense(c, SK_HARDWARE_ERROR, 0x55, 0x03);
		goto out;
	}
	fail_seg = knobs_xcopy_fail_segment();
	for (i = 0; i < nseg; i++) {
		struct xcopy_seg *s = &segs[i];

		if (fail_seg && i + 1 == fail_seg) {
			dev->st.faults++;
			odx_log("fault: %s: EXTENDED COPY segment %u of %u fails",
				dev->name, i, nseg);
			ret = -5;
		} else if (s->n) {
			ret = seg_copy(s, copy);
		}
		if (ret) {
			/* THIRD PARTY DEVICE FAILURE, at segment i */
			cmd_sense(c, SK_COPY_ABORTED, 0x0d, 0x01);
			put_be32(c->sense + 8, i);
			break;
		}
		odx_note_write(s->dst, s->dst_lba, s->n);
		s->dst->st.xcopy_bytes += (uint64_t)s->n * s->dst->block_size;
		dev->st.xcopy_segs++;
	}
	odx_dbg("%s: EXTENDED COPY: %u of %u segments", dev->name, i, nseg);
out:
	free(copy);
	free(segs);
	free(buf);
}

/* RECEIVE COPY RESULTS, OPERATING PARAMETERS: our limits (SPC-4 6.20.4). */
void odx_copy_params(struct odx_cmd *c)
{
	unsigned int max_segs = knobs_xcopy_segments();
	uint32_t alloc = get_be32(c->cdb + 10), bs = c->dev->block_size;
	uint8_t buf[46];

	if (!max_segs) {
		cmd_invalid_field(c, true, 1);
		return;
	}
	memset(buf, 0, sizeof(buf));
	put_be32(buf, sizeof(buf) - 4);		/* AVAILABLE DATA */
	buf[4] = 0;				/* SNLID: no list identifiers held */
	put_be16(buf + 8, XCOPY_MAX_CSCDS);
	put_be16(buf + 10, max_segs);
	put_be32(buf + 12, XCOPY_HDR + XCOPY_MAX_CSCDS * XCOPY_CSCD_LEN +
		 max_segs * XCOPY_SEG_LEN);	/* MAXIMUM DESCRIPTOR LIST LENGTH */
	put_be32(buf + 16, XCOPY_MAX_BLOCKS * bs);	/* MAXIMUM SEGMENT LENGTH */
	put_be16(buf + 34, 1);			/* TOTAL CONCURRENT COPIES */
	buf[36] = 1;				/* MAXIMUM CONCURRENT COPIES */
	buf[37] = __builtin_ctz(bs);		/* DATA SEGMENT GRANULARITY */
	buf[43] = 2;				/* IMPLEMENTED DESCRIPTOR LIST */
	buf[44] = 0x02;				/* block to block segment */
	buf[45] = 0xe4;				/* identification CSCD */
	cmd_data_in(c, buf, alloc < sizeof(buf) ? alloc : sizeof(buf));
}

bool odx_xcopy_offered(void)
{
	return knobs_xcopy_segments() != 0;
}
