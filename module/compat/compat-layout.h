/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shims for the two kernel interfaces the block-layout (pNFS SCSI layout)
 * path of storage offload uses: layout leases and the export block ops.
 * Included by layout.c only.
 */
#ifndef COPYOFFLOAD_COMPAT_LAYOUT_H
#define COPYOFFLOAD_COMPAT_LAYOUT_H

#include <linux/fs.h>
#include <linux/exportfs.h>
#include <linux/iomap.h>
#include <linux/sched.h>
#ifdef COMPAT_HAVE_FILELOCK_H
#include <linux/filelock.h>
#endif
#ifdef COMPAT_HAVE_EXPORTFS_BLOCK_OPS
#include <linux/exportfs_block.h>
#endif

/*
 * "filelock: split leases out of struct file_lock" (6.9) gave leases their
 * own struct file_lease and struct lease_manager_operations (they were
 * struct file_lock and struct lock_manager_operations), with the common
 * fields in struct file_lock_core.
 */
#ifdef COMPAT_HAVE_FILE_LEASE
#define co_lease_t	struct file_lease
#define co_lease_ops_t	const struct lease_manager_operations

static inline co_lease_t *co_lease_alloc(void)
{
	return locks_alloc_lease();
}

static inline void co_lease_free(co_lease_t *fl)
{
	locks_free_lease(fl);
}

static inline void co_lease_init(co_lease_t *fl, struct file *file,
				 void *owner,
				 co_lease_ops_t *ops)
{
	fl->c.flc_flags = FL_LAYOUT;
	fl->c.flc_type = F_RDLCK;
	fl->c.flc_owner = owner;
	fl->c.flc_file = file;
	fl->c.flc_pid = current->tgid;
	fl->fl_lmops = ops;
}

static inline void *co_lease_owner(co_lease_t *fl)
{
	return fl->c.flc_owner;
}
#else
#define co_lease_t	struct file_lock
#define co_lease_ops_t	const struct lock_manager_operations

static inline co_lease_t *co_lease_alloc(void)
{
	return locks_alloc_lock();
}

static inline void co_lease_free(co_lease_t *fl)
{
	locks_free_lock(fl);
}

static inline void co_lease_init(co_lease_t *fl, struct file *file,
				 void *owner,
				 co_lease_ops_t *ops)
{
	fl->fl_flags = FL_LAYOUT;
	fl->fl_type = F_RDLCK;
	fl->fl_owner = owner;
	fl->fl_file = file;
	fl->fl_pid = current->tgid;
	fl->fl_start = 0;
	fl->fl_end = OFFSET_MAX;
	fl->fl_lmops = ops;
}

static inline void *co_lease_owner(co_lease_t *fl)
{
	return fl->fl_owner;
}
#endif

/*
 * The lease is the module's, not the caller's: kernel_setlease() skips the
 * ownership check vfs_setlease() gained with it (a caller may copy from a
 * file it can read but does not own).  Where there is no kernel_setlease(),
 * vfs_setlease() has no such check.
 */
static inline int co_setlease(struct file *file, int arg, co_lease_t **fl,
			      void **priv)
{
#ifdef COMPAT_HAVE_KERNEL_SETLEASE
	return kernel_setlease(file, arg, fl, priv);
#else
	return vfs_setlease(file, arg, fl, priv);
#endif
}

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
