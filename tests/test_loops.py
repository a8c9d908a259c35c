"""Loops in the box: the grader's training loops run in the student's process (probes.sgd and probes.descend,
through Student.loop_sgd and loop_descend), and the grader's check of what comes back (checks.check_training)."""

import numpy as np
import pytest

from autograder import calls
from autograder.checks import CheckFailed, check_training
from autograder.sandbox import zygote
from autograder.sandbox.faults import MissingFunction, StudentRaised, StudentTimeout
from autograder.sandbox.probes import tanh_softmax
from autograder.sandbox.student import LoopRun, Student
from helpers import student_process

SOURCE = '''\
import numpy as np
import sys

def lg(X, y, params, scale):
    """A least-squares gradient, plus noise from the global generator and an in-place change of params."""
    w = params["w"]
    err = X @ w - y
    params["w"] *= 0.999                          # in place: a direct call's change comes back to the caller
    noise = 1e-3 * np.random.standard_normal(w.shape)
    return float(np.mean(err ** 2)), {"w": scale * X.T @ err / len(y) + noise, "b": np.ones(1)}

calls = [0]

def bad_at(step, grads):
    """From step ``step`` on, return (0.0, grads) instead of real gradients."""
    def lg(X, y, params, scale):
        calls[0] += 1
        if calls[0] >= step:
            return grads
        return 0.0, {"w": np.zeros(2), "b": np.zeros(1)}
    return lg

class MyDict(dict):
    def __getitem__(self, key):
        raise RuntimeError("no")

class Opaque:
    pass

HOSTILE = {
    "three": lambda: (0.0, {}, 1),
    "float": lambda: 1.5,
    "namedtuple": lambda: __import__("collections").namedtuple("P", "loss grads")(0.0, {"w": np.zeros(2)}),
    "dict_subclass": lambda: (0.0, MyDict(w=np.zeros(2), b=np.zeros(1))),
    "missing": lambda: (0.0, {"w": np.zeros(2)}),
    "none": lambda: (0.0, {"w": None, "b": np.zeros(1)}),
    "strings": lambda: (0.0, {"w": ["a", "b"], "b": np.zeros(1)}),
    "object": lambda: (0.0, {"w": Opaque(), "b": np.zeros(1)}),
    "text_array": lambda: (0.0, {"w": np.array(["1", "2"]), "b": np.zeros(1)}),
    "huge": lambda: (0.0, {"w": np.zeros(10_000_000), "b": np.zeros(1)}),
    "transposed": lambda: (0.0, {"w": np.zeros((2, 1)), "b": np.zeros(1)}),
}

def hostile(kind):
    def lg(X, y, params, scale):
        calls[0] += 1
        return HOSTILE[kind]() if calls[0] >= 3 else (0.0, {"w": np.zeros(2), "b": np.zeros(1)})
    return lg

def lg_nan(X, y, params, scale):
    return 0.0, {"w": np.array([np.nan, 1e308]), "b": [-np.inf]}

def lg_raises(X, y, params, scale):
    calls[0] += 1
    if calls[0] == 4:
        return _inner(X)
    return 0.0, {"w": np.zeros(2), "b": np.zeros(1)}

def _inner(X):
    return 1 // 0

def lg_slow(X, y, params, scale):
    import time
    time.sleep(10)

def forge(reply=None):
    """Replace the grader's loop, in this process, by one that sends back ``reply`` (None: an object)."""
    reply = Opaque() if reply is None else reply
    sys.modules["autograder.sandbox.probes"].PROBES["sgd"] = lambda *args, **kwargs: reply

def reset():
    calls[0] = 0

lg_three, lg_float, lg_namedtuple = hostile("three"), hostile("float"), hostile("namedtuple")
lg_dict_subclass, lg_missing, lg_none = hostile("dict_subclass"), hostile("missing"), hostile("none")
lg_strings, lg_object, lg_text_array = hostile("strings"), hostile("object"), hostile("text_array")
lg_huge, lg_transposed = hostile("huge"), hostile("transposed")

def momentum(w, dw, config):
    """An update rule with state, noise from the global generator, and a changed argument."""
    v = config.get("v", np.zeros_like(w))
    v = 0.9 * v - 0.5 * dw + 1e-3 * np.random.standard_normal(w.shape)
    config["v"] = v
    w += v                                        # in place: the loop must not care
    return w, config

def rule_bad(w, dw, config):
    calls[0] += 1
    return (w[:4], config) if calls[0] >= 3 else (w, config)

def rule_no_config(w, dw, config):
    return w, None

def rule_explodes(w, dw, config):
    return w * 1e200, config
lg_bad_shape = bad_at(3, (0.0, {"w": np.zeros(5), "b": np.zeros(1)}))
'''


