"""The narrow channel between the grader and the student's process.

A message is one frame: a 4-byte big-endian length, a JSON document, then the
raw bytes of every array the document refers to. Nothing is ever pickled:
unpickling calls whatever the data names (``__reduce__``), so one pickled
frame from a hostile student would run its code in the grader.

Values the channel carries: None, bools, ints, floats (NaN and inf too),
strings, lists, tuples, dicts, numpy arrays and numpy scalars of numeric
dtypes (a transposed, Fortran-ordered or strided array keeps its layout:
``layout.py``), and (CPU copies of) torch tensors. ``numpy.random.Generator``
objects cross as their state. Everything else is either kept on its own side
behind a handle (``$h``, objects of the student's process; see ``handles.py``)
or called back (``$c``, functions of the grader that the student's code
calls, such as the ``f`` given to a gradient checker).

The decoder trusts nothing: frame and array sizes are capped, dtypes come
from an allow-list, shapes must match the bytes sent, and nesting depth is
bounded. This module is imported in the student's process too, so it needs
only the standard library and numpy.
"""

from __future__ import annotations

import json
import struct
import sys

import numpy as np

from autograder.sandbox import layout

MAX_JSON_BYTES = 16 * 1024 * 1024
MAX_BLOB_BYTES = 256 * 1024 * 1024  # per message; a student process has 2 GiB at most
MAX_DEPTH = 64
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "Philox", "SFC64", "MT19937")
ALLOWED_DTYPES = frozenset(
    "|b1 |i1 |u1 <i2 <i4 <i8 <u2 <u4 <u8 <f2 <f4 <f8 <c8 <c16".split()
)
_DTYPES = {tag: np.dtype(tag) for tag in ALLOWED_DTYPES}
_TAGS = {dtype: tag for tag, dtype in _DTYPES.items()}  # the sender's lookup: dtype -> tag


class ProtocolError(Exception):
    """The other side sent something that is not a well-formed message."""


class ChannelClosed(ProtocolError):
    """The other side went away (exited, crashed or was killed)."""


class ChannelTimeout(Exception):
    """No complete message arrived before the deadline."""


class Handle:
    """Stands for an object that lives in the student's process."""

    __slots__ = ("id", "type_name", "__weakref__")  # weakly referenced: handles.HandleTable

    def __init__(self, id: int, type_name: str):
        self.id = id
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<student object {self.type_name} #{self.id}>"


class Callback:
    """Stands, in the student's process, for a function of the grader."""

    __slots__ = ("id",)

    def __init__(self, id: int):
        self.id = id


def handle_ref(ident: int, type_name: str) -> dict:
    """The encoded form of an object kept behind a handle (an ``unencodable`` hook's answer)."""
    return {"$h": ident, "type": type_name}


def callback_ref(ident: int) -> dict:
    """The encoded form of a function called back on the side that sent it."""
    return {"$c": ident}


def _dtype_tag(dtype: np.dtype) -> str:
    tag = dtype.newbyteorder("<").str if dtype.byteorder == ">" else dtype.str
    return tag


