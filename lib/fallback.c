// SPDX-License-Identifier: MIT
/*
 * libcopyoffload: CLONE and DEDUPE without the module, and the loop that
 * runs a request's ranges.
 *
 * CLONE is FICLONERANGE per range and stops at the first failure; DEDUPE is
 * FIDEDUPERANGE per range in COPYOFFLOAD_DEDUPE_PIECE pieces; COPY lives in
 * copy.c.  For the first functions every range worked on gets
 * COPYOFFLOAD_LIB_M_NO_MODULE and the library's method bits 16 and 17.
 *
 * max_bytes bounds a request as the module bounds one: each range may do
 * what is left of it, in whole COPYOFFLOAD_MAX_BYTES_ALIGN units, and a
 * range cut short that way ends COPYOFFLOAD_STATUS_STOPPED.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <linux/fs.h>

#include "internal.h"

void co_account(struct co_work *w, unsigned int method, uint64_t bytes)
{
	struct co_tally *t = w->fb->t;

	if (!bytes)
		return;
	w->r->bytes_done += bytes;
	t->bytes_done += bytes;
	if (method < COPYOFFLOAD_METHODS_MAX) {
		w->r->methods |= 1U << method;
		t->method_bytes[method] += bytes;
		return;
	}
	method -= COPYOFFLOAD_METHODS_MAX;
	t->lib_bytes[method] += bytes;
	if (w->fb->rq->legacy)
		w->r->methods |= 1U << (COPYOFFLOAD_LIB_METHOD_COPY_FILE_RANGE +
					method);
}

/*
 * LEN cut to the range's budget, in whole COPYOFFLOAD_MAX_BYTES_ALIGN units
 * (0: not one fits, the range is not started); *BOUNDED says whether it was.
 */
uint64_t co_bounded(struct co_work *w, uint64_t len, bool *bounded)
{
	*bounded = w->budget && len > w->budget;
	if (!*bounded)
		return len;
	return w->budget - w->budget % COPYOFFLOAD_MAX_BYTES_ALIGN;
}

/* Share len bytes (0: to the source's EOF) of the range; 0 or -errno. */
int co_ficlone(const struct co_work *w, uint64_t len)
{
	struct file_clone_range fcr = {
		.src_fd = w->src.fd,
		.src_offset = w->r->src_off,
		.src_length = len,
		.dest_offset = w->r->dst_off,
	};

	if (CO_RETRY(ioctl(w->dst.fd, FICLONERANGE, &fcr)) < 0)
		return -errno;
	return 0;
}

static int co_clone_range(struct co_work *w)
{
	const struct copyoffload_range *r = w->r;
	bool to_eof = r->len == COPYOFFLOAD_LEN_TO_EOF;
	uint64_t len = to_eof ? 0 : r->len;
	struct co_file now;
	int err;

	err = co_ficlone(w, len);
	if (err)
		return err;
	if (to_eof) {
		/* What FICLONERANGE took as EOF: measure it now. */
		err = co_file_get(&now, w->src.fd);
		if (err)
			return err;
		len = co_effective_len(r, now.stx.stx_size);
	}
	co_account(w, COPYOFFLOAD_METHOD_CLONE, len);
	return COPYOFFLOAD_STATUS_OK;
}

/*
 * One FIDEDUPERANGE call: COPYOFFLOAD_STATUS_SAME with *done set,
 * COPYOFFLOAD_STATUS_DIFFERS or -errno.
 */
static int co_dedupe_piece(const struct co_work *w, uint64_t off,
			   uint64_t len, uint64_t *done)
{
	union {
		struct file_dedupe_range fdr;
		char buf[sizeof(struct file_dedupe_range) +
			 sizeof(struct file_dedupe_range_info)];
	} u = {
		.fdr = {
			.src_offset = w->r->src_off + off,
			.src_length = len,
			.dest_count = 1,
		},
	};
	struct file_dedupe_range_info *info = &u.fdr.info[0];

	info->dest_fd = w->dst.fd;
	info->dest_offset = w->r->dst_off + off;
	if (CO_RETRY(ioctl(w->src.fd, FIDEDUPERANGE, &u.fdr)) < 0)
		return -errno;
	if (info->status < 0)
		return info->status;
	if (info->status == FILE_DEDUPE_RANGE_DIFFERS)
		return COPYOFFLOAD_STATUS_DIFFERS;
	*done = info->bytes_deduped < len ? info->bytes_deduped : len;
	return COPYOFFLOAD_STATUS_SAME;
}