@pytest.fixture(scope="module")
def student():
    with student_process(SOURCE, call_timeout_s=10) as proxy:
        yield proxy
    # Tests here hold two sessions at once, so two warm boxes of the same kind would stay idle; later files
    # expect one (test_warm.py: the next student reuses the box the last one left).
    zygote.shutdown()


def problem():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 2)), rng.standard_normal(40)
    params = {"w": np.zeros(2), "b": np.zeros(1)}
    batches = np.array([rng.integers(0, 40, size=8) for _ in range(5)])
    return X, y, params, batches


def run(student, name, steps=5):
    X, y, params, batches = problem()
    student.reset()
    return check_training(student.loop_sgd(name, X, y, params, (2.0,), lr=0.1, batches=batches[:steps]))


def test_the_loop_gives_the_numbers_of_direct_calls_step_by_step(student):
    """Batches, per-step reseeding (the student's np.random) and in-place changes of params as direct calls."""
    X, y, params, batches = problem()
    direct = {name: value.copy() for name, value in params.items()}
    for idx in batches:
        _, grads = student.lg(X[idx], y[idx], direct, 2.0)
        direct = {name: direct[name] - 0.1 * np.asarray(grads[name], dtype=np.float64) for name in direct}
    trained = check_training(student.loop_sgd("lg", X, y, params, (2.0,), lr=0.1, batches=batches))
    assert set(trained) == {"w", "b"} and all(np.array_equal(trained[k], direct[k]) for k in direct)
    assert params["w"].tolist() == [0.0, 0.0]  # the test's own params are left as they were


def test_a_wrong_step_is_reported_with_its_number(student):
    with pytest.raises(CheckFailed, match=r"^while training \(step 3 of 5\), grads\['w'\] from lg_bad_shape "
                                          r"has shape \(5,\), expected \(2,\)$"):
        run(student, "lg_bad_shape")


@pytest.mark.parametrize("kind, message", [
    ("three", r"lg_three did not return \(loss, grads\) with grads a dict: it returned a tuple of 3 values"),
    ("float", r"lg_float did not return \(loss, grads\) with grads a dict: it returned a float$"),
    ("namedtuple", r"lg_namedtuple did not return \(loss, grads\) with grads a dict: it returned a P$"),
    ("dict_subclass", r"lg_dict_subclass did not return \(loss, grads\) with grads a dict: grads was a MyDict$"),
    ("missing", r"grads from lg_missing had no key 'b'$"),
    ("none", r"grads\['w'\] from lg_none was None; did you forget a return statement\?$"),
    ("strings", r"grads\['w'\] from lg_strings was a list, expected an array of shape \(2,\)$"),
    ("object", r"grads\['w'\] from lg_object was a Opaque, which is not an array of numbers$"),
    ("text_array", r"grads\['w'\] from lg_text_array was a ndarray, which is not an array of numbers$"),
    ("huge", r"grads\['w'\] from lg_huge has shape \(10000000,\), expected \(2,\)$"),
    ("transposed", r"grads\['w'\] from lg_transposed has shape \(2, 1\), expected \(2,\)$"),
])
def test_hostile_results_are_clear_failures_with_the_step(student, kind, message):
    with pytest.raises(CheckFailed, match=r"^while training \(step 3 of 5\), " + message):
        run(student, f"lg_{kind}")


def test_nan_and_huge_gradients_train_to_nan_and_inf_weights_that_come_back(student):
    trained = run(student, "lg_nan")
    assert np.isnan(trained["w"][0]) and trained["w"][1] == pytest.approx(-5e307) and trained["b"][0] == np.inf


def test_the_students_exception_is_the_students_error_with_its_place(student):
    with pytest.raises(StudentRaised) as caught:
        run(student, "lg_raises")
    text = str(caught.value)
    assert text.startswith("lg_raises() raised ZeroDivisionError: integer division or modulo by zero (in [[line ")
    assert " in _inner from " in text and "called from [[line" in text and " in lg_raises from " in text
    assert caught.value.type_name == "ZeroDivisionError"


