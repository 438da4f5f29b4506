// SPDX-License-Identifier: GPL-2.0
/*
 * copyoffload: storage offload counters in sysfs, one value per file.
 *
 *   /sys/kernel/copyoffload/             all disks together
 *   /sys/kernel/copyoffload/disks/M:m/   one disk (the destination's: the
 *                                        one whose copy manager is asked)
 *
 * xcopy_bytes       bytes copied by EXTENDED COPY (counted when committed)
 * xcopy_commands    EXTENDED COPY commands that succeeded
 * odx_bytes         bytes written by WRITE USING TOKEN (when committed)
 * odx_tokens        POPULATE TOKEN commands that made a token
 * odx_commands      WRITE USING TOKEN commands that wrote blocks
 * nvme_bytes        bytes copied by NVMe Copy (counted when committed)
 * nvme_commands     NVMe Copy commands that succeeded
 * nvme_ranges       their source ranges (extents per command: / commands)
 * fallback_REASON   times a range (or its rest) went to the next method,
 *                   by reason (enum co_fallback)
 *
 * A disk's directory lives as long as the discovery cache remembers the
 * disk; counters start at zero when it is first seen.
 */
#include <linux/atomic.h>
#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "copyoffload.h"

enum {
	CO_CNT_XCOPY_BYTES,
	CO_CNT_XCOPY_COMMANDS,
	CO_CNT_ODX_BYTES,
	CO_CNT_ODX_TOKENS,
	CO_CNT_ODX_COMMANDS,
	CO_CNT_NVME_BYTES,
	CO_CNT_NVME_COMMANDS,
	CO_CNT_NVME_RANGES,
	CO_CNT_FALLBACK,	/* + enum co_fallback */
	CO_CNT_NR = CO_CNT_FALLBACK + CO_FB_NR
};

struct co_counters {
	atomic64_t v[CO_CNT_NR];
};

struct co_disk_stats {
	struct kobject kobj;
	struct co_counters c;
};

static struct co_counters co_global;
static struct kobject *co_root, *co_disks_dir;

static const char * const co_cnt_names[CO_CNT_NR] = {
	[CO_CNT_XCOPY_BYTES]				= "xcopy_bytes",
	[CO_CNT_XCOPY_COMMANDS]				= "xcopy_commands",
	[CO_CNT_ODX_BYTES]				= "odx_bytes",
	[CO_CNT_ODX_TOKENS]				= "odx_tokens",
	[CO_CNT_ODX_COMMANDS]				= "odx_commands",
	[CO_CNT_NVME_BYTES]				= "nvme_bytes",
	[CO_CNT_NVME_COMMANDS]				= "nvme_commands",
	[CO_CNT_NVME_RANGES]				= "nvme_ranges",
	[CO_CNT_FALLBACK + CO_FB_DEVICE]		= "fallback_device",
	[CO_CNT_FALLBACK + CO_FB_FS]			= "fallback_fs",
	[CO_CNT_FALLBACK + CO_FB_PERM]			= "fallback_perm",
	[CO_CNT_FALLBACK + CO_FB_UNALIGNED]		= "fallback_unaligned",
	[CO_CNT_FALLBACK + CO_FB_UNMAPPED]		= "fallback_unmapped",
	[CO_CNT_FALLBACK + CO_FB_CHANGED]		= "fallback_changed",
	[CO_CNT_FALLBACK + CO_FB_UNSUPPORTED]		= "fallback_unsupported",
	[CO_CNT_FALLBACK + CO_FB_UNREACHABLE]		= "fallback_unreachable",
	[CO_CNT_FALLBACK + CO_FB_TARGET]		= "fallback_target",
	[CO_CNT_FALLBACK + CO_FB_TOKEN]			= "fallback_token",
	[CO_CNT_FALLBACK + CO_FB_CROSS_NS]		= "fallback_cross_namespace",
	[CO_CNT_FALLBACK + CO_FB_LIMITS]		= "fallback_limits",
};

static struct kobj_attribute co_cnt_attrs[CO_CNT_NR];
static struct attribute *co_cnt_attr_ptrs[CO_CNT_NR + 1];
static const struct attribute_group co_cnt_group = {
	.attrs = co_cnt_attr_ptrs,
};

static const struct attribute_group *co_cnt_groups[] = {
	&co_cnt_group,
	NULL
};

