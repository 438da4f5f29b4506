// SPDX-License-Identifier: GPL-2.0
/*
 * copyoffload: where a file's bytes are on its disk, for storage offload.
 *
 * The rules, which offload.c relies on and a reviewer can check here:
 *
 * 1. Physical addresses come from the kernel only, never through memory the
 *    caller can write (->fiemap writes through copy_to_user(), and a sibling
 *    thread could rewrite what the module reads back).
 *
 * 2. A mapping is used only under the locks that every mover of blocks
 *    takes, and only if it is proved current there.  On xfs and ext4 every
 *    operation that frees or moves a regular file's written blocks holds
 *    the inode's i_rwsem: truncate, hole punching, collapse/insert/zero
 *    range, reflink and dedupe, XFS_IOC_SWAPEXT and XFS_IOC_EXCHANGE_RANGE,
 *    EXT4_IOC_MOVE_EXT, and xfs's trimming of blocks past EOF
 *    (xfs_free_eofblocks(), on close of a writable file or from the blockgc
 *    worker, only ever trylocks the iolock).  Each of them also logs or
 *    dirties the inode, which bumps its change counter (i_version) once the
 *    counter has been queried.  So: the counter is queried (co_map_cookie)
 *    before the blocks are mapped, the mapping is taken without inode locks
 *    (->bmap takes them itself on some kernels), and offload.c compares the
 *    counter again with the inodes locked, before every device command; a
 *    changed counter means the mapping is thrown away and taken again.
 *    While a command runs the source's i_rwsem is held shared and the
 *    destination's exclusively, so no mover can run.  A filesystem without
 *    i_version (xfs v4) is never offloaded.
 *
 * 3. Nothing past EOF is ever mapped, so xfs's EOF trimming has nothing of
 *    ours to free.  A destination is grown through the filesystem
 *    (fallocate) before it is mapped, which also zeroes a partial block at
 *    the old EOF and applies RLIMIT_FSIZE as the filesystem does.
 *
 * 4. Written blocks only, through bmap() one block at a time: holes,
 *    unwritten and delalloc blocks, inline data and (xfs) any inode that
 *    has ever shared blocks map to 0 and end the mapping there.  The one
 *    exception, for callers with CAP_SYS_RAWIO on xfs: a destination's
 *    unwritten extents (allocated by fallocate) are mapped through the pNFS
 *    SCSI-layout export op ->map_blocks() and turned written by
 *    ->commit_blocks() once the device has written them.  ->commit_blocks()
 *    takes the iolock itself, so it runs after the inodes are unlocked:
 *    another opener of the destination for writing could swap extents in
 *    between (XFS_IOC_SWAPEXT) and have unwritten blocks of its own turned
 *    written.  That is why only callers who may read the raw disk anyway get
 *    it; everyone else gets written destinations only (offload.c makes them
 *    with FALLOC_FL_WRITE_ZEROES where the kernel and the disk can).
 *    Both ops write back and invalidate the page cache and WARN when a page
 *    was dirtied again meanwhile, which only a writable shared mapping can
 *    do while they hold the iolock: from mapping to commit, writable
 *    mappings of the destination are refused (mapping_deny_writable(), as
 *    memfd seals do), and a destination mapped writable is not mapped so.
 *
 * 5. ext4 only for CAP_SYS_RAWIO (the capability FIBMAP itself requires):
 *    EXT4_IOC_MOVE_EXT is held to the same locks, but a donor file's blocks
 *    move without every kernel bumping the donor's counter.
 *
 * No leases are taken: the locks and the counter are the fence, the same
 * on every kernel, for files the caller may only read as for its own.
 */
#include <linux/fs.h>
#include <linux/blkdev.h>
#include <linux/iversion.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "copyoffload.h"
#include "compat/compat-layout.h"

bool co_layout_capable(struct inode *inode)
{
	return co_has_block_ops(inode->i_sb);
}

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
 * Written blocks of [POS, POS + LEN) through bmap(), which never
 * allocates.  Stops at the first block that is not written, at EOF and on
 * a fatal signal.  Returns the bytes mapped from POS on.
 */
