"""Expected values computed once per process (autograder/memo.py): the same answer as computing them, or
computed afresh."""

import random
import types

import numpy as np
import pytest

from autograder import memo
from autograder.checks import numerical_gradient


@pytest.fixture(autouse=True)
def empty_memory():
    memo.forget()
    yield
    memo.forget()


# Real calls are counted on a module's attribute: a question includes a module by its name and file, not its
# contents, so counting does not change the question (a list in the closure would, and nothing would be kept).
TALLY = types.ModuleType("tally")


class Calls:
    def __init__(self):
        TALLY.n = 0

    def __len__(self):
        return TALLY.n


def counted(func):
    """``func`` remembered, and the number of its real calls."""
    def inner(*args, **kwargs):
        TALLY.n += 1
        return func(*args, **kwargs)

    return memo.remembered(inner), Calls()


def test_a_question_asked_again_is_answered_from_memory_with_a_fresh_copy():
    double, calls = counted(lambda x, scale=2.0: {"y": x * scale, "n": [x.sum()]})
    x = np.arange(6.0).reshape(2, 3)
    first = double(x)
    first["y"][0, 0] = 99.0          # the caller changes what it got
    first["n"].append("junk")
    second = double(x.copy())
    assert len(calls) == 1
    assert np.array_equal(second["y"], x * 2) and second["n"] == [15.0]
    second["y"][:] = -1.0            # and what it got from memory
    second["n"].clear()
    third = double(x)
    assert len(calls) == 1
    assert np.array_equal(third["y"], x * 2) and third["n"] == [15.0]


def test_arguments_that_differ_in_any_bit_dtype_layout_or_type_are_different_questions():
    ident, calls = counted(lambda x: np.array(x, copy=True))
    x = np.arange(6.0).reshape(2, 3)
    variants = [x, x.astype(np.float32), np.asfortranarray(x), x[:, ::2], x[:, ::2].copy(), x.reshape(3, 2),
                np.where(x == 0, -0.0, x), x.tolist(), tuple(map(tuple, x.tolist())), 1, 1.0, True, "1"]
    for v in variants:
        ident(v)
    ident(x.copy())                  # equal bit for bit to the first: from memory
    assert len(calls) == len(variants)
    assert np.asfortranarray(ident(np.asfortranarray(x))).flags.f_contiguous  # the answer keeps its layout


def test_a_function_that_changes_its_argument_or_draws_from_the_global_generators_is_asked_every_time():
    def scale_in_place(x):
        x *= 2
        return x.copy()

    def noisy(x):
        return x + np.random.standard_normal(x.shape)

    def python_noisy(x):
        return x + random.random()

    for func in (scale_in_place, noisy, python_noisy):
        f, calls = counted(func)
        f(np.ones(3))
        f(np.ones(3))
        assert len(calls) == 2, func.__name__


def test_questions_with_values_that_are_not_plain_are_asked_every_time():
    class Box:
        pass

    f, calls = counted(lambda value: 1.0)
    for value in (Box(), np.random.default_rng(0), np.array([object()]), (lambda: 0).__call__):
        f(value)
        f(value)
    assert len(calls) == 8
    big = np.zeros(memo.MAX_QUESTION_BYTES // 8 + 1)  # its digest would cost more than most answers
    f(big)
    f(big)
    assert len(calls) == 10


def test_an_exception_is_not_remembered():
    attempts = []

    def flaky(x):
        attempts.append(1)
        if len(attempts) == 1:
            raise ValueError("first time")
        return x

    f = memo.remembered(flaky)
    with pytest.raises(ValueError):
        f(1.0)
    assert f(1.0) == 1.0 and len(attempts) == 2


def test_functions_are_keyed_on_their_code_and_everything_it_reaches():
    """Closures over other values, other defaults, another global value, another code: each a different
    question. The same code over the same values (a lambda made again, as each submission's test makes it
    again): the same question."""
    grad_calls = []

    def make(coef, power=3):
        return lambda v: float(np.sum(coef * v ** power)) + OFFSET[0]

    x = np.array([0.5, -1.0, 2.0])
    base = numerical_gradient(make(np.ones(3)), x)
    stored = memo.stored()
    again = numerical_gradient(make(np.ones(3)), x.copy())
    assert memo.stored() == stored and np.array_equal(again, base)
    others = [make(2 * np.ones(3)), make(np.ones(3), power=2), lambda v: float(np.sum(v ** 3)) + OFFSET[0]]
    for f in others:
        grad_calls.append(numerical_gradient(f, x))
    assert memo.stored() == stored + 3
    OFFSET[0] = 1.0                         # a global the code names: part of the question
    try:
        numerical_gradient(make(np.ones(3)), x)
        assert memo.stored() == stored + 4
    finally:
        OFFSET[0] = 0.0
    assert np.allclose(grad_calls[0], 2 * base, rtol=1e-6)


OFFSET = [0.0]


def test_the_students_functions_are_never_part_of_a_remembered_question():
    """A closure over an object of another kind (the Student proxy, a session) is not plain: computed
    every time, since the student's function can answer differently each call."""

    class StudentLike:
        def __init__(self):
            self.calls = 0

        def f(self, v):
            self.calls += 1
            return float(np.sum(v))

    s = StudentLike()
    numerical_gradient(lambda v: s.f(v), np.ones(2))
    numerical_gradient(lambda v: s.f(v), np.ones(2))
    assert s.calls == 8 and memo.stored() == 0


def test_numerical_gradient_from_memory_is_the_computed_one_bit_for_bit():
    rng = np.random.default_rng(3)
    W = rng.standard_normal((4, 3))
    x = rng.standard_normal((4, 3))
    f = (lambda v: float(np.sum(np.tanh(v @ W.T))))
    computed = numerical_gradient.__wrapped__(f, x)
    first = numerical_gradient(f, x)
    second = numerical_gradient(f, x)
    assert memo.stored() == 1
    assert computed.tobytes() == first.tobytes() == second.tobytes()


def test_when_memory_is_full_the_answers_used_least_recently_make_room(monkeypatch):
    monkeypatch.setattr(memo, "MAX_ENTRIES", 3)
    f, calls = counted(lambda x: x + 1)
    for x in (1.0, 2.0, 3.0):
        f(x)
    f(1.0)                           # used again: now the most recent
    f(4.0)                           # full: 2.0 makes room
    assert memo.stored() == 3 and len(calls) == 4
    f(1.0)
    f(3.0)
    assert len(calls) == 4           # both still remembered
    f(2.0)
    assert len(calls) == 5           # asked afresh
    monkeypatch.setattr(memo, "MAX_BYTES", 100)
    f(np.zeros(20))                  # 160 bytes: more than all the memory, never kept
    f(np.zeros(20))
    assert len(calls) == 7 and memo._size[0] <= 100
