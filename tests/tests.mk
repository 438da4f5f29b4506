# tests/: C programs the guest tests and benchmarks run.
GUEST_TEST_PROGS := tests/progs/abi-check
include tests/odx/odx.mk

guest-test-progs: $(GUEST_TEST_PROGS)

tests/progs/%: tests/progs/%.c lib/libcopyoffload.so
	$(CC) $(CO_CFLAGS) $(CPPFLAGS) $(CFLAGS) -o $@ $< -Llib -lcopyoffload $(LDFLAGS)

clean-tests:
	rm -f $(GUEST_TEST_PROGS)

.PHONY: guest-test-progs clean-tests
