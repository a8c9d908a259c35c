"""`validate` fails a public test that asks for the reference: grading has it, students do not."""

import ast
import io
import shutil
import textwrap

from autograder import api, lint
from autograder.course import Course
from helpers import FIXTURE_COURSE

USES_REFERENCE = """

def test_add_like_the_reference(student, reference):
    check_close(student.add(1.0, 2.0), reference.add(1.0, 2.0), what="add(1, 2)")
"""


def test_validate_fails_a_public_test_that_uses_the_reference(tmp_path):
    shutil.copytree(FIXTURE_COURSE, tmp_path / "course")
    course = Course(tmp_path / "course")
    assert lint.public_fixture_problems(course.assignment("mini")) == []
    public = course.assignment_dir("mini") / "tests" / "public" / "test_basics.py"
    public.write_text(public.read_text() + USES_REFERENCE)
    problems = api.validate("mini", log=io.StringIO(), course=course)
    message = ("public test tests/public/test_basics.py::test_add_like_the_reference uses the reference fixture, "
               "which students do not have")
    assert message in problems, problems
    # Graded, the test passes (validate's run has the reference): only reading it finds the problem.
    assert [p for p in problems if "test_add_like_the_reference" in p] == [message]


def test_what_counts_as_asking_for_the_reference():
    source = textwrap.dedent('''
        import pytest
        from pytest import mark
        needs = pytest.mark.usefixtures("reference")

        def test_param(student, reference): pass
        def test_default(student, reference=None): pass
        @pytest.mark.usefixtures("reference")
        def test_usefixtures(student): pass
        @needs
        def test_named_mark(student): pass
        @pytest.mark.parametrize("reference", [1, 2])
        def test_parametrized_value(student, reference): pass
        @pytest.mark.parametrize("reference, x", [(1, 2)], indirect=["reference"])
        def test_indirect_list(student, reference, x): pass
        @mark.parametrize(("reference",), [(1,)], True)
        def test_indirect_positional(student, reference): pass
        def test_other_fixtures(student, rng, data, config, device): pass
        def helper(reference): pass

        @pytest.mark.usefixtures("reference")
        class TestMarked:
            def test_method(self, student): pass
        class TestPlain:
            pytestmark = pytest.mark.usefixtures("reference")
            def test_method(self, student): pass
            def helper(self, reference): pass
    ''')
    asks = {name for name, fixtures in lint.requests(ast.parse(source)) if "reference" in fixtures}
    assert asks == {"test_param", "test_default", "test_usefixtures", "test_named_mark", "test_indirect_list",
                    "test_indirect_positional", "TestMarked::test_method", "TestPlain::test_method"}
