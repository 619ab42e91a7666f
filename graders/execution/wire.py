"""The sandbox's wire format: length-prefixed .npy frames, nothing else.

A message is its length, then a header frame (a uint8 array holding UTF-8
JSON) followed by the array frames it refers to, each frame length-prefixed.
The message's length is checked against a cap before it is read, and every
frame is parsed by a strict .npy reader that accepts only C-order arrays of a
numeric dtype (never ``allow_pickle``, never an object dtype), so a child can
send only numbers and text: never a pickle, never an object.
Used by both sides; imports only numpy and the standard library.
"""
from __future__ import annotations

import json
import os
import re
import struct

import numpy as np

from .values import Foreign, Kind, fold

#: The most arrays one message may carry (a reader refuses more: a bound on the work a message can ask for).
MAX_ARRAYS = 10_000

_LENGTH = struct.Struct("<Q")


class WireError(Exception):
    """The peer sent something that is not a well-formed message (or nothing: EOF)."""


def to_wire(value, arrays: list):
    """A JSON-able skeleton of ``value``; arrays are appended to ``arrays`` and referenced by index."""

    def leaf(x):
        if type(x) is np.ndarray:
            arrays.append(x)
            return {"a": len(arrays) - 1}
        if x is None or isinstance(x, (bool, int, float, str)):
            return x
        if isinstance(x, Foreign):
            return {"f": [x.type_name, x.reason]}
        if isinstance(x, Kind) and Kind.registry.get(x.tag) is type(x):
            return {x.tag: x.to_wire()}
        raise TypeError(f"cannot send a {type(x).__name__}")

    def dict_(pairs):
        for key, _ in pairs:
            if not (key is None or isinstance(key, (bool, int, float, str))):
                raise TypeError(f"cannot send a dict keyed by a {type(key).__name__}")
        return {"d": [list(p) for p in pairs]}

    return fold(value, leaf, tuple_=lambda items: {"t": items}, dict_=dict_)


_SCALARS = (type(None), bool, int, float, str)


def from_wire(skeleton, arrays: list):
    kind = type(skeleton)
    if kind is dict and len(skeleton) == 1:
        (tag, body), = skeleton.items()
        if tag == "a":  # most nodes are arrays
            if type(body) is not int or not 0 <= body < len(arrays):
                raise WireError("bad array reference")
            return arrays[body]
        if tag == "t" and type(body) is list:
            return tuple([from_wire(v, arrays) for v in body])
        if tag == "d" and type(body) is list:
            try:
                return {k: from_wire(v, arrays) for k, v in body if isinstance(k, (str, int))}
            except (TypeError, ValueError):  # a pair that is not one
                raise WireError("malformed dict") from None
        if tag == "f" and type(body) is list and len(body) == 2:
            return Foreign(str(body[0]), str(body[1]))
        if tag in Kind.registry:
            try:
                return Kind.registry[tag].from_wire(body)
            except (TypeError, ValueError, IndexError) as exc:
                raise WireError(f"malformed {tag!r} argument: {exc}") from None
        raise WireError(f"unknown tag {tag!r}" if tag not in ("t", "d", "f") else "malformed value")
    if kind in _SCALARS:
        return skeleton
    if kind is list:
        return [from_wire(v, arrays) for v in skeleton]
    raise WireError("malformed value")


def _read_exact(fd: int, size: int) -> bytearray:
    buffer = bytearray(size)
    view, got = memoryview(buffer), 0
    while got < size:
        n = os.readv(fd, [view[got:]])
        if not n:
            raise WireError("the peer closed the channel")
        got += n
    return buffer


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


# .npy version 1.0, written and parsed here rather than by np.save/np.load: np.load parses the header
# with ast.literal_eval (~40 us a frame, most of a small call's cost). The parser is stricter than
# np.load's: C order, a numeric dtype, and a payload of exactly the size the header states.
_MAGIC = b"\x93NUMPY\x01\x00"
_HEADER = re.compile(rb"\{'descr': '([<>|=][biufc][0-9]{1,2})', 'fortran_order': False, "
                     rb"'shape': \(((?:[0-9]{1,12}, ?)*(?:[0-9]{1,12})?)\), \} *\n")


