/* SPDX-License-Identifier: GPL-2.0 */
/*
 * copyoffload's range list: ranges from the command line or from stdin, and
 * the files they name, each opened once.
 */
#ifndef COPYOFFLOAD_TOOLS_RANGES_H
#define COPYOFFLOAD_TOOLS_RANGES_H

#include <stdbool.h>
#include <stdio.h>
#include <copyoffload.h>

/* How the files are opened. */
struct open_mode {
	int src_flags;		/* O_RDONLY, or O_WRONLY for --src-wronly */
	int dst_flags;		/* O_WRONLY | O_CREAT ..., see copyoffload(1) */
};

struct file {
	char *name;
	bool dst;		/* opened as a destination */
	int fd;
};

struct range_list {
	struct copyoffload_range *r;	/* what the library gets */
	unsigned int *src_file;		/* each range's files in files[] */
	unsigned int *dst_file;
	unsigned int nr, alloc;
	struct file *files;
	unsigned int nr_files, alloc_files;
};

/*
 * Parsers return 0, or -EINVAL after printing what is wrong.  Ranges are
 * added with fds of -1; range_list_open() opens the files.
 */
int range_list_add_arg(struct range_list *l, const char *src,
		       const char *dst, const char *arg);
int range_list_read(struct range_list *l, const char *src, const char *dst,
		    FILE *f);
/* 0, or a negative errno after printing which file could not be opened. */
int range_list_open(struct range_list *l, const struct open_mode *mode);
void range_list_free(struct range_list *l);

static inline const char *range_src_name(const struct range_list *l,
					 unsigned int i)
{
	return l->files[l->src_file[i]].name;
}

static inline const char *range_dst_name(const struct range_list *l,
					 unsigned int i)
{
	return l->files[l->dst_file[i]].name;
}

#endif /* COPYOFFLOAD_TOOLS_RANGES_H */
