# SPDX-License-Identifier: GPL-2.0
"""Helpers of tests/guest/safety.sh: the parties of a race, and the judge.

  python3 safety.py secret PATH MIB
      PATH filled with MIB MiB of "secret" blocks and synced (deleted by the
      caller: the freed blocks then hold them, as another user's deleted
      data would).
  python3 safety.py fill PATH MIB LETTER
      PATH (new) filled with MIB MiB of LETTER blocks and synced.
  python3 safety.py victims DIR SECONDS
      Another user's work: for SECONDS, new files in DIR, each of 256 KiB
      whose blocks name the file, written and synced, the oldest deleted
      once VICTIMS_KEPT are there, so that blocks are freed and taken again
      all the time.  Prints how many were made.
  python3 safety.py victims-check DIR
      Every victim file still holds exactly its own blocks.
  python3 safety.py punch PATH SECONDS LETTER
      An owner churning PATH's blocks: for SECONDS, punch a random MiB and
      write it again with LETTER blocks (the size stays), so that blocks
      are freed and allocated anew all the time.
  python3 safety.py fragmented PATH MIB SPACER
      PATH (new) holds MIB MiB of the race source's bytes (read from
      stdin), allocated a MiB at a time between blocks of SPACER, so that
      each MiB is an extent of its own (a copy is many commands).
  python3 safety.py dedupe SRC TWIN DST DTWIN FLAG SECONDS
      An owner remapping the files of a copy with FIDEDUPERANGE, no
      capability needed, while it runs: each time FLAG appears (a copy
      has just started), within the first half of the time the last copy
      took, 4 random MiBs of SRC are made TWIN's (SRC's bytes), or on
      DST's turn 4 of DST DTWIN's (DST's bytes before the copy reached
      them); the blocks SRC or DST held there are freed at once, for
      others to take.  A file's turn comes again until one of its MiBs was
      remapped; every third copy is left alone.  Then it waits for FLAG to
      go.  Prints the counts.
  python3 safety.py judge FILE [--sectors] REF...
      Every 4 KiB block of FILE is zeroes, a block of one of the REF files
      (at any offset), or a LETTER block for a REF given as "letter:X";
      with --sectors, every 512-byte sector (a block read while a writer
      wrote it may mix the two).
      Another file's blocks ("victim", "secret") are named.
Exit status 0 when all holds, 1 with the reason on stdout otherwise.
"""
import os
import random
import sys
import time

BLK = 4096
MIB = 1 << 20


def secret_block():
    return (b"SECRET of another user " * 200)[:BLK]


def letter_block(letter):
    return (letter.encode() * BLK)[:BLK]


def victim_block(name):
    return (("VICTIM %s " % name).encode() * BLK)[:BLK]


