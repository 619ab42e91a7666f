"""Values that cross the executor seam.

Whatever student code returns is *encoded* before the trusted side looks at it:
plain arrays, numbers, strings and containers of those survive; anything else
becomes a :class:`Foreign` that records only its type. The same encoding is
used in-process and in a sandboxed child, so a verdict never depends on which
executor ran the code, and no student object (with its own ``__eq__`` or
``__array__``) ever reaches the comparison.

Arguments travel the other way as plain data plus four markers that the
executor turns into live objects on its own side: :class:`Ref` (a value an
earlier call returned, such as a layer's opaque cache; :class:`Previous` is the
same within a chain of calls), :class:`Rng` (a fresh
seeded ``numpy.random.Generator``) and :class:`Env` (a Gymnasium environment).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: An encoded array larger than this many bytes is not transferred.
MAX_ARRAY_BYTES = 256 * 2**20
#: Containers nested deeper than this are not followed.
MAX_DEPTH = 12
_NUMERIC_KINDS = "biufc"


@dataclass(frozen=True)
class Foreign:
    """Stands for a returned object that is not plain data (or too large)."""

    type_name: str
    reason: str = ""

    def describe(self) -> str:
        return f"{self.type_name}" + (f" ({self.reason})" if self.reason else "")


@dataclass(frozen=True)
class Ref:
    """An earlier call's return value (or an element of it, by index path)."""

    call_id: int
    path: tuple = ()


@dataclass(frozen=True)
class Previous:
    """In a chain of calls (``Executor.call_chain``): what the previous call returned (or an element of it)."""

    path: tuple = ()


def bind_previous(value, call_id: int | None):
    """``value`` with every :class:`Previous` marker turned into a :class:`Ref` to call ``call_id``."""
    if isinstance(value, Previous):
        if call_id is None:
            raise ValueError("the first call of a chain has no previous call")
        return Ref(call_id, value.path)
    if isinstance(value, dict):
        return {k: bind_previous(v, call_id) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(bind_previous(v, call_id) for v in value)
    return value


@dataclass(frozen=True)
class Rng:
    """A fresh ``np.random.default_rng(seed)`` made on the executor's side."""

    seed: int


@dataclass(frozen=True)
class Env:
    """A Gymnasium environment ``gymnasium.make(env_id, **kwargs)`` made on the executor's side."""

    env_id: str
    kwargs: dict = field(default_factory=dict)

    def __hash__(self):
        return hash((self.env_id, tuple(sorted(self.kwargs.items()))))


def type_name(obj) -> str:
    cls = type(obj)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def encode(value, depth: int = 0):
    """Turn a returned value into plain data, never running its methods.

    Exact ``np.ndarray`` of a numeric dtype is copied; numpy scalars become
    Python numbers; tuples, lists and str-or-int-keyed dicts are followed;
    anything else (ndarray subclasses, generators, custom classes) is Foreign.
    """
    cls = type(value)
    if value is None or cls in (bool, int, float, str, Foreign):  # (a Foreign: what a kept cache left behind)
        return value
    if cls is np.ndarray:
        if value.dtype.kind not in _NUMERIC_KINDS or value.dtype.fields is not None:
            return Foreign("numpy.ndarray", f"dtype {value.dtype}")
        if value.nbytes > MAX_ARRAY_BYTES:
            return Foreign("numpy.ndarray", f"{value.nbytes / 2**20:.0f} MiB, over the size limit")
        return np.array(value, copy=True)
    if isinstance(value, np.generic) and cls.__module__ == "numpy":
        if value.dtype.kind in "iu":
            return int(value)
        if value.dtype.kind == "f":
            return float(value)
        if value.dtype.kind == "b":
            return bool(value)
    if depth >= MAX_DEPTH:
        return Foreign(type_name(value), "nested too deeply")
    if cls in (tuple, list):
        return cls(encode(v, depth + 1) for v in value)
    if cls is dict and all(type(k) in (str, int) for k in value):
        return {k: encode(v, depth + 1) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return Foreign(type_name(value), "an ndarray subclass")
    return Foreign(type_name(value))


def resolve(value, path: tuple):
    for key in path:
        value = value[key]
    return value


def describe(value, max_elements: int = 24) -> str:
    """A short, readable rendering of an (encoded or argument) value."""
    if isinstance(value, np.ndarray):
        head = f"{value.dtype} array of shape {value.shape}"
        if value.size <= max_elements:
            body = np.array2string(value, precision=6, separator=", ", threshold=max_elements)
            return f"{head} = {' '.join(body.split())}"
        if value.dtype.kind in "fc" or value.dtype.kind in "iu":
            finite = value[np.isfinite(value)] if value.dtype.kind in "fc" else value
            if finite.size:
                return f"{head}, values in [{finite.min():.4g}, {finite.max():.4g}]"
        return head
    if isinstance(value, Foreign):
        return value.describe()
    if isinstance(value, Rng):
        return f"np.random.default_rng({value.seed})"
    if isinstance(value, Env):
        args = "".join(f", {k}={v!r}" for k, v in value.kwargs.items())
        return f"gymnasium.make({value.env_id!r}{args})"
    if isinstance(value, (Ref, Previous)):
        return "the value your earlier call returned"
    if isinstance(value, dict):
        if len(value) > 8:
            return f"dict with {len(value)} keys"
        return "{" + ", ".join(f"{k!r}: {describe(v, max_elements)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        if len(value) > 8:
            return f"{type(value).__name__} of {len(value)} items"
        inner = ", ".join(describe(v, max_elements) for v in value)
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    return repr(value)


#: Digests of read-only arrays (recorded inputs, hashed again for every submission), by id, with a
#: weak reference that tells a reused id from the same array.
_ARRAY_DIGESTS: dict[int, tuple] = {}


def _array_digest(array: np.ndarray) -> bytes:
    import hashlib
    import weakref

    frozen = not array.flags.writeable and array.flags.owndata
    if frozen:
        known = _ARRAY_DIGESTS.get(id(array))
        if known is not None and known[0]() is array:
            return known[1]
    h = hashlib.blake2b(f"a{array.dtype.str}{array.shape}".encode(), digest_size=16)
    h.update(np.ascontiguousarray(array).tobytes())
    result = h.digest()
    if frozen:
        if len(_ARRAY_DIGESTS) > 200_000:
            _ARRAY_DIGESTS.clear()
        _ARRAY_DIGESTS[id(array)] = (weakref.ref(array), result)
    return result


def freeze(value) -> None:
    """Make the arrays inside an argument tree read-only (their digests are then remembered)."""
    if isinstance(value, np.ndarray):
        value.setflags(write=False)
    elif isinstance(value, dict):
        for item in value.values():
            freeze(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            freeze(item)


def digest(value) -> bytes:
    """A stable fingerprint of an argument tree (used to cache oracle results and seed upstream gradients)."""
    import hashlib

    h = hashlib.blake2b(digest_size=16)

    def walk(v):
        if isinstance(v, np.ndarray):
            h.update(_array_digest(v))
        elif isinstance(v, dict):
            h.update(b"d")
            for k in v:
                h.update(repr(k).encode())
                walk(v[k])
        elif isinstance(v, (list, tuple)):
            h.update(f"l{len(v)}".encode())
            for item in v:
                walk(item)
        else:
            h.update(repr(v).encode())

    walk(value)
    return h.digest()
