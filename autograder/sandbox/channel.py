"""Framed messages over a pair of pipes: how a message of ``codec`` travels.

A frame is a 4-byte big-endian length, the JSON header, then the raw bytes
of every array the header refers to (``codec.pack_parts``). This module
moves frames; ``codec`` says what is in them and validates what arrives.
Imported inside the student's process too: standard library and numpy only.
"""

from __future__ import annotations

import fcntl
import math
import os
import select
import struct
import time

import numpy as np

from autograder.sandbox.codec import (BLOB_ALIGN, MAX_JSON_BYTES, ChannelClosed, ChannelTimeout, ProtocolError,
                                      decode_body, pack_parts, parse_head)


class Channel:
    """Framed messages over a pair of pipe file descriptors.

    Reads honour a deadline (``time.monotonic()`` seconds) so the grader never
    blocks forever on a student that stopped answering.

    Built for round trips near what the pipe allows (``bench/channel.py``):
    a frame goes out in one ``writev`` of the header and the arrays' own
    memory; reads take whatever the pipe holds into a reusable buffer (one
    ``read`` usually brings a whole small message), and an array's bytes
    are read straight into the memory the decoded array will use. The pipes
    are widened to 1 MiB where the kernel allows it, so a message of that
    size is written without waiting for the reader.
    """

    PIPE_BYTES = 1 << 20
    BUFFER_BYTES = 1 << 16
    MAX_IOV = 512  # iovecs per readv/writev call (the kernel's limit is 1024)

    def __init__(self, read_fd: int, write_fd: int):
        self.read_fd = read_fd
        self.write_fd = write_fd
        self._buf = bytearray(self.BUFFER_BYTES)
        self._start = self._end = 0  # unread bytes are _buf[_start:_end]
        self._poll = None
        for fd in (read_fd, write_fd):
            try:
                fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, self.PIPE_BYTES)
            except (OSError, AttributeError):
                pass  # not a pipe, or above this user's limit: the default size works, more slowly

    def send(self, message: dict, unencodable=None) -> None:
        parts = [memoryview(p) for p in pack_parts(message, unencodable)]
        while parts:
            try:
                n = os.writev(self.write_fd, parts[:self.MAX_IOV])
            except (BrokenPipeError, OSError) as exc:
                raise ChannelClosed(f"channel closed while sending ({exc.strerror})") from None
            while parts and n >= len(parts[0]):
                n -= len(parts[0])
                parts.pop(0)
            if n:
                parts[0] = parts[0][n:]

    def recv(self, deadline: float | None = None, resolve=None) -> dict:
        self._fill(4, deadline)
        (size,) = struct.unpack_from(">I", self._buf, self._start)
        if size > MAX_JSON_BYTES:
            raise ProtocolError("message header is too large")
        self._fill(4 + size, deadline)
        head = bytes(self._buf[self._start + 4:self._start + 4 + size])
        self._start += 4 + size
        body, sizes = parse_head(head)
        blobs = self._read_blobs(sizes, deadline)
        if len(self._buf) > self.BUFFER_BYTES and self._end - self._start <= self.BUFFER_BYTES:
            left = self._buf[self._start:self._end]  # a large header grew the buffer: back to its size
            self._buf = left + bytes(self.BUFFER_BYTES - len(left))
            self._start, self._end = 0, len(left)
        return decode_body(body, blobs, resolve)

    def _read_blobs(self, sizes: list, deadline: float | None) -> list:
        """The blobs, each a writable uint8 array over one buffer for the whole message."""
        if not sizes:
            return []
        if len(sizes) == 1 and self._end - self._start >= sizes[0]:  # a small message: its bytes are in the buffer
            blob = np.empty(sizes[0], dtype=np.uint8)  # numpy's allocation: aligned for any dtype
            end = self._start + sizes[0]
            blob[:] = memoryview(self._buf)[self._start:end]
            self._start = end
            return [blob]
        offsets, total = [], 0
        for n in sizes:
            offsets.append(total)
            total += -(-n // BLOB_ALIGN) * BLOB_ALIGN
        region = np.empty(total, dtype=np.uint8)
        blobs = [region[o:o + n] for o, n in zip(offsets, sizes)]
        views = [memoryview(b) for b in blobs if len(b)]
        while views:  # first what the buffer holds already, then straight from the pipe
            if self._start == self._end:
                self._wait(deadline)
                got = self._readv(views[:self.MAX_IOV])
            else:
                got = 0
                for view in views:
                    take = self._end - self._start  # not min(): the student's code may have replaced it
                    if take > len(view):
                        take = len(view)
                    view[:take] = memoryview(self._buf)[self._start:self._start + take]
                    self._start += take
                    got += take
                    if self._start == self._end:
                        break
            while views and got >= len(views[0]):
                got -= len(views[0])
                views.pop(0)
            if got:
                views[0] = views[0][got:]
        return blobs

    def _fill(self, n: int, deadline: float | None) -> None:
        """Read until the buffer holds ``n`` unread bytes."""
        if self._end - self._start >= n:
            return
        if self._start:  # move what is left to the front
            left = self._end - self._start
            self._buf[:left] = self._buf[self._start:self._end]
            self._start, self._end = 0, left
        if len(self._buf) < n:
            self._buf.extend(bytes(n - len(self._buf)))
        while self._end < n:
            self._wait(deadline)
            self._end += self._readv([memoryview(self._buf)[self._end:]])

    def _wait(self, deadline: float | None) -> None:
        """Until the pipe has data (or is closed), or ChannelTimeout at ``deadline``."""
        if deadline is None:
            return  # the read blocks
        if self._poll is None:
            self._poll = select.poll()
            self._poll.register(self.read_fd, select.POLLIN)
        left = deadline - time.monotonic()
        if left <= 0 or not self._poll.poll(math.ceil(left * 1000)):
            raise ChannelTimeout()

    def _readv(self, views: list) -> int:
        try:
            got = os.readv(self.read_fd, views)
        except OSError as exc:
            raise ChannelClosed(f"channel closed while receiving ({exc.strerror})") from None
        if got == 0:
            raise ChannelClosed("the other side closed the channel")
        return got


def close_fds(fds: list[int]) -> None:
    """Close a channel's descriptors, some of which may be closed already."""
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass
