// SPDX-License-Identifier: GPL-2.0
/*
 * ODX: POPULATE TOKEN, WRITE USING TOKEN and RECEIVE ROD TOKEN INFORMATION
 * (SBC-3 5.x, SPC-4 6.x), with one token store for every LU this process
 * serves, so that a token made on LU A can be written through LU B.
 *
 * - Tokens are "point in time, change vulnerable" (ROD type 0x00800001,
 *   also what "point in time default" and no ROD type get): any write to a
 *   block a token represents, through any command on any LU we serve,
 *   revokes it.  "Access upon reference" tokens (0x00010000) read the
 *   source when they are used and are never revoked.  The block device
 *   zero ROD token (0xFFFF0001) needs no POPULATE TOKEN.
 * - A token lives for its inactivity timeout after its last use.
 * - Commands run to completion before they are answered (IMMED changes
 *   nothing), so an operation is never "in progress"; RRTI answers for the
 *   last PT or WUT of a list identifier on that LU, once.  TCMU does not tell
 *   us the I_T nexus: each LU keeps one list identifier table, which is the
 *   per-I_T-nexus table SPC asks for as long as one initiator port talks to
 *   the LU (tcm_loop's one nexus).
 * - A WUT may move fewer blocks than asked (ROD exhausted, or the wut-limit
 *   knob): GOOD status, and RRTI's TRANSFER COUNT says how many.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "odx.h"

#define DEFAULT_TIMEOUT_S	30
#define MAX_TIMEOUT_S		3600
#define COPY_CHUNK		(1u << 20)

enum tok_state { TOK_VALID, TOK_REVOKED, TOK_DELETED };

struct odx_range {
	uint64_t lba;
	uint32_t n;
};

struct odx_token {
	struct odx_token *next;
	uint8_t bytes[ODX_TOKEN_LEN];
	struct odx_dev *dev;		/* source LU; NULL once it is gone */
	uint32_t rod_type;
	uint32_t block_size;
	uint64_t nblocks;
	unsigned int nr;
	struct odx_range r[ODX_MAX_RANGES];
	uint32_t timeout_s;
	uint64_t deadline_ms;
	enum tok_state state;
};

static struct odx_token *tokens;	/* newest first */
static unsigned int nr_tokens;
static uint64_t token_serial;

uint32_t odx_default_timeout(void)
{
	return DEFAULT_TIMEOUT_S;
}

uint32_t odx_max_timeout(void)
{
	return MAX_TIMEOUT_S;
}

/* ---- list identifiers ---------------------------------------------------- */

static struct odx_list *list_slot(struct odx_dev *dev, uint32_t list_id)
{
	struct odx_list *l, *oldest = &dev->lists[0];
	int i;

	for (i = 0; i < ODX_MAX_LISTS; i++) {
		l = &dev->lists[i];
		if (l->used && l->list_id == list_id)
			return l;
	}
	for (i = 0; i < ODX_MAX_LISTS; i++) {
		l = &dev->lists[i];
		if (!l->used)
			return l;
		if (l->stamp < oldest->stamp)
			oldest = l;
	}
	return oldest;
}

static struct odx_list *list_record(struct odx_cmd *c, uint8_t sa,
				    uint64_t tc, uint16_t segs)
{
	static uint64_t stamp;
	uint32_t list_id = get_be32(c->cdb + 6);
	struct odx_list *l = list_slot(c->dev, list_id);

	memset(l, 0, sizeof(*l));
	l->used = true;
	l->list_id = list_id;
	l->sa = sa;
	l->tc = tc;
	l->segs = segs;
	l->stamp = ++stamp;
	l->done_ms = odx_now_ms();
	if (c->status == SAM_GOOD) {
		l->cstat = 0x01;	/* completed without errors */
	} else {
		l->cstat = 0x02;	/* completed with errors */
		l->sense_len = c->sense_len;
		memcpy(l->sense, c->sense, sizeof(l->sense));
	}
	return l;
}

/* A PT or WUT failed before doing anything (fault knob): RRTI says so too. */
void odx_record_failure(struct odx_cmd *c)
{
	uint8_t sa = c->cdb[1] & 0x1f;

	if (c->cdb[0] == 0x83 && (sa == 0x10 || sa == 0x11))
		list_record(c, sa, 0, 0);
}

/* ---- the token store ---------------------------------------------------- */

static bool token_expired(const struct odx_token *t, uint64_t now)
{
	return now >= t->deadline_ms;
}