def encode(value, blobs: list, unencodable=None, depth: int = 0):
    """Turn ``value`` into JSON-able data, appending array bytes to ``blobs``.

    ``blobs`` receives byte views of the arrays' own memory (no copy: the
    channel writes them to the pipe as they are). ``unencodable(obj)``
    returns the JSON form for anything the channel does not carry (a handle
    or a callback); without it such values are an error.
    """
    if depth > MAX_DEPTH:
        raise ProtocolError("value is nested too deeply")
    kind = type(value)
    # The common types first, by exact type (every call pays for this walk); then, for subclasses and
    # numpy scalars, the same rules by isinstance.
    if value is None or kind is float or kind is str or kind is bool or kind is int:
        return value
    if kind is not np.ndarray and kind not in (list, tuple, dict):
        if isinstance(value, (bool, str, float)) or (isinstance(value, int) and not isinstance(value, bool)):
            return value  # np.float64 and np.str_ included: they cross as a float and a str
        if isinstance(value, list):
            kind = list
        elif isinstance(value, (np.ndarray, np.generic)):
            kind = np.ndarray
    if kind is np.ndarray:
        encoded = _encode_array(value, blobs)
        if encoded is not None:
            return encoded
    elif kind is list:
        return [encode(v, blobs, unencodable, depth + 1) for v in value]
    elif kind is tuple:
        return {"$t": [encode(v, blobs, unencodable, depth + 1) for v in value]}
    elif kind is dict:
        if all(type(k) is str for k in value):
            return {"$d": {k: encode(v, blobs, unencodable, depth + 1) for k, v in value.items()}}
        if all(type(k) in (int, str) for k in value):
            return {"$m": [[k, encode(v, blobs, unencodable, depth + 1)] for k, v in value.items()]}
    if _is_tensor(value):
        # A torch tensor crosses as its CPU values and comes out as a tensor.
        arr = value.detach().cpu().numpy()
        tag = _dtype_tag(arr.dtype)
        if tag in ALLOWED_DTYPES:
            blobs.append(_bytes_of(np.ascontiguousarray(arr)))
            return {"$T": len(blobs) - 1, "dtype": tag, "shape": list(arr.shape)}
    if isinstance(value, np.random.Generator):
        # A Generator crosses as its bit generator's state: the other side
        # gets an equivalent Generator that draws the same numbers.
        state = value.bit_generator.state
        if state.get("bit_generator") in BIT_GENERATORS:
            out = {"$g": encode(state, blobs, None, depth + 1)}
            seq = getattr(value.bit_generator, "seed_seq", None)
            if isinstance(seq, np.random.SeedSequence):  # so that rng.spawn() is reproducible too
                raw = seq.entropy
                entropy = int(raw) if isinstance(raw, (int, np.integer)) else [int(e) for e in np.ravel(raw)]
                out["seq"] = {"entropy": entropy, "spawn_key": [int(k) for k in seq.spawn_key],
                              "pool_size": int(seq.pool_size), "children": int(seq.n_children_spawned)}
            return out
    if isinstance(value, Handle):
        return {"$h": value.id}
    if unencodable is not None:
        return unencodable(value)
    raise ProtocolError(f"a value of type {type(value).__name__} cannot cross the sandbox boundary")


def _encode_array(value, blobs: list):
    """An ndarray or numpy scalar; None for a dtype the channel does not carry (an object array)."""
    arr = value if type(value) is np.ndarray else np.asarray(value)
    tag = _TAGS.get(arr.dtype)  # the common case: a little-endian dtype of the allow-list, one lookup
    if tag is None:
        if arr.dtype.byteorder == ">":
            arr = arr.astype(arr.dtype.newbyteorder("<"))
        tag = _dtype_tag(arr.dtype)
        if tag not in ALLOWED_DTYPES:
            return None
    scalar = isinstance(value, np.generic)
    laid = None if scalar or arr.flags.c_contiguous else layout.describe(arr)
    if laid is not None:  # a view (transposed, Fortran-ordered, strided) crosses as that view
        buffer, strides, offset = laid
        blobs.append(_bytes_of(buffer))
        return {"$a": len(blobs) - 1, "dtype": tag, "shape": list(arr.shape), "strides": strides,
                "offset": offset}
    if arr.nbytes < SMALL_BLOB:  # copied next to the header anyway: one copy now is cheaper than a view
        blobs.append(arr.tobytes())
    else:
        blobs.append(_bytes_of(arr if arr.flags.c_contiguous else np.ascontiguousarray(arr)))
    return {"$s" if scalar else "$a": len(blobs) - 1, "dtype": tag, "shape": list(arr.shape)}


def _bytes_of(arr: np.ndarray) -> memoryview:
    """The bytes of a C-contiguous array, without copying them."""
    return memoryview(arr.reshape(-1).view(np.uint8))


_PLAIN = frozenset((type(None), bool, int, float, str))


