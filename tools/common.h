/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What copyoffload-cp and copyoffload share: messages, size parsing and
 * printing, errno names, JSON strings, method lists and the --offload option.
 */
#ifndef COPYOFFLOAD_TOOLS_COMMON_H
#define COPYOFFLOAD_TOOLS_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <copyoffload.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit codes both tools use. */
#define CO_EXIT_OK	0
#define CO_EXIT_FAIL	1
#define CO_EXIT_USAGE	2

/* Buffer sizes for the formatting helpers below. */
#define CO_ERRNO_TEXT_LEN	96
#define CO_BYTES_TEXT_LEN	32
#define CO_METHOD_NAME_LEN	24

/* Program name used as the prefix of messages; set once by main(). */
extern const char *co_prog;

/* Called before every message (a progress display erases itself). */
extern void (*co_warn_hook)(void);

void co_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void co_print_version(void);
/* "Try 'PROG [CMD] --help' for more information." on stderr. */
void co_try_help(const char *cmd);
/* "PROG: MESSAGE" and co_try_help(cmd) on stderr; returns CO_EXIT_USAGE. */
int co_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Allocation that cannot fail: out of memory ends the program (exit 1). */
void *co_xreallocarray(void *p, size_t n, size_t size);
char *co_xstrdup(const char *s);
char *co_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "EBADF" for EBADF, NULL when the table does not know it. */
const char *co_errno_name(int err);
/* "EBADF (Bad file descriptor)"; err is positive. */
const char *co_errno_text(int err, char *buf, size_t len);
/* "SIGINT", or "signal N" for one without a name here */
const char *co_signal_text(int sig, char *buf, size_t len);
/* A range status: "ok", "same", "differs", "not run" or errno text */
const char *co_status_text(int status, char *buf, size_t len);

/*
 * Sizes: decimal or 0x hexadecimal, with an optional binary suffix
 * K, M, G or T (either case).  Returns 0 or -EINVAL / -ERANGE.
 */
int co_parse_size(const char *s, uint64_t *out);
/* "512 B", "12.0 MiB" */
const char *co_format_bytes(uint64_t n, char *buf, size_t len);

/* --offload=auto|xcopy|odx|nvme|none: its COPYOFFLOAD_F_OFFLOAD_* flag (0: auto) */
int co_parse_offload(const char *arg, uint64_t *flag);

/*
 * FLAGS' --offload selector against the loaded module's info.flags: 0, or
 * a message and -EOPNOTSUPP when the module does not accept it (an
 * engine it does not have, such as nvme on a module without
 * COPYOFFLOAD_FEAT_NVME).  Without the module, 0: the library copies.
 */
int co_check_offload(struct copyoffload *co, uint64_t flags);

/* The library's method name, or "methodN" where it has none. */
const char *co_method_name(unsigned int method, char *buf, size_t len);
/* Methods of a range bitmask as "clone,kernel" ("none" when empty). */
void co_print_method_list(FILE *f, uint32_t methods);
/* The same as a JSON array of names. */
void co_json_method_list(FILE *f, uint32_t methods);
/* "xcopy 12.0 MiB, kernel 1.0 MiB" for every method with bytes; 0 if none. */
int co_print_method_bytes(FILE *f, const struct copyoffload_result *res);
/* {"xcopy":12582912,"kernel":1048576} */
void co_json_method_bytes(FILE *f, const struct copyoffload_result *res);
/* Add RES's counts (ranges, bytes, bytes per method) to TO. */
void co_add_result(struct copyoffload_result *to,
		   const struct copyoffload_result *res);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t co_now_ns(void);

/* Length of the valid UTF-8 sequence at p, 0 if there is none. */
int co_utf8_len(const unsigned char *p);

/* A JSON string literal, quotes included. */
void co_json_string(FILE *f, const char *s);
/* null or the JSON string of an errno's name */
void co_json_errno(FILE *f, int err);

#endif /* COPYOFFLOAD_TOOLS_COMMON_H */