static s64 co_map_bmap(struct inode *inode, loff_t pos, u64 len,
		       struct co_map *m)
{
	unsigned int bits = inode->i_blkbits;
	loff_t end = min_t(loff_t, pos + len, i_size_read(inode));
	loff_t at = pos;
	sector_t blk;
	int ret;

	if ((pos | len) & ((1U << bits) - 1))
		return -EINVAL;
	end = round_down(end, 1U << bits);
	while (at < end) {
		blk = at >> bits;
		ret = bmap(inode, &blk);
		if (ret || !blk)
			break;
		if (co_map_add(m, at, 1U << bits, (u64)blk << bits, false))
			break;
		at += 1U << bits;
		if (!(blk & 255)) {
			if (fatal_signal_pending(current))
				break;
			cond_resched();
		}
	}
	return at - pos;
}

/*
 * Written and unwritten extents of [POS, POS + LEN) (xfs, CAP_SYS_RAWIO
 * callers' destinations) through ->map_blocks() without allocating,
 * inside EOF only.
 */
static s64 co_map_layout(struct inode *inode, loff_t pos, u64 len,
			 struct co_map *m)
{
	loff_t end = min_t(loff_t, pos + len, i_size_read(inode)), at = pos;
	struct iomap iomap;
	int ret;

	end = round_down(end, i_blocksize(inode));
	while (at < end) {
		u64 skip, n;

		memset(&iomap, 0, sizeof(iomap));
		ret = co_map_blocks(inode, at, end - at, &iomap, false);
		if (ret)
			break;
		if (iomap.offset > at || iomap.offset + iomap.length <= at)
			break;		/* not what was asked for */
		if (iomap.type != IOMAP_MAPPED &&
		    iomap.type != IOMAP_UNWRITTEN)
			break;
		if (iomap.bdev && iomap.bdev != inode->i_sb->s_bdev)
			break;		/* another device (rt, log) */
		skip = at - iomap.offset;
		n = min_t(u64, iomap.length - skip, end - at);
		if (co_map_add(m, at, n, iomap.addr + skip,
			       iomap.type == IOMAP_UNWRITTEN))
			break;
		at += n;
		if (fatal_signal_pending(current))
			break;
	}
	return at - pos;
}

/*
 * Map [POS, POS + LEN) of INODE after the extents M already holds (the
 * caller empties it first): a batch that spans holes maps each of its
 * data runs in turn.  Returns the bytes mapped from POS on; short when M
 * is full.
 */
s64 co_map(struct inode *inode, loff_t pos, u64 len, bool unwritten,
	   struct co_map *m)
{
	if (unwritten)
		return co_map_layout(inode, pos, len, m);
	return co_map_bmap(inode, pos, len, m);
}

/*
 * Commit the unwritten extents of M that lie in [POS, POS + LEN) (the part
 * whose data the device copy wrote).  Nothing outside that span is
 * committed: it stays unwritten and reads as zeroes.  The file's size is
 * not changed (the range lies inside EOF).
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
	ret = nr ? co_commit_blocks(inode, maps, nr,
				   max_t(loff_t, end, i_size_read(inode))) : 0;
	kfree(maps);
	return ret;
}

bool co_map_unwritten(const struct co_map *m, loff_t end)
{
	unsigned int i;

	for (i = 0; i < m->nr; i++)
		if (m->ext[i].unwritten && m->ext[i].pos < end)
			return true;
	return false;
}

/* Does INODE keep a change counter that rule 2 can rely on? */
bool co_map_cookie_capable(struct inode *inode)
{
	return IS_I_VERSION(inode);
}

/* The i_version snapshot a mapping is validated against. */
u64 co_map_cookie(struct inode *inode)
{
	return inode_query_iversion(inode);
}

bool co_map_cookie_valid(struct inode *inode, u64 cookie)
{
	return inode_peek_iversion(inode) == cookie;
}