def decode(data, blobs: list, resolve=None, depth: int = 0):
    """Inverse of :func:`encode`, validating as it goes.

    ``$h``/``$c`` references decode to :class:`Handle` / :class:`Callback`
    placeholders, which ``resolve(placeholder)`` may turn into other objects.
    """
    if depth > MAX_DEPTH:
        raise ProtocolError("value is nested too deeply")
    kind = type(data)  # the JSON parser makes exactly these types
    if kind in _PLAIN:
        return data
    if kind is list:
        return [decode(v, blobs, resolve, depth + 1) for v in data]
    if kind is not dict or len(data) == 0:
        raise ProtocolError("malformed value")
    if "$a" in data or "$s" in data:
        return _decode_array(data, blobs)
    if "$T" in data:
        import torch  # only assignments that send tensors pay for it
        return torch.from_numpy(_decode_array({**data, "$a": data["$T"]}, blobs))
    if "$t" in data and isinstance(data["$t"], list):
        return tuple(decode(v, blobs, resolve, depth + 1) for v in data["$t"])
    if "$d" in data and isinstance(data["$d"], dict):
        return {str(k): decode(v, blobs, resolve, depth + 1) for k, v in data["$d"].items()}
    if "$m" in data and isinstance(data["$m"], list):
        out = {}
        for pair in data["$m"]:
            if not (isinstance(pair, list) and len(pair) == 2 and type(pair[0]) in (int, str)):
                raise ProtocolError("malformed mapping")
            out[pair[0]] = decode(pair[1], blobs, resolve, depth + 1)
        return out
    if "$g" in data:
        return make_generator(decode(data["$g"], blobs, None, depth + 1), data.get("seq"))
    for tag, kind in (("$h", Handle), ("$c", Callback)):
        if tag in data:
            ident = data[tag]
            if type(ident) is not int:
                raise ProtocolError("malformed reference")
            ref = Handle(ident, str(data.get("type", "object"))[:80]) if kind is Handle else Callback(ident)
            return ref if resolve is None else resolve(ref)
    raise ProtocolError("unknown value tag")


def _is_tensor(value) -> bool:
    """A torch tensor, recognised without importing torch where it is not loaded."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def make_generator(state, seq=None) -> np.random.Generator:
    """A Generator from a bit generator's state (and seed sequence), for the allowed kinds only."""
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if name not in BIT_GENERATORS:
        raise ProtocolError("unknown random generator")
    try:
        seed_seq = None
        if isinstance(seq, dict):
            entropy = seq.get("entropy")
            if not (type(entropy) is int or (isinstance(entropy, list) and all(type(e) is int for e in entropy))):
                raise TypeError("entropy")
            seed_seq = np.random.SeedSequence(entropy, spawn_key=tuple(int(k) for k in seq.get("spawn_key", [])),
                                              pool_size=int(seq.get("pool_size", 4)),
                                              n_children_spawned=int(seq.get("children", 0)))
        bit_generator = getattr(np.random, name)(seed_seq)
        bit_generator.state = state
    except (TypeError, ValueError, KeyError, OverflowError) as exc:
        raise ProtocolError(f"malformed random generator state ({type(exc).__name__})") from None
    return np.random.Generator(bit_generator)


def _decode_array(data: dict, blobs: list):
    index = data.get("$a", data.get("$s"))
    dtype_tag, shape = data.get("dtype"), data.get("shape")
    if type(index) is not int or not 0 <= index < len(blobs):
        raise ProtocolError("array refers to missing bytes")
    dtype = _DTYPES.get(dtype_tag) if type(dtype_tag) is str else None
    if dtype is None:
        raise ProtocolError(f"array dtype {str(dtype_tag)[:20]!r} is not allowed")
    if not isinstance(shape, list) or len(shape) > 32 or not all(type(s) is int and s >= 0 for s in shape):
        raise ProtocolError("malformed array shape")
    count = 1
    for s in shape:
        count *= s
    raw = blobs[index]  # the blob's own bytes: an array reaches no byte of another blob
    if not isinstance(raw, np.ndarray):
        raw = np.frombuffer(raw, dtype=np.uint8)
    if not raw.flags.writeable:  # tests may modify what they receive
        raw = raw.copy()
    if "strides" in data and "$a" in data:  # a view over the span of memory it covers (layout.py)
        if raw.size % dtype.itemsize:
            raise ProtocolError("array shape does not match its bytes")
        try:
            return layout.rebuild(raw.view(dtype), shape, data["strides"], data.get("offset"))
        except ValueError as exc:
            raise ProtocolError(str(exc)) from None
    if count * dtype.itemsize != raw.size:
        raise ProtocolError("array shape does not match its bytes")
    arr = raw.view(dtype).reshape(shape)
    if "$s" in data:
        if shape:
            raise ProtocolError("scalar with a shape")
        return arr[()]
    return arr


