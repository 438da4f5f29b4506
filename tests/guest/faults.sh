#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Faults and races around storage offload, each with its witness:
#   unload-busy        rmmod while a copy runs is refused (the open device
#                      holds the module); after it, unload and load work;
#   kill-in-command    SIGKILL while the module waits for a WRITE USING
#                      TOKEN the target holds 4 s: gone once the command
#                      ends, bytes_done honest (what is past it is the old
#                      bytes or the source's), no report;
#   kill-in-rrti-poll  SIGKILL while RRTI keeps saying "in progress": gone
#                      at once (a killable sleep), not after the operation;
#   probe-stalled      a disk whose probe stalls (the ODX target answers
#                      INQUIRY 8 s late) delays no copy on another disk
#                      (the probe runs outside the module's disk lock);
#   concurrent         8 offloaded copies of one file to one LUN at once:
#                      all complete, every byte right;
#   writers            mmap and O_DIRECT writers on the source and the
#                      destination during repeated offloaded copies, and
#                      in the last seconds
#                      FICLONE of the source elsewhere and FICLONERANGE
#                      into the destination (after which both fall back:
#                      shared blocks are never written underneath): every
#                      source block its own or its writers', every
#                      destination block the source's, zeroes, a writer's
#                      or the cloned one's;
# always: xfs_repair clean, and tests/run judges the kernel log after.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/fslib.sh"
. "$CO_TOP/tests/odx/lib.sh"

P=faults
require_module_luns "$P/setup"
PY=$CO_TOP/tests/guest/safety.py
CO_SYS=/sys/kernel/copyoffload

# a copy in the background: CPID, its output in $T/out
copy_bg() {
	"$CO_RANGE" copy "$@" > "$T/out" 2>&1 &
	CPID=$!
}

# gone_within MS PID: PID exits within MS milliseconds (polled); GONE_MS
gone_within() {
	local t0=${EPOCHREALTIME/./}
	while kill -0 "$2" 2>/dev/null; do
		GONE_MS=$(((${EPOCHREALTIME/./} - t0) / 1000))
		[ "$GONE_MS" -gt "$1" ] && return 1
		sleep 0.05
	done
	GONE_MS=$(((${EPOCHREALTIME/./} - t0) / 1000))
	wait "$2" 2>/dev/null
	return 0
}

tools_scratch T

# ---- on the ODX target: commands held as long as a test needs ---------------
odx_require "$P"
mkfs_on "$ODX0" xfs || { fail "$P/odx/mkfs" "mkfs xfs on $ODX0"; exit 1; }
random_file "$MNT/src" $((32 * 1024))
py() { python3 "$PY" "$@"; }
py fill "$MNT/old" 32 D
cp --reflink=never "$MNT/old" "$MNT/dst"
sync

case_start "$P/unload-busy"
odx_knobs "wut-limit 8192" "delay op=wut ms=2000"
copy_bg --offload=odx "$MNT/src" "$MNT/dst" 0:0:eof
sleep 2
if rmmod copyoffload 2>"$T/rmmod"; then
	why "rmmod succeeded while a copy ran"
	modprobe copyoffload
else
	grep -q -i "in use\|busy" "$T/rmmod" || why "rmmod: $(cat "$T/rmmod")"
fi
wait "$CPID" || why "the copy failed: $(tail -n 2 "$T/out")"
odx_knobs
drop_caches
want_same "$MNT/src" "$MNT/dst"
rmmod copyoffload 2>"$T/rmmod" || why "rmmod after the copy: $(cat "$T/rmmod")"
modprobe copyoffload || why "modprobe after rmmod failed"
[ -c /dev/copyoffload ] || why "no /dev/copyoffload after loading again"
case_end

