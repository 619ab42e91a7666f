"""The sandbox's wire format: length-prefixed .npy frames, nothing else.

A message is a header frame (a uint8 array holding UTF-8 JSON) followed by the
array frames it refers to. Every frame is parsed with ``np.load(...,
allow_pickle=False)`` after its length is checked against a cap, so a child
can send only numbers and text: never a pickle, never an object.
Used by both sides; imports only numpy and the standard library.
"""
from __future__ import annotations

import io
import json
import os
import struct

import numpy as np

from .values import Env, Foreign, Ref, Rng

_LENGTH = struct.Struct("<Q")


class WireError(Exception):
    """The peer sent something that is not a well-formed message (or nothing: EOF)."""


def to_wire(value, arrays: list):
    """A JSON-able skeleton of ``value``; arrays are appended to ``arrays`` and referenced by index."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if type(value) is np.ndarray:
        arrays.append(value)
        return {"a": len(arrays) - 1}
    if isinstance(value, tuple):
        return {"t": [to_wire(v, arrays) for v in value]}
    if isinstance(value, list):
        return [to_wire(v, arrays) for v in value]
    if isinstance(value, dict):
        return {"d": [[k, to_wire(v, arrays)] for k, v in value.items()]}
    if isinstance(value, Foreign):
        return {"f": [value.type_name, value.reason]}
    if isinstance(value, Ref):
        return {"ref": [value.call_id, list(value.path)]}
    if isinstance(value, Rng):
        return {"rng": value.seed}
    if isinstance(value, Env):
        return {"env": [value.env_id, value.kwargs]}
    raise TypeError(f"cannot send a {type(value).__name__}")


def from_wire(skeleton, arrays: list):
    if skeleton is None or isinstance(skeleton, (bool, int, float, str)):
        return skeleton
    if isinstance(skeleton, list):
        return [from_wire(v, arrays) for v in skeleton]
    if not isinstance(skeleton, dict) or len(skeleton) != 1:
        raise WireError("malformed value")
    (tag, body), = skeleton.items()
    if tag == "a":
        if not isinstance(body, int) or not 0 <= body < len(arrays):
            raise WireError("bad array reference")
        return arrays[body]
    if tag == "t":
        return tuple(from_wire(v, arrays) for v in body)
    if tag == "d":
        return {k: from_wire(v, arrays) for k, v in body if isinstance(k, (str, int))}
    if tag == "f":
        return Foreign(str(body[0]), str(body[1]))
    if tag == "ref":
        return Ref(int(body[0]), tuple(body[1]))
    if tag == "rng":
        return Rng(int(body))
    if tag == "env":
        return Env(str(body[0]), dict(body[1]))
    raise WireError(f"unknown tag {tag!r}")


def _read_exact(fd: int, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise WireError("the peer closed the channel")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _frame(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    payload = buffer.getvalue()
    return _LENGTH.pack(len(payload)) + payload


def _read_frame(fd: int, cap: int) -> np.ndarray:
    (size,) = _LENGTH.unpack(_read_exact(fd, _LENGTH.size))
    if size > cap:
        raise WireError(f"a frame of {size} bytes is over the {cap}-byte limit")
    try:
        return np.load(io.BytesIO(_read_exact(fd, size)), allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise WireError(f"not a plain .npy frame: {exc}") from None


def send(fd: int, header: dict, value=None) -> None:
    arrays: list = []
    header = dict(header, value=to_wire(value, arrays), arrays=len(arrays))
    text = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    _write_all(fd, b"".join([_frame(text)] + [_frame(a) for a in arrays]))


def receive(fd: int, frame_cap: int, max_arrays: int = 10_000) -> tuple[dict, object]:
    """(header, value) of the next message."""
    head = _read_frame(fd, frame_cap)
    if head.dtype != np.uint8 or head.ndim != 1:
        raise WireError("the header frame is not text")
    try:
        header = json.loads(head.tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WireError(f"the header is not JSON: {exc}") from None
    count = header.get("arrays") if isinstance(header, dict) else None
    if not isinstance(count, int) or not 0 <= count <= max_arrays:
        raise WireError("bad array count")
    arrays = [_read_frame(fd, frame_cap) for _ in range(count)]
    if any(a.dtype.kind not in "biufc" for a in arrays):
        raise WireError("only numeric arrays may be sent")
    return header, from_wire(header.get("value"), arrays)
