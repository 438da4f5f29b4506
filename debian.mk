# SPDX-License-Identifier: GPL-2.0
#
# Debian packages.  Included by the top Makefile.
#
#   make deb        build/deb/*.deb: copyoffload-dkms, libcopyoffload1,
#                   libcopyoffload-dev, copyoffload-tools (+ -dbgsym), with
#                   dpkg-buildpackage -us -uc -b on a clean export of the
#                   tree in a temporary folder (the checkout is not touched).
#                   Installs missing build dependencies (debian/control)
#                   with apt-get.  Nothing is rebuilt when no file that can
#                   change the packages changed since the last build (test
#                   scripts cannot).  Log: build/deb/build.log.
#   make deb-lint   lintian on what make deb built, pedantic tags included:
#                   any tag that debian/*.lintian-overrides does not
#                   justify fails (tests/run runs it)
#   make clean-deb
#
# The export is what git would commit: tracked files and untracked ones that
# are not ignored, as they are in the working tree.  Every file gets the date
# of the last debian/changelog entry (SOURCE_DATE_EPOCH), so the export only
# changes when contents do.  The export is built outside the checkout:
# kbuild's "make clean M=<checkout>" (make clean, make module-clean) deletes
# every *.o and *.a below the checkout, a package build's too.

DEB_DIR := build/deb
DEB_ARCH = $(shell dpkg --print-architecture)
DEB_FILES = $(DEB_DIR)/copyoffload-dkms_$(VERSION)_all.deb \
	$(foreach p,libcopyoffload1 libcopyoffload-dev copyoffload-tools,\
		$(DEB_DIR)/$(p)_$(VERSION)_$(DEB_ARCH).deb)

# deb_files: the export's file names, NUL-separated (deleted files left out)
# deb_inputs: those that can change the packages: tests/ only by its .mk
# deb_tar: a tar of the names on stdin, to stdout
define DEB_SH
deb_files() { git ls-files -z --cached --others --exclude-standard | \
	xargs -0 sh -c 'for f; do if [ -e "$$f" ] || [ -L "$$f" ]; then \
		printf "%s\0" "$$f"; fi; done' sh; }; \
deb_inputs() { deb_files | grep -zv '^tests/' ; deb_files | grep -z '^tests/.*\.mk$$'; }; \
deb_tar() { tar --null -T - --sort=name --owner=0 --group=0 --numeric-owner \
	--mtime=@$$(dpkg-parsechangelog -S Timestamp) -cf -; }
endef

deb:
	@git rev-parse --is-inside-work-tree >/dev/null 2>&1 || \
		{ echo "make deb: needs a git checkout (to know which files to export)" >&2; exit 1; }
	@$(DEB_SH); set -e; \
	sum=$$(deb_inputs | deb_tar | sha256sum | cut -c1-64); \
	if [ "$$sum" = "$$(cat $(DEB_DIR)/.stamp 2>/dev/null)" ] && \
	   ls $(DEB_FILES) >/dev/null 2>&1; then \
		echo "make deb: $(DEB_DIR) is up to date"; exit 0; \
	fi; \
	rm -rf $(DEB_DIR); mkdir -p $(DEB_DIR); \
	tmp=$$(mktemp -d "$${TMPDIR:-/tmp}/copyoffload-deb.XXXXXX"); \
	mkdir "$$tmp/src"; \
	deb_files | deb_tar | tar -C "$$tmp/src" -xf -; \
	if ! (cd "$$tmp/src" && dpkg-checkbuilddeps) >/dev/null 2>&1; then \
		echo "make deb: installing the build dependencies"; \
		[ "$$(id -u)" = 0 ] || { echo "make deb: run as root to install them" >&2; exit 1; }; \
		DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -q \
			--no-install-recommends "$$tmp/src" >/dev/null 2>&1 || \
		{ apt-get update -q >/dev/null && \
		  DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -q \
			--no-install-recommends "$$tmp/src" >/dev/null; }; \
	fi; \
	echo "make deb: dpkg-buildpackage in $$tmp/src (log: $(DEB_DIR)/build.log)"; \
	if ! (cd "$$tmp/src" && dpkg-buildpackage -us -uc -b) > $(DEB_DIR)/build.log 2>&1; then \
		tail -n 30 $(DEB_DIR)/build.log >&2; \
		echo "make deb: dpkg-buildpackage failed (log: $(DEB_DIR)/build.log," \
			"build tree kept: $$tmp/src)" >&2; \
		exit 1; \
	fi; \
	mv "$$tmp"/*.deb "$$tmp"/*.changes "$$tmp"/*.buildinfo $(DEB_DIR)/; \
	rm -rf "$$tmp"; \
	ls $(DEB_FILES) >/dev/null; \
	echo "$$sum" > $(DEB_DIR)/.stamp; \
	ls -1 $(DEB_DIR)/*.deb

deb-lint: deb
	@command -v lintian >/dev/null || { \
		echo "make deb-lint: installing lintian"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends lintian >/dev/null; }
	lintian --pedantic --info --display-info --fail-on error,warning,info,pedantic \
		$(DEB_DIR)/*.changes

clean-deb:
	rm -rf $(DEB_DIR)

.PHONY: deb deb-lint clean-deb