static ssize_t co_cnt_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	const struct co_counters *c = &co_global;
	unsigned int i = attr - co_cnt_attrs;

	if (kobj != co_root)
		c = &container_of(kobj, struct co_disk_stats, kobj)->c;
	return sysfs_emit(buf, "%lld\n", atomic64_read(&c->v[i]));
}

static void co_count(struct co_disk_stats *ds, unsigned int i, u64 n)
{
	atomic64_add(n, &co_global.v[i]);
	if (ds)
		atomic64_add(n, &ds->c.v[i]);
}

/*
 * A batch of METHOD (XCOPY, ODX or NVME_COPY): BYTES committed, TOKENS
 * (NVMe: source ranges) and COMMANDS.
 */
void co_stats_copied(struct co_disk_stats *ds, unsigned int method,
		     u64 bytes, u32 tokens, u32 commands)
{
	if (method == COPYOFFLOAD_METHOD_NVME_COPY) {
		co_count(ds, CO_CNT_NVME_BYTES, bytes);
		co_count(ds, CO_CNT_NVME_RANGES, tokens);
		co_count(ds, CO_CNT_NVME_COMMANDS, commands);
	} else if (method == COPYOFFLOAD_METHOD_ODX) {
		co_count(ds, CO_CNT_ODX_BYTES, bytes);
		co_count(ds, CO_CNT_ODX_TOKENS, tokens);
		co_count(ds, CO_CNT_ODX_COMMANDS, commands);
	} else {
		co_count(ds, CO_CNT_XCOPY_BYTES, bytes);
		co_count(ds, CO_CNT_XCOPY_COMMANDS, commands);
	}
}

void co_stats_fallback(struct co_disk_stats *ds, unsigned int reason)
{
	if (reason < CO_FB_NR)
		co_count(ds, CO_CNT_FALLBACK + reason, 1);
}

static void co_disk_stats_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct co_disk_stats, kobj));
}

static const struct kobj_type co_disk_ktype = {
	.release	= co_disk_stats_release,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= co_cnt_groups,
};

/* A disk's counters and their sysfs directory; NULL if out of memory. */
struct co_disk_stats *co_disk_stats_new(dev_t devt)
{
	struct co_disk_stats *ds;

	if (!co_disks_dir)
		return NULL;
	ds = kzalloc(sizeof(*ds), GFP_KERNEL);
	if (!ds)
		return NULL;
	if (kobject_init_and_add(&ds->kobj, &co_disk_ktype, co_disks_dir,
				 "%u:%u", MAJOR(devt), MINOR(devt))) {
		kobject_put(&ds->kobj);
		return NULL;
	}
	return ds;
}

void co_disk_stats_get(struct co_disk_stats *ds)
{
	if (ds)
		kobject_get(&ds->kobj);
}

void co_disk_stats_put(struct co_disk_stats *ds)
{
	if (ds)
		kobject_put(&ds->kobj);
}

/*
 * The cache forgets the disk: its directory goes now (a copy still holding
 * the counters keeps them until it is done), so that a disk coming back
 * under the same dev_t can have the name again.
 */
void co_disk_stats_forget(struct co_disk_stats *ds)
{
	if (!ds)
		return;
	kobject_del(&ds->kobj);
	kobject_put(&ds->kobj);
}

int co_stats_init(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < CO_CNT_NR; i++) {
		sysfs_attr_init(&co_cnt_attrs[i].attr);
		co_cnt_attrs[i].attr.name = co_cnt_names[i];
		co_cnt_attrs[i].attr.mode = 0444;
		co_cnt_attrs[i].show = co_cnt_show;
		co_cnt_attr_ptrs[i] = &co_cnt_attrs[i].attr;
	}
	co_root = kobject_create_and_add("copyoffload", kernel_kobj);
	if (!co_root)
		return -ENOMEM;
	ret = sysfs_create_group(co_root, &co_cnt_group);
	if (ret)
		goto fail;
	co_disks_dir = kobject_create_and_add("disks", co_root);
	if (!co_disks_dir) {
		ret = -ENOMEM;
		goto fail;
	}
	return 0;
fail:
	kobject_put(co_root);
	co_root = NULL;
	return ret;
}

/* After the discovery cache has let go of every disk. */
void co_stats_exit(void)
{
	kobject_put(co_disks_dir);
	kobject_put(co_root);
	co_disks_dir = NULL;
	co_root = NULL;
}
