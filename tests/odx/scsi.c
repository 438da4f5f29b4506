// SPDX-License-Identifier: GPL-2.0
/*
 * The SBC/SPC commands a Linux initiator needs to use a disk, one table
 * that both dispatches them and answers REPORT SUPPORTED OPERATION CODES.
 * Fixed-format sense data throughout (D_SENSE is 0 in our control page).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "odx.h"

void cmd_sense(struct odx_cmd *c, uint8_t key, uint8_t asc, uint8_t ascq)
{
	c->status = SAM_CHECK_CONDITION;
	memset(c->sense, 0, sizeof(c->sense));
	c->sense[0] = 0x70;		/* current, fixed format */
	c->sense[2] = key;
	c->sense[7] = 10;		/* additional length */
	c->sense[12] = asc;
	c->sense[13] = ascq;
	c->sense_len = 18;
	c->read_len = 0;
}

/* INVALID FIELD IN CDB / IN PARAMETER LIST with the field pointer set. */
void cmd_invalid_field(struct odx_cmd *c, bool in_cdb, unsigned int byte)
{
	cmd_sense(c, SK_ILLEGAL_REQUEST, in_cdb ? 0x24 : 0x26, 0x00);
	c->sense[15] = 0x80 | (in_cdb ? 0x40 : 0);	/* SKSV, C/D */
	put_be16(c->sense + 16, byte);
}

size_t cmd_data_in(struct odx_cmd *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t done = 0;
	int i;

	for (i = 0; i < c->iov_cnt && done < len; i++) {
		size_t n = c->iov[i].iov_len;

		if (n > len - done)
			n = len - done;
		memcpy(c->iov[i].iov_base, p + done, n);
		done += n;
	}
	c->read_len = done;
	return done;
}

size_t cmd_data_out(struct odx_cmd *c, void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t done = 0;
	int i;

	for (i = 0; i < c->iov_cnt && done < len; i++) {
		size_t n = c->iov[i].iov_len;

		if (n > len - done)
			n = len - done;
		memcpy(p + done, c->iov[i].iov_base, n);
		done += n;
	}
	return done;
}

bool lba_range_ok(struct odx_cmd *c, uint64_t lba, uint64_t n)
{
	if (lba > c->dev->nr_blocks || n > c->dev->nr_blocks - lba) {
		cmd_sense(c, SK_ILLEGAL_REQUEST, 0x21, 0x00);
		return false;
	}
	return true;
}

int dev_pread(struct odx_dev *dev, void *buf, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pread(dev->fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) {		/* past EOF of a sparse image */
			memset(buf, 0, len);
			return 0;
		}
		buf = (uint8_t *)buf + n;
		len -= n;
		off += n;
	}
	return 0;
}

int dev_pwrite(struct odx_dev *dev, const void *buf, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(dev->fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf = (const uint8_t *)buf + n;
		len -= n;
		off += n;
	}
	return 0;
}

/* Zero a byte range: punch a hole (tmpfs and most file systems can), else write zeroes. */
int dev_zero(struct odx_dev *dev, uint64_t off, uint64_t len)
{
	static uint8_t zeroes[1 << 16];
	int ret;

	if (!fallocate(dev->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		       off, len))
		return 0;
	while (len) {
		size_t n = len < sizeof(zeroes) ? len : sizeof(zeroes);

		ret = dev_pwrite(dev, zeroes, n, off);
		if (ret)
			return ret;
		off += n;
		len -= n;
	}
	return 0;
}

static void io_error(struct odx_cmd *c, bool write, int err)
{
	odx_log("%s: %s: %s", c->dev->name, write ? "write" : "read",
		strerror(-err));
	cmd_sense(c, SK_MEDIUM_ERROR, write ? 0x0c : 0x11, 0x00);
}

/* ---- READ / WRITE ------------------------------------------------------- */

