"""Values that cross the executor seam: one walker over argument trees, and the registry of argument kinds.

Whatever student code returns is *encoded* before the trusted side looks at it:
plain arrays, numbers, strings and containers of those survive; anything else
becomes a :class:`Foreign` that records only its type. The same encoding is
used in-process and in a sandboxed child, so a verdict never depends on which
executor ran the code, and no student object (with its own ``__eq__`` or
``__array__``) ever reaches the comparison.

Arguments travel the other way as trees of plain data (arrays, numbers,
strings, None, tuples, lists, dicts) whose leaves may also be *argument
kinds*: small frozen records that the executor turns into live objects on its
own side. :class:`Kind` is their base class and their registry: a subclass
names its wire tag (``class Rng(Kind, tag="rng")``) and says how it becomes
live; the wire format, ``describe`` and the sandbox consult the registry, so a
topic that needs a new kind of argument declares it in its own module (see
:class:`Kind`). Built in: :class:`Ref` (a value an earlier call returned, such
as a layer's opaque cache), :class:`Previous` (the same within a chain of
calls) and :class:`Rng` (a fresh seeded ``numpy.random.Generator``).

Every function here that visits an argument tree does it through
:func:`fold` (rebuild a tree bottom-up) or :func:`walk` (its nodes in pre-order).
"""
from __future__ import annotations

import dataclasses
import hashlib
import weakref
from dataclasses import dataclass
from typing import Callable, ClassVar

import numpy as np

#: An encoded array larger than this many bytes is not transferred.
MAX_ARRAY_BYTES = 256 * 2**20
#: Containers nested deeper than this are not followed.
MAX_DEPTH = 12
_NUMERIC_KINDS = "biufc"


# -- the walker -------------------------------------------------------------------------------------------------
def fold(value, leaf: Callable, *, tuple_: Callable = tuple, list_: Callable = list, dict_: Callable = dict):
    """Rebuild an argument tree bottom-up: ``leaf(x)`` for every leaf, ``tuple_(items)``, ``list_(items)`` and
    ``dict_(pairs)`` for the containers (pairs are ``(key, folded value)``). The identity constructors copy the
    tree's structure; others turn it into something else (a wire skeleton, a digest's stream)."""

    def rebuild(x):
        if isinstance(x, dict):
            return dict_([(k, rebuild(v)) for k, v in x.items()])
        if isinstance(x, (list, tuple)):
            items = [rebuild(v) for v in x]
            return tuple_(items) if isinstance(x, tuple) else list_(items)
        return leaf(x)

    return rebuild(value)


def walk(value):
    """The tree in pre-order, as events: ``("dict", d)`` then ``("key", k)`` before each value, ``("seq", s)``
    for a list or tuple before its items, ``("leaf", x)``."""
    if isinstance(value, dict):
        yield "dict", value
        for key, item in value.items():
            yield "key", key
            yield from walk(item)
    elif isinstance(value, (list, tuple)):
        yield "seq", value
        for item in value:
            yield from walk(item)
    else:
        yield "leaf", value


def leaves(value):
    """The leaves of an argument tree, in order (dict values in insertion order)."""
    return (x for event, x in walk(value) if event == "leaf")


def structure(value):
    """The tree's shape with every leaf reduced to its type name (tells a list from a tuple, unlike digest)."""
    return fold(value, lambda x: type(x).__name__, tuple_=lambda items: ("tuple", tuple(items)),
                list_=lambda items: ("list", tuple(items)), dict_=lambda pairs: ("dict", tuple(pairs)))


# -- argument kinds -----------------------------------------------------------------------------------------------
class Kind:
    """Base class and registry of argument kinds: leaves of an argument tree that the executor makes live.

    A kind is a frozen dataclass declared as ``@dataclass(frozen=True) class Name(Kind, tag="name")``. Its
    fields must be plain data (they travel to a sandboxed child as JSON). It may override :meth:`live` (the
    object the student's function receives; ``lookup(call_id)`` gives what an earlier call returned) and
    :meth:`describe` (how it reads in a message). ``packages``: what a sandboxed child must be able to read
    to make it live (e.g. ``("gymnasium", ...)``). A kind declared outside this module reaches a sandboxed
    child as its source code: keep its methods self-contained (imports inside them).
    """

    tag: ClassVar[str] = ""
    packages: ClassVar[tuple] = ()
    registry: ClassVar[dict] = {}

    def __init_subclass__(cls, tag: str = "", **kwargs):
        super().__init_subclass__(**kwargs)
        if tag:
            cls.tag = tag
            Kind.registry[tag] = cls

    def live(self, lookup):
        return self

    def describe(self) -> str:
        return repr(self)

    def to_wire(self) -> list:
        return [getattr(self, f.name) for f in dataclasses.fields(self)]

    @classmethod
    def from_wire(cls, body):
        return cls(*body)


@dataclass(frozen=True)
class Ref(Kind, tag="ref"):
    """An earlier call's return value (or an element of it, by index path)."""

    call_id: int
    path: tuple = ()

    def live(self, lookup):
        return resolve(lookup(self.call_id), self.path)

    def describe(self) -> str:
        return "the value your earlier call returned"

    def to_wire(self) -> list:
        return [self.call_id, list(self.path)]

    @classmethod
    def from_wire(cls, body):
        return cls(int(body[0]), tuple(body[1]))