/*
 * The filesystem may dedupe less than asked (btrfs caps one call): go on
 * from where it stopped; nothing deduped with SAME means it reached the end.
 */
static int co_dedupe_range(struct co_work *w)
{
	const struct copyoffload_range *r = w->r;
	uint64_t len = r->len, pos = 0, piece, done;
	int status = COPYOFFLOAD_STATUS_SAME;
	bool bounded;

	if (len == COPYOFFLOAD_LEN_TO_EOF)
		len = co_effective_len(r, w->src.stx.stx_size);
	len = co_bounded(w, len, &bounded);
	if (bounded && !len)
		return COPYOFFLOAD_STATUS_NOT_RUN;
	while (pos < len) {
		piece = len - pos;
		if (piece > COPYOFFLOAD_DEDUPE_PIECE)
			piece = COPYOFFLOAD_DEDUPE_PIECE;
		done = 0;
		status = co_dedupe_piece(w, pos, piece, &done);
		if (status != COPYOFFLOAD_STATUS_SAME || !done)
			break;
		co_account(w, COPYOFFLOAD_METHOD_CLONE, done);
		pos += done;
	}
	if (bounded && status == COPYOFFLOAD_STATUS_SAME && pos == len)
		status = COPYOFFLOAD_STATUS_STOPPED;
	return status;
}

static int co_run_range(struct co_fallback *fb, struct copyoffload_range *r,
			uint64_t budget)
{
	struct co_work w = { .fb = fb, .r = r, .budget = budget };
	int err;

	/* Fresh attributes: the files may have changed since validation. */
	err = co_file_get(&w.src, r->src_fd);
	if (!err)
		err = co_file_get(&w.dst, r->dst_fd);
	if (err)
		return err;
	switch (fb->rq->op) {
	case COPYOFFLOAD_OP_CLONE:
		return co_clone_range(&w);
	case COPYOFFLOAD_OP_DEDUPE:
		return co_dedupe_range(&w);
	default:
		return co_copy_range(&w);
	}
}

/* What the next range may do under max_bytes: 0 means stop before it. */
static uint64_t co_budget(const struct co_fallback *fb)
{
	uint64_t max = fb->rq->max_bytes;

	return max ? max - fb->t->bytes_done : UINT64_MAX;
}

int co_fallback_run(struct co_fallback *fb)
{
	const struct co_request *rq = fb->rq;
	struct copyoffload_range *r;
	uint64_t budget;
	unsigned int i;
	int err;

	err = co_check_ranges(rq);
	if (err)
		return err;
	for (i = 0; i < rq->nr; i++) {
		budget = co_budget(fb);
		if (!budget) {
			fb->t->stop = COPYOFFLOAD_STOP_MAX_BYTES;
			break;
		}
		r = co_range_at(rq, i);
		r->status = co_run_range(fb, r,
					 budget == UINT64_MAX ? 0 : budget);
		if (rq->legacy)
			r->methods |= COPYOFFLOAD_LIB_M_NO_MODULE;
		if (r->status == COPYOFFLOAD_STATUS_STOPPED ||
		    r->status == COPYOFFLOAD_STATUS_NOT_RUN) {
			fb->t->stop = COPYOFFLOAD_STOP_MAX_BYTES;
			break;
		}
		fb->t->nr_processed++;
		if (rq->op == COPYOFFLOAD_OP_CLONE && r->status < 0)
			break;
	}
	free(fb->buf);
	fb->buf = NULL;
	return 0;
}
