# SPDX-License-Identifier: GPL-2.0
#
# lib/: libcopyoffload.  Included by the top Makefile; paths are from the top.
#
#   make lib             lib/libcopyoffload.so.MAJOR.MINOR.0 (+ .so.MAJOR,
#                        .so links),
#                        lib/libcopyoffload.a, lib/libcopyoffload.pc
#   make lib-test-progs  the C helpers of tests/host/lib-*.sh
#   make install-lib     library, headers (<copyoffload.h>, and the module's
#                        ABI as <libcopyoffload/copyoffload.h>), pkg-config
#                        file, man3 pages and copyoffload(4), the ioctls
#   make clean-lib

LIB_NAME := libcopyoffload
# The interface's version: the soname's MAJOR and a MINOR that grows with
# every release that adds to the interface.  lib/copyoffload.h's
# COPYOFFLOAD_LIB_VERSION_MAJOR/_MINOR say the same (lib/copyoffload.c does
# not compile otherwise), and the newest node of lib/libcopyoffload.map is
# LIBCOPYOFFLOAD_MAJOR.MINOR (the link stops otherwise).
LIB_SOMAJOR := 1
LIB_SOMINOR := 4
LIB_SOVERSION := $(LIB_SOMAJOR).$(LIB_SOMINOR).0
LIB_SONAME := $(LIB_NAME).so.$(LIB_SOMAJOR)
LIB_SO := lib/$(LIB_NAME).so.$(LIB_SOVERSION)
LIB_LINKS := lib/$(LIB_SONAME) lib/$(LIB_NAME).so
LIB_A := lib/$(LIB_NAME).a
LIB_PC := lib/$(LIB_NAME).pc
LIB_MAP := lib/$(LIB_NAME).map

LIB_SRCS := lib/copyoffload.c lib/validate.c lib/fallback.c lib/copy.c \
	lib/jobs.c lib/genl.c
