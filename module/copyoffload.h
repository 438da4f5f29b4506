/* SPDX-License-Identifier: GPL-2.0 */
/*
 * copyoffload: internal declarations shared by the module's files.
 */
#ifndef COPYOFFLOAD_INTERNAL_H
#define COPYOFFLOAD_INTERNAL_H

#include <linux/types.h>
#include <linux/copyoffload.h>

/* Features this build supports, reported by COPYOFFLOAD_IOC_INFO. */
#define CO_FEATURES	(COPYOFFLOAD_FEAT_CLONE | COPYOFFLOAD_FEAT_DEDUPE | \
			 COPYOFFLOAD_FEAT_COPY | COPYOFFLOAD_FEAT_FS_COPY | \
			 COPYOFFLOAD_FEAT_KERNEL_COPY)

/* Bytes moved per step of the in-kernel copy between signal checks. */
#define CO_CHUNK_SIZE	(4U << 20)

long co_ioctl_run(void __user *arg);

#endif /* COPYOFFLOAD_INTERNAL_H */
