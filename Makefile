# SPDX-License-Identifier: GPL-2.0
#
# copyoffload: top-level build.
#
#   make                 library and tools (userspace)
#   make module KVER=... the module against /lib/modules/KVER/build
#   make check           the test suite (host tests, then the guest suite)
#   make style sparse    checkpatch and sparse on the module
#   make bench           benchmarks in a guest
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

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build

all: lib tools

include lib/lib.mk
include tools/tools.mk

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

module-clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean

check: all
	tests/run

.PHONY: all module module-clean check
