/* SPDX-License-Identifier: MIT */
/*
 * libcopyoffload: private declarations shared by the library's files.
 */
#ifndef COPYOFFLOAD_INTERNAL_H
#define COPYOFFLOAD_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "copyoffload.h"

/* Marks the functions of the public API; everything else stays hidden. */
#define CO_EXPORT __attribute__((visibility("default")))

/* Bounded steps of a copy without the module. */
#define CO_RW_CHUNK	(1U << 20)	/* read/write buffer */
#define CO_CFR_CHUNK	(16U << 20)	/* one copy_file_range(2) call */

struct copyoffload {
	int fd;			/* /dev/copyoffload, or -1 without module */
	uint64_t features;	/* COPYOFFLOAD_FEAT_* the module reported */
};

/* What the validation learnt about one descriptor. */
struct co_file {
	int fd;
	int fl;			/* fcntl(F_GETFL) */
	struct statx stx;
};

/* One request worked without the module. */
struct co_fallback {
	unsigned int op;
	uint64_t flags;
	struct copyoffload_range *ranges;
	unsigned int nr;
	struct copyoffload_result *res;
	void *buf;		/* CO_RW_CHUNK bytes, allocated when needed */
};

/* One range being worked on: both descriptors and its effective length. */
struct co_work {
	struct co_fallback *fb;
	struct copyoffload_range *r;
	struct co_file src, dst;
	uint64_t len;		/* bytes to do, clamped to the source EOF */
};

/* validate.c */
int co_check_request(unsigned int op, uint64_t flags,
		     const struct copyoffload_range *ranges, unsigned int nr);
void co_prefill(struct copyoffload_range *ranges, unsigned int nr);
int co_check_ranges(unsigned int op, struct copyoffload_range *ranges,
		    unsigned int nr);
int co_file_get(struct co_file *f, int fd);
uint64_t co_effective_len(const struct copyoffload_range *r, uint64_t size);

/* fallback.c */
int co_fallback_run(struct co_fallback *fb);
void co_account(struct co_work *w, unsigned int method, uint64_t bytes);
int co_ficlone(const struct co_work *w, uint64_t len);

/* copy.c */
int co_copy_range(struct co_work *w);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Retry a system call interrupted by a signal; evaluates to its result. */
#define CO_RETRY(expr) ({					\
	__typeof__(expr) co_r_;					\
	do {							\
		co_r_ = (expr);					\
	} while (co_r_ == -1 && errno == EINTR);		\
	co_r_;							\
})

#endif /* COPYOFFLOAD_INTERNAL_H */
