# SPDX-License-Identifier: GPL-2.0
#
# tests/odx/: odx-target, the ODX-capable TCMU target the guest tests run
# (tests/vm/run --odx).  Built with the guest test programs; needs libmnl.

ODX_TARGET := tests/odx/odx-target
ODX_OBJS := $(patsubst %.c,%.o,$(wildcard tests/odx/*.c))

GUEST_TEST_PROGS += $(ODX_TARGET)

$(ODX_TARGET): $(ODX_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lmnl

tests/odx/%.o: tests/odx/%.c tests/odx/odx.h
	$(CC) $(CO_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

clean-odx:
	rm -f $(ODX_TARGET) $(ODX_OBJS)

clean-tests: clean-odx

.PHONY: clean-odx
