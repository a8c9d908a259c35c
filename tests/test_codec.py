"""The channel decodes only plain data and rejects forged frames."""

import json
import pickle
import struct

import numpy as np
import pytest

from autograder.sandbox import codec


def roundtrip(value, unencodable=None, resolve=None):
    frame = codec.pack({"value": value}, unencodable)
    (size,) = struct.unpack(">I", frame[:4])
    rest = memoryview(frame[4 + size:])
    offset = [0]

    def read(n):
        out = bytes(rest[offset[0]:offset[0] + n])
        offset[0] += n
        return out

    return codec.unpack(frame[4:4 + size], read, resolve)["value"]


def test_plain_values_round_trip():
    value = {"a": [1, 2.5, None, True, "x"], "t": (np.arange(6.0).reshape(2, 3), np.float32(1.5)),
             "n": float("nan"), 3: "int key"}
    back = roundtrip(value)
    assert back["a"] == [1, 2.5, None, True, "x"]
    assert isinstance(back["t"], tuple)
    np.testing.assert_array_equal(back["t"][0], np.arange(6.0).reshape(2, 3))
    assert back["t"][1].dtype == np.float32 and back["t"][1] == np.float32(1.5)
    assert np.isnan(back["n"]) and back[3] == "int key"


def test_decoded_arrays_are_writable_and_keep_dtype():
    back = roundtrip(np.arange(4, dtype=np.int32))
    assert back.dtype == np.int32
    back[0] = 7  # tests may modify what they receive


@pytest.mark.parametrize("make", [
    lambda a: a.transpose(0, 2, 3, 1),                       # a transposed view
    lambda a: np.asfortranarray(a),                          # Fortran order
    lambda a: np.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2),   # channels-last memory
])
def test_transposed_layouts_cross_as_they_are(make):
    """Code that depends on memory layout (strides by hand) meets the layout a test made."""
    arr = make(np.arange(120.0).reshape(2, 3, 4, 5))
    back = roundtrip(arr)
    np.testing.assert_array_equal(back, arr)
    assert back.strides == arr.strides and not back.flags.c_contiguous
    back[0, 0, 0, 0] = -1.0  # writable, as every decoded array


def test_other_strided_arrays_cross_contiguous():
    arr = np.arange(24.0).reshape(4, 6)[:, ::2]
    back = roundtrip(arr)
    np.testing.assert_array_equal(back, arr)
    assert back.flags.c_contiguous


def test_objects_need_a_handle_or_fail():
    with pytest.raises(codec.ProtocolError):
        codec.pack({"value": object()})
    back = roundtrip([object()], unencodable=lambda obj: {"$h": 5, "type": "object"})
    assert isinstance(back[0], codec.Handle) and back[0].id == 5


def test_object_arrays_are_refused():
    with pytest.raises(codec.ProtocolError):
        codec.pack({"value": np.array([object()], dtype=object)})


def forged(head: dict, blobs=b""):
    return json.dumps(head).encode(), blobs


@pytest.mark.parametrize("head, blob, problem", [
    ({"value": {"$a": 0, "dtype": "|O", "shape": [1]}, "blobs": [8]}, b"\0" * 8, "dtype"),
    ({"value": {"$a": 0, "dtype": "<f8", "shape": [1 << 40]}, "blobs": [16]}, b"\0" * 16, "shape"),
    ({"value": {"$a": 3, "dtype": "<f8", "shape": [1]}, "blobs": [8]}, b"\0" * 8, "missing"),
    ({"value": 1, "blobs": [1 << 40]}, b"", "too much"),
    ({"value": {"$x": 1}, "blobs": []}, b"", "tag"),
    ({"value": {"$a": 0, "dtype": "<f8", "shape": [1, 2], "axes": [1, 1]}, "blobs": [16]}, b"\0" * 16, "layout"),
    ({"value": {"$a": 0, "dtype": "<f8", "shape": [1, 2], "axes": [1, "0"]}, "blobs": [16]}, b"\0" * 16, "layout"),
])
def test_forged_frames_are_rejected(head, blob, problem):
    raw = json.dumps(head).encode()
    with pytest.raises(codec.ProtocolError, match=problem):
        codec.unpack(raw, lambda n: blob[:n])


def test_deep_nesting_is_rejected():
    raw = ("[" * 100000 + "]" * 100000).encode()
    with pytest.raises(codec.ProtocolError):
        codec.unpack(b'{"blobs": [], "value": ' + raw + b"}", lambda n: b"")


def test_a_pickle_payload_is_not_json():
    payload = pickle.dumps({"score": 100})
    with pytest.raises(codec.ProtocolError):
        codec.unpack(payload, lambda n: b"")


@pytest.mark.parametrize("make", [np.random.default_rng, lambda s: np.random.Generator(np.random.MT19937(s)),
                                  lambda s: np.random.Generator(np.random.Philox(s))])
def test_generators_cross_as_equivalent_generators(make):
    rng = make(7)
    back = roundtrip(rng)
    assert back is not rng
    np.testing.assert_array_equal(back.random(5), rng.random(5))


def test_forged_generator_state_is_rejected():
    with pytest.raises(codec.ProtocolError, match="random generator"):
        codec.unpack(json.dumps({"value": {"$g": {"$d": {"bit_generator": "os.system"}}}, "blobs": []}).encode(),
                     lambda n: b"")


def test_spawned_children_are_reproducible_after_crossing():
    rng = np.random.default_rng(1)
    rng.spawn(2)
    back = roundtrip(rng)
    assert back.spawn(1)[0].random() == rng.spawn(1)[0].random()


@pytest.mark.parametrize("seed", [np.int64(5), np.array([1, 2], dtype=np.uint32), [3, 4], 2**100])
def test_generators_seeded_any_way_cross(seed):
    rng = np.random.default_rng(seed)
    back = roundtrip(rng)
    assert back.random() == rng.random() and back.spawn(1)[0].random() == rng.spawn(1)[0].random()
