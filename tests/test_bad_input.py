"""Bad and hostile submissions: each ends with a clear message and the right score.

The mini assignment has add (public + hidden, 6 points with slow()), and
double (4 points). A correct add earns 4.5 of basics (3 of 4 tests) when
slow() is wrong.
"""

import json
import time

import pytest

from autograder.sandbox import launcher
from helpers import FIXTURE_COURSE, outcome, part_scores

GOOD = """
import numpy as np
def add(a, b):
    return a + b
def slow():
    return 1.0
def double(x):
    return 2 * np.asarray(x)
"""

needs_bwrap = pytest.mark.skipif(launcher.probe()[0] == "plain", reason="bubblewrap is not usable here")


def with_(**functions):
    """GOOD with some functions replaced by the given source."""
    src = GOOD
    for name, body in functions.items():
        start = src.index(f"def {name}(")
        end = src.find("\ndef ", start + 1)
        src = src[:start] + body.strip() + "\n" + (src[end:] if end != -1 else "")
    return src


def test_correct_submission_gets_everything(grade_source):
    result = grade_source(GOOD)
    assert result.score == result.max_score == 10
    assert not result.notes


@pytest.mark.parametrize("filename, data, words", [
    ("mini.py", "def add(a, b)\n    return a + b\n", "syntax error at line 1"),
    ("mini.py", "", "empty"),
    ("mini.py", bytes(range(256)) * 4, "binary"),
    ("mini.ipynb", "{ this is not json", "not JSON"),
    ("mini.docx", "PK\x03\x04", "not a .py, .ipynb or .zip"),
])
def test_unreadable_submissions_score_zero_with_a_message(grade_source, filename, data, words):
    result = grade_source(data, filename)
    assert result.score == 0
    text = " ".join(result.notes) + " ".join(o.message for o in result.outcomes)
    assert words in text
    assert all(o.status in ("error", "failed") for o in result.outcomes)


def test_missing_function_costs_only_its_tests(grade_source):
    result = grade_source(GOOD.replace("def double(x):\n    return 2 * np.asarray(x)\n", ""))
    assert part_scores(result) == {"basics": 6, "arrays": 0}
    assert "does not define a function double()" in outcome(result, "test_double_vector").message


def test_wrong_shape_is_explained(grade_source):
    result = grade_source(with_(double="def double(x):\n    return np.ravel(2 * x)"))
    assert part_scores(result) == {"basics": 6, "arrays": 1}  # right for vectors, wrong for matrices
    assert "returned shape (12,), expected (3, 4)" in outcome(result, "test_double_any_shape").message


def test_nan_results_fail_with_a_message(grade_source):
    result = grade_source(with_(double="def double(x):\n    return x * np.nan"))
    assert "contains NaN" in outcome(result, "test_double_vector").message
    assert part_scores(result)["arrays"] == 0 and part_scores(result)["basics"] == 6


def test_exception_in_one_function(grade_source):
    result = grade_source(with_(add="def add(a, b):\n    raise ValueError('not done yet')"))
    assert part_scores(result) == {"basics": 1.5, "arrays": 4}
    message = outcome(result, "test_add_small").message
    assert "add() raised ValueError: not done yet" in message and "line" in message


def test_infinite_loop_costs_one_test_and_ends_in_bounded_time(grade_source):
    started = time.monotonic()
    result = grade_source(with_(slow="def slow():\n    while True:\n        pass"))
    assert time.monotonic() - started < 15  # one 2 s call timeout plus a restart
    assert part_scores(result) == {"basics": 4.5, "arrays": 4}
    assert outcome(result, "test_slow_is_fast_enough").status == "timeout"


def test_a_loop_that_ignores_signals_is_still_killed(grade_source):
    body = ("def slow():\n    import signal\n    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM):\n"
            "        signal.signal(s, signal.SIG_IGN)\n    while True:\n        pass")
    result = grade_source(with_(slow=body))
    assert outcome(result, "test_slow_is_fast_enough").status == "timeout"
    assert part_scores(result)["arrays"] == 4


def test_memory_blow_up_is_contained(grade_source):
    body = "def slow():\n    hog = []\n    while True:\n        hog.append(bytearray(64 * 1024 * 1024))"
    result = grade_source(with_(slow=body))
    o = outcome(result, "test_slow_is_fast_enough")
    assert o.fraction == 0 and ("memory" in o.message or "did not finish" in o.message)
    assert part_scores(result)["arrays"] == 4


@pytest.mark.parametrize("body, words", [
    ("def slow():\n    import os\n    os._exit(0)", "exited with status 0"),
    ("def slow():\n    import sys\n    sys.exit(3)", "SystemExit"),
    # the box's interpreter starts without site (-S); these builtins are put back (sandbox/boot.py)
    ("def slow():\n    exit(3)", "SystemExit"),
    ("def slow():\n    quit()", "SystemExit"),
    ("def slow():\n    import os, signal\n    os.kill(os.getpid(), signal.SIGSEGV)", "SIGSEGV"),
])
def test_early_exit_and_crashes_cost_one_test(grade_source, body, words):
    result = grade_source(with_(slow=body))
    assert words in outcome(result, "test_slow_is_fast_enough").message
    assert part_scores(result) == {"basics": 4.5, "arrays": 4}