@dataclass(frozen=True)
class Previous(Kind, tag="prev"):
    """In a chain of calls (``Executor.call_chain``): what the previous call returned (or an element of it)."""

    path: tuple = ()

    def describe(self) -> str:
        return "the value your earlier call returned"

    def to_wire(self) -> list:
        return list(self.path)

    @classmethod
    def from_wire(cls, body):
        return cls(tuple(body))


@dataclass(frozen=True)
class Rng(Kind, tag="rng"):
    """A fresh ``np.random.default_rng(seed)`` made on the executor's side."""

    seed: int

    def live(self, lookup):
        return np.random.default_rng(self.seed)

    def describe(self) -> str:
        return f"np.random.default_rng({self.seed})"


BUILT_IN_KINDS = ("ref", "prev", "rng")


def declared_kinds() -> list[type]:
    """Argument kinds declared outside this module (by topics): a sandboxed child gets their source."""
    return [cls for tag, cls in Kind.registry.items() if tag not in BUILT_IN_KINDS]


def declared_kinds_source() -> str:
    """A module's source that declares again, in a sandboxed child, the kinds declared outside this module
    (each class's own source: keep kinds self-contained)."""
    import inspect
    import textwrap

    classes = [textwrap.dedent(inspect.getsource(cls)) for cls in declared_kinds()]
    header = ('"""Argument kinds declared by topics, shipped to the sandboxed child."""\n'
              "from dataclasses import dataclass, field  # noqa: F401\n\n"
              "from .values import Kind  # noqa: F401\n")
    return header + "".join(f"\n\n{source}" for source in classes)


def readable_packages() -> tuple:
    """Packages a sandboxed child must read to make the declared kinds live."""
    return tuple(dict.fromkeys(p for cls in Kind.registry.values() for p in cls.packages))


def bind_previous(value, call_id: int | None):
    """``value`` with every :class:`Previous` marker turned into a :class:`Ref` to call ``call_id``."""

    def leaf(x):
        if isinstance(x, Previous):
            if call_id is None:
                raise ValueError("the first call of a chain has no previous call")
            return Ref(call_id, x.path)
        return x

    return fold(value, leaf)


def refs_in(value) -> list[Ref]:
    """The Refs inside an argument tree."""
    return [x for x in leaves(value) if isinstance(x, Ref)]


def make_live(value, lookup):
    """Argument kinds turned into live objects, and arrays copied (so the caller's stay pristine)."""
    return fold(value, lambda x: x.live(lookup) if isinstance(x, Kind) else
                (x.copy() if isinstance(x, np.ndarray) else x))


def snapshot(value):
    """Copies of the arrays inside an argument (other leaves become None), to tell later if it changed."""
    return fold(value, lambda x: x.copy() if isinstance(x, np.ndarray) else None, tuple_=list)


def unchanged(before, after) -> bool:
    """Whether the arrays of ``after`` (a live argument) equal their snapshot ``before``."""
    if isinstance(before, np.ndarray):
        return isinstance(after, np.ndarray) and before.shape == after.shape and \
            np.array_equal(before, after, equal_nan=before.dtype.kind in "fc")
    if isinstance(before, dict):
        return isinstance(after, dict) and before.keys() == after.keys() and \
            all(unchanged(before[k], after[k]) for k in before)
    if isinstance(before, list):
        return isinstance(after, (list, tuple)) and len(before) == len(after) and all(map(unchanged, before, after))
    return before is None


def array_bytes(value) -> int:
    """Bytes of the arrays inside a (returned) value."""
    return sum(x.nbytes for x in leaves(value) if isinstance(x, np.ndarray))


def freeze(value) -> None:
    """Make the arrays inside an argument tree read-only (their digests are then remembered)."""
    for x in leaves(value):
        if isinstance(x, np.ndarray):
            x.setflags(write=False)


# -- returned values ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Foreign:
    """Stands for a returned object that is not plain data (or too large)."""

    type_name: str
    reason: str = ""

    def describe(self) -> str:
        return f"{self.type_name}" + (f" ({self.reason})" if self.reason else "")


def type_name(obj) -> str:
    cls = type(obj)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def encode(value, depth: int = 0):
    """Turn a returned value into plain data, never running its methods.

    Exact ``np.ndarray`` of a numeric dtype is copied; numpy scalars become
    Python numbers; tuples, lists and str-or-int-keyed dicts are followed;
    anything else (ndarray subclasses, generators, custom classes) is Foreign.
    Untrusted values are tested by exact type, never by isinstance (a student
    subclass of list or dict is Foreign), so this does not use :func:`fold`.
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
        if value.dtype.kind == "f":  # a smaller float stays an array of its dtype: the dtype rule sees it
            return float(value) if value.dtype == np.float64 else np.array(value)
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
    if isinstance(value, (Foreign, Kind)):
        return value.describe()
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


# -- digests ------------------------------------------------------------------------------------------------------
#: Digests of read-only arrays (recorded inputs, hashed again for every submission), by id, with a
#: weak reference that tells a reused id from the same array.
_ARRAY_DIGESTS: dict[int, tuple] = {}


def _array_digest(array: np.ndarray) -> bytes:
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


def digest(value) -> bytes:
    """A stable fingerprint of an argument tree (used to cache oracle results and seed upstream gradients)."""
    h = hashlib.blake2b(digest_size=16)
    for event, x in walk(value):
        if event == "leaf":
            h.update(_array_digest(x) if isinstance(x, np.ndarray) else repr(x).encode())
        elif event == "dict":
            h.update(b"d")
        elif event == "key":
            h.update(repr(x).encode())
        else:
            h.update(f"l{len(x)}".encode())
    return h.digest()
