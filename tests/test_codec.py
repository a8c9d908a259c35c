"""The channel decodes only plain data and rejects forged frames."""

import json
import os
import pickle
import struct
import threading
import time

import numpy as np
import pytest

from autograder.sandbox import channel, codec


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
])
def test_forged_frames_are_rejected(head, blob, problem):
    raw = json.dumps(head).encode()
    with pytest.raises(codec.ProtocolError, match=problem):
        codec.unpack(raw, lambda n: blob[:n])


def test_deep_nesting_is_rejected():
    raw = ("[" * 100000 + "]" * 100000).encode()
    with pytest.raises(codec.ProtocolError):
        codec.unpack(b'{"blobs": [], "value": ' + raw + b"}", lambda n: b"")


@pytest.mark.parametrize("raw", [b'{"blobs": [], "value": 1} {"value": 2}', b'{"blobs": [], "value": 1}x',
                                 b'', b'   ', b'\xff{"blobs": []}', b'{"blobs": [], "value": 1'])
def test_a_header_must_be_one_json_document_and_nothing_else(raw):
    """The header parser reads one value from the first byte: whatever follows it, or no value at all, is
    refused (a second document could otherwise hide behind the first)."""
    with pytest.raises(codec.ProtocolError, match="not valid JSON"):
        codec.unpack(raw, lambda n: b"")


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


def _views():
    a = np.arange(24.0).reshape(4, 6)
    b = np.arange(60, dtype=np.float32).reshape(3, 4, 5)
    return {
        "fortran": np.asfortranarray(a),
        "transposed": a.T,
        "copy-transposed": a.T.copy().T,
        "step slice": a[:, ::2],
        "negative step": a[::-1, 1::2],
        "3-d transposed": b.transpose(2, 0, 1),
        "3-d strided": b[::2, :, 1:4],
        "column": a[:, 2],
        "int view": np.arange(30).reshape(5, 6)[1:4, ::3],
    }


@pytest.mark.parametrize("name", list(_views()))
def test_views_keep_their_layout(name):
    """A test that gives the student a transposed or strided array must reach its code as one."""
    view = _views()[name]
    back = roundtrip(view)
    np.testing.assert_array_equal(back, view)
    assert back.dtype == view.dtype and back.strides == view.strides
    assert back.flags.c_contiguous == view.flags.c_contiguous and back.flags.f_contiguous == view.flags.f_contiguous
    back[(0,) * back.ndim] = -1  # writable, like every array a test receives
    assert view[(0,) * view.ndim] != -1


def test_gaps_of_a_view_are_sent_as_zeros():
    big = np.full((4, 6), 7.0)
    frame = codec.pack({"value": big[:, ::3]})
    assert frame.count(np.float64(7.0).tobytes()) == 8          # the 8 elements of the view, not the 24 of big


@pytest.mark.parametrize("value", [np.broadcast_to(np.arange(3.0), (4, 3)),
                                   np.lib.stride_tricks.sliding_window_view(np.arange(8.0), 3),
                                   np.arange(200.0)[::50]])
def test_layouts_that_cannot_cross_arrive_c_ordered(value):
    back = roundtrip(value)
    np.testing.assert_array_equal(back, value)
    assert back.flags.c_contiguous and back.flags.writeable


@pytest.mark.parametrize("shape, strides, offset, problem", [
    ([2, 3], [6, 1], 0, "outside"),       # the last element would be element 8 of a buffer of 8
    ([2, 3], [3, -1], 0, "outside"),      # before the buffer's start
    ([2, 3], [3, 1], -1, "outside"),
    ([3, 3], [3, 1], 0, "outside"),       # 9 elements from 8
    ([2, 3], [1], 0, "layout"),           # one stride for two axes
    ([2, 3], [1.5, 1], 0, "layout"),
    ([2, 3], [3, 1], "0", "layout"),
])
def test_forged_layouts_are_rejected(shape, strides, offset, problem):
    head = {"value": {"$a": 0, "dtype": "<f8", "shape": shape, "strides": strides, "offset": offset}, "blobs": [64]}
    with pytest.raises(codec.ProtocolError, match=problem):
        codec.unpack(json.dumps(head).encode(), lambda n: b"\0" * n)


# -- the channel over a real pipe ------------------------------------------------------------------
def send_in_thread(channel: channel.Channel, *messages):
    thread = threading.Thread(target=lambda: [channel.send(m) for m in messages])
    thread.start()
    return thread


def test_large_and_many_arrays_cross_a_real_pipe_intact():
    """Above the pipe's size (written while read), more blobs than one writev takes, back to back messages."""
    r1, w1 = os.pipe()
    reader, writer = channel.Channel(r1, os.dup(w1)), channel.Channel(os.dup(r1), w1)
    big = np.random.default_rng(0).standard_normal((1000, 500))                 # 4 MB, above 1 MiB of pipe
    many = [np.full(3, float(i)) for i in range(2000)]                            # 2000 blobs > MAX_IOV
    mixed = {"b": np.array([True, False, True]), "f": np.float32(1.5), "i": np.arange(5, dtype=np.int16),
             "t": np.arange(12.0).reshape(3, 4).T, "e": np.zeros((0, 3))}        # odd sizes: alignment
    try:
        thread = send_in_thread(writer, {"v": big}, {"v": many}, {"v": mixed}, {"v": "x" * 200_000})
        deadline = time.monotonic() + 30
        assert np.array_equal(reader.recv(deadline)["v"], big)
        back = reader.recv(deadline)["v"]
        assert len(back) == 2000 and all(a.tolist() == [float(i)] * 3 for i, a in enumerate(back))
        got = reader.recv(deadline)["v"]
        for key, value in mixed.items():
            assert np.array_equal(got[key], value) and np.asarray(got[key]).dtype == np.asarray(value).dtype
        assert got["t"].strides == mixed["t"].strides and got["t"].flags.writeable
        assert reader.recv(deadline)["v"] == "x" * 200_000                      # a header above the buffer
        thread.join()
    finally:
        channel.close_fds([r1, w1, reader.write_fd, writer.read_fd])


def test_a_frame_cut_short_times_out_and_a_closed_pipe_is_reported():
    r, w = os.pipe()
    sink = os.open(os.devnull, os.O_WRONLY)
    pipes = channel.Channel(r, sink)
    try:
        frame = codec.pack({"v": np.zeros(1000)})
        os.write(w, frame[:len(frame) // 2])
        with pytest.raises(codec.ChannelTimeout):
            pipes.recv(time.monotonic() + 0.2)
        os.close(w)
        with pytest.raises(codec.ChannelClosed):
            channel.Channel(r, sink).recv(time.monotonic() + 1)
    finally:
        channel.close_fds([r, w, sink])


def test_a_forged_view_cannot_reach_the_next_blob_of_its_message():
    """Blobs of one message share a buffer on the receiving side; each array is bounded by its own blob."""
    r, w = os.pipe()
    pipes = channel.Channel(r, os.dup(w))
    try:
        head = json.dumps({"value": [{"$a": 0, "dtype": "<f8", "shape": [4], "strides": [1], "offset": 0},
                                     {"$a": 1, "dtype": "<f8", "shape": [2]}], "blobs": [16, 16]}).encode()
        os.write(w, struct.pack(">I", len(head)) + head + np.arange(4.0).tobytes())
        with pytest.raises(codec.ProtocolError, match="outside"):
            pipes.recv(time.monotonic() + 2)
    finally:
        channel.close_fds([r, w, pipes.write_fd])