def write_blocks(path, block, mib):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    buf = block * (MIB // BLK)
    for _ in range(mib):
        os.write(fd, buf)
    os.fsync(fd)
    os.close(fd)


VICTIMS_KEPT = 256     # 64 MiB of victim files at a time


def victims(d, seconds):
    end = time.time() + float(seconds)
    n = 0
    while time.time() < end:
        name = "v%06d" % n
        path = os.path.join(d, name)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
            try:
                os.write(fd, victim_block(name) * 64)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError:
            # a full filesystem is no finding: that file is not a victim
            if os.path.exists(path):
                os.unlink(path)
            time.sleep(0.1)
            continue
        n += 1
        # the oldest goes: its blocks are free for anyone to take next
        if n > VICTIMS_KEPT:
            os.unlink(os.path.join(d, "v%06d" % (n - 1 - VICTIMS_KEPT)))
    print(n)
    return 0


def victims_check(d):
    bad = []
    names = sorted(os.listdir(d))
    for name in names:
        with open(os.path.join(d, name), "rb") as f:
            if f.read() != victim_block(name) * 64:
                bad.append(name)
    if bad:
        print("%d of %d victim files changed: %s" % (len(bad), len(names),
                                                    " ".join(bad[:5])))
        return 1
    print("%d victim files intact" % len(names))
    return 0


def punch(path, seconds, letter):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_long,
                               ctypes.c_long]
    fd = os.open(path, os.O_RDWR)
    size = os.fstat(fd).st_size
    buf = letter_block(letter) * (MIB // BLK)
    end = time.time() + float(seconds)
    n = 0
    while time.time() < end and size >= MIB:
        off = random.randrange(size // MIB) * MIB
        libc.fallocate(fd, 3, off, MIB)    # PUNCH_HOLE | KEEP_SIZE
        os.pwrite(fd, buf, off)
        os.fdatasync(fd)
        n += 1
    print(n)
    return 0


def judge(path, *refs):
    unit = BLK
    if refs and refs[0] == "--sectors":
        # a block read while a writer wrote it may mix old and new
        # sectors: each 512-byte sector must come from an allowed block
        unit, refs = 512, refs[1:]
    allowed = {bytes(unit)}
    for r in refs:
        if r.startswith("letter:"):
            allowed.add(letter_block(r[7:])[:unit])
            continue
        with open(r, "rb") as f:
            while True:
                b = f.read(unit)
                if not b:
                    break
                allowed.add(b)
    with open(path, "rb") as f:
        off = 0
        while True:
            b = f.read(unit)
            if not b:
                break
            if len(b) == unit and b not in allowed:
                what = "unknown bytes"
                if b.startswith(b"SECRET"):
                    what = "a deleted file's blocks (stale data)"
                elif b.startswith(b"VICTIM"):
                    what = "another file's blocks (%s)" % b[7:14].decode()
                print("%s: %d bytes at %d hold %s" % (path, unit, off, what))
                return 1
            off += len(b)
    return 0


FIDEDUPERANGE = 0xc0189436
FILE_DEDUPE_RANGE_SAME = 0


def dedupe_range(src_fd, src_off, length, dst_fd, dst_off):
    """Share DST's range with SRC's if equal: bytes deduplicated, or -1."""
    import fcntl
    import struct
    arg = bytearray(struct.pack("QQHHI", src_off, length, 1, 0, 0) +
                    struct.pack("qQQiI", dst_fd, dst_off, 0, 0, 0))
    try:
        fcntl.ioctl(src_fd, FIDEDUPERANGE, arg)
    except OSError:
        return -1
    _, _, done, status, _ = struct.unpack_from("qQQiI", arg, 24)
    return done if status == FILE_DEDUPE_RANGE_SAME else -1


def fragmented(path, mib, spacer):
    # fallocate allocates at once (a write would be delayed and merged):
    # each MiB of PATH, then a block of SPACER after it on the disk
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    sp = os.open(spacer, os.O_WRONLY | os.O_CREAT, 0o644)
    for i in range(int(mib)):
        os.posix_fallocate(fd, i * MIB, MIB)
        os.posix_fallocate(sp, i * BLK, BLK)
    for i in range(int(mib)):
        os.pwrite(fd, sys.stdin.buffer.read(MIB), i * MIB)
    os.fsync(fd)
    os.close(fd)
    os.close(sp)
    return 0


def dedupe(src, twin, dst, dtwin, flag, seconds):
    t, dt = os.open(twin, os.O_RDONLY), os.open(dtwin, os.O_RDONLY)
    size = os.fstat(t).st_size
    end = time.time() + float(seconds)
    n = [0, 0]          # MiBs of SRC and of DST remapped
    turn, copy_secs = 0, 0.4
    while time.time() < end:
        if not os.path.exists(flag):
            time.sleep(0.005)
            continue
        start = time.time()
        # early in the copy (in the first half of the last one's time):
        # while it maps the blocks or between its commands
        time.sleep(random.uniform(0, copy_secs / 2))
        # SRC, then DST, then a copy left alone, in turn; a file's turn
        # comes again until one of its MiBs was remapped.  Once either is
        # remapped the copy falls back (xfs maps neither again) and writes
        # the rest of DST at once, so one file per copy.
        i = turn % 3
        path, ref = ((src, t), (dst, dt), (None, None))[i]
        done = 0
        for _ in range(4 if path and os.path.exists(flag) else 0):
            try:
                fd = os.open(path, os.O_RDWR)
            except OSError:
                break
            # DST: in the half the copy reaches last
            off = random.randrange(i * size // MIB // 2, size // MIB) * MIB
            if dedupe_range(ref, off, MIB, fd, off) == MIB:
                done += 1
            os.close(fd)
        if path:
            n[i] += done
        if not path or done:
            turn += 1
        while os.path.exists(flag) and time.time() < end:
            time.sleep(0.005)
        copy_secs = time.time() - start
    os.close(t)
    os.close(dt)
    print("source remapped %d, destination remapped %d" % tuple(n))
    return 0


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "secret":
        write_blocks(args[0], secret_block(), int(args[1]))
        return 0
    if cmd == "fill":
        write_blocks(args[0], letter_block(args[2]), int(args[1]))
        return 0
    return {"victims": victims, "victims-check": victims_check,
            "punch": punch, "dedupe": dedupe, "fragmented": fragmented,
            "judge": judge}[cmd](*args)


if __name__ == "__main__":
    sys.exit(main())
