#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""nvme-devinfo.py [--set CAPS,MCL,MSSRL,MSRC] [--flags N] [--size N]
[--nsid N] [--reserved N] PATH

COPYOFFLOAD_IOC_DEVINFO on PATH ("-": standard input, so that a caller
without the right to open the disk can be handed it), with
COPYOFFLOAD_DEVINFO_F_SET_NVME and u.nvme's limits when --set is given.
Prints "transport=T nsid=N ncaps=0xC mcl=M mssrl=S msrc=R status=P"
or the errno's name.  The test's own client of the ABI (the tools'
nvme-setup reads Identify itself; the limits here are the harness's).
"""
import argparse
import errno
import fcntl
import os
import struct
import sys

VER0, VER2 = 112, 280
SET_NVME = 1 << 1
DEVINFO = (3 << 30) | (VER0 << 16) | (0xC5 << 8) | 0x02

ap = argparse.ArgumentParser()
ap.add_argument("--set")
ap.add_argument("--flags", type=lambda v: int(v, 0))
ap.add_argument("--size", type=int, default=VER2)
ap.add_argument("--nsid", type=int, default=0)
ap.add_argument("--reserved", type=int, default=0)
ap.add_argument("path")
a = ap.parse_args()

fd = 0 if a.path == "-" else os.open(a.path, os.O_RDONLY)
buf = bytearray(max(a.size, VER2))
flags = 0
if a.set:
    caps, mcl, mssrl, msrc = (int(v, 0) for v in a.set.split(","))
    flags = SET_NVME
    struct.pack_into("<IIIHBB", buf, 152, a.nsid, caps, mcl, mssrl, msrc,
                     a.reserved)
if a.flags is not None:
    flags = a.flags
struct.pack_into("<IiI", buf, 0, a.size, fd, flags)
dev = os.open("/dev/copyoffload", os.O_RDWR)
try:
    fcntl.ioctl(dev, DEVINFO, buf, True)
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))
    sys.exit(0)
status, = struct.unpack_from("<i", buf, 36)
transport, = struct.unpack_from("<I", buf, 144)
nsid, ncaps, mcl, mssrl, msrc = struct.unpack_from("<IIIHB", buf, 152)
print("transport=%d nsid=%d ncaps=0x%x mcl=%d mssrl=%d msrc=%d status=%d"
      % (transport, nsid, ncaps, mcl, mssrl, msrc, status))