static void decode_rw(const uint8_t *cdb, uint64_t *lba, uint32_t *n)
{
	switch (cdb[0]) {
	case 0x08: case 0x0a:			/* 6 */
		*lba = get_be24(cdb + 1) & 0x1fffff;
		*n = cdb[4] ? cdb[4] : 256;
		break;
	case 0x28: case 0x2a: case 0x2e:	/* 10 */
		*lba = get_be32(cdb + 2);
		*n = get_be16(cdb + 7);
		break;
	case 0xa8: case 0xaa:			/* 12 */
		*lba = get_be32(cdb + 2);
		*n = get_be32(cdb + 6);
		break;
	default:				/* 16 */
		*lba = get_be64(cdb + 2);
		*n = get_be32(cdb + 10);
		break;
	}
}

static void scsi_rw(struct odx_cmd *c)
{
	struct odx_dev *dev = c->dev;
	bool write = c->cdb[0] == 0x0a || c->cdb[0] == 0x2a ||
		     c->cdb[0] == 0xaa || c->cdb[0] == 0x8a;
	uint64_t lba, off;
	size_t len;
	uint32_t n;
	int i, ret;

	decode_rw(c->cdb, &lba, &n);
	if (!lba_range_ok(c, lba, n))
		return;
	len = (size_t)n * dev->block_size;
	if (len > c->data_len) {
		cmd_invalid_field(c, true, c->cdb[0] == 0x08 || c->cdb[0] == 0x0a ? 4 : 7);
		return;
	}
	off = lba * dev->block_size;
	for (i = 0; i < c->iov_cnt && len; i++) {
		size_t k = c->iov[i].iov_len < len ? c->iov[i].iov_len : len;

		ret = write ? dev_pwrite(dev, c->iov[i].iov_base, k, off) :
			      dev_pread(dev, c->iov[i].iov_base, k, off);
		if (ret) {
			io_error(c, write, ret);
			return;
		}
		off += k;
		len -= k;
	}
	if (write) {
		dev->st.write_bytes += (uint64_t)n * dev->block_size;
		odx_note_write(dev, lba, n);
	} else {
		dev->st.read_bytes += (uint64_t)n * dev->block_size;
	}
}

static void scsi_sync(struct odx_cmd *c)
{
	if (fdatasync(c->dev->fd))
		io_error(c, true, -errno);
}

static void scsi_tur(struct odx_cmd *c)
{
	(void)c;
}

static void scsi_request_sense(struct odx_cmd *c)
{
	uint8_t buf[18] = { 0x70, 0, SK_NO_SENSE, 0, 0, 0, 0, 10 };

	cmd_data_in(c, buf, c->cdb[4] < sizeof(buf) ? c->cdb[4] : sizeof(buf));
}

/* ---- READ CAPACITY ------------------------------------------------------ */

static void scsi_read_capacity10(struct odx_cmd *c)
{
	uint64_t last = c->dev->nr_blocks - 1;
	uint8_t buf[8];

	put_be32(buf, last > 0xffffffffull ? 0xffffffff : last);
	put_be32(buf + 4, c->dev->block_size);
	cmd_data_in(c, buf, sizeof(buf));
}

static void scsi_read_capacity16(struct odx_cmd *c)
{
	uint32_t alloc = get_be32(c->cdb + 10);
	uint8_t buf[32] = { 0 };

	put_be64(buf, c->dev->nr_blocks - 1);
	put_be32(buf + 8, c->dev->block_size);
	buf[14] = 0x80 | 0x40;		/* LBPME, LBPRZ: UNMAP reads back zeroes */
	cmd_data_in(c, buf, alloc < sizeof(buf) ? alloc : sizeof(buf));
}

/* ---- MODE SENSE ----------------------------------------------------------- */

static size_t mode_pages(uint8_t *p, uint8_t page, bool changeable)
{
	size_t n = 0;

	if (page == 0x08 || page == 0x3f) {	/* caching: WCE 0 */
		memset(p + n, 0, 20);
		p[n] = 0x08;
		p[n + 1] = 0x12;
		n += 20;
	}
	if (page == 0x0a || page == 0x3f) {	/* control */
		memset(p + n, 0, 12);
		p[n] = 0x0a;
		p[n + 1] = 0x0a;
		if (!changeable)
			put_be16(p + n + 10, 0xffff);	/* busy timeout: unlimited */
		n += 12;
	}
	return n;
}

