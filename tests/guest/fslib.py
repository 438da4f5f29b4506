# SPDX-License-Identifier: GPL-2.0
"""The check helper of tests/guest/fslib.sh.

Under TCG every exec in the guest costs a fifth of a second or more, so the
byte comparisons, sizes, block counts and test files of the fs-*.sh tests
are the work of this one process, started once per test script as a bash
coprocess (fslib.sh: fsc).  A request is one line of tab-separated words:
the caller's working directory, a command and its arguments; the answer is
one line: "OK [VALUE]", "NO [WHY]" when a check does not hold, or "ERR WHY"
when it could not be made.  Between requests the helper sits in /, so that
it never keeps a filesystem busy.
Sizes and offsets take the binary suffixes K, M, G and T.
"""
import ctypes
import fcntl
import hashlib
import json
import os
import struct
import sys

MIB = 1 << 20


def num(v):
    mult = {"K": 1 << 10, "k": 1 << 10, "M": 1 << 20, "G": 1 << 30,
            "T": 1 << 40}
    return int(v[:-1]) * mult[v[-1]] if v[-1] in mult else int(v)


def equal_from(fa, fb, n):
    """The next n bytes of fa equal those of fb (of zeroes if fb is None)."""
    while n:
        x = os.read(fa, min(n, MIB))
        if not x:
            return False
        y = os.read(fb, len(x)) if fb is not None else bytes(len(x))
        if x != y:
            return False
        n -= len(x)
    return True


def same_range(a, a_off, b, b_off, n):
    fa, fb = os.open(a, os.O_RDONLY), os.open(b, os.O_RDONLY)
    try:
        os.lseek(fa, num(a_off), os.SEEK_SET)
        os.lseek(fb, num(b_off), os.SEEK_SET)
        return "OK" if equal_from(fa, fb, num(n)) else "NO"
    finally:
        os.close(fa)
        os.close(fb)


def same(a, b):
    sa, sb = os.path.getsize(a), os.path.getsize(b)
    if sa != sb:
        return "NO sizes %d and %d" % (sa, sb)
    return same_range(a, "0", b, "0", str(sa))


def zeroes(f, off, n):
    fd = os.open(f, os.O_RDONLY)
    try:
        os.lseek(fd, num(off), os.SEEK_SET)
        return "OK" if equal_from(fd, None, num(n)) else "NO"
    finally:
        os.close(fd)


def blocks(*files):
    """st_blocks of each file, after an fsync."""
    out = []
    for f in files:
        fd = os.open(f, os.O_RDONLY)
        try:
            os.fsync(fd)
            out.append(str(os.fstat(fd).st_blocks))
        finally:
            os.close(fd)
    return "OK " + " ".join(out)


def checksum(f):
    """md5, size and st_blocks: to see that a file was left alone."""
    h = hashlib.md5()
    with open(f, "rb") as fo:
        for b in iter(lambda: fo.read(MIB), b""):
            h.update(b)
        st = os.fstat(fo.fileno())
    return "OK %s %d %d" % (h.hexdigest(), st.st_size, st.st_blocks)


def size(f):
    return "OK %d" % os.path.getsize(f)


def write_random(fd, off, n):
    while n:
        k = min(n, MIB)
        os.pwrite(fd, os.urandom(k), off)
        off += k
        n -= k


def data(path, size_, *extents):
    """A new file of random data; with OFF:LEN extents, data there only and
    holes elsewhere, the size set first so that no write extends it (xfs
    would preallocate past EOF, over the holes to come)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        if not extents:
            write_random(fd, 0, num(size_))
        os.ftruncate(fd, num(size_))
        for e in extents:
            off, n = e.split(":")
            write_random(fd, num(off), num(n))
    finally:
        os.close(fd)
    return "OK"


def frag(path, size_):
    """Random data in every other 4 KiB block, holes in between."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.ftruncate(fd, num(size_))
        for off in range(0, num(size_), 8192):
            os.pwrite(fd, os.urandom(4096), off)
    finally:
        os.close(fd)
    return "OK"


def copy(a, b):
    """b: a copy of a written with write(2), sharing nothing."""
    with open(a, "rb") as fa, open(b, "wb") as fb:
        for x in iter(lambda: fa.read(MIB), b""):
            fb.write(x)
    return "OK"


def flip(f, off):
    """Change the byte at off."""
    fd = os.open(f, os.O_RDWR)
    try:
        b = os.pread(fd, 1, num(off))
        os.pwrite(fd, bytes([b[0] ^ 0xFF]), num(off))
    finally:
        os.close(fd)
    return "OK"


def write(f, off, n):
    """Random data over [off, off + n) of an existing file."""
    fd = os.open(f, os.O_WRONLY)
    try:
        write_random(fd, num(off), num(n))
    finally:
        os.close(fd)
    return "OK"


