// SPDX-License-Identifier: MIT
/*
 * libcopyoffload: COPY without the module.
 *
 * Per range: a reflink when sharing is allowed; then, walking the source's
 * data and holes (SEEK_DATA / SEEK_HOLE), data by copy_file_range(2) where
 * that cannot create shared extents, else by pread/pwrite in CO_RW_CHUNK
 * pieces, and holes kept as holes (punched where the destination had data,
 * made by extending the destination past its EOF).
 *
 * bytes_done grows only once bytes are really in the destination, in
 * order from the start of the range, so it stays true when a call fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "internal.h"

#ifndef OCFS2_SUPER_MAGIC
#define OCFS2_SUPER_MAGIC	0x7461636f
#endif
#ifndef BCACHEFS_SUPER_MAGIC
#define BCACHEFS_SUPER_MAGIC	0xca451a4e
#endif
#ifndef OVERLAYFS_SUPER_MAGIC
#define OVERLAYFS_SUPER_MAGIC	0x794c7630
#endif
#define CO_ZFS_SUPER_MAGIC	0x2fc12fc1

struct co_copy {
	struct co_work *w;
	bool use_cfr;		/* copy_file_range(2) still worth trying */
	uint64_t dst_size;	/* the destination's size as we made it */
};

/*
 * Filesystems on which copy_file_range(2) between two of their files may
 * share extents: the VFS clones within one superblock when the filesystem
 * can (fs/read_write.c, "we implement copy on same sb using clone"), and
 * overlayfs and ZFS pass the copy to something that may clone.  Two files
 * of one such type may be on one superblock (btrfs subvolumes have their own
 * st_dev and f_fsid), so the type alone decides; copy_file_range(2) between
 * two superblocks of these types fails with EXDEV anyway.
 */
static bool co_cfr_may_share(int src_fd, int dst_fd)
{
	static const unsigned long types[] = {
		XFS_SUPER_MAGIC, BTRFS_SUPER_MAGIC, OCFS2_SUPER_MAGIC,
		BCACHEFS_SUPER_MAGIC, OVERLAYFS_SUPER_MAGIC,
		CO_ZFS_SUPER_MAGIC,
	};
	struct statfs s, d;
	unsigned int i;

	if (fstatfs(src_fd, &s) < 0 || fstatfs(dst_fd, &d) < 0)
		return true;	/* cannot tell: be safe */
	if (s.f_type != d.f_type)
		return false;
	for (i = 0; i < ARRAY_SIZE(types); i++)
		if ((unsigned long)s.f_type == types[i])
			return true;
	return false;
}

/*
 * XFS answered SEEK_DATA/SEEK_HOLE from the data fork alone while a range
 * had CoW-fork extents after a reflink, until 4b2f459d8625 (DESIGN.md,
 * section 3): write the source range back first, so that both forks agree
 * before the walk trusts them.
 */
static void co_flush_source(const struct co_work *w)
{
	struct statfs s;

	if (fstatfs(w->src.fd, &s) == 0 && s.f_type == XFS_SUPER_MAGIC)
		sync_file_range(w->src.fd, w->r->src_off, w->len,
				SYNC_FILE_RANGE_WAIT_BEFORE |
				SYNC_FILE_RANGE_WRITE |
				SYNC_FILE_RANGE_WAIT_AFTER);
}

/* The request's buffer, page-aligned for O_DIRECT descriptors, or NULL. */
static void *co_buf(struct co_copy *c)
{
	struct co_fallback *fb = c->w->fb;

	if (!fb->buf && posix_memalign(&fb->buf, 4096, CO_RW_CHUNK))
		fb->buf = NULL;
	return fb->buf;
}

static void co_grew(struct co_copy *c, uint64_t pos)
{
	uint64_t end = c->w->r->dst_off + pos;

	if (end > c->dst_size)
		c->dst_size = end;
}

/*
 * Write len bytes at range position pos, counting them as method as they
 * land; returns len or -errno (the bytes before the error stay counted).
 */
