# SPDX-License-Identifier: GPL-2.0
#
# tools/: copyoffload-cp and copyoffload, linked against lib/libcopyoffload.so.
#
#   make tools          build both tools (after the library)
#   make install-tools  install them, their man pages and the udev rule that
#                       runs "copyoffload nvme-setup" (DESTDIR, BINDIR,
#                       MANDIR, UDEVDIR)
#   make check-tools    run the host tests of the tools (tests/host/tools-*.sh)
#   make clean-tools    remove what make tools built

INSTALL ?= install

TOOLS_BIN := tools/copyoffload-cp tools/copyoffload
TOOLS_MAN := man/man1/copyoffload-cp.1 man/man1/copyoffload.1
# The udev rule names the installed copyoffload, so it is made from a
# template with BINDIR.  udev reads rules.d under /usr/lib/udev and
# /usr/local/lib/udev alike.
UDEVDIR ?= $(PREFIX)/lib/udev
TOOLS_UDEV := udev/60-copyoffload-nvme.rules
TOOLS_COMMON_OBJ := tools/common.o
TOOLS_OBJ := $(TOOLS_COMMON_OBJ) tools/copyoffload-cp.o tools/copyoffload.o \
	tools/ranges.o tools/counters.o tools/progress.o tools/jobs.o \
	tools/nvme.o

tools: $(TOOLS_BIN) $(TOOLS_UDEV)

# Rewritten only when BINDIR changed.
$(TOOLS_UDEV): $(TOOLS_UDEV).in tools-udev-force
	@sed -e 's|@BINDIR@|$(BINDIR)|g' $< > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

# Objects need only the headers; the binaries need the library built first.
tools/%.o: tools/%.c
	$(CC) $(CO_CFLAGS) $(CO_PROBES) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# copyoffload-cp takes SIGINT, SIGTERM and SIGHUP in a thread of its own.
tools/copyoffload-cp: tools/copyoffload-cp.o tools/counters.o tools/progress.o \
		$(TOOLS_COMMON_OBJ) \
		lib/libcopyoffload.so | lib
	$(CC) $(CFLAGS) $(LDFLAGS) -pthread -o $@ $(filter %.o,$^) -Llib -lcopyoffload

tools/copyoffload: tools/copyoffload.o tools/ranges.o tools/jobs.o tools/nvme.o \
		$(TOOLS_COMMON_OBJ) \
		lib/libcopyoffload.so | lib
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) -Llib -lcopyoffload

-include $(TOOLS_OBJ:.o=.d)

install-tools: tools
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(UDEVDIR)/rules.d
	$(INSTALL) -m 0755 $(TOOLS_BIN) $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 0644 $(TOOLS_MAN) $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -m 0644 $(TOOLS_UDEV) $(DESTDIR)$(UDEVDIR)/rules.d/

# A script fails when it reports "not ok" or no result at all (tests/lib.sh).
check-tools: tools
	@rc=0; for t in tests/host/tools-*.sh; do \
		echo "== $$t"; out=$$($$t); echo "$$out"; \
		echo "$$out" | grep -q '^not ok' && rc=1; \
		echo "$$out" | grep -Eq '^(ok|skip) ' || rc=1; \
	done; exit $$rc

clean-tools:
	rm -f $(TOOLS_BIN) $(TOOLS_OBJ) $(TOOLS_OBJ:.o=.d) $(TOOLS_UDEV) \
		$(TOOLS_UDEV).tmp

.PHONY: tools install-tools check-tools clean-tools tools-udev-force
