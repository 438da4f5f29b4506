// SPDX-License-Identifier: GPL-2.0
/*
 * fuse-nocopy BACKING MOUNTPOINT [FUSE-OPTION...]: a FUSE passthrough of the
 * folder BACKING whose server cannot copy: it answers copy_file_range with
 * EOPNOTSUPP, so the kernel's fuse_copy_file_range() splices the bytes
 * through this host itself and reports them copied.  The test of what
 * "the filesystem's own copy" may hide (tests/guest/fuse.sh).  Each
 * copy_file_range the server was asked for is counted in the file
 * BACKING/.copy-requests (created at the first one).
 * Runs in the foreground (-f is added); unmount with fusermount3 -u.
 */
#define FUSE_USE_VERSION 31
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int backing = -1;

/* PATH ("/name") as a path relative to BACKING */
static const char *rel(const char *path)
{
	return path[1] ? path + 1 : ".";
}

static int nc_getattr(const char *path, struct stat *st,
		      struct fuse_file_info *fi)
{
	int ret = fi ? fstat(fi->fh, st) :
		  fstatat(backing, rel(path), st, AT_SYMLINK_NOFOLLOW);

	return ret ? -errno : 0;
}

static int nc_readdir(const char *path, void *buf, fuse_fill_dir_t fill,
		      off_t off, struct fuse_file_info *fi,
		      enum fuse_readdir_flags flags)
{
	struct dirent *e;
	DIR *d;
	int fd;

	(void)off, (void)fi, (void)flags;
	fd = openat(backing, rel(path), O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((e = readdir(d)))
		fill(buf, e->d_name, NULL, 0, 0);
	closedir(d);
	return 0;
}

static int nc_open(const char *path, struct fuse_file_info *fi)
{
	int fd = openat(backing, rel(path), fi->flags & ~O_NOFOLLOW);

	if (fd < 0)
		return -errno;
	fi->fh = fd;
	return 0;
}

static int nc_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	int fd = openat(backing, rel(path), fi->flags | O_CREAT, mode);

	if (fd < 0)
		return -errno;
	fi->fh = fd;
	return 0;
}

static int nc_read(const char *path, char *buf, size_t n, off_t off,
		   struct fuse_file_info *fi)
{
	ssize_t ret = pread(fi->fh, buf, n, off);

	(void)path;
	return ret < 0 ? -errno : (int)ret;
}

static int nc_write(const char *path, const char *buf, size_t n, off_t off,
		    struct fuse_file_info *fi)
{
	ssize_t ret = pwrite(fi->fh, buf, n, off);

	(void)path;
	return ret < 0 ? -errno : (int)ret;
}

static int nc_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	int ret;

	if (fi) {
		ret = ftruncate(fi->fh, size);
	} else {
		int fd = openat(backing, rel(path), O_WRONLY);

		if (fd < 0)
			return -errno;
		ret = ftruncate(fd, size);
		close(fd);
	}
	return ret ? -errno : 0;
}

static int nc_unlink(const char *path)
{
	return unlinkat(backing, rel(path), 0) ? -errno : 0;
}

static int nc_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	close(fi->fh);
	return 0;
}

static ssize_t nc_copy_file_range(const char *in, struct fuse_file_info *fi_in,
				  off_t off_in, const char *out,
				  struct fuse_file_info *fi_out, off_t off_out,
				  size_t len, int flags)
{
	unsigned long n = 0;
	FILE *f;

	(void)in, (void)fi_in, (void)off_in, (void)out, (void)fi_out;
	(void)off_out, (void)len, (void)flags;
	f = fdopen(openat(backing, ".copy-requests", O_RDWR | O_CREAT, 0644),
		   "r+");
	if (f) {
		if (fscanf(f, "%lu", &n) != 1)
			n = 0;
		rewind(f);
		fprintf(f, "%lu\n", n + 1);
		fclose(f);
	}
	return -EOPNOTSUPP;
}

static const struct fuse_operations nc_ops = {
	.getattr	= nc_getattr,
	.readdir	= nc_readdir,
	.open		= nc_open,
	.create		= nc_create,
	.read		= nc_read,
	.write		= nc_write,
	.truncate	= nc_truncate,
	.unlink		= nc_unlink,
	.release	= nc_release,
	.copy_file_range = nc_copy_file_range,
};

int main(int argc, char **argv)
{
	char *args[32];
	int i, n = 0;

	if (argc < 3 || argc > 28) {
		fprintf(stderr,
			"usage: fuse-nocopy BACKING MOUNTPOINT [FUSE-OPTION...]\n");
		return 2;
	}
	backing = open(argv[1], O_RDONLY | O_DIRECTORY);
	if (backing < 0) {
		perror(argv[1]);
		return 1;
	}
	args[n++] = argv[0];
	args[n++] = "-f";
	for (i = 2; i < argc; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	return fuse_main(n, args, &nc_ops, NULL);
}