static ssize_t co_write_all(struct co_copy *c, uint64_t pos, const char *buf,
			    size_t len, unsigned int method)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = CO_RETRY(pwrite(c->w->dst.fd, buf + done, len - done,
				    c->w->r->dst_off + pos + done));
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		co_account(c->w, method, n);
		done += n;
		co_grew(c, pos + done);
	}
	return done;
}

static size_t co_min(uint64_t a, size_t b)
{
	return a < b ? a : b;
}

/* Zeroes where the destination cannot punch a hole. */
static int co_write_zeroes(struct co_copy *c, uint64_t pos, uint64_t end)
{
	char *buf = co_buf(c);
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	memset(buf, 0, CO_RW_CHUNK);
	for (; pos < end; pos += n) {
		n = co_write_all(c, pos, buf, co_min(end - pos, CO_RW_CHUNK),
				 CO_LIB_M(COPYOFFLOAD_LIB_USERSPACE));
		if (n < 0)
			return n;
	}
	return 0;
}

static int co_punch(const struct co_copy *c, uint64_t pos, uint64_t end)
{
	uint64_t off = c->w->r->dst_off;

	if (CO_RETRY(fallocate(c->w->dst.fd,
			       FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       off + pos, end - pos)) < 0)
		return -errno;
	return 0;
}

/*
 * The source has a hole at range positions pos..end.  Below the
 * destination's EOF it is punched (or, where the filesystem cannot punch,
 * written as zeroes); past it the destination is extended, and punched
 * again so that no speculative preallocation stays in the new hole.
 */
static int co_copy_hole(struct co_copy *c, uint64_t pos, uint64_t end)
{
	uint64_t off = c->w->r->dst_off;
	uint64_t old = c->dst_size > off ? c->dst_size - off : 0;
	uint64_t mid = end < old ? end : old;
	int err;

	if (pos < mid) {
		err = co_punch(c, pos, mid);
		if (err == -EOPNOTSUPP || err == -ENOSYS)
			err = co_write_zeroes(c, pos, mid);
		else if (!err)
			co_account(c->w, COPYOFFLOAD_METHOD_HOLE, mid - pos);
		if (err)
			return err;
		pos = mid;
	}
	if (pos < end) {
		if (CO_RETRY(ftruncate(c->w->dst.fd, off + end)) < 0)
			return -errno;
		co_grew(c, end);
		co_punch(c, pos, end);	/* only tidies: ignore failure */
		co_account(c->w, COPYOFFLOAD_METHOD_HOLE, end - pos);
	}
	return 0;
}

/* Errnos after which copy_file_range(2) will not serve this range. */
static bool co_cfr_unsupported(int err)
{
	return err == EXDEV || err == EOPNOTSUPP || err == EINVAL ||
	       err == ENOSYS;
}

/*
 * Bytes copied by one copy_file_range(2) call, or 0 after which the caller
 * goes on with read/write, or -errno.
 */
static ssize_t co_cfr_step(struct co_copy *c, uint64_t pos, uint64_t end)
{
	loff_t in = c->w->r->src_off + pos, out = c->w->r->dst_off + pos;
	ssize_t n;

	n = CO_RETRY(copy_file_range(c->w->src.fd, &in, c->w->dst.fd, &out,
				     co_min(end - pos, CO_CFR_CHUNK), 0));
	if (n > 0) {
		co_account(c->w, CO_LIB_M(COPYOFFLOAD_LIB_COPY_FILE_RANGE), n);
		co_grew(c, pos + n);
		return n;
	}
	if (n < 0 && !co_cfr_unsupported(errno))
		return -errno;
	c->use_cfr = false;
	return 0;
}

/* Bytes copied by one read and its writes, 0 at the source's EOF, -errno. */
static ssize_t co_rw_step(struct co_copy *c, uint64_t pos, uint64_t end)
{
	char *buf = co_buf(c);
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	n = CO_RETRY(pread(c->w->src.fd, buf, co_min(end - pos, CO_RW_CHUNK),
			   c->w->r->src_off + pos));
	if (n <= 0)
		return n < 0 ? -errno : 0;
	return co_write_all(c, pos, buf, n, CO_LIB_M(COPYOFFLOAD_LIB_USERSPACE));
}