static void token_touch(struct odx_token *t)
{
	t->deadline_ms = odx_now_ms() + (uint64_t)t->timeout_s * 1000;
}

static void token_insert(struct odx_token *t)
{
	struct odx_token **pp;

	t->next = tokens;
	tokens = t;
	if (++nr_tokens <= ODX_MAX_TOKENS)
		return;
	for (pp = &tokens; (*pp)->next; pp = &(*pp)->next)
		;
	free(*pp);		/* forget the oldest */
	*pp = NULL;
	nr_tokens--;
}

static struct odx_token *token_find(const uint8_t *bytes)
{
	struct odx_token *t;

	for (t = tokens; t; t = t->next)
		if (!memcmp(t->bytes, bytes, ODX_TOKEN_LEN))
			return t;
	return NULL;
}

static bool ranges_overlap(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
	return an && bn && a < b + bn && b < a + an;
}

void odx_note_write(struct odx_dev *dev, uint64_t lba, uint64_t n)
{
	struct odx_token *t;
	unsigned int i;

	for (t = tokens; t; t = t->next) {
		if (t->state != TOK_VALID || t->dev != dev ||
		    t->rod_type == ODX_ROD_AUR)
			continue;
		for (i = 0; i < t->nr; i++) {
			if (ranges_overlap(t->r[i].lba, t->r[i].n, lba, n)) {
				odx_dbg("%s: write at %llu+%llu revokes token %llu",
					dev->name, (unsigned long long)lba,
					(unsigned long long)n,
					(unsigned long long)get_be64(t->bytes + 8));
				t->state = TOK_REVOKED;
				break;
			}
		}
	}
}

void odx_dev_gone(struct odx_dev *dev)
{
	struct odx_token *t;

	for (t = tokens; t; t = t->next) {
		if (t->dev == dev) {
			t->dev = NULL;
			t->state = TOK_REVOKED;
		}
	}
}

void odx_expire_all(void)
{
	struct odx_token *t;

	for (t = tokens; t; t = t->next)
		t->deadline_ms = 0;
}

/*
 * The ROD token (SBC-3 table "ROD token format" and the block device
 * specific part): type, length, our identifier, the creator LU as an
 * identification CSCD descriptor, the bytes it represents, the block size,
 * and random bytes so that tokens cannot be guessed.
 */
static void token_fill(struct odx_token *t, struct odx_dev *dev)
{
	uint8_t *b = t->bytes, *cscd = b + 16;

	memset(b, 0, ODX_TOKEN_LEN);
	put_be32(b, t->rod_type);
	put_be16(b + 6, ODX_TOKEN_LEN - 8);
	put_be64(b + 8, ++token_serial);
	cscd[0] = 0xe4;			/* identification descriptor CSCD */
	cscd[1] = 0x00;			/* direct access block device */
	cscd[4] = 0x01;			/* binary */
	cscd[5] = 0x03;			/* LU, NAA */
	cscd[7] = 16;
	memcpy(cscd + 8, dev->naa, 16);
	cscd[29] = dev->block_size >> 16;
	cscd[30] = dev->block_size >> 8;
	cscd[31] = dev->block_size;
	put_be64(b + 56, t->nblocks * t->block_size);	/* low half of 128 bits */
	put_be32(b + 88, dev->block_size);
	if (getrandom(b + 128, ODX_TOKEN_LEN - 128, 0) != ODX_TOKEN_LEN - 128) {
		uint64_t x = token_serial * 0x9e3779b97f4a7c15ull ^ odx_now_ms();
		int i;

		for (i = 128; i < ODX_TOKEN_LEN; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			b[i] = x;
		}
	}
}

/* ---- range descriptors ---------------------------------------------------- */

/*
 * Parse LEN bytes of block device range descriptors at BUF + OFF (OFF is
 * the field's offset in the parameter list, for the sense data).
 *
 * ddpt 0.97 (Debian 12's, and upstream still) writes its descriptors one
 * byte early: after sg3_utils' unaligned helpers replaced "pl[++n] = ..."
 * its loops still start at n = 15 (PT) and n = 535 (WUT), then the list
 * length overwrites the first LBA's top byte.  The "quirk ddpt" knob reads
 * that layout, so ddpt can still exercise everything else; a conforming
 * initiator must never need it.
 */
