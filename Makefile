# SPDX-License-Identifier: GPL-2.0
#
# copyoffload: top-level build.
#
#   make                 library and tools (userspace)
#   make module KVER=... the module against /lib/modules/KVER/build
#   make check           the test suite (host tests, then the guest suite)
#   make style sparse    checkpatch and sparse on the module
#   make bench           benchmarks in a guest
#   make deb deb-lint    Debian packages in build/deb, lintian (debian.mk)
#
# Userspace is built with -Wall -Wextra -Werror.

VERSION := $(shell cat VERSION)
GIT_VERSION := $(shell git describe --tags --always --dirty 2>/dev/null)
FULL_VERSION := $(VERSION)$(if $(GIT_VERSION),+g$(GIT_VERSION:v%=%))

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=

CC ?= cc
CFLAGS ?= -O2 -g
CO_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
	-Iuapi -Ilib -DCOPYOFFLOAD_VERSION='"$(FULL_VERSION)"'

# Functions that not every C library has, used where $(CC)'s has them:
# glibc >= 2.32's strerrorname_np and sigabbrev_np (the tools, the test
# programs; musl has neither), statx (glibc >= 2.28, musl >= 1.2.5; the
# library calls the system call itself otherwise).  A program that calls
# the function must compile and link.  Run once, the first time a recipe
# needs them.
# co_probe HEADER,CALL,MACRO: -DMACRO when CALL compiles with HEADER
co_probe = $(shell echo 'int main(void) { return !!($(2)); }' | \
	$(CC) -D_GNU_SOURCE -include $(1) \
	-Werror=implicit-function-declaration -x c -o /dev/null - \
	>/dev/null 2>&1 && echo -D$(3))
CO_PROBES = $(eval CO_PROBES := \
	$(call co_probe,string.h,strerrorname_np(1),CO_HAVE_STRERRORNAME_NP) \
	$(call co_probe,string.h,sigabbrev_np(1),CO_HAVE_SIGABBREV_NP) \
	$(call co_probe,sys/stat.h,statx(0, "", 0, 0, 0),CO_HAVE_STATX))$(CO_PROBES)

# The kernel to build the module for: the running one when its headers are
# installed, else the newest kernel whose headers are.
KVER ?= $(or $(if $(wildcard /lib/modules/$(shell uname -r)/build/Makefile),$(shell uname -r)),$(notdir $(patsubst %/build/Makefile,%,$(lastword $(sort $(wildcard /lib/modules/*/build/Makefile))))))
KDIR ?= /lib/modules/$(KVER)/build

CO_CACHE ?= /var/cache/copyoffload
CHECKPATCH ?= $(CO_CACHE)/checkpatch/scripts/checkpatch.pl
MODULE_SRCS := $(filter-out %.mod.c,$(wildcard module/*.c module/*.h module/compat/*.h))
CODESPELL_DICT ?= $(firstword $(wildcard /usr/lib/python3/dist-packages/codespell_lib/data/dictionary.txt /usr/share/codespell/dictionary.txt))

all: lib tools

include lib/lib.mk
include tools/tools.mk
include tests/tests.mk
include tests/bench/bench.mk
include debian.mk

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

module-clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean

CHECKPATCH_FLAGS = --no-tree --quiet --show-types --codespell \
	--codespellfile $(CODESPELL_DICT)

# The module's habits: checkpatch (strict, with codespell) and sparse.
style:
	@test -x $(CHECKPATCH) || { echo "no checkpatch.pl: run tests/deps" >&2; exit 1; }
	@test -n "$(CODESPELL_DICT)" || { echo "no codespell dictionary: run tests/deps" >&2; exit 1; }
	$(CHECKPATCH) $(CHECKPATCH_FLAGS) --strict -f $(MODULE_SRCS)
	$(CHECKPATCH) $(CHECKPATCH_FLAGS) -f uapi/linux/copyoffload.h

sparse:
	@mkdir -p build
	@rm -f build/sparse.trace
	CO_SPARSE_TRACE=$(CURDIR)/build/sparse.trace \
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 CHECK=$(CURDIR)/tests/sparse modules \
		> build/sparse.log 2>&1 || { cat build/sparse.log; exit 1; }
	@grep -q "module/copy.c" build/sparse.trace || { echo "sparse did not run" >&2; exit 1; }
	@! grep -E "(warning|error):" build/sparse.log

check: all lib-test-progs
	tests/run

clean: clean-lib clean-tools clean-tests module-clean
	rm -rf build

.PHONY: all module module-clean check style sparse clean
