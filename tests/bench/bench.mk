# SPDX-License-Identifier: GPL-2.0
#
# tests/bench/: benchmarks.  Included by the top Makefile; paths are from the
# top.  They measure, they do not pass or fail on speed: a benchmark fails
# only when its work did not verify.
#
#   make bench        build, then tests/bench/run: one guest boot, xfs and
#                     btrfs, batched request against one syscall per range
#                     (BENCH_ARGS="--ranges N --reps R --fs xfs ..." to vary)
#                     then tests/bench/xcopy: storage offload of a 1 GiB
#                     file against cp, sg_xcopy and ddpt --xcopy
#                     (BENCH_XCOPY_ARGS="--mib N --reps R --kernel K")
#                     then tests/bench/odx: ODX of a 1 GiB file on a LUN
#                     of tests/odx/odx-target against ddpt --odx and cp
#                     (BENCH_ODX_ARGS="--mib N --reps R --kernel K")
#                     then tests/bench/nvme: NVMe Copy of a 1 GiB file on
#                     a QEMU NVMe namespace against nvme copy (nvme-cli)
#                     over the same LBAs and cp (BENCH_NVME_ARGS="--mib N
#                     --reps R --kernel K --mssrl B --mcl B --msrc R");
#                     all three with every method's destination LBAs in
#                     the same state, fresh and written (tests/bench/lib.sh)
#                     then tests/bench/link: the LIO and ODX LUNs over
#                     iSCSI on a loopback shaped by tc, cp against
#                     copyoffload-cp
#                     (BENCH_LINK_ARGS="--mib N --reps R --rate 1gbit")
#   make bench-progs  only build the benchmark programs
#   make clean-bench

BENCH_PROGS := tests/bench/ranges
BENCH_ARGS ?=
BENCH_XCOPY_ARGS ?=
BENCH_ODX_ARGS ?=
BENCH_NVME_ARGS ?=
BENCH_LINK_ARGS ?=

bench-progs: $(BENCH_PROGS)

$(BENCH_PROGS): tests/bench/%: tests/bench/%.c lib/$(LIB_NAME).so
	$(CC) $(CO_CFLAGS) $(CPPFLAGS) $(CFLAGS) -MMD -MP -o $@ $< \
		-Llib -lcopyoffload -Wl,-rpath,'$$ORIGIN/../../lib' $(LDFLAGS)

bench: $(BENCH_PROGS) all
	tests/bench/run $(BENCH_ARGS)
	tests/bench/xcopy $(BENCH_XCOPY_ARGS)
	tests/bench/odx $(BENCH_ODX_ARGS)
	tests/bench/nvme $(BENCH_NVME_ARGS)
	tests/bench/link $(BENCH_LINK_ARGS)

clean-bench:
	rm -f $(BENCH_PROGS) $(BENCH_PROGS:=.d)

clean: clean-bench

-include $(BENCH_PROGS:=.d)

.PHONY: bench bench-progs clean-bench
