// SPDX-License-Identifier: GPL-2.0
/*
 * INQUIRY: the standard data (3PC set) and the VPD pages: supported pages,
 * unit serial number, device identification (one NAA-6 per LU), Third
 * Party Copy (0x8F: what an ODX initiator reads first), block limits,
 * block device characteristics and logical block provisioning.
 */
#include <stdio.h>
#include <string.h>

#include "odx.h"

/* FNV-1a, 64 bits: a stable identity per backstore name. */
static uint64_t fnv1a(const char *s, uint64_t h)
{
	while (*s) {
		h ^= (uint8_t)*s++;
		h *= 0x100000001b3ull;
	}
	return h;
}

/*
 * NAA-6 (IEEE registered extended): the NAA nibble, 24-bit OUI, 36 bits
 * vendor specific, 64-bit extension.  The OUI is a locally administered
 * one of our choosing; the rest comes from the HBA and backstore names, so
 * every LU this process serves differs (and in the first bytes too).
 */
void dev_make_ids(struct odx_dev *dev)
{
	char key[96];
	uint64_t a, b;
	int i;

	snprintf(key, sizeof(key), "user_%u/%s", dev->hba, dev->name);
	a = fnv1a(key, 0xcbf29ce484222325ull);
	b = fnv1a(key, a ^ 0x9e3779b97f4a7c15ull);
	dev->naa[0] = 0x60 | 0x0a;		/* NAA 6, OUI 0xa0d0c0 */
	dev->naa[1] = 0x0d;
	dev->naa[2] = 0x0c;
	dev->naa[3] = 0x00 | ((a >> 32) & 0x0f);
	put_be32(dev->naa + 4, a);
	put_be64(dev->naa + 8, b);
	for (i = 0; i < 16; i++)
		snprintf(dev->serial + 2 * i, 3, "%02x", dev->naa[i]);
}

static void inquiry_standard(struct odx_cmd *c, uint16_t alloc)
{
	uint8_t buf[36] = { 0 };

	buf[0] = 0x00;			/* connected, direct access block device */
	buf[2] = 0x06;			/* SPC-4 */
	buf[3] = 0x12;			/* HISUP, response data format 2 */
	buf[4] = sizeof(buf) - 5;
	buf[5] = 0x08;			/* 3PC: third-party copy commands */
	buf[7] = 0x02;			/* CMDQUE */
	memcpy(buf + 8, ODX_VENDOR, 8);
	memcpy(buf + 16, ODX_PRODUCT, 16);
	memcpy(buf + 32, ODX_REVISION, 4);
	cmd_data_in(c, buf, alloc < sizeof(buf) ? alloc : sizeof(buf));
}

static size_t vpd_supported(struct odx_cmd *c, uint8_t *p)
{
	static const uint8_t pages[] = { 0x00, 0x80, 0x83, 0x8f, 0xb0, 0xb1, 0xb2 };

	(void)c;
	memcpy(p + 4, pages, sizeof(pages));
	return 4 + sizeof(pages);
}

static size_t vpd_serial(struct odx_cmd *c, uint8_t *p)
{
	size_t n = strlen(c->dev->serial);

	memcpy(p + 4, c->dev->serial, n);
	return 4 + n;
}

static size_t vpd_devid(struct odx_cmd *c, uint8_t *p)
{
	struct odx_dev *dev = c->dev;
	uint8_t *d = p + 4;
	size_t n;

	/* NAA, binary, associated with the LU */
	d[0] = 0x01;
	d[1] = 0x03;
	d[3] = 16;
	memcpy(d + 4, dev->naa, 16);
	d += 20;
	/* T10 vendor ID, ASCII: vendor + serial */
	n = strlen(dev->serial);
	d[0] = 0x02;
	d[1] = 0x01;
	d[3] = 8 + n;
	memcpy(d + 4, ODX_VENDOR, 8);
	memcpy(d + 12, dev->serial, n);
	d += 12 + n;
	return d - p;
}

/*
 * Third Party Copy (SPC-4 7.8.17, SBC-3 6.6.x): the descriptors an ODX
 * initiator (ddpt, Windows, our module) reads before POPULATE TOKEN.
 */