_HEADERS: dict[tuple, bytes] = {}  # (dtype, shape) -> magic, header length and header: arrays repeat shapes


def _npy(array: np.ndarray) -> list:
    """The .npy frame of ``array`` as a list of byte strings (length prefix, magic and header, payload)."""
    if not array.flags.c_contiguous:
        array = array.copy(order="C")  # (np.ascontiguousarray would turn a 0-d array into 1-d)
    key = (array.dtype, array.shape)
    head = _HEADERS.get(key)
    if head is None:
        shape = "(" + "".join(f"{n}, " for n in array.shape)[:-2] + ("," if array.ndim == 1 else "") + ")"
        text = f"{{'descr': '{array.dtype.str}', 'fortran_order': False, 'shape': {shape}, }}"
        padding = -(len(_MAGIC) + 2 + len(text) + 1) % 64  # numpy aligns the payload to 64 bytes
        header = (text + " " * padding + "\n").encode("latin1")
        head = _MAGIC + struct.pack("<H", len(header)) + header
        if len(_HEADERS) < 4096:
            _HEADERS[key] = head
    payload = array.tobytes()
    return [_LENGTH.pack(len(head) + len(payload)), head, payload]


_PARSED: dict[bytes, tuple] = {}  # magic, length and header -> (dtype, shape, payload bytes)


def _parse_npy(buffer: bytearray, start: int, size: int) -> np.ndarray:
    end = start + size
    if size < len(_MAGIC) + 2:
        raise WireError("not a plain .npy frame: bad magic")
    (header_size,) = struct.unpack_from("<H", buffer, start + len(_MAGIC))
    offset = start + len(_MAGIC) + 2 + header_size
    if offset > end:
        raise WireError("not a plain .npy frame: bad header")
    head = bytes(buffer[start:offset])
    parsed = _PARSED.get(head)
    if parsed is None:
        if not head.startswith(_MAGIC):
            raise WireError("not a plain .npy frame: bad magic")
        match = _HEADER.fullmatch(head, len(_MAGIC) + 2)
        if match is None:
            raise WireError("not a plain .npy frame: bad header")
        dtype = np.dtype(match.group(1).decode())
        shape = tuple(int(n) for n in match.group(2).split(b",") if n.strip())
        count = 1
        for n in shape:
            count *= n
        parsed = dtype, shape, count * dtype.itemsize
        if len(_PARSED) < 4096:
            _PARSED[head] = parsed
    dtype, shape, payload = parsed
    if payload != end - offset:
        raise WireError("not a plain .npy frame: the payload does not match the header")
    return np.ndarray(shape, dtype, buffer=buffer, offset=offset)


def _write_message(fd: int, header: dict, arrays: list) -> None:
    parts = _npy(np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))
    for array in arrays:
        parts += _npy(array)
    body = b"".join(parts)
    _write_all(fd, _LENGTH.pack(len(body)) + body)


def send(fd: int, header: dict, value=None) -> None:
    """One message: its total length, then a header frame (UTF-8 JSON) and the array frames it refers to."""
    arrays: list = []
    header = dict(header, value=to_wire(value, arrays), arrays=len(arrays))
    _write_message(fd, header, arrays)


#: Array bytes held back for one message at most: a message of replies holds at most this much besides its
#: last reply.
HELD_BYTES = 1 << 20


