// SPDX-License-Identifier: GPL-2.0
/*
 * race-swapext SECONDS FILE_A FILE_B: swap the data forks of two xfs files
 * with XFS_IOC_SWAPEXT, as often as it can for SECONDS, the way an
 * unprivileged owner of both may (read-write descriptors, no capability,
 * the target's times from fstat instead of bulkstat, which xfs_io's
 * swapext needs CAP_SYS_ADMIN for).  The files must have the same size.
 * Prints "swaps N refused M first-error E" and exits 0 when at least one
 * swap was made, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xfs/xfs.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int swap_once(int a, int b)
{
	struct xfs_swapext sx;
	struct stat st;

	/* SWAPEXT wants both on-disk sizes equal to sx_length */
	if (fdatasync(a) || fdatasync(b) || fstat(a, &st))
		return -errno;
	memset(&sx, 0, sizeof(sx));
	sx.sx_version = XFS_SX_VERSION;
	sx.sx_fdtarget = a;
	sx.sx_fdtmp = b;
	sx.sx_offset = 0;
	sx.sx_length = st.st_size;
	sx.sx_stat.bs_ino = st.st_ino;
	sx.sx_stat.bs_mtime.tv_sec = st.st_mtim.tv_sec;
	sx.sx_stat.bs_mtime.tv_nsec = st.st_mtim.tv_nsec;
	sx.sx_stat.bs_ctime.tv_sec = st.st_ctim.tv_sec;
	sx.sx_stat.bs_ctime.tv_nsec = st.st_ctim.tv_nsec;
	return ioctl(a, XFS_IOC_SWAPEXT, &sx) ? -errno : 0;
}

int main(int argc, char **argv)
{
	unsigned long swaps = 0, refused = 0;
	int a, b, ret, first = 0;
	double end;

	if (argc != 4) {
		fprintf(stderr, "usage: race-swapext SECONDS FILE_A FILE_B\n");
		return 2;
	}
	end = now() + atof(argv[1]);
	a = open(argv[2], O_RDWR);
	b = open(argv[3], O_RDWR);
	if (a < 0 || b < 0) {
		perror("open");
		return 1;
	}
	while (now() < end) {
		ret = swap_once(a, b);
		if (ret) {
			refused++;
			if (!first)
				first = -ret;
		} else {
			swaps++;
		}
	}
	printf("swaps %lu refused %lu first-error %s\n", swaps, refused,
	       first ? strerror(first) : "none");
	return swaps ? 0 : 1;
}
