"""Scoring is a pure function of outcomes and the rubric."""

import pytest

from autograder.suite import TestOutcome
from autograder.score import score
from helpers import FIXTURE_COURSE

FIXTURE_GOOD = FIXTURE_COURSE / "solutions" / "mini" / "mini.py"


def o(id, part, fraction, weight=1.0, status=None):
    return TestOutcome(id, part, "hidden", weight, status or ("passed" if fraction == 1 else "failed"),
                       fraction, "", 0.0)


@pytest.mark.parametrize("outcomes, expected", [
    # basics has 6 points shared by weight; arrays 4 points.
    ([o("a", "basics", 1), o("b", "basics", 1), o("c", "arrays", 1)], {"basics": 6, "arrays": 4}),
    ([o("a", "basics", 1), o("b", "basics", 0), o("c", "arrays", 0)], {"basics": 3, "arrays": 0}),
    ([o("a", "basics", 1, weight=3), o("b", "basics", 0)], {"basics": 4.5, "arrays": 0}),
    ([o("a", "basics", 0.5, status="partial"), o("c", "arrays", 0.25, status="partial")], {"basics": 3, "arrays": 1}),
    ([o("a", "basics", 1), o("b", "basics", 1), o("c", "basics", 1)], {"basics": 6, "arrays": 0}),
])
def test_part_scores(mini, outcomes, expected):
    got = {p.name: p.score for p in score(mini, outcomes)}
    assert got == pytest.approx(expected)


def test_thirds_add_up_exactly(mini):
    parts = score(mini, [o(str(i), "basics", 1) for i in range(3)] + [o("x", "arrays", 1)])
    assert sum(p.score for p in parts) == 10.0


def test_parametrize_ids_follow_pytest(tmp_path, mini):
    import pytest as _pytest
    from autograder.suite import _expand

    @_pytest.mark.parametrize("case", [{"a": 1}, "a long string parameter value", None, _pytest.param(3, id="three")])
    def test_x(case):
        pass

    ids = [c.id for c in _expand(mini, "basics", "hidden", "test_x", test_x)]
    assert ids == ["test_x[case0]", "test_x[a long string parameter value]", "test_x[None]", "test_x[three]"]


def test_a_recognised_mistake_is_a_field_of_the_record_and_what_the_summary_counts(grade_source, mini):
    """check_close's hint reaches the record as ``mistake`` (no parsing of the message), and summary.html
    counts it; a plain failure has none."""
    from autograder import report
    from autograder.gradebook import Row
    source = (FIXTURE_GOOD.read_text().replace("return 2 * np.asarray(x)", "return np.asarray(x) + 1"))
    result = grade_source(source)
    by_id = {t.id: t for t in result.outcomes}
    assert by_id["test_double_any_shape"].mistake == "you returned x + 1 instead of 2 x"
    assert "Hint: you returned x + 1 instead of 2 x" in by_id["test_double_any_shape"].message
    assert by_id["test_double_vector"].status == "failed" and by_id["test_double_vector"].mistake is None
    page = report.summary_html([Row("mini", "s", result.sha256, result.grader_version, result, None)], mini)
    assert '<td>you returned x + 1 instead of 2 x</td><td class="num" data-v="1">1 / 1</td>' in page