static size_t vpd_tpc(struct odx_cmd *c, uint8_t *p)
{
	uint8_t *d = p + 4;
	uint32_t bs = c->dev->block_size;
	uint64_t max_bytes = (uint64_t)odx_max_token_blocks * bs;

	/* 0x0000 Block Device ROD Token Limits */
	put_be16(d, 0x0000);
	put_be16(d + 2, 32);
	put_be16(d + 10, ODX_MAX_RANGES);
	put_be32(d + 12, odx_max_timeout());
	put_be32(d + 16, odx_default_timeout());
	put_be64(d + 20, odx_max_token_blocks);
	put_be64(d + 28, odx_max_token_blocks);
	d += 36;

	/*
	 * 0x0001 Supported Commands: PT, WUT; RRTI; with the xcopy knob
	 * also EXTENDED COPY (LID1) and RECEIVE COPY RESULTS (operating
	 * parameters)
	 */
	put_be16(d, 0x0001);
	if (odx_xcopy_offered()) {
		d[4] = 9;		/* list length */
		d[5] = 0x83;
		d[6] = 3;
		d[7] = 0x00;
		d[8] = 0x10;
		d[9] = 0x11;
		d[10] = 0x84;
		d[11] = 2;
		d[12] = 0x03;
		d[13] = 0x07;
		put_be16(d + 2, 12);	/* 1 + 9, padded to a multiple of 4 */
		d += 16;
	} else {
		d[4] = 7;		/* list length */
		d[5] = 0x83;
		d[6] = 2;
		d[7] = 0x10;
		d[8] = 0x11;
		d[9] = 0x84;
		d[10] = 1;
		d[11] = 0x07;
		put_be16(d + 2, 8);	/* 1 + 7, padded to a multiple of 4 */
		d += 12;
	}

	/* 0x0106 ROD Token Features, with the block device features */
	put_be16(d, 0x0106);
	put_be16(d + 2, 44 + 48);
	d[4] = 0;			/* remote tokens: none */
	put_be32(d + 16, 1);		/* minimum token lifetime */
	put_be32(d + 20, odx_max_timeout());
	put_be32(d + 24, odx_max_timeout());
	put_be16(d + 46, 48);
	d[48] = 0x00;			/* direct access block device */
	put_be16(d + 48 + 2, 44);
	put_be16(d + 48 + 6, 1);	/* optimal block ROD length granularity */
	put_be64(d + 48 + 8, max_bytes);
	put_be64(d + 48 + 16, max_bytes);
	put_be64(d + 48 + 24, max_bytes);
	put_be64(d + 48 + 32, max_bytes);
	d += 4 + 44 + 48;

	/* 0x0108 Supported ROD Token and ROD Types (64-byte descriptors) */
	put_be16(d, 0x0108);
	put_be16(d + 2, 4 + 3 * 64);
	put_be16(d + 6, 3 * 64);
	put_be32(d + 8, ODX_ROD_PIT_VULN);
	d[8 + 4] = 0x03;		/* token in, token out */
	put_be16(d + 8 + 6, 1);		/* preferred */
	put_be32(d + 8 + 64, ODX_ROD_AUR);
	d[8 + 64 + 4] = 0x03;
	put_be32(d + 8 + 128, ODX_ROD_ZERO);
	d[8 + 128 + 4] = 0x02;		/* token in only */
	d += 8 + 3 * 64;

	/* 0x8001 General Copy Operations */
	put_be16(d, 0x8001);
	put_be16(d + 2, 28);
	put_be32(d + 4, ODX_MAX_LISTS);
	put_be32(d + 8, ODX_MAX_LISTS);
	put_be32(d + 12, odx_max_token_blocks > 0xffffffffull / bs ?
		 0xffffffff : odx_max_token_blocks * bs);
	d += 32;
	return d - p;
}

static size_t vpd_block_limits(struct odx_cmd *c, uint8_t *p)
{
	struct odx_dev *dev = c->dev;

	p[4] = 0x01;				/* WSNZ */
	put_be16(p + 6, 1);			/* optimal transfer granularity */
	put_be32(p + 8, dev->max_xfer);		/* maximum transfer length */
	put_be32(p + 12, dev->max_xfer);	/* optimal transfer length */
	put_be32(p + 20, 0xffffffff);		/* maximum unmap LBA count */
	put_be32(p + 24, 256);			/* maximum unmap descriptors */
	put_be32(p + 28, 4096 / dev->block_size ?: 1);
	put_be64(p + 36, 0x400000);		/* maximum write same length */
	return 64;
}

static size_t vpd_block_chars(struct odx_cmd *c, uint8_t *p)
{
	(void)c;
	put_be16(p + 4, 1);			/* non-rotating medium */
	return 64;
}

static size_t vpd_provisioning(struct odx_cmd *c, uint8_t *p)
{
	(void)c;
	p[5] = 0x80 | 0x40 | 0x20 | 0x04;	/* LBPU, LBPWS, LBPWS10, LBPRZ */
	p[6] = 0x02;				/* thin provisioned */
	return 8;
}

static const struct {
	uint8_t page;
	size_t (*fill)(struct odx_cmd *c, uint8_t *p);
} vpd_pages[] = {
	{ 0x00, vpd_supported },
	{ 0x80, vpd_serial },
	{ 0x83, vpd_devid },
	{ 0x8f, vpd_tpc },
	{ 0xb0, vpd_block_limits },
	{ 0xb1, vpd_block_chars },
	{ 0xb2, vpd_provisioning },
};

void scsi_inquiry(struct odx_cmd *c)
{
	uint16_t alloc = get_be16(c->cdb + 3);
	uint8_t buf[1024];
	size_t i, n;

	if (!(c->cdb[1] & 0x01)) {
		if (c->cdb[2]) {
			cmd_invalid_field(c, true, 2);
			return;
		}
		inquiry_standard(c, alloc);
		return;
	}
	for (i = 0; i < sizeof(vpd_pages) / sizeof(vpd_pages[0]); i++) {
		if (vpd_pages[i].page != c->cdb[2])
			continue;
		memset(buf, 0, sizeof(buf));
		n = vpd_pages[i].fill(c, buf);
		buf[1] = c->cdb[2];
		put_be16(buf + 2, n - 4);
		cmd_data_in(c, buf, alloc < n ? alloc : n);
		return;
	}
	cmd_invalid_field(c, true, 2);
}