static void scsi_mode_sense(struct odx_cmd *c)
{
	bool ten = c->cdb[0] == 0x5a;
	bool dbd = c->cdb[1] & 0x08;
	uint8_t pc = c->cdb[2] >> 6, page = c->cdb[2] & 0x3f;
	uint8_t sub = c->cdb[3];
	uint32_t alloc = ten ? get_be16(c->cdb + 7) : c->cdb[4];
	uint8_t buf[256] = { 0 };
	size_t hdr = ten ? 8 : 4, n;
	uint8_t *bd = buf + hdr;
	uint64_t blocks = c->dev->nr_blocks;

	if (pc == 3) {
		cmd_sense(c, SK_ILLEGAL_REQUEST, 0x39, 0x00);	/* saving not supported */
		return;
	}
	if ((page != 0x08 && page != 0x0a && page != 0x3f) ||
	    (sub && sub != 0xff)) {
		cmd_invalid_field(c, true, 2);
		return;
	}
	n = hdr;
	if (!dbd) {
		put_be32(bd, blocks > 0xffffffff ? 0xffffffff : blocks);
		put_be32(bd + 4, c->dev->block_size & 0xffffff);
		n += 8;
	}
	n += mode_pages(buf + n, page, pc == 1);
	if (ten) {
		put_be16(buf, n - 2);
		put_be16(buf + 6, dbd ? 0 : 8);
	} else {
		buf[0] = n - 1;
		buf[3] = dbd ? 0 : 8;
	}
	cmd_data_in(c, buf, alloc < n ? alloc : n);
}

/* ---- WRITE SAME, UNMAP ------------------------------------------------ */

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

static void scsi_write_same(struct odx_cmd *c)
{
	struct odx_dev *dev = c->dev;
	bool sixteen = c->cdb[0] == 0x93;
	bool ndob = sixteen && (c->cdb[1] & 0x01);
	uint64_t lba = sixteen ? get_be64(c->cdb + 2) : get_be32(c->cdb + 2);
	uint32_t n = sixteen ? get_be32(c->cdb + 10) : get_be16(c->cdb + 7);
	uint32_t bs = dev->block_size;
	uint8_t *block, *chunk;
	uint64_t i;
	int ret = 0;

	if (!n) {	/* WSNZ is set in our block limits */
		cmd_invalid_field(c, true, sixteen ? 10 : 7);
		return;
	}
	if (!lba_range_ok(c, lba, n))
		return;
	block = calloc(1, bs);
	chunk = malloc((size_t)bs * 256);
	if (!block || !chunk) {
		free(block);
		free(chunk);
		cmd_sense(c, SK_HARDWARE_ERROR, 0x55, 0x03);	/* insufficient resources */
		return;
	}
	if (!ndob && cmd_data_out(c, block, bs) != bs) {
		cmd_invalid_field(c, true, sixteen ? 10 : 7);
		goto out;
	}
	if (ndob || all_zero(block, bs)) {	/* UNMAP or not: we read back zeroes */
		ret = dev_zero(dev, lba * bs, (uint64_t)n * bs);
	} else {
		for (i = 0; i < 256; i++)
			memcpy(chunk + i * bs, block, bs);
		for (i = 0; i < n && !ret; i += 256) {
			uint64_t k = n - i < 256 ? n - i : 256;

			ret = dev_pwrite(dev, chunk, k * bs, (lba + i) * bs);
		}
	}
	if (ret)
		io_error(c, true, ret);
	odx_note_write(dev, lba, n);
out:
	free(block);
	free(chunk);
}