# kill_case NAME KNOB... -- MS: SIGKILL 2 s into a copy with KNOBs; gone
# within MS; what was copied is honest
kill_case() {
	local name=$1 ms
	shift
	case_start "$P/$name"
	cp --reflink=never "$MNT/old" "$MNT/dst"
	sync
	odx_knobs "${@:1:$#-2}"
	ms=${!#}
	copy_bg --offload=odx --no-fallback "$MNT/src" "$MNT/dst" 0:0:eof
	sleep 2
	kill -KILL "$CPID"
	gone_within "$ms" "$CPID" || why "still there $GONE_MS ms after SIGKILL"
	echo "# $CASE: gone $GONE_MS ms after SIGKILL"
	odx_knobs
	drop_caches
	# nothing was reported: every block is the old one or the source's
	want "a block neither the old one nor the source's" \
		py judge "$MNT/dst" "$MNT/src" letter:D
	case_end
}
# a WUT held 4 s: SIGKILL waits for the command, never for the batch
kill_case kill-in-command "wut-limit 8192" "delay op=wut ms=4000" -- 5000
# RRTI "in progress" for 20 s: the sleep between polls is killable
kill_case kill-in-rrti-poll "rrti-busy 20000" -- 1500
umount "$MNT"
fs_check "$P/odx" xfs "$BDEV"

# ---- on LIO: many copies, and writers ----------------------------------------
mkfs_on "$LUN0" xfs || { fail "$P/lio/mkfs" "mkfs xfs on $LUN0"; exit 1; }
random_file "$MNT/src" $((16 * 1024))
sync

case_start "$P/probe-stalled"
odx_knobs "delay op=inquiry ms=8000"
"$CO_RANGE" info --refresh "$ODX0" > "$T/probe" 2>&1 &
ip=$!
sleep 2
t0=${EPOCHREALTIME/./}
"$CO_RANGE" copy "$MNT/src" "$MNT/p" 0:0:eof > "$T/pcopy" 2>&1 ||
	why "the copy failed: $(tail -n 1 "$T/pcopy")"
ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
kill -0 "$ip" 2>/dev/null || why "the stalled probe was over before the copy: nothing was tested"
wait "$ip"
odx_knobs
echo "# $CASE: a copy on $LUN0 took $ms ms while $ODX0's probe stalled"
[ "$ms" -lt 6000 ] || why "the copy waited $ms ms for another disk's probe"
case_end

case_start "$P/concurrent"
x0=$(cat "$CO_SYS/xcopy_bytes")
pids=()
for i in 1 2 3 4 5 6 7 8; do
	py fill "$MNT/c$i" 16 D
	"$CO_RANGE" copy "$MNT/src" "$MNT/c$i" 0:0:eof > "$T/c$i" 2>&1 &
	pids+=($!)
done
for i in 1 2 3 4 5 6 7 8; do
	wait "${pids[$((i - 1))]}" || why "copy $i failed: $(tail -n 1 "$T/c$i")"
done
drop_caches
for i in 1 2 3 4 5 6 7 8; do
	same_bytes "$MNT/src" "$MNT/c$i" || why "copy $i differs"
done
x=$(($(cat "$CO_SYS/xcopy_bytes") - x0))
echo "# $CASE: xcopy $x bytes of $((8 * 16 * MiB))"
[ "$x" -gt 0 ] || why "none of them was offloaded"
case_end

case_start "$P/writers"
py fill "$MNT/dst" 16 D
py fill "$MNT/R" 1 R
cp --reflink=never "$MNT/src" "$MNT/src.orig"
x0=$(cat "$CO_SYS/xcopy_bytes")
python3 - "$MNT/dst" "$MNT/src" "$MNT/clone" 8 "$MNT/R" <<'EOF' > "$T/writers" 2>&1 &
import fcntl, mmap, os, random, struct, sys, time
dst, src, clone, secs, rfile = sys.argv[1:6]
end = time.time() + float(secs)
reflink_from = end - 3
FICLONE, FICLONERANGE = 0x40049409, 0x4020940d
n = [0, 0, 0, 0]
aligned = {}
for letter in "OP":
    aligned[letter] = mmap.mmap(-1, 4096)
    aligned[letter].write(letter.encode() * 4096)


def write_both(path, mark, direct):
    """An mmap write of MARK and an O_DIRECT one of DIRECT into PATH."""
    fd = os.open(path, os.O_RDWR)
    size = os.fstat(fd).st_size
    if size >= 4096:
        m = mmap.mmap(fd, size)
        off = random.randrange(size // 4096) * 4096
        m[off:off + 4096] = mark.encode() * 4096
        m.close()
    os.close(fd)
    fd = os.open(path, os.O_WRONLY | os.O_DIRECT)
    if size >= 4096:
        os.pwritev(fd, [aligned[direct]],
                   random.randrange(size // 4096) * 4096)
    os.close(fd)
    return size


while time.time() < end:
    try:
        # the destination (M, O) and the source (N, P)
        size = write_both(dst, "M", "O")
        write_both(src, "N", "P")
        n[0] += 1
        n[1] += 1
        if time.time() > reflink_from:
            s = os.open(src, os.O_RDONLY)
            c = os.open(clone, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            fcntl.ioctl(c, FICLONE, s)
            os.close(s); os.close(c)
            n[2] += 1
            r, d = os.open(rfile, os.O_RDONLY), os.open(dst, os.O_WRONLY)
            off = random.randrange(size // 4096) * 4096
            fcntl.ioctl(d, FICLONERANGE,
                        struct.pack("qQQQ", r, 0, 4096, off))
            os.close(r); os.close(d)
            n[3] += 1
    except OSError as e:
        print("writer:", e)
    time.sleep(0.02)
print("mmap writes %d, direct writes %d (each into both files), clones of "
      "the source %d, clones into the destination %d" % tuple(n))
EOF
wp=$!
n=0
while kill -0 "$wp" 2>/dev/null; do
	timeout 120 "$CO_RANGE" copy "$MNT/src" "$MNT/dst" 0:0:eof >/dev/null 2>&1
	[ $? = 124 ] && why "a copy hung"
	n=$((n + 1))
done
wait "$wp"
echo "# $CASE: $n copies, xcopy $(($(cat "$CO_SYS/xcopy_bytes") - x0)) bytes; $(tail -n 1 "$T/writers")"
grep -q "^writer:" "$T/writers" && why "$(grep -m1 "^writer:" "$T/writers")"
[ "$(cat "$CO_SYS/xcopy_bytes")" -gt "$x0" ] || why "no copy was offloaded"
drop_caches
want "a source block neither its own nor its writers'" \
	py judge "$MNT/src" "$MNT/src.orig" letter:N letter:P
# (by sectors: a block of the source read while a writer wrote it may mix
# its old and new sectors, as it may for any reader)
want "a destination sector neither the source's, zeroes, a writer's nor R" \
	py judge "$MNT/dst" --sectors "$MNT/src.orig" letter:D letter:M \
	letter:O letter:N letter:P letter:R
case_end
umount "$MNT"
fs_check "$P/lio" xfs "$BDEV"

done_testing
