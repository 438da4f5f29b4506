// SPDX-License-Identifier: GPL-2.0
/*
 * A program that knows libcopyoffload only through what pkg-config says:
 * tests/host/lib-build.sh builds it against "make install-lib" into a
 * scratch root, tests/guest/packages.sh against the installed
 * libcopyoffload-dev package (pkg_user_build in tests/lib.sh).  Plain C99,
 * so that the installed headers are checked for -std=c99 -pedantic too;
 * <copyoffload.h> brings the module's ABI, <libcopyoffload/copyoffload.h>,
 * with it: a program includes nothing from <linux/> itself.
 *
 *   pkg-user          open without the module; prints "ok hole"
 *   pkg-user module   open requiring the module; prints
 *                     "abi=N version=V" (copyoffload_info)
 */
#include <stdio.h>
#include <string.h>
#include <copyoffload.h>

int main(int argc, char **argv)
{
	struct copyoffload *co;
	struct copyoffload_info info;
	int module = argc > 1 && strcmp(argv[1], "module") == 0;
	int ret;

	ret = copyoffload_open(&co, module ? COPYOFFLOAD_OPEN_REQUIRE_MODULE :
					     COPYOFFLOAD_OPEN_NO_MODULE);
	if (!module) {
		printf("%s %s\n", copyoffload_status_name(ret),
		       copyoffload_method_name(COPYOFFLOAD_METHOD_HOLE));
		if (ret == 0)
			copyoffload_close(co);
		return 0;
	}
	if (ret) {
		fprintf(stderr, "copyoffload_open: %s\n", strerror(-ret));
		return 1;
	}
	ret = copyoffload_info(co, &info);
	if (ret) {
		fprintf(stderr, "copyoffload_info: %s\n", strerror(-ret));
		copyoffload_close(co);
		return 1;
	}
	printf("abi=%u version=%s\n", (unsigned int)info.abi_version,
	       (const char *)info.version);
	copyoffload_close(co);
	return 0;
}
