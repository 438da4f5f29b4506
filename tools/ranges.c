// SPDX-License-Identifier: GPL-2.0
/*
 * copyoffload's range list.
 *
 * A range on the command line is SRC_OFF:DST_OFF:LEN; a line on stdin is
 * "SRC_OFF DST_OFF LEN" or "SRCFILE DSTFILE SRC_OFF DST_OFF LEN".  Every
 * file is opened once, however many ranges name it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "ranges.h"

/* The index of NAME in the file list for its role, added when new. */
static unsigned int file_index(struct range_list *l, const char *name,
			       bool dst)
{
	unsigned int i;

	for (i = 0; i < l->nr_files; i++)
		if (l->files[i].dst == dst && !strcmp(l->files[i].name, name))
			return i;
	if (l->nr_files == l->alloc_files) {
		l->alloc_files = l->alloc_files ? 2 * l->alloc_files : 8;
		l->files = co_xreallocarray(l->files, l->alloc_files,
					    sizeof(*l->files));
	}
	l->files[i].name = co_xstrdup(name);
	l->files[i].dst = dst;
	l->files[i].fd = -1;
	l->nr_files++;
	return i;
}

static void add_range(struct range_list *l, const char *src, const char *dst,
		      const uint64_t v[3])
{
	unsigned int i = l->nr;

	if (l->nr == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 16;
		l->r = co_xreallocarray(l->r, l->alloc, sizeof(*l->r));
		l->src_file = co_xreallocarray(l->src_file, l->alloc,
					       sizeof(*l->src_file));
		l->dst_file = co_xreallocarray(l->dst_file, l->alloc,
					       sizeof(*l->dst_file));
	}
	copyoffload_range_init(&l->r[i], -1, v[0], -1, v[1], v[2]);
	l->src_file[i] = file_index(l, src, false);
	l->dst_file[i] = file_index(l, dst, true);
	l->nr++;
}

/* Offsets and lengths: sizes; a length may also be "eof". */
static int parse_value(const char *s, bool is_len, uint64_t *v)
{
	if (is_len && !strcmp(s, "eof")) {
		*v = COPYOFFLOAD_LEN_TO_EOF;
		return 0;
	}
	return co_parse_size(s, v);
}

static int parse_values(char *const field[3], uint64_t v[3], const char *where)
{
	static const char *const what[] = { "source offset",
					    "destination offset", "length" };
	int i;

	for (i = 0; i < 3; i++) {
		if (parse_value(field[i], i == 2, &v[i])) {
			co_warn("%s: invalid %s '%s'", where, what[i],
				field[i]);
			return -EINVAL;
		}
	}
	return 0;
}

int range_list_add_arg(struct range_list *l, const char *src,
		       const char *dst, const char *arg)
{
	char *copy = co_xstrdup(arg), *field[3], *rest = copy;
	uint64_t v[3];
	int ret = -EINVAL;

	field[0] = strsep(&rest, ":");
	field[1] = strsep(&rest, ":");
	field[2] = strsep(&rest, ":");
	if (!field[2] || rest)
		co_warn("invalid range '%s': expected SRC_OFF:DST_OFF:LEN",
			arg);
	else
		ret = parse_values(field, v, "range");
	if (!ret)
		add_range(l, src, dst, v);
	free(copy);
	return ret;
}

/* Split a line into fields; their number, or max + 1 when there are more. */
static int split(char *line, char **field, int max)
{
	char *save, *tok;
	int n = 0;

	for (tok = strtok_r(line, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == max)
			return max + 1;
		field[n++] = tok;
	}
	return n;
}

static int read_line(struct range_list *l, const char *src, const char *dst,
		     char *line, unsigned long lineno)
{
	char *field[5], where[48], *hash = strchr(line, '#');
	uint64_t v[3];
	int n;

	if (hash)
		*hash = '\0';
	n = split(line, field, 5);
	if (!n)
		return 0;
	snprintf(where, sizeof(where), "stdin line %lu", lineno);
	if (n == 3 && !src) {
		co_warn("%s: no SRC and DST given for 'SRC_OFF DST_OFF LEN'",
			where);
		return -EINVAL;
	}
	if (n != 3 && n != 5) {
		co_warn("%s: expected 'SRC_OFF DST_OFF LEN' or 'SRCFILE DSTFILE SRC_OFF DST_OFF LEN'", where);
		return -EINVAL;
	}
	if (parse_values(field + n - 3, v, where))
		return -EINVAL;
	if (n == 5)
		add_range(l, field[0], field[1], v);
	else
		add_range(l, src, dst, v);
	return 0;
}

int range_list_read(struct range_list *l, const char *src, const char *dst,
		    FILE *f)
{
	unsigned long lineno = 0;
	size_t size = 0;
	char *line = NULL;
	int ret = 0;

	while (!ret && getline(&line, &size, f) >= 0)
		ret = read_line(l, src, dst, line, ++lineno);
	free(line);
	if (!ret && ferror(f)) {
		co_warn("cannot read stdin: %s", strerror(errno));
		ret = -EIO;
	}
	return ret;
}

/* A directory cannot be opened for writing: hand it over read-only. */
static int open_file(const struct file *file, const struct open_mode *mode)
{
	int flags = (file->dst ? mode->dst_flags : mode->src_flags) |
		    O_CLOEXEC | O_NOCTTY;
	int fd;

	fd = open(file->name, flags, 0666);
	if (fd < 0 && errno == EISDIR)
		fd = open(file->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int range_list_open(struct range_list *l, const struct open_mode *mode)
{
	char buf[CO_ERRNO_TEXT_LEN];
	unsigned int i;
	int fd;

	for (i = 0; i < l->nr_files; i++) {
		fd = open_file(&l->files[i], mode);
		if (fd < 0) {
			co_warn("cannot open '%s': %s", l->files[i].name,
				co_errno_text(-fd, buf, sizeof(buf)));
			return fd;
		}
		l->files[i].fd = fd;
	}
	for (i = 0; i < l->nr; i++) {
		l->r[i].src_fd = l->files[l->src_file[i]].fd;
		l->r[i].dst_fd = l->files[l->dst_file[i]].fd;
	}
	return 0;
}

void range_list_free(struct range_list *l)
{
	unsigned int i;

	for (i = 0; i < l->nr_files; i++) {
		if (l->files[i].fd >= 0)
			close(l->files[i].fd);
		free(l->files[i].name);
	}
	free(l->files);
	free(l->r);
	free(l->src_file);
	free(l->dst_file);
	memset(l, 0, sizeof(*l));
}