class Replies:
    """Replies held back to go several to a message: ``{"replies": [header, ...], "value": [value, ...]}``.
    A message costs both sides far more than what it carries (a write that wakes the reader, a JSON header, a
    read and a parse), and a batch's twenty quick calls would otherwise send twenty. When to send is the
    caller's decision (:meth:`flush`)."""

    def __init__(self, fd: int, max_bytes: int = HELD_BYTES):
        self.fd, self.max_bytes = fd, max_bytes
        self.headers: list = []
        self.values: list = []
        self.arrays: list = []
        self.bytes = 0
        self.since = 0.0  # time.monotonic() of the oldest one held

    def add(self, header: dict, value, now: float) -> None:
        """Hold one reply; a value that cannot be sent raises TypeError or ValueError, holding nothing."""
        held = len(self.arrays)
        try:
            skeleton = to_wire(value, self.arrays)  # its array references count on from those already held
        except BaseException:
            del self.arrays[held:]
            raise
        if not self.headers:
            self.since = now
        self.headers.append(header)
        self.values.append(skeleton)
        self.bytes += sum(a.nbytes for a in self.arrays[held:])

    def __len__(self) -> int:
        return len(self.headers)

    def flush(self) -> None:
        if self.headers:
            header = {"replies": self.headers, "value": {"t": self.values}, "arrays": len(self.arrays)}
            arrays = self.arrays
            self.headers, self.values, self.arrays, self.bytes = [], [], [], 0
            _write_message(self.fd, header, arrays)


def receive(fd: int, cap: int, max_arrays: int = MAX_ARRAYS) -> tuple[dict, object]:
    """(header, value) of the next message, which may be at most ``cap`` bytes long."""
    (size,) = _LENGTH.unpack(_read_exact(fd, _LENGTH.size))
    if size > cap:
        raise WireError(f"a message of {size} bytes is over the {cap}-byte limit")
    return _parse(_read_exact(fd, size), max_arrays)


class Reader:
    """The messages on one pipe, read in as few system calls as the peer's writes allow: whatever has
    arrived is taken at once (the replies to a batch of calls come in bursts) and parsed a message at a
    time."""

    CHUNK = 1 << 16  # a pipe's capacity

    def __init__(self, fd: int, cap: int, max_arrays: int = MAX_ARRAYS):
        self.fd, self.cap, self.max_arrays = fd, cap, max_arrays
        self.buffer = bytearray()
        self._scratch = memoryview(bytearray(self.CHUNK))

    def _needed(self) -> int:
        """Bytes still missing before the next message is complete (0: it is here)."""
        if len(self.buffer) < _LENGTH.size:
            return _LENGTH.size - len(self.buffer)
        (size,) = _LENGTH.unpack_from(self.buffer)
        if size > self.cap:
            raise WireError(f"a message of {size} bytes is over the {self.cap}-byte limit")
        return max(0, _LENGTH.size + size - len(self.buffer))

    def has_message(self) -> bool:
        """A whole message is buffered: receive() will not read."""
        return self._needed() == 0

    def receive(self) -> tuple[dict, object]:
        """(header, value) of the next message, reading (and waiting) for as much of it as has not arrived."""
        while self._needed() > 0:
            got = os.readv(self.fd, [self._scratch])
            if not got:
                raise WireError("the peer closed the channel")
            self.buffer += self._scratch[:got]
        (size,) = _LENGTH.unpack_from(self.buffer)
        body = self.buffer[_LENGTH.size:_LENGTH.size + size]  # a copy: its arrays may outlive the buffer
        del self.buffer[:_LENGTH.size + size]
        return _parse(body, self.max_arrays)


def _parse(buffer: bytearray, max_arrays: int) -> tuple[dict, object]:
    """(header, value) of one message's body: its frames, each checked."""
    size = len(buffer)
    frames, position = [], 0
    while position < size:
        if position + _LENGTH.size > size:
            raise WireError("a truncated frame")
        (length,) = _LENGTH.unpack_from(buffer, position)
        position += _LENGTH.size
        if position + length > size:
            raise WireError("a frame runs past the end of its message")
        frames.append(_parse_npy(buffer, position, length))
        position += length
        if len(frames) > max_arrays + 1:
            raise WireError("too many arrays")
    if not frames or frames[0].dtype != np.uint8 or frames[0].ndim != 1:
        raise WireError("the header frame is not text")
    try:
        header = json.loads(frames[0].tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WireError(f"the header is not JSON: {exc}") from None
    arrays = frames[1:]
    if not isinstance(header, dict) or header.get("arrays") != len(arrays):
        raise WireError("bad array count")
    return header, from_wire(header.get("value"), arrays)
