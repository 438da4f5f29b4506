// SPDX-License-Identifier: GPL-2.0
/*
 * copyoffload: where a file's bytes are on its disk, for storage offload.
 *
 * Physical addresses come from the kernel only, never through memory the
 * caller can write (->fiemap writes through copy_to_user(), and a sibling
 * thread could rewrite what the module reads back).  Two mappers:
 *
 * Layout (xfs): the export block ops of the pNFS SCSI layout server.
 *   ->map_blocks() hands out one extent at a time in kernel memory and, for
 *   a destination, allocates what is not allocated yet as unwritten
 *   extents; ->commit_blocks() turns them written once the data is there,
 *   and sets the size and the times.  Both take the inode's iolock
 *   themselves, so they are called with no inode lock held; what keeps the
 *   mapping true until the device command is done is what keeps it true
 *   for pNFS clients: a layout lease (FL_LAYOUT) on each file, taken before
 *   mapping and dropped after committing.  xfs breaks layouts before every
 *   operation that moves or frees blocks (truncate, hole punching,
 *   fallocate, reflink, writes) and waits for the holder to let go, so
 *   nothing can free or move a mapped block while a lease is held.  A
 *   broken lease is noticed before the device command is sent (the caller
 *   checks co_lease_broken() with the inodes locked) and the batch is
 *   redone or left to the next method.  If the device copy fails the
 *   unwritten extents are not committed and read as zeroes: nothing stale
 *   is ever exposed.
 *
 * Block map (ext4, which has no export block ops and breaks no layouts):
 *   bmap(), one block at a time, written blocks only (unwritten, holes,
 *   delalloc and inline data all read as 0).  ext4 takes the inode lock in
 *   ->bmap(), so mapping happens before the inodes are locked, and the
 *   caller then checks, with the inodes locked, that the inode's change
 *   counter (i_version, always on for ext4) has not moved: every change to
 *   the block map that frees blocks (truncate, punch, collapse, zero range)
 *   marks the inode dirty and so bumps it.  EXT4_IOC_MOVE_EXT (online
 *   defrag) can move blocks without dirtying the inode, so this path is
 *   only offered to callers with CAP_SYS_RAWIO (the capability FIBMAP
 *   itself requires), who can read and write the disk's blocks anyway.
 */
#include <linux/fs.h>
#include <linux/blkdev.h>
#include <linux/iversion.h>
#include <linux/slab.h>

#include "copyoffload.h"
#include "compat/compat-layout.h"

/* --- layout leases --- */

static bool co_lease_break(co_lease_t *fl)
{
	struct co_lease *l = co_lease_owner(fl);

	atomic_set(&l->broken, 1);
	/* never time out: the breaker waits until the device copy is done */
	fl->fl_break_time = 0;
	return false;
}

#ifdef COMPAT_HAVE_LM_OPEN_CONFLICT
/* A layout lease conflicts with no open (as check_conflicting_open() had). */
static int co_lease_open_conflict(struct file *file, int arg)
{
	return 0;
}
#endif

static co_lease_ops_t co_lease_ops = {
	.lm_break	= co_lease_break,
	.lm_change	= lease_modify,
#ifdef COMPAT_HAVE_LM_OPEN_CONFLICT
	.lm_open_conflict = co_lease_open_conflict,
#endif
};

/* Take a layout lease on FILE; the module, not the caller, holds it. */
int co_lease_take(struct co_lease *l, struct file *file)
{
	co_lease_t *fl = co_lease_alloc();
	int ret;

	if (!fl)
		return -ENOMEM;
	atomic_set(&l->broken, 0);
	l->file = NULL;
	co_lease_init(fl, file, l, &co_lease_ops);
	ret = co_setlease(file, F_RDLCK, &fl, NULL);
	if (fl)
		co_lease_free(fl);
	if (!ret)
		l->file = file;
	return ret;
}

void co_lease_drop(struct co_lease *l)
{
	void *owner = l;

	if (!l->file)
		return;
	co_setlease(l->file, F_UNLCK, NULL, &owner);
	l->file = NULL;
}

bool co_lease_broken(const struct co_lease *l)
{
	return atomic_read(&l->broken);
}

bool co_layout_capable(struct inode *inode)
{
	return co_has_block_ops(inode->i_sb);
}

/* --- mappers --- */

