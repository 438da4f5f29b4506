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

/*
 * statx(2) where the C library does not declare it (musl before 1.2.5,
 * Debian 12's 1.2.3): the kernel's structure and the system call itself.
 * CO_HAVE_STATX comes from the Makefile's probe.
 */
#ifndef CO_HAVE_STATX
#include <linux/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline int statx(int dfd, const char *path, int flags,
			unsigned int mask, struct statx *stx)
{
	return syscall(SYS_statx, dfd, path, flags, mask, stx);
}
#endif

/* Marks the functions of the public API; everything else stays hidden. */
#define CO_EXPORT __attribute__((visibility("default")))

/* Bounded steps of a copy without the module. */
#define CO_RW_CHUNK	(1U << 20)	/* read/write buffer */
#define CO_CFR_CHUNK	(16U << 20)	/* one copy_file_range(2) call */

struct copyoffload {
	int fd;			/* /dev/copyoffload, or -1 without module */
	uint64_t features;	/* COPYOFFLOAD_FEAT_* the module reported */
	bool abi2;		/* it takes COPYOFFLOAD_REQ_SIZE_VER1 requests */
};

/*
 * What a request did, as the library counts it for both interfaces.
 * Methods numbered from CO_LIB_M(0) are the library's (COPYOFFLOAD_LIB_*).
 */
struct co_tally {
	uint32_t nr_processed;
	uint32_t stop;			/* COPYOFFLOAD_STOP_* */
	uint32_t nr_methods;		/* the module's report, 0 without it */
	uint64_t bytes_done;
	uint64_t method_bytes[COPYOFFLOAD_METHODS_MAX];
	uint64_t lib_bytes[COPYOFFLOAD_LIB_NR];
};
#define CO_LIB_M(n)	(COPYOFFLOAD_METHODS_MAX + (n))

/* One request, either interface. */
struct co_request {
	unsigned int op;
	uint64_t flags;
	char *ranges;
	unsigned int nr;
	size_t range_size;
	uint64_t max_bytes;
	bool legacy;		/* the first functions: version 1's reporting */
};

static inline struct copyoffload_range *
co_range_at(const struct co_request *rq, unsigned int i)
{
	return (struct copyoffload_range *)(rq->ranges + i * rq->range_size);
}

/* What the validation learnt about one descriptor. */
struct co_file {
	int fd;
	int fl;			/* fcntl(F_GETFL) */
	struct statx stx;
};

/* One request worked without the module. */
struct co_fallback {
	const struct co_request *rq;
	struct co_tally *t;
	void *buf;		/* CO_RW_CHUNK bytes, allocated when needed */
};

/* One range being worked on: both descriptors and its effective length. */
struct co_work {
	struct co_fallback *fb;
	struct copyoffload_range *r;
	struct co_file src, dst;
	uint64_t len;		/* bytes to do, clamped to the source EOF */
	uint64_t budget;	/* 0, or the most bytes it may do now */
};

/* copyoffload.c */
int co_check_struct(const void *p, size_t size, size_t ver0, size_t known);
void co_report(const struct co_tally *t, bool no_module,
	       struct copyoffload_report *rep);

/* validate.c */
int co_check_request(const struct co_request *rq);
void co_prefill(const struct co_request *rq);
int co_check_ranges(const struct co_request *rq);
int co_file_get(struct co_file *f, int fd);
uint64_t co_effective_len(const struct copyoffload_range *r, uint64_t size);

/* fallback.c */
int co_fallback_run(struct co_fallback *fb);
void co_account(struct co_work *w, unsigned int method, uint64_t bytes);
int co_ficlone(const struct co_work *w, uint64_t len);
uint64_t co_bounded(struct co_work *w, uint64_t len, bool *bounded);

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