/* Data at range positions pos..end: 0, 1 when the source ended, -errno. */
static int co_copy_data(struct co_copy *c, uint64_t pos, uint64_t end)
{
	bool cfr;
	ssize_t n;

	while (pos < end) {
		cfr = c->use_cfr;
		n = cfr ? co_cfr_step(c, pos, end) : co_rw_step(c, pos, end);
		if (n < 0)
			return n;
		if (!n && !cfr)
			return 1;
		pos += n;
	}
	return 0;
}

/*
 * The next data segment of the source at or after range position pos:
 * *data..*hole, both c->w->len when only a hole is left.  A filesystem
 * without SEEK_DATA is all data.
 */
static void co_next_data(const struct co_copy *c, uint64_t pos,
			 uint64_t *data, uint64_t *hole)
{
	int fd = c->w->src.fd;
	uint64_t base = c->w->r->src_off, len = c->w->len;
	off_t d, h;

	*data = *hole = len;
	d = lseek(fd, base + pos, SEEK_DATA);
	if (d < 0) {
		if (errno != ENXIO)
			*data = pos;
		return;
	}
	if ((uint64_t)d >= base + len)
		return;
	*data = d - base;
	h = lseek(fd, d, SEEK_HOLE);
	if (h >= 0 && (uint64_t)h < base + len)
		*hole = h - base;
}

static int co_copy_walk(struct co_copy *c)
{
	uint64_t pos = 0, data, hole;
	int ret;

	while (pos < c->w->len) {
		co_next_data(c, pos, &data, &hole);
		if (data > pos) {
			ret = co_copy_hole(c, pos, data);
			if (ret)
				return ret;
		}
		if (hole > data) {
			ret = co_copy_data(c, data, hole);
			if (ret)
				return ret < 0 ? ret : 0;
		}
		pos = hole;
	}
	return 0;
}

/*
 * The walk moves the source's file offset: put it back, the caller may
 * share that descriptor with code that reads it sequentially.
 */
static int co_copy_moved(struct co_copy *c)
{
	int fd = c->w->src.fd;
	off_t saved = lseek(fd, 0, SEEK_CUR);
	int ret;

	co_flush_source(c->w);
	ret = co_copy_walk(c);
	if (saved >= 0)
		lseek(fd, saved, SEEK_SET);
	return ret;
}

/* A range cut to its budget and done that far stopped part-way. */
static int co_copy_status(const struct co_work *w, bool bounded, int status)
{
	if (bounded && status == COPYOFFLOAD_STATUS_OK &&
	    w->r->bytes_done == w->len)
		return COPYOFFLOAD_STATUS_STOPPED;
	return status;
}

static int co_copy_bounded(struct co_work *w)
{
	uint64_t flags = w->fb->rq->flags;
	struct co_copy c = { .w = w, .dst_size = w->dst.stx.stx_size };
	int err;

	if (!w->len)
		return COPYOFFLOAD_STATUS_OK;
	if (flags & (COPYOFFLOAD_F_ALLOW_SHARE | COPYOFFLOAD_F_REQUIRE_SHARE)) {
		err = co_ficlone(w, w->len);
		if (!err) {
			co_account(w, COPYOFFLOAD_METHOD_CLONE, w->len);
			return COPYOFFLOAD_STATUS_OK;
		}
		if (flags & COPYOFFLOAD_F_REQUIRE_SHARE)
			return err;
		c.use_cfr = true;
	} else {
		c.use_cfr = !co_cfr_may_share(w->src.fd, w->dst.fd);
	}
	/* Without the module nothing but a clone keeps data off the host. */
	if (flags & COPYOFFLOAD_F_NO_FALLBACK)
		return -EOPNOTSUPP;
	return co_copy_moved(&c);
}

int co_copy_range(struct co_work *w)
{
	bool bounded;

	w->len = co_bounded(w, co_effective_len(w->r, w->src.stx.stx_size),
			    &bounded);
	if (bounded && !w->len)
		return COPYOFFLOAD_STATUS_NOT_RUN;
	return co_copy_status(w, bounded, co_copy_bounded(w));
}