def test_printing_a_fake_score_changes_nothing(grade_source):
    body = ('def slow():\n    import sys\n    print(json_score)\n    sys.stdout.flush()\n    return 0.5')
    src = with_(slow=body) + f"\njson_score = {json.dumps(json.dumps({'score': 100, 'max_score': 10}))}\n"
    result = grade_source(src)
    assert result.score == 8.5  # slow() is wrong: its 1.5 points lost, whatever it printed
    assert '"score": 100' in result.printed  # shown to the TA as the student's output, nothing more


def test_huge_output_is_capped(grade_source):
    body = "def slow():\n    while True:\n        print('x' * 10000)"
    result = grade_source(with_(slow=body))
    assert "printed more than 64 KiB" in outcome(result, "test_slow_is_fast_enough").message
    assert len(result.printed) < 70 * 1024
    assert part_scores(result)["arrays"] == 4


def test_top_level_training_loop_and_input_do_not_stall(grade_source):
    src = GOOD + "\nfor epoch in range(10**9):\n    pass\nname = input('your name? ')\nwhile True:\n    pass\n"
    started = time.monotonic()
    result = grade_source(src)
    assert time.monotonic() - started < 10
    assert result.score == 10
    assert any("skipped 2 top-level loop(s), call(s), assert(s)" in n for n in result.notes) and any("EOFError" in n for n in result.notes)


def test_a_top_level_statement_that_hangs_is_skipped(grade_source):
    src = GOOD + "\nimport signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nx = sum(range(10**12))\n"
    result = grade_source(src)
    assert result.score == 10
    assert any("did not finish" in n or "took too long" in n for n in result.notes)


@pytest.mark.parametrize("statement, words", [
    ("return 1", "'return' outside function"),       # a cell pasted from a function's body
    ("y = await compute()", "'await' outside function"),  # valid in a notebook's cell (IPython's autoawait)
    ("break", "'break' outside loop"),
])
def test_a_statement_valid_only_inside_a_function_is_named_and_costs_nothing(grade_source, statement, words):
    """Python's parser accepts these at top level and its compiler refuses them: the statement is not run,
    the note says why (not that it hung), and every function defined around it still counts."""
    result = grade_source(GOOD.replace("def slow():", f"x = 1\n{statement}\ndef slow():"))
    assert result.score == 10
    assert [n for n in result.notes if words in n and "not run" in n], result.notes
    assert not [n for n in result.notes if "did not finish" in n], result.notes


def test_disallowed_import_is_reported(grade_source):
    result = grade_source("import torch\n" + GOOD)
    assert any("importing 'torch' is not allowed" in n for n in result.notes)
    assert result.score == 10  # the rule is reported; functions that do not use it still count


@needs_bwrap
def test_hidden_tests_and_solutions_are_invisible(grade_source):
    hidden = FIXTURE_COURSE / "assignments" / "mini" / "tests" / "hidden" / "test_arrays.py"
    body = (f"def slow():\n    import os\n    found = [p for p in ({str(hidden)!r}, {str(FIXTURE_COURSE)!r}, '/work', '/root/.bashrc')"
            " if os.path.exists(p)]\n    return float(len(found)) + 1.0")
    result = grade_source(with_(slow=body))
    assert outcome(result, "test_slow_is_fast_enough").status == "passed"  # nothing was visible
    body = f"def slow():\n    return open({str(hidden)!r}).read()"
    result = grade_source(with_(slow=body))
    message = outcome(result, "test_slow_is_fast_enough").message
    assert "FileNotFoundError" in message
    assert "check_close" not in json.dumps([o.message for o in result.outcomes])


@needs_bwrap
def test_no_network(grade_source):
    body = ("def slow():\n    import socket\n    try:\n        socket.create_connection(('127.0.0.1', 22), timeout=1)\n"
            "    except OSError:\n        return 1.0\n    return 0.0")
    result = grade_source(with_(slow=body))
    assert outcome(result, "test_slow_is_fast_enough").status == "passed"


def test_fork_bomb_is_bounded(grade_source):
    body = ("def slow():\n    import os\n    n = 0\n    for _ in range(500):\n        try:\n            if os.fork() == 0:\n"
            "                import time; time.sleep(30); os._exit(0)\n            n += 1\n        except OSError:\n"
            "            break\n    return float(n)")
    started = time.monotonic()
    result = grade_source(with_(slow=body))
    assert time.monotonic() - started < 30
    o = outcome(result, "test_slow_is_fast_enough")
    assert o.fraction == 0
    assert part_scores(result)["arrays"] == 4


def test_results_say_which_isolation_was_used(grade_source):
    result = grade_source(GOOD)
    assert any("rlimits" in m for m in result.sandbox)
    if launcher.probe()[0] != "plain":
        assert any("bubblewrap" in m for m in result.sandbox)


def test_a_function_that_kills_its_process_costs_only_its_tests(grade_source):
    body = "def double(x):\n    import os\n    os._exit(1)"
    result = grade_source(with_(double=body))
    messages = [o.message for o in result.outcomes if o.part == "arrays"]
    assert part_scores(result) == {"basics": 6, "arrays": 0}
    assert any("exited with status 1" in m for m in messages)


def test_a_reload_skips_top_level_statements_that_timed_out(grade_source):
    src = with_(slow="def slow():\n    import os\n    os._exit(1)") + "\nx = sum(i for i in range(10**10))\n"
    started = time.monotonic()
    result = grade_source(src)
    # one 1 s statement timeout at the first load, none at the reload after slow() crashed
    assert time.monotonic() - started < 6
    assert part_scores(result) == {"basics": 4.5, "arrays": 4}