def test_a_missing_function_is_reported_as_for_a_direct_call(student):
    X, y, params, batches = problem()
    with pytest.raises(MissingFunction, match=r"your code does not define a function nope\(\)"):
        student.loop_sgd("nope", X, y, params, lr=0.1, batches=batches)


def test_the_graders_own_mistakes_are_not_sent():
    X, y, params, batches = problem()
    student = Student(session=None)
    with pytest.raises(ValueError, match="batches"):
        student.loop_sgd("lg", X, y, params, lr=0.1, batches=batches + 40)
    with pytest.raises(TypeError, match="name"):
        student.loop_sgd(print, X, y, params, lr=0.1, batches=batches)


def test_the_whole_loop_has_one_time_limit():
    X, y, params, batches = problem()
    with student_process(SOURCE) as student:
        with pytest.raises(StudentTimeout, match=r"^5 training steps with your lg_slow\(\) did not finish within 1 s"):
            student.with_timeout(1).loop_sgd("lg_slow", X, y, params, (2.0,), lr=0.1, batches=batches)


def test_a_loops_timeout_names_the_limit_it_really_had():
    """With limits derived from the reference, the loop's limit is below the test's cap: the message says the
    derived one (it once said the cap)."""
    times = calls.CallTimes({("", "lg_slow", 0): 0.002})  # 100 x 2 ms is under the 1 s floor
    X, y, params, batches = problem()
    with student_process(SOURCE, call_limits=calls.CallLimits(times)) as student:
        with pytest.raises(StudentTimeout, match=r"^5 training steps with your lg_slow\(\) did not finish within 1 s "
                                                 r"\(100 times what the reference solution took"):
            student.with_timeout(60).loop_sgd("lg_slow", X, y, params, (2.0,), lr=0.1, batches=batches)


@pytest.mark.parametrize("reply, message", [
    ("weights", r"sent back a str instead of the trained parameters"),
    ({"params": [1, 2]}, r"sent back a dict instead"),
    ({"params": {"w": np.zeros(2)}, "steps": 5, "problem": None}, r"^b after 5 training steps with your lg returned "
                                                                  r"None"),
    ({"params": {"w": np.zeros(3), "b": np.zeros(1)}, "steps": 5, "problem": None}, r"^w after 5 .* returned shape "
                                                                                     r"\(3,\), expected \(2,\)"),
    ({"params": {"w": "ab", "b": np.zeros(1)}, "steps": 5, "problem": None}, r"^w after 5 .* returned a str, which "
                                                                            r"is not an array of numbers"),
    ({"params": {"w": [[1.0, 2.0]], "b": [0.0]}, "steps": 5, "problem": None}, r"returned shape \(1, 2\)"),
    ({"params": {"w": np.zeros(2), "b": np.zeros(1)}, "steps": 3, "problem": None}, r"stopped after 3 of 5 steps"),
    ({"params": {"w": np.zeros(2), "b": np.zeros(1)}, "steps": True, "problem": None}, r"stopped after a bool of 5"),
    ({"params": {}, "steps": 5, "problem": "<b>x</b>"}, r"its report is unreadable"),
    ({"params": {}, "steps": 5, "problem": {"step": 2, "kind": "shape", "key": "w", "shape": "(1,)"}},
     r"^while training \(step 2 of 5\), the result of lg could not be used$"),
    ({"params": {}, "steps": 5, "problem": {"step": "2", "kind": "missing", "key": "zz"}},
     r"^while training, the result of lg could not be used$"),
    ({"params": {}, "steps": 5, "problem": {"step": 1, "kind": "grads", "type": "<script>x</script>"}},
     r"grads was a \?script\?x\?\?script\?$"),
])
def test_a_forged_reply_is_a_clear_failure(reply, message):
    """What the student's process sends back is read as plain values and checked: a loop that the student's code
    replaced can fail the test, never the grader."""
    _, _, params, _ = problem()
    with pytest.raises(CheckFailed, match=message):
        check_training(LoopRun("sgd", "lg", params, 5, reply))


def test_a_loop_replaced_by_the_students_code_is_checked_like_any_reply():
    X, y, params, batches = problem()
    with student_process(SOURCE) as student:
        student.forge({"params": {"w": np.zeros((2, 2)), "b": np.zeros(1)}, "steps": 5, "problem": None})
        with pytest.raises(CheckFailed, match=r"^w after 5 training steps with your lg returned shape \(2, 2\)"):
            check_training(student.loop_sgd("lg", X, y, params, (2.0,), lr=0.1, batches=batches))
        student.forge()  # an object the channel does not carry: it comes back as a handle
        with pytest.raises(CheckFailed, match=r"sent back a Handle instead of the trained parameters"):
            check_training(student.loop_sgd("lg", X, y, params, (2.0,), lr=0.1, batches=batches))