static bool parse_ranges(struct odx_cmd *c, const uint8_t *buf, size_t off,
			 size_t len, bool no_overlap, struct odx_range *r,
			 unsigned int *nr, uint64_t *total)
{
	unsigned int i, j, n = len / 16;

	if (len % 16 || !n) {
		cmd_invalid_field(c, false, off - 2);
		return false;
	}
	if (n > ODX_MAX_RANGES) {
		cmd_sense(c, SK_ILLEGAL_REQUEST, 0x26, 0x08);	/* too many segment descriptors */
		return false;
	}
	*total = 0;
	if (knobs_ddpt_quirk())
		off--;
	for (i = 0; i < n; i++) {
		r[i].lba = get_be64(buf + off + 16 * i);
		r[i].n = get_be32(buf + off + 16 * i + 8);
		if (knobs_ddpt_quirk() && !i)	/* MSB lost under the list length */
			r[i].lba &= 0x00ffffffffffffffull;
		if (!lba_range_ok(c, r[i].lba, r[i].n))
			return false;
		*total += r[i].n;
		for (j = 0; no_overlap && j < i; j++) {
			if (ranges_overlap(r[i].lba, r[i].n, r[j].lba, r[j].n)) {
				cmd_invalid_field(c, false, off + 16 * i);
				return false;
			}
		}
	}
	*nr = n;
	return true;
}