static void scsi_unmap(struct odx_cmd *c)
{
	struct odx_dev *dev = c->dev;
	uint8_t buf[8 + 16 * 256];
	size_t len = cmd_data_out(c, buf, sizeof(buf));
	size_t dlen, i;
	int ret;

	if (len < 8)
		return;		/* no descriptors: nothing to do */
	dlen = get_be16(buf + 2);
	if (dlen > len - 8 || dlen % 16) {
		cmd_invalid_field(c, false, 2);
		return;
	}
	for (i = 0; i < dlen; i += 16) {
		uint64_t lba = get_be64(buf + 8 + i);
		uint32_t n = get_be32(buf + 8 + i + 8);

		if (!lba_range_ok(c, lba, n))
			return;
	}
	for (i = 0; i < dlen; i += 16) {
		uint64_t lba = get_be64(buf + 8 + i);
		uint32_t n = get_be32(buf + 8 + i + 8);

		ret = dev_zero(dev, lba * dev->block_size,
			       (uint64_t)n * dev->block_size);
		if (ret) {
			io_error(c, true, ret);
			return;
		}
		odx_note_write(dev, lba, n);
	}
}

/* ---- the table ----------------------------------------------------------- */

struct scsi_op {
	uint8_t opcode;
	int16_t sa;			/* -1: the opcode has no service action */
	uint8_t cdb_len;
	uint8_t usage[16];		/* CDB usage data (RSOC) */
	void (*exec)(struct odx_cmd *c);
	bool (*offered)(void);		/* NULL: always; else while true */
};

static const struct scsi_op ops[] = {
	{ 0x00, -1, 6, { 0x00, 0, 0, 0, 0, 0x07 }, scsi_tur, NULL },
	{ 0x03, -1, 6, { 0x03, 0x01, 0, 0, 0xff, 0x07 }, scsi_request_sense, NULL },
	{ 0x08, -1, 6, { 0x08, 0x1f, 0xff, 0xff, 0xff, 0x07 }, scsi_rw, NULL },
	{ 0x0a, -1, 6, { 0x0a, 0x1f, 0xff, 0xff, 0xff, 0x07 }, scsi_rw, NULL },
	{ 0x12, -1, 6, { 0x12, 0x01, 0xff, 0xff, 0xff, 0x07 }, scsi_inquiry, NULL },
	{ 0x1a, -1, 6, { 0x1a, 0x08, 0xff, 0xff, 0xff, 0x07 }, scsi_mode_sense, NULL },
	{ 0x1b, -1, 6, { 0x1b, 0x01, 0, 0x0f, 0xf7, 0x07 }, scsi_tur, NULL },
	{ 0x25, -1, 10, { 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0x07 }, scsi_read_capacity10, NULL },
	{ 0x28, -1, 10, { 0x28, 0xfa, 0xff, 0xff, 0xff, 0xff, 0x3f, 0xff, 0xff, 0x07 }, scsi_rw, NULL },
	{ 0x2a, -1, 10, { 0x2a, 0xfa, 0xff, 0xff, 0xff, 0xff, 0x3f, 0xff, 0xff, 0x07 }, scsi_rw, NULL },
	{ 0x35, -1, 10, { 0x35, 0x02, 0xff, 0xff, 0xff, 0xff, 0x3f, 0xff, 0xff, 0x07 }, scsi_sync, NULL },
	{ 0x41, -1, 10, { 0x41, 0x08, 0xff, 0xff, 0xff, 0xff, 0x3f, 0xff, 0xff, 0x07 }, scsi_write_same, NULL },
	{ 0x42, -1, 10, { 0x42, 0x01, 0, 0, 0, 0, 0x3f, 0xff, 0xff, 0x07 }, scsi_unmap, NULL },
	{ 0x5a, -1, 10, { 0x5a, 0x18, 0xff, 0xff, 0, 0, 0, 0xff, 0xff, 0x07 }, scsi_mode_sense, NULL },
	{ 0x83, 0x00, 16, { 0x83, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07 }, odx_extended_copy, odx_xcopy_offered },
	{ 0x83, 0x10, 16, { 0x83, 0x10, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f, 0x07 }, odx_populate_token, NULL },
	{ 0x83, 0x11, 16, { 0x83, 0x11, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f, 0x07 }, odx_write_using_token, NULL },
	{ 0x84, 0x03, 16, { 0x84, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07 }, odx_copy_params, odx_xcopy_offered },
	{ 0x84, 0x07, 16, { 0x84, 0x07, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07 }, odx_rrti, NULL },
	{ 0x88, -1, 16, { 0x88, 0xfa, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f, 0x07 }, scsi_rw, NULL },
	{ 0x8a, -1, 16, { 0x8a, 0xfa, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f, 0x07 }, scsi_rw, NULL },
	{ 0x91, -1, 16, { 0x91, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f, 0x07 }, scsi_sync, NULL },
	{ 0x93, -1, 16, { 0x93, 0x09, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f, 0x07 }, scsi_write_same, NULL },
	{ 0x9e, 0x10, 16, { 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07 }, scsi_read_capacity16, NULL },
	{ 0xa3, 0x0c, 12, { 0xa3, 0x0c, 0x87, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x07 }, scsi_rsoc, NULL },
	{ 0xa8, -1, 12, { 0xa8, 0xfa, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f, 0x07 }, scsi_rw, NULL },
	{ 0xaa, -1, 12, { 0xaa, 0xfa, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f, 0x07 }, scsi_rw, NULL },
};