def truncate(f, size_):
    fd = os.open(f, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.ftruncate(fd, num(size_))
    finally:
        os.close(fd)
    return "OK"


COPYOFFLOAD_IOC_RUN = (3 << 30) | (112 << 16) | (0xC5 << 8) | 0x01


def fdpos(src, dst):
    """COPY src to dst (one range 0:0:eof) through /dev/copyoffload from
    descriptors whose file positions were set to 12345 and 777: the
    positions afterwards, the range's status and bytes done."""
    fds = []
    try:
        s = os.open(src, os.O_RDONLY)
        fds.append(s)
        d = os.open(dst, os.O_WRONLY | os.O_CREAT, 0o644)
        fds.append(d)
        dev = os.open("/dev/copyoffload", os.O_RDWR)
        fds.append(dev)
        os.lseek(s, 12345, os.SEEK_SET)
        os.lseek(d, 777, os.SEEK_SET)
        # struct copyoffload_range
        rng = ctypes.create_string_buffer(struct.pack(
            "=iiQQQQiI", s, d, 0, 0, (1 << 64) - 1, 0, 0, 0), 48)
        # struct copyoffload_req: COPYOFFLOAD_OP_COPY, no flags, one range
        req = bytearray(struct.pack(
            "=IIQQIIIIQ8Q", 112, 3, 0, ctypes.addressof(rng), 1, 48, 0, 0,
            0, *([0] * 8)))
        fcntl.ioctl(dev, COPYOFFLOAD_IOC_RUN, req, True)
        done, status = struct.unpack_from("=Qi", rng.raw, 32)
        return "OK %d %d %d %d" % (os.lseek(s, 0, os.SEEK_CUR),
                                   os.lseek(d, 0, os.SEEK_CUR), status, done)
    finally:
        for fd in fds:
            os.close(fd)


def json_check(lines, *pairs):
    """lines: JSON objects separated by \\x1e; pairs: TEXT, EXPR, ...  Each
    Python expression EXPR must be true, with d the list of the objects
    (and os at hand); the TEXTs of those that are not, after NO."""
    d = [json.loads(x) for x in lines.split("\x1e") if x.strip()]
    failed = []
    for text, expr in zip(pairs[0::2], pairs[1::2]):
        try:
            ok = eval(expr, {"os": os}, {"d": d})  # pylint: disable=eval-used
        except Exception as e:  # pylint: disable=broad-except
            ok = False
            text += " (%s: %s)" % (type(e).__name__, e)
        if not ok:
            failed.append(text)
    return "NO " + ", ".join(failed) if failed else "OK"


def kept(src, dst, old, n, how):
    """After a copy of src to dst that stopped after n bytes: dst holds
    src's bytes over [0, n) and old's (a copy of dst from before) after
    them; with how "loose", each 4 KiB block after n may also be src's (a
    command moved it but its count never came back).  Never anything
    else; the size is old's or src's."""
    n = num(n)
    sizes = (os.path.getsize(old), os.path.getsize(src))
    if os.path.getsize(dst) not in sizes:
        return "NO size %d, not %d or %d" % ((os.path.getsize(dst),) + sizes)
    with open(src, "rb") as fs, open(dst, "rb") as fd, open(old, "rb") as fo:
        off = 0
        while True:
            # up to n, then 4 KiB blocks
            k = n - off if off < n else 4096
            k = min(k, MIB)
            s, d, o = fs.read(k), fd.read(k), fo.read(k)
            if not d:
                return "OK"
            if off < n:
                if d != s[:len(d)]:
                    return "NO the %d bytes done differ from the source " \
                           "near %d" % (n, off)
            elif d != o[:len(d)] and (how != "loose" or d != s[:len(d)]):
                return "NO block at %d (past the %d done) is not the old " \
                       "data%s" % (off, n, " nor the source's"
                                   if how == "loose" else "")
            off += len(d)

def runs(f):
    """The data runs of f as SEEK_DATA and SEEK_HOLE find them: OFF+LEN
    each, space separated (nothing for a file of holes only)."""
    fd = os.open(f, os.O_RDONLY)
    out, at = [], 0
    try:
        while True:
            try:
                d = os.lseek(fd, at, os.SEEK_DATA)
            except OSError:
                break
            at = os.lseek(fd, d, os.SEEK_HOLE)
            out.append("%d+%d" % (d, at - d))
    finally:
        os.close(fd)
    return "OK " + " ".join(out)


def data_end(f, n):
    """The offset in f just after its first n bytes of data (SEEK_DATA and
    SEEK_HOLE): the holes before them are inside, the one after is not."""
    n = num(n)
    if not n:
        return "OK 0"
    for r in runs(f).split()[1:]:
        off, k = (int(x) for x in r.split("+"))
        if n <= k:
            return "OK %d" % (off + n)
        n -= k
    return "NO fewer data bytes in %s" % f


COMMANDS = {
    "same": same, "same_range": same_range, "zeroes": zeroes,
    "blocks": blocks, "sum": checksum, "size": size, "data": data,
    "frag": frag, "copy": copy, "flip": flip, "write": write,
    "truncate": truncate, "json": json_check,
    "fdpos": fdpos, "kept": kept, "runs": runs, "data_end": data_end,
}


def main():
    for line in sys.stdin:
        words = line.rstrip("\n").split("\t")
        try:
            os.chdir(words[0])
            answer = COMMANDS[words[1]](*words[2:])
        except Exception as e:  # pylint: disable=broad-except
            answer = "ERR %s: %s" % (type(e).__name__, e)
        os.chdir("/")
        sys.stdout.write(answer + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