def network():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((20, 2)), rng.integers(0, 3, size=20)
    return X, y, 0.5 * rng.standard_normal(2 * 4 + 4 + 4 * 3 + 3), {"X": X, "y": y, "hidden": 4, "classes": 3}


def test_descent_gives_the_numbers_of_direct_calls_step_by_step(student):
    X, y, w0, data = network()
    w, config = w0.copy(), {"learning_rate": 0.5}
    for _ in range(6):
        w, config = student.momentum(w.copy(), tanh_softmax(w, **data)[1], config)
    run = student.loop_descend("momentum", w0, {"learning_rate": 0.5}, 6, "tanh_softmax", data)
    assert np.array_equal(check_training(run)["w"], w)


def test_descent_reports_a_wrong_step_with_its_number(student):
    X, y, w0, data = network()
    student.reset()
    with pytest.raises(CheckFailed, match=r"^while training \(step 3 of 5\), next_w from rule_bad has shape \(4,\), "
                                          r"expected \(27,\)$"):
        check_training(student.loop_descend("rule_bad", w0, {}, 5, "tanh_softmax", data))
    with pytest.raises(CheckFailed, match=r"^while training \(step 1 of 5\), rule_no_config did not return \(next_w, "
                                          r"config\) with config a dict: config was a NoneType$"):
        check_training(student.loop_descend("rule_no_config", w0, {}, 5, "tanh_softmax", data))


def test_descent_stops_once_the_loss_is_not_finite(student):
    X, y, w0, data = network()
    run = student.loop_descend("rule_explodes", w0, {}, 50, "tanh_softmax", data)
    assert run.reply["stopped"] is True and 0 < run.reply["steps"] < 50
    with np.errstate(all="ignore"):
        assert not np.isfinite(tanh_softmax(check_training(run)["w"], **data)[0])  # where it stopped


@pytest.mark.parametrize("loop, reply", [
    ("sgd", {"params": {"w": np.zeros(2), "b": np.zeros(1)}, "steps": 3, "stopped": True, "problem": None}),
    ("descend", {"params": {"w": np.zeros(2), "b": np.zeros(1)}, "steps": 3, "stopped": False, "problem": None}),
    ("descend", {"params": {"w": np.zeros(2), "b": np.zeros(1)}, "steps": 7, "stopped": True, "problem": None}),
])
def test_only_a_descent_may_stop_early_and_must_say_so(loop, reply):
    _, _, params, _ = problem()
    with pytest.raises(CheckFailed, match=r"stopped after (3|7) of 5 steps without saying why"):
        check_training(LoopRun(loop, "lg", params, 5, reply))


def test_the_window_classifier_sends_no_held_out_data_into_the_box(monkeypatch):
    """backprop's graded training: the trained weights come back and are scored in the grader, so no array the
    grader sends to the student's process has the held-out set's rows."""
    from autograder import grade
    from autograder.course import Course
    from autograder.sandbox import session as session_module
    from helpers import REPO

    assignment = Course(REPO).assignment("backprop")
    with np.load(assignment.data_dir / "ner_heldout.npz") as held:
        n_held = len(held["heldout_labels"])
    sent, call = [], session_module.StudentSession.call

    def recording(self, name, args, kwargs, timeout=None, probe=None):
        sent.extend(np.shape(v) for v in (*args, *kwargs.values()) if isinstance(v, np.ndarray))
        sent.extend(np.shape(v) for d in (*args, *kwargs.values()) if isinstance(d, dict) for v in d.values()
                    if isinstance(v, np.ndarray))
        return call(self, name, args, kwargs, timeout=timeout, probe=probe)

    monkeypatch.setattr(session_module.StudentSession, "call", recording)
    path = Course.of(assignment).solution_file(assignment)
    result = grade.grade_submission(assignment, "ref", path.name, path.read_bytes(), parts=("window_classifier",))
    part = next(p for p in result.parts if p.name == "window_classifier")
    assert part.score == part.max_score
    assert sent and not [shape for shape in sent if shape and shape[0] == n_held]
