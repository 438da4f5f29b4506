# tests/: C programs the guest tests and benchmarks run.
GUEST_TEST_PROGS := tests/progs/abi-check tests/progs/race-swapext \
	tests/progs/fuse-nocopy tests/progs/fuzz tests/progs/abi-v1-user \
	tests/progs/jobs-check tests/progs/lib-jobs-check
include tests/odx/odx.mk

guest-test-progs: $(GUEST_TEST_PROGS)

# the test programs' shared reporting
tests/progs/abi-check tests/progs/jobs-check tests/progs/lib-jobs-check: \
		tests/progs/result.h

# XFS_IOC_SWAPEXT from xfslibs-dev's headers, no library
tests/progs/race-swapext: tests/progs/race-swapext.c
	$(CC) $(CO_CFLAGS) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS)

tests/progs/fuse-nocopy: tests/progs/fuse-nocopy.c
	$(CC) $(CO_CFLAGS) $(CPPFLAGS) $(CFLAGS) $$(pkg-config --cflags fuse3) \
		-o $@ $< $(LDFLAGS) $$(pkg-config --libs fuse3)

# built as version 1's users were: against version 1's header, kept as it
# shipped
tests/progs/abi-v1-user: tests/progs/abi-v1-user.c \
		tests/progs/abi-v1/linux/copyoffload.h
	$(CC) -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
		-Itests/progs/abi-v1 $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS)

# raw netlink through libmnl, not the library: it tests the module
tests/progs/jobs-check: tests/progs/jobs-check.c
	$(CC) $(CO_CFLAGS) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) -lmnl

tests/progs/fuzz: tests/progs/fuzz.c
	$(CC) $(CO_CFLAGS) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) -lpthread

tests/progs/%: tests/progs/%.c lib/libcopyoffload.so
	$(CC) $(CO_CFLAGS) $(CPPFLAGS) $(CFLAGS) -o $@ $< -Llib -lcopyoffload $(LDFLAGS)

clean-tests:
	rm -f $(GUEST_TEST_PROGS)

.PHONY: guest-test-progs clean-tests