static int co_map_add(struct co_map *m, loff_t pos, u64 len, u64 addr,
		      bool unwritten)
{
	struct co_ext *e = m->nr ? &m->ext[m->nr - 1] : NULL;

	if (e && e->pos + e->len == pos && e->addr + e->len == addr &&
	    e->unwritten == unwritten) {
		e->len += len;
		return 0;
	}
	if (m->nr == CO_MAP_MAX)
		return -ENOSPC;
	e = &m->ext[m->nr++];
	e->pos = pos;
	e->len = len;
	e->addr = addr;
	e->unwritten = unwritten;
	return 0;
}

/*
 * Map [POS, POS + LEN) of INODE through the export block ops into M, with
 * addresses in bytes on the partition.  A source (WRITE false) maps written
 * extents only; a destination (WRITE true) gets what is not allocated
 * allocated, unwritten.  Stops at the first extent that cannot be used.
 * Returns the bytes mapped from POS on, or a negative errno.
 */
static s64 co_map_layout(struct inode *inode, loff_t pos, u64 len, bool write,
			 struct co_map *m)
{
	loff_t end = pos + len, at = pos;
	struct iomap iomap;
	int ret;

	while (at < end) {
		u64 skip, n;

		memset(&iomap, 0, sizeof(iomap));
		ret = co_map_blocks(inode, at, end - at, &iomap, write);
		if (ret)
			return at > pos ? at - pos : ret;
		if (iomap.offset > at || iomap.offset + iomap.length <= at)
			break;		/* not what was asked for */
		if (iomap.type != IOMAP_MAPPED &&
		    !(write && iomap.type == IOMAP_UNWRITTEN))
			break;
		if (iomap.bdev && iomap.bdev != inode->i_sb->s_bdev)
			break;		/* another device (rt, log) */
		skip = at - iomap.offset;
		n = min_t(u64, iomap.length - skip, end - at);
		if (co_map_add(m, at, n, iomap.addr + skip,
			       iomap.type == IOMAP_UNWRITTEN))
			break;
		at += n;
	}
	return at - pos;
}

/* The same through bmap(): written blocks only, never allocates. */
static s64 co_map_bmap(struct inode *inode, loff_t pos, u64 len,
		       struct co_map *m)
{
	unsigned int bits = inode->i_blkbits;
	loff_t end = pos + len, at = pos;
	sector_t blk;
	int ret;

	if ((pos | len) & ((1U << bits) - 1))
		return -EINVAL;
	while (at < end) {
		blk = at >> bits;
		ret = bmap(inode, &blk);
		if (ret || !blk)
			break;
		if (co_map_add(m, at, 1U << bits, (u64)blk << bits, false))
			break;
		at += 1U << bits;
		if (!(blk & 255))
			cond_resched();
	}
	return at - pos;
}

s64 co_map(struct inode *inode, loff_t pos, u64 len, bool layout, bool write,
	   struct co_map *m)
{
	m->nr = 0;
	if (layout)
		return co_map_layout(inode, pos, len, write, m);
	return co_map_bmap(inode, pos, len, m);
}

/*
 * Commit the unwritten extents of M that lie in [POS, POS + LEN) (the part
 * whose data the device copy wrote) and grow the size to at least
 * POS + LEN.  Nothing outside that span is committed: it stays unwritten.
 */
int co_layout_commit(struct inode *inode, const struct co_map *m, loff_t pos,
		     u64 len)
{
	loff_t end = pos + len;
	struct iomap *maps;
	unsigned int i;
	int nr = 0, ret;

	maps = kcalloc(m->nr ? m->nr : 1, sizeof(*maps), GFP_KERNEL);
	if (!maps)
		return -ENOMEM;
	for (i = 0; i < m->nr; i++) {
		const struct co_ext *e = &m->ext[i];
		loff_t s = max_t(loff_t, e->pos, pos);
		loff_t t = min_t(loff_t, e->pos + e->len, end);

		if (!e->unwritten || s >= t)
			continue;
		maps[nr].offset = s;
		maps[nr].length = t - s;
		maps[nr].type = IOMAP_UNWRITTEN;
		nr++;
	}
	ret = co_commit_blocks(inode, maps, nr, end);
	kfree(maps);
	return ret;
}

bool co_map_needs_commit(struct inode *inode, const struct co_map *m,
			 loff_t end)
{
	unsigned int i;

	if (end > i_size_read(inode))
		return true;
	for (i = 0; i < m->nr; i++)
		if (m->ext[i].unwritten && m->ext[i].pos < end)
			return true;
	return false;
}

/* The i_version snapshot the bmap mapper is validated against. */
u64 co_map_cookie(struct inode *inode)
{
	return inode_query_iversion(inode);
}

bool co_map_cookie_valid(struct inode *inode, u64 cookie)
{
	return inode_peek_iversion(inode) == cookie;
}
