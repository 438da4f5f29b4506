// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by copyoffload-cp and copyoffload.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"

const char *co_prog = "copyoffload";

void (*co_warn_hook)(void);

static void vwarn(const char *fmt, va_list ap)
{
	if (co_warn_hook)
		co_warn_hook();
	fprintf(stderr, "%s: ", co_prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void co_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

int co_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	co_try_help(cmd);
	return CO_EXIT_USAGE;
}

void co_print_version(void)
{
	printf("%s %s\n", co_prog, COPYOFFLOAD_VERSION);
}

void co_try_help(const char *cmd)
{
	fprintf(stderr, "Try '%s%s%s --help' for more information.\n",
		co_prog, cmd ? " " : "", cmd ? cmd : "");
}

static void __attribute__((noreturn)) out_of_memory(void)
{
	co_warn("out of memory");
	exit(CO_EXIT_FAIL);
}

void *co_xreallocarray(void *p, size_t n, size_t size)
{
	p = reallocarray(p, n, size);
	if (!p)
		out_of_memory();
	return p;
}

char *co_xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		out_of_memory();
	return p;
}

char *co_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		out_of_memory();
	return s;
}

/*
 * The errno's symbolic name ("EOPNOTSUPP"), from the C library
 * (strerrorname_np, glibc 2.32; the Makefile probes for it), or NULL where
 * it has none, or no such function.
 */
const char *co_errno_name(int err)
{
#ifdef CO_HAVE_STRERRORNAME_NP
	return strerrorname_np(err);
#else
	(void)err;
	return NULL;
#endif
}

/*
 * "SIGINT": the C library's abbreviation (sigabbrev_np, glibc 2.32; the
 * Makefile probes for it), else this table's, else "signal N".
 */
const char *co_signal_text(int sig, char *buf, size_t len)
{
	static const struct {
		int sig;
		const char *name;
	} names[] = {
		{ SIGHUP, "HUP" }, { SIGINT, "INT" }, { SIGQUIT, "QUIT" },
		{ SIGPIPE, "PIPE" }, { SIGTERM, "TERM" }, { SIGXFSZ, "XFSZ" },
	};
	const char *name = NULL;
	size_t i;

#ifdef CO_HAVE_SIGABBREV_NP
	name = sigabbrev_np(sig);
#endif
	for (i = 0; !name && i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].sig == sig)
			name = names[i].name;
	if (name)
		snprintf(buf, len, "SIG%s", name);
	else
		snprintf(buf, len, "signal %d", sig);
	return buf;
}

const char *co_errno_text(int err, char *buf, size_t len)
{
	const char *name = co_errno_name(err);

	if (name)
		snprintf(buf, len, "%s (%s)", name, strerror(err));
	else
		snprintf(buf, len, "errno %d (%s)", err, strerror(err));
	return buf;
}

const char *co_status_text(int status, char *buf, size_t len)
{
	if (status < 0)
		return co_errno_text(-status, buf, len);
	snprintf(buf, len, "%s", copyoffload_status_name(status));
	return buf;
}

static int size_shift(const char *suffix)
{
	static const char units[] = "KMGT";
	const char *u;

	if (!*suffix)
		return 0;
	if (suffix[1])
		return -1;
	u = strchr(units, *suffix & ~0x20);
	if (!u || !*u)
		return -1;
	return 10 * (int)(u - units + 1);
}

int co_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	const char *digits = s;
	int base = 10, shift;
	char *end;

	if (s[0] == '0' && (s[1] | 0x20) == 'x') {
		digits = s + 2;
		base = 16;
	}
	if (!(base == 16 ? isxdigit(*digits) : isdigit(*digits)))
		return -EINVAL;
	errno = 0;
	v = strtoull(digits, &end, base);
	if (errno == ERANGE)
		return -ERANGE;
	shift = size_shift(end);
	if (shift < 0)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

const char *co_format_bytes(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB",
					     "EiB" };
	double v = (double)n;
	int i = -1;

	if (n < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", n);
		return buf;
	}
	while (v >= 1024 && i < 5) {
		v /= 1024;
		i++;
	}
	snprintf(buf, len, "%.1f %s", v, units[i]);
	return buf;
}

int co_parse_offload(const char *arg, uint64_t *flag)
{
	if (!strcmp(arg, "auto"))
		*flag = 0;
	else if (!strcmp(arg, "xcopy"))
		*flag = COPYOFFLOAD_F_OFFLOAD_XCOPY;
	else if (!strcmp(arg, "odx"))
		*flag = COPYOFFLOAD_F_OFFLOAD_ODX;
	else if (!strcmp(arg, "nvme"))
		*flag = COPYOFFLOAD_F_OFFLOAD_NVME;
	else if (!strcmp(arg, "none"))
		*flag = COPYOFFLOAD_F_OFFLOAD_NONE;
	else
		return -EINVAL;
	return 0;
}

static const char *offload_name(uint64_t flag)
{
	switch (flag) {
	case COPYOFFLOAD_F_OFFLOAD_XCOPY:
		return "xcopy";
	case COPYOFFLOAD_F_OFFLOAD_ODX:
		return "odx";
	case COPYOFFLOAD_F_OFFLOAD_NVME:
		return "nvme";
	case COPYOFFLOAD_F_OFFLOAD_NONE:
		return "none";
	}
	return "?";
}