/* The parameter list of a PT or WUT: at least MIN bytes. */
static uint8_t *param_list(struct odx_cmd *c, size_t min, size_t *len)
{
	uint32_t plen = get_be32(c->cdb + 10);
	uint8_t *buf;

	if (plen < min) {
		cmd_invalid_field(c, true, 10);
		return NULL;
	}
	if (plen > c->data_len)
		plen = c->data_len;
	buf = calloc(1, plen + 1);
	if (!buf) {
		cmd_sense(c, SK_HARDWARE_ERROR, 0x55, 0x03);
		return NULL;
	}
	*len = cmd_data_out(c, buf, plen);
	if (*len < min || (size_t)get_be16(buf) + 2 > *len) {
		cmd_sense(c, SK_ILLEGAL_REQUEST, 0x1a, 0x00);	/* parameter list length error */
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- POPULATE TOKEN ---------------------------------------------------- */

void odx_populate_token(struct odx_cmd *c)
{
	struct odx_dev *dev = c->dev;
	struct odx_token *t;
	struct odx_list *l;
	uint32_t timeout, cap;
	uint64_t total, limit;
	size_t len;
	uint8_t *buf;
	unsigned int i;

	dev->st.pt_cmds++;
	buf = param_list(c, 16, &len);
	if (!buf)
		return;
	t = calloc(1, sizeof(*t));
	if (!t) {
		cmd_sense(c, SK_HARDWARE_ERROR, 0x55, 0x03);
		goto out;
	}
	t->rod_type = ODX_ROD_PIT_VULN;
	if (buf[2] & 0x02) {			/* RTV */
		uint32_t type = get_be32(buf + 8);

		if (type == ODX_ROD_AUR) {
			t->rod_type = type;
		} else if (type != ODX_ROD_PIT_VULN && type != ODX_ROD_PIT_DEFAULT) {
			cmd_invalid_field(c, false, 8);
			goto out;
		}
	}
	timeout = get_be32(buf + 4);
	if (timeout > MAX_TIMEOUT_S) {
		cmd_invalid_field(c, false, 4);
		goto out;
	}
	if (!timeout)
		timeout = DEFAULT_TIMEOUT_S;
	cap = knobs_token_timeout();
	if (cap && timeout > cap)
		timeout = cap;
	if (get_be16(buf + 14) > len - 16) {
		cmd_invalid_field(c, false, 14);
		goto out;
	}
	if (!parse_ranges(c, buf, 16, get_be16(buf + 14), false, t->r, &t->nr,
			  &total))
		goto out;
	if (!total || total > odx_max_token_blocks) {
		cmd_invalid_field(c, false, 14);
		goto out;
	}
	/* The pt-limit knob: the token represents only the first blocks. */
	limit = knobs_pt_limit();
	if (limit && total > limit) {
		uint64_t left = limit;

		for (i = 0; i < t->nr; i++) {
			if (t->r[i].n > left)
				t->r[i].n = left;
			left -= t->r[i].n;
		}
		total = limit;
	}
	t->dev = dev;
	t->block_size = dev->block_size;
	t->nblocks = total;
	t->timeout_s = timeout;
	token_fill(t, dev);
	token_touch(t);
	token_insert(t);
	l = list_record(c, 0x10, total, t->nr);
	memcpy(l->token, t->bytes, ODX_TOKEN_LEN);
	l->has_token = true;
	odx_dbg("%s: token %llu: %llu blocks in %u ranges, %u s",
		dev->name, (unsigned long long)token_serial,
		(unsigned long long)total, t->nr, timeout);
	t = NULL;
out:
	free(t);
	free(buf);
}

/* ---- WRITE USING TOKEN ----------------------------------------------------- */

/* Where a copy stands in the token's ranges, in bytes. */
struct rod_cursor {
	const struct odx_token *t;
	unsigned int i;
	uint64_t off;			/* bytes into range i */
};

static void rod_skip(struct rod_cursor *rc, uint64_t bytes)
{
	while (rc->i < rc->t->nr && bytes) {
		uint64_t left = (uint64_t)rc->t->r[rc->i].n * rc->t->block_size -
				rc->off;

		if (bytes < left) {
			rc->off += bytes;
			return;
		}
		bytes -= left;
		rc->i++;
		rc->off = 0;
	}
	while (rc->i < rc->t->nr && !rc->t->r[rc->i].n)
		rc->i++;
}

/* Copy LEN bytes from the ROD at RC to DST at byte offset DOFF. */
static int rod_copy(struct rod_cursor *rc, struct odx_dev *dst, uint64_t doff,
		    uint64_t len, uint8_t *buf)
{
	const struct odx_token *t = rc->t;
	int ret;

	while (len) {
		uint64_t soff = t->r[rc->i].lba * t->block_size + rc->off;
		uint64_t left = (uint64_t)t->r[rc->i].n * t->block_size - rc->off;
		size_t n = len < left ? len : left;

		if (n > COPY_CHUNK)
			n = COPY_CHUNK;
		ret = dev_pread(t->dev, buf, n, soff);
		if (!ret)
			ret = dev_pwrite(dst, buf, n, doff);
		if (ret)
			return ret;
		doff += n;
		len -= n;
		rod_skip(rc, n);
	}
	return 0;
}

static bool token_usable(struct odx_cmd *c, const uint8_t *tok,
			 struct odx_token **tp)
{
	struct odx_token *t;

	if (get_be16(tok + 6) != ODX_TOKEN_LEN - 8) {
		cmd_sense(c, SK_ILLEGAL_REQUEST, 0x23, 0x0a);	/* invalid token length */
		return false;
	}
	t = token_find(tok);
	if (!t) {
		cmd_sense(c, SK_ILLEGAL_REQUEST, 0x23, 0x04);	/* token unknown */
		return false;
	}
	if (t->state == TOK_REVOKED || !t->dev) {
		cmd_sense(c, SK_ILLEGAL_REQUEST, 0x23, 0x06);	/* token revoked */
		return false;
	}
	if (t->state == TOK_DELETED) {
		cmd_sense(c, SK_ILLEGAL_REQUEST, 0x23, 0x09);	/* token deleted */
		return false;
	}
	if (token_expired(t, odx_now_ms())) {
		cmd_sense(c, SK_ILLEGAL_REQUEST, 0x23, 0x07);	/* token expired */
		return false;
	}
	*tp = t;
	return true;
}

void odx_write_using_token(struct odx_cmd *c)
{
	struct odx_dev *dev = c->dev;
	struct odx_range r[ODX_MAX_RANGES];
	struct odx_token *t = NULL;
	struct rod_cursor rc;
	uint64_t total, todo, done = 0, oir, limit, rod_bytes, skip;
	uint32_t bs = dev->block_size;
	uint8_t *buf, *copy = NULL;
	unsigned int nr, i, j;
	bool zero, del;
	size_t len;
	int ret = 0;

	dev->st.wut_cmds++;
	buf = param_list(c, 536, &len);
	if (!buf)
		return;
	del = buf[2] & 0x02;
	oir = get_be64(buf + 8);
	if (get_be16(buf + 534) > len - 536) {
		cmd_invalid_field(c, false, 534);
		goto out;
	}
	if (!parse_ranges(c, buf, 536, get_be16(buf + 534), true, r, &nr, &total))
		goto out;
	zero = get_be32(buf + 16) == ODX_ROD_ZERO;
	if (zero) {
		todo = total;
	} else {
		if (!token_usable(c, buf + 16, &t))
			goto out;
		rod_bytes = t->nblocks * t->block_size;
		skip = oir * bs;
		if (oir > rod_bytes / bs || skip >= rod_bytes) {
			cmd_invalid_field(c, false, 8);
			goto out;
		}
		todo = (rod_bytes - skip) / bs;
		if (todo > total)
			todo = total;
		/* The ROD and the destination may not overlap on one LU. */
		for (i = 0; t->dev == dev && i < nr; i++)
			for (j = 0; j < t->nr; j++)
				if (ranges_overlap(r[i].lba, r[i].n, t->r[j].lba,
						   t->r[j].n)) {
					cmd_invalid_field(c, false, 536 + 16 * i);
					goto out;
				}
		copy = malloc(COPY_CHUNK);
		if (!copy) {
			cmd_sense(c, SK_HARDWARE_ERROR, 0x55, 0x03);
			goto out;
		}
		rc.t = t;
		rc.i = 0;
		rc.off = 0;
		rod_skip(&rc, skip);
		token_touch(t);
	}
	limit = knobs_wut_limit();
	if (limit && todo > limit)
		todo = limit;

	for (i = 0; i < nr && done < todo && !ret; i++) {
		uint64_t n = r[i].n < todo - done ? r[i].n : todo - done;

		if (!n)
			continue;
		if (zero)
			ret = dev_zero(dev, r[i].lba * bs, n * bs);
		else
			ret = rod_copy(&rc, dev, r[i].lba * bs, n * bs, copy);
		if (ret)
			break;
		odx_note_write(dev, r[i].lba, n);
		done += n;
	}
	if (zero)
		dev->st.zero_bytes += done * bs;
	else
		dev->st.wut_bytes += done * bs;
	if (ret) {
		odx_log("%s: WUT: %s", dev->name, strerror(-ret));
		cmd_sense(c, SK_COPY_ABORTED, 0x0d, 0x01);	/* third party device failure */
	} else if (t && del) {
		t->state = TOK_DELETED;
	}
	list_record(c, 0x11, done, i);
	odx_dbg("%s: WUT %s: %llu of %llu blocks (offset %llu)", dev->name,
		zero ? "zero" : "token", (unsigned long long)done,
		(unsigned long long)total, (unsigned long long)oir);
out:
	free(copy);
	free(buf);
}

/* ---- RECEIVE ROD TOKEN INFORMATION ------------------------------------------ */

void odx_rrti(struct odx_cmd *c)
{
	uint32_t list_id = get_be32(c->cdb + 2);
	uint32_t alloc = get_be32(c->cdb + 10);
	uint8_t buf[32 + TCMU_SENSE_BUFFERSIZE + 4 + 2 + ODX_TOKEN_LEN];
	struct odx_list *l = NULL;
	uint8_t *p;
	size_t n;
	int i;

	c->dev->st.rrti_cmds++;
	for (i = 0; i < ODX_MAX_LISTS; i++)
		if (c->dev->lists[i].used && c->dev->lists[i].list_id == list_id)
			l = &c->dev->lists[i];
	if (!l) {
		cmd_invalid_field(c, true, 2);
		return;
	}
	memset(buf, 0, sizeof(buf));
	buf[4] = l->sa;
	if (odx_now_ms() < l->done_ms + knobs_rrti_busy()) {
		/* rrti-busy knob: still "in progress", ask again in 100 ms */
		buf[5] = 0x10;
		put_be32(buf + 8, 100);
		put_be32(buf, 28);
		cmd_data_in(c, buf, alloc < 32 ? alloc : 32);
		return;
	}
	buf[5] = l->cstat;
	buf[12] = l->cstat == 0x01 ? SAM_GOOD : SAM_CHECK_CONDITION;
	buf[13] = l->sense_len;
	buf[14] = l->sense_len;
	buf[15] = 0xf1;			/* transfer count in logical blocks */
	put_be64(buf + 16, l->tc);
	put_be16(buf + 24, l->segs);
	memcpy(buf + 32, l->sense, l->sense_len);
	p = buf + 32 + l->sense_len;
	if (l->has_token) {
		put_be32(p, 2 + ODX_TOKEN_LEN);
		memcpy(p + 6, l->token, ODX_TOKEN_LEN);
		n = p + 6 + ODX_TOKEN_LEN - buf;
	} else {
		n = p + 4 - buf;
	}
	put_be32(buf, n - 4);
	cmd_data_in(c, buf, alloc < n ? alloc : n);
	l->used = false;		/* reported: forget it */
}
