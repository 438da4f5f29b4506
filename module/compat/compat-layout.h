/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shims for the export block ops (the pNFS SCSI layout interface) that the
 * storage offload path uses for xfs destinations of CAP_SYS_RAWIO callers.
 * Included by layout.c only.
 */
#ifndef COPYOFFLOAD_COMPAT_LAYOUT_H
#define COPYOFFLOAD_COMPAT_LAYOUT_H

#include <linux/fs.h>
#include <linux/exportfs.h>
#include <linux/iomap.h>
#ifdef COMPAT_HAVE_EXPORTFS_BLOCK_OPS
#include <linux/exportfs_block.h>
#endif

/*
 * The export block ops (the pNFS block and SCSI layout interface) moved
 * from struct export_operations to its ->block_ops, and commit_blocks
 * traded its struct iattr for the new size (it now sets the times itself).
 */
#ifdef COMPAT_HAVE_EXPORTFS_BLOCK_OPS
static inline bool co_has_block_ops(struct super_block *sb)
{
	const struct export_operations *eops = sb->s_export_op;

	return eops && eops->block_ops && eops->block_ops->map_blocks &&
	       eops->block_ops->commit_blocks;
}

static inline int co_map_blocks(struct inode *inode, loff_t pos, u64 len,
				struct iomap *iomap, bool write)
{
	u32 gen;

	return inode->i_sb->s_export_op->block_ops->map_blocks(inode, pos, len,
							       iomap, write,
							       &gen);
}

static inline int co_commit_blocks(struct inode *inode, struct iomap *maps,
				   int nr, loff_t new_size)
{
	return inode->i_sb->s_export_op->block_ops->commit_blocks(inode, maps,
								  nr,
								  new_size);
}
#elif IS_ENABLED(CONFIG_EXPORTFS_BLOCK_OPS)
static inline bool co_has_block_ops(struct super_block *sb)
{
	const struct export_operations *eops = sb->s_export_op;

	return eops && eops->map_blocks && eops->commit_blocks;
}

static inline int co_map_blocks(struct inode *inode, loff_t pos, u64 len,
				struct iomap *iomap, bool write)
{
	u32 gen;

	return inode->i_sb->s_export_op->map_blocks(inode, pos, len, iomap,
						    write, &gen);
}

static inline int co_commit_blocks(struct inode *inode, struct iomap *maps,
				   int nr, loff_t new_size)
{
	struct iattr ia = {
		.ia_valid = ATTR_MTIME | ATTR_CTIME,
	};

	ia.ia_mtime = current_time(inode);
	ia.ia_ctime = ia.ia_mtime;
	if (new_size > i_size_read(inode)) {
		ia.ia_valid |= ATTR_SIZE;
		ia.ia_size = new_size;
	}
	return inode->i_sb->s_export_op->commit_blocks(inode, maps, nr, &ia);
}
#else
static inline bool co_has_block_ops(struct super_block *sb)
{
	return false;
}

static inline int co_map_blocks(struct inode *inode, loff_t pos, u64 len,
				struct iomap *iomap, bool write)
{
	return -EOPNOTSUPP;
}

static inline int co_commit_blocks(struct inode *inode, struct iomap *maps,
				   int nr, loff_t new_size)
{
	return -EOPNOTSUPP;
}
#endif

#endif /* COPYOFFLOAD_COMPAT_LAYOUT_H */