int co_check_offload(struct copyoffload *co, uint64_t flags)
{
	uint64_t offload = flags & COPYOFFLOAD_F_OFFLOAD_MASK;
	struct copyoffload_info info;

	if (!offload || !copyoffload_has_module(co) ||
	    copyoffload_info(co, &info) || (info.flags & offload))
		return 0;
	co_warn("--offload=%s: the module (version %.32s) does not accept it%s",
		offload_name(offload), (const char *)info.version,
		offload == COPYOFFLOAD_F_OFFLOAD_NVME ?
		" (it has no NVMe Copy engine)" : "");
	return -EOPNOTSUPP;
}

const char *co_method_name(unsigned int method, char *buf, size_t len)
{
	const char *name = copyoffload_method_name(method);

	if (name)
		return name;
	snprintf(buf, len, "method%u", method);
	return buf;
}

/* Method numbers are bits 0..30; bit 31 is COPYOFFLOAD_LIB_M_NO_MODULE. */
#define CO_NR_METHODS	31

static void method_list(FILE *f, uint32_t methods, bool json)
{
	char buf[CO_METHOD_NAME_LEN];
	const char *sep = "";
	unsigned int m;

	for (m = 0; m < CO_NR_METHODS; m++) {
		if (!(methods & (1U << m)))
			continue;
		fputs(sep, f);
		if (json)
			co_json_string(f, co_method_name(m, buf, sizeof(buf)));
		else
			fputs(co_method_name(m, buf, sizeof(buf)), f);
		sep = ",";
	}
	if (!*sep && !json)
		fputs("none", f);
}

void co_print_method_list(FILE *f, uint32_t methods)
{
	method_list(f, methods, false);
}

void co_json_method_list(FILE *f, uint32_t methods)
{
	fputc('[', f);
	method_list(f, methods, true);
	fputc(']', f);
}

int co_print_method_bytes(FILE *f, const struct copyoffload_result *res)
{
	char name[CO_METHOD_NAME_LEN], size[CO_BYTES_TEXT_LEN];
	unsigned int m;
	int n = 0;

	for (m = 0; m < CO_NR_METHODS; m++) {
		if (!res->method_bytes[m])
			continue;
		co_format_bytes(res->method_bytes[m], size, sizeof(size));
		fprintf(f, "%s%s %s", n++ ? ", " : "",
			co_method_name(m, name, sizeof(name)), size);
	}
	return n;
}

void co_json_method_bytes(FILE *f, const struct copyoffload_result *res)
{
	char name[CO_METHOD_NAME_LEN];
	const char *sep = "";
	unsigned int m;

	fputc('{', f);
	for (m = 0; m < CO_NR_METHODS; m++) {
		if (!res->method_bytes[m])
			continue;
		fputs(sep, f);
		co_json_string(f, co_method_name(m, name, sizeof(name)));
		fprintf(f, ":%" PRIu64, res->method_bytes[m]);
		sep = ",";
	}
	fputc('}', f);
}

uint64_t co_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int co_utf8_len(const unsigned char *p)
{
	int n, i;

	if (*p < 0x80)
		return 1;
	if (*p >= 0xc2 && *p <= 0xdf)
		n = 2;
	else if (*p >= 0xe0 && *p <= 0xef)
		n = 3;
	else if (*p >= 0xf0 && *p <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* overlong forms, surrogates and code points past U+10FFFF */
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
		return 0;
	return n;
}

static void json_char(FILE *f, unsigned char c)
{
	switch (c) {
	case '"':
		fputs("\\\"", f);
		break;
	case '\\':
		fputs("\\\\", f);
		break;
	case '\n':
		fputs("\\n", f);
		break;
	case '\t':
		fputs("\\t", f);
		break;
	default:
		if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

/*
 * File names are bytes, not always UTF-8: a byte that is not part of a
 * valid sequence becomes a lone surrogate \udcXX, as Python's
 * surrogateescape does, so os.fsencode() gives the name back.
 */
void co_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int n;

	fputc('"', f);
	while (*p) {
		n = co_utf8_len(p);
		if (n == 1)
			json_char(f, *p);
		else if (n)
			fwrite(p, 1, n, f);
		else
			fprintf(f, "\\udc%02x", *p);
		p += n ? n : 1;
	}
	fputc('"', f);
}

void co_json_errno(FILE *f, int err)
{
	const char *name = err ? co_errno_name(err) : NULL;

	if (!err)
		fputs("null", f);
	else if (!name)		/* the C library cannot name it: the number */
		fprintf(f, "%d", err);
	else
		co_json_string(f, name);
}

void co_add_result(struct copyoffload_result *to,
		   const struct copyoffload_result *res)
{
	unsigned int m;

	to->nr_processed += res->nr_processed;
	to->no_module |= res->no_module;
	to->bytes_done += res->bytes_done;
	for (m = 0; m < ARRAY_SIZE(res->method_bytes); m++)
		to->method_bytes[m] += res->method_bytes[m];
}