# The jobs' netlink functions (lib/genl.c) are built on libmnl.  LIBMNL=no
# builds the library without it (a C library libmnl is not built for, such
# as musl here): those functions then return -ENOSYS, and the library needs
# nothing but the C library.
LIBMNL ?= yes
ifeq ($(LIBMNL),no)
LIB_MNL_CFLAGS := -DCO_NO_LIBMNL
LIB_MNL_LIBS :=
LIB_PC_REQUIRES :=
else
LIB_MNL_CFLAGS := $(shell pkg-config --cflags libmnl 2>/dev/null)
LIB_MNL_LIBS := $(or $(shell pkg-config --libs libmnl 2>/dev/null),-lmnl)
LIB_PC_REQUIRES := libmnl
endif
LIB_OBJS := $(LIB_SRCS:.c=.o)
LIB_MAN3 := $(wildcard man/man3/*.3)
# The device's ioctls: with the header that defines them (libcopyoffload-dev)
LIB_MAN4 := man/man4/copyoffload.4
LIB_TEST_PROGS := tests/progs/lib-check
LIB_TEST_PRELOAD := tests/progs/lib-fakedev.so

INSTALL ?= install
OBJCOPY ?= objcopy

# One set of position-independent objects serves both libraries.
LIB_CFLAGS = $(CO_CFLAGS) $(CO_PROBES) $(CPPFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden \
	-MMD -MP -DCO_LIB_SOMAJOR=$(LIB_SOMAJOR) -DCO_LIB_SOMINOR=$(LIB_SOMINOR) \
	$(LIB_MNL_CFLAGS)
LIB_LDFLAGS = -shared -Wl,-soname,$(LIB_SONAME) \
	-Wl,--version-script=$(LIB_MAP) -Wl,-z,defs -Wl,--as-needed \
	$(LDFLAGS)

lib: $(LIB_SO) $(LIB_LINKS) $(LIB_A) $(LIB_PC)

$(LIB_OBJS): lib/%.o: lib/%.c lib/lib.mk
	$(CC) $(LIB_CFLAGS) -c -o $@ $<

$(LIB_SO): $(LIB_OBJS) $(LIB_MAP)
	@node=$$(sed -n 's/^\(LIBCOPYOFFLOAD_[0-9.]*\) {.*/\1/p' $(LIB_MAP) | tail -n 1); \
	[ "$$node" = LIBCOPYOFFLOAD_$(LIB_SOMAJOR).$(LIB_SOMINOR) ] || { \
		echo "$(LIB_MAP): newest node $$node, but lib.mk says" \
			"$(LIB_SOMAJOR).$(LIB_SOMINOR)" >&2; exit 1; }
	$(CC) $(CFLAGS) $(LIB_LDFLAGS) -o $@ $(LIB_OBJS) $(LIB_MNL_LIBS)

lib/$(LIB_SONAME): $(LIB_SO)
	ln -sf $(notdir $<) $@

lib/$(LIB_NAME).so: lib/$(LIB_SONAME)
	ln -sf $(notdir $<) $@

# The static library is one relocatable object whose hidden symbols are made
# local, so that it exports the API and nothing a program could clash with.
lib/$(LIB_NAME)-static.o: $(LIB_OBJS)
	$(CC) $(CFLAGS) -r -nostdlib -o $@ $^
	$(OBJCOPY) --localize-hidden $@

$(LIB_A): lib/$(LIB_NAME)-static.o
	rm -f $@
	$(AR) rcs $@ $^

# Rewritten only when a path or the version changed.
$(LIB_PC): lib/$(LIB_NAME).pc.in lib-pc-force
	@sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@REQUIRES_PRIVATE@|$(LIB_PC_REQUIRES)|' \
	    $< > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

lib-test-progs: $(LIB_TEST_PROGS) $(LIB_TEST_PRELOAD)

$(LIB_TEST_PROGS): tests/progs/%: tests/progs/%.c lib/$(LIB_NAME).so
	$(CC) $(CO_CFLAGS) $(CO_PROBES) $(CPPFLAGS) $(CFLAGS) -MMD -MP -o $@ $< \
		-Llib -lcopyoffload -Wl,-rpath,'$$ORIGIN/../../lib' $(LDFLAGS)

# A stand-in for /dev/copyoffload (LD_PRELOAD), for the module path.
$(LIB_TEST_PRELOAD): tests/progs/%.so: tests/progs/%.c
	$(CC) $(CO_CFLAGS) $(CPPFLAGS) $(CFLAGS) -fPIC -shared -MMD -MP \
		-o $@ $< -ldl $(LDFLAGS)

install-lib: lib
	$(INSTALL) -d $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(INCLUDEDIR)/libcopyoffload $(DESTDIR)$(MANDIR)/man3 \
		$(DESTDIR)$(MANDIR)/man4
	$(INSTALL) -m 755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(LIB_SO)) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/$(LIB_NAME).so
	$(INSTALL) -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	$(INSTALL) -m 644 lib/copyoffload.h $(DESTDIR)$(INCLUDEDIR)/
	$(INSTALL) -m 644 uapi/linux/copyoffload.h \
		$(DESTDIR)$(INCLUDEDIR)/libcopyoffload/
	$(INSTALL) -m 644 $(LIB_PC) $(DESTDIR)$(LIBDIR)/pkgconfig/
	$(INSTALL) -m 644 $(LIB_MAN3) $(DESTDIR)$(MANDIR)/man3/
	$(INSTALL) -m 644 $(LIB_MAN4) $(DESTDIR)$(MANDIR)/man4/

clean-lib:
	rm -f $(LIB_OBJS) $(LIB_OBJS:.o=.d) $(LIB_SO) $(LIB_LINKS) $(LIB_A) \
		lib/$(LIB_NAME)-static.o \
		$(LIB_PC) $(LIB_PC).tmp $(LIB_TEST_PROGS) \
		$(LIB_TEST_PROGS:=.d) $(LIB_TEST_PRELOAD) \
		$(LIB_TEST_PRELOAD:.so=.d)

-include $(LIB_OBJS:.o=.d) $(LIB_TEST_PROGS:=.d) $(LIB_TEST_PRELOAD:.so=.d)

# The shared object's file name, for the tests (tests/lib.sh: lib_real_name).
lib-real-name:
	@echo $(notdir $(LIB_SO))

.PHONY: lib lib-test-progs install-lib clean-lib lib-pc-force lib-real-name