#define NR_OPS (sizeof(ops) / sizeof(ops[0]))

static bool has_sa(uint8_t opcode)
{
	return opcode == 0x83 || opcode == 0x84 || opcode == 0x9e ||
	       opcode == 0xa3;
}

void scsi_exec(struct odx_cmd *c)
{
	uint8_t op = c->cdb[0];
	bool known = false;
	size_t i;

	c->status = SAM_GOOD;
	for (i = 0; i < NR_OPS; i++) {
		if (ops[i].opcode != op)
			continue;
		known = true;
		if (ops[i].sa >= 0 && ops[i].sa != (c->cdb[1] & 0x1f))
			continue;
		ops[i].exec(c);
		return;
	}
	if (known)
		cmd_invalid_field(c, true, 1);	/* service action */
	else
		cmd_sense(c, SK_ILLEGAL_REQUEST, 0x20, 0x00);
}

/* REPORT SUPPORTED OPERATION CODES, reporting options 0-3, no timeouts. */
void scsi_rsoc(struct odx_cmd *c)
{
	uint8_t ro = c->cdb[2] & 0x07, req_op = c->cdb[3];
	uint16_t req_sa = get_be16(c->cdb + 4);
	uint32_t alloc = get_be32(c->cdb + 6);
	uint8_t buf[8 * NR_OPS + 4 + 32];
	const struct scsi_op *o = NULL;
	size_t n = 0, i;

	if (c->cdb[2] & 0x80) {		/* RCTD: no timeout descriptors here */
		cmd_invalid_field(c, true, 2);
		return;
	}
	memset(buf, 0, sizeof(buf));
	if (ro == 0) {
		for (i = 0; i < NR_OPS; i++) {
			uint8_t *d = buf + 4 + 8 * n;

			if (ops[i].offered && !ops[i].offered())
				continue;
			d[0] = ops[i].opcode;
			if (ops[i].sa >= 0) {
				put_be16(d + 2, ops[i].sa);
				d[5] = 0x01;	/* SERVACTV */
			}
			put_be16(d + 6, ops[i].cdb_len);
			n++;
		}
		put_be32(buf, 8 * n);
		n = 4 + 8 * n;
	} else if (ro <= 3) {
		if ((ro == 1 && has_sa(req_op)) || (ro == 2 && !has_sa(req_op))) {
			cmd_invalid_field(c, true, 3);
			return;
		}
		for (i = 0; i < NR_OPS; i++)
			if (ops[i].opcode == req_op &&
			    (ops[i].sa < 0 || ops[i].sa == req_sa) &&
			    (!ops[i].offered || ops[i].offered()))
				o = &ops[i];
		buf[1] = o ? 0x03 : 0x01;	/* supported as standard / not */
		if (o) {
			put_be16(buf + 2, o->cdb_len);
			memcpy(buf + 4, o->usage, o->cdb_len);
		}
		n = 4 + (o ? o->cdb_len : 0);
	} else {
		cmd_invalid_field(c, true, 2);
		return;
	}
	cmd_data_in(c, buf, alloc < n ? alloc : n);
}
