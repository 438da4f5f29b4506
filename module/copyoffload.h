/* SPDX-License-Identifier: GPL-2.0 */
/*
 * copyoffload: internal declarations shared by the module's files.
 */
#ifndef COPYOFFLOAD_INTERNAL_H
#define COPYOFFLOAD_INTERNAL_H

#include <linux/types.h>
#include <linux/fs.h>
#include <linux/copyoffload.h>

/* Features this build supports, reported by COPYOFFLOAD_IOC_INFO. */
#define CO_FEATURES	(COPYOFFLOAD_FEAT_CLONE | COPYOFFLOAD_FEAT_DEDUPE | \
			 COPYOFFLOAD_FEAT_COPY | COPYOFFLOAD_FEAT_FS_COPY | \
			 COPYOFFLOAD_FEAT_KERNEL_COPY | COPYOFFLOAD_FEAT_DEVINFO)

/* Bytes moved per step of a copy, between fatal-signal checks. */
#define CO_CHUNK_SIZE	(4U << 20)

/* Largest range structure a caller may pass (a newer, larger ABI). */
#define CO_MAX_RANGE_SIZE	4096U

/* One range as the module works on it: inputs, then outputs. */
struct co_range {
	struct copyoffload_range u;	/* as read from the caller */
	struct file *src;
	struct file *dst;
	u64 len;			/* resolved: LEN_TO_EOF made concrete */
};

/* What one request accumulates. */
struct co_stats {
	u64 method_bytes[COPYOFFLOAD_METHOD_NR];
};

/* Account BYTES moved by METHOD to range R and to the request. */
static inline void co_account(struct co_range *r, struct co_stats *st,
			      unsigned int method, u64 bytes)
{
	if (!bytes)
		return;
	r->u.bytes_done += bytes;
	r->u.methods |= 1U << method;
	st->method_bytes[method] += bytes;
}

/* check.c */
int co_range_check(u32 op, struct co_range *r);

/* remap.c */
void co_clone_range(struct co_range *r, struct co_stats *st);
void co_dedupe_range(struct co_range *r, struct co_stats *st);

/* copy.c */
void co_copy_range(u64 flags, struct co_range *r, struct co_stats *st);

/* discover.c */
long co_ioctl_devinfo(void __user *arg);
void co_discover_exit(void);

/* request.c */
long co_ioctl_run(void __user *arg);

#endif /* COPYOFFLOAD_INTERNAL_H */