def _json_encoder():
    """The JSON encoder's C core, built once (``json.dumps`` builds one per call, with a check for cycles
    that the codec's own walk makes needless: it builds a fresh tree of bounded depth). The pure-Python
    encoder where the C core is missing."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return json.JSONEncoder(separators=(",", ":"), allow_nan=True, check_circular=False).encode

    def refuse(obj):
        raise TypeError(f"{type(obj).__name__} is not JSON")

    core = make(None, refuse, json.encoder.encode_basestring_ascii, None, ":", ",", False, False, True)
    return lambda body: "".join(core(body, 0))


_to_json = _json_encoder()
_from_json = json.JSONDecoder().scan_once  # one JSON value from its first character; parse_head checks the rest
SMALL_BLOB = 64 * 1024  # blobs below this are copied next to the header; larger ones are written from the array
BLOB_ALIGN = 16  # each received blob starts at a multiple of this in its message's buffer: aligned for any dtype


def pack_parts(message: dict, unencodable=None) -> list:
    """One frame for ``message``, as buffers to write in order: the length, the JSON header and the
    arrays' bytes. Large arrays are views of their own memory, written without a copy."""
    blobs: list = []
    body = {k: encode(v, blobs, unencodable) for k, v in message.items()}
    body["blobs"] = [len(b) for b in blobs]
    head = _to_json(body).encode()
    first = bytearray(struct.pack(">I", len(head)))
    first += head
    parts = [first]
    for blob in blobs:
        if len(blob) < SMALL_BLOB and isinstance(parts[-1], bytearray):
            parts[-1] += blob
        elif len(blob) < SMALL_BLOB:
            parts.append(bytearray(blob))
        else:
            parts.append(blob)
    return parts


def pack(message: dict, unencodable=None) -> bytes:
    """One frame for ``message``, as one bytes object."""
    return b"".join(pack_parts(message, unencodable))


def parse_head(head) -> tuple[dict, list]:
    """The frame's JSON document and its blob sizes, validated."""
    try:
        text = head.decode() if isinstance(head, (bytes, bytearray)) else head
        body, end = _from_json(text, 0)
    except (ValueError, RecursionError, StopIteration) as exc:  # StopIteration: no value at the start
        raise ProtocolError(f"message is not valid JSON ({type(exc).__name__})") from None
    if end != len(text):
        raise ProtocolError("message is not valid JSON (data after the document)")
    if not isinstance(body, dict) or not isinstance(body.get("blobs"), list):
        raise ProtocolError("message without a blob table")
    sizes = body.pop("blobs")
    if not all(type(n) is int and n >= 0 for n in sizes) or sum(sizes) > MAX_BLOB_BYTES:
        raise ProtocolError("message declares too much data")
    return body, sizes


def decode_body(body: dict, blobs: list, resolve) -> dict:
    try:
        return {k: decode(v, blobs, resolve) for k, v in body.items()}
    except RecursionError:
        raise ProtocolError("value is nested too deeply") from None


def unpack(head: bytes, blob_reader, resolve=None) -> dict:
    """Parse a frame's JSON part and pull its arrays through ``blob_reader(n)``."""
    body, sizes = parse_head(head)
    return decode_body(body, [blob_reader(n) for n in sizes], resolve)
