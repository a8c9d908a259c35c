"""The trusted side's red team: hostile bytes through the real CLI, beside honest students.

One batch holds every attack of ``tests/trusted/attacks.py`` and three honest
students; a second holds the honest students alone. Then: the batch
completed; the honest students' outputs equal the baseline's; nothing outside
the output folder changed; no page, Markdown file or CSV cell in the output
can run anything; the terminal saw no escape sequence; each attacker got
feedback saying what happened. The checks themselves are shown to fail on
unsafe outputs at the end of this file.
"""

from __future__ import annotations

import shutil

import pytest

from autograder import safe
from trusted import checks, harness
from trusted.attacks import ATTACKS, SCRIPT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("trusted")
    (root / "victim.txt").write_text("a file outside every output folder\n")
    base = harness.honest_batch(root / "baseline_subs")
    batch = harness.honest_batch(root / "attack_subs")
    for attack in ATTACKS:
        attack.build(batch)
    baseline = harness.grade(root, base, root / "baseline_out")
    attacked = harness.grade(root, batch, root / "attack_out")
    return baseline, attacked


def test_the_batch_completes_and_grades_everyone(runs):
    baseline, attacked = runs
    assert baseline.returncode == 0, baseline.stderr[-2000:]
    assert attacked.returncode == 0, attacked.stderr[-2000:]
    rows = harness.csv_rows(attacked.out)
    assert {row["status"] for row in rows.values()} <= {"graded", "unreadable"}, rows  # no fault, no one lost
    assert len(rows) == len(harness.HONEST) + len(ATTACKS)


def test_honest_students_get_what_they_get_without_attackers(runs):
    baseline, attacked = runs
    for student in harness.HONEST:
        assert harness.comparable(attacked.out / student) == harness.comparable(baseline.out / student), student
        assert harness.csv_rows(attacked.out)[student] == harness.csv_rows(baseline.out)[student]


def test_nothing_outside_the_output_folder_changes(runs):
    baseline, attacked = runs
    assert baseline.touched == [] and attacked.touched == []


def test_no_output_can_run_anything(runs):
    _, attacked = runs
    assert checks.output_problems(attacked.out) == []


def test_the_terminal_sees_no_escape_sequence(runs):
    _, attacked = runs
    assert checks.terminal_hazards(attacked.stdout + attacked.stderr) == []


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_each_attacker_is_told_what_happened(runs, attack):
    _, attacked = runs
    rows = harness.csv_rows(attacked.out)
    shown = safe.clean(attack.student or attack.name)  # the name column, control characters replaced
    row = next((r for r in rows.values() if r["name"].lstrip("'") == shown), None)
    assert row is not None, f"{attack.name} is missing from gradebook.csv"
    feedback = (attacked.out / row["student"].lstrip("'") / "feedback.md").read_text()
    assert attack.says in feedback
    assert checks.terminal_hazards(feedback) == []  # control characters replaced in files too


# -- each check can fail ---------------------------------------------------------------
def test_the_html_check_finds_scripts_handlers_and_links():
    page = f"<html><body><pre>{SCRIPT}</pre><a href='javascript:x'>a</a><iframe src=x></iframe></body></html>"
    found = checks.active_html(page)
    assert "<script>" in found and "<img onerror=...>" in found and "<iframe>" in found
    assert any(f.startswith("<a href=") for f in found)
    assert checks.active_html("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>") == []
    assert checks.csp_missing("<html></html>") and not checks.csp_missing(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">")


def test_the_html_check_lets_through_only_hashed_scripts_and_feedback_links():
    """summary.html links each student's feedback and sorts with one script its CSP names by hash; nothing
    else of the kind passes."""
    import base64
    import hashlib
    code = "document.title = 1;"
    digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
    head = f"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'sha256-{digest}'\">"
    assert checks.active_html(f"{head}<script>{code}</script><a href='ada%C3%A9/feedback.html'>a</a>") == []
    assert checks.active_html(f"{head}<script>{code} </script>") == ["<script>"]  # one byte more
    assert checks.active_html(f"<script>{code}</script>") == ["<script>"]  # no CSP names it
    assert checks.active_html(f"{head}<script src=x.js></script>") == ["<script>", "<script src='x.js'>"]
    assert checks.active_html(f"{head}<script>{code}") == ["<script>"]  # never closed
    later = head.replace(digest, "x")  # a second policy further down the page does not count
    assert checks.active_html(f"{later}{head}<script>{code}</script>") == ["<script>"]
    for href in ("javascript:alert(1)//feedback.html", "http://evil.example/feedback.html", "../feedback.html",
                 "ada/../../feedback.html", "ada/feedback.html?x", "//evil.example/feedback.html"):
        assert checks.active_html(f"<a href='{href}'>a</a>"), href


def test_the_markdown_check_finds_raw_html_links_and_autolinks():
    assert checks.active_markdown(f"- failed — {SCRIPT}")
    assert checks.active_markdown("see [here](http://evil.example)")
    assert checks.active_markdown("visit https://evil.example/phish now")
    assert checks.active_markdown("```\n```\n<img src=x onerror=alert(1)>\n")  # a fence closed early
    from autograder import safe
    assert checks.active_markdown(f"- failed — {safe.md_code(SCRIPT + ' https://evil.example')}") == []
    assert checks.active_markdown(safe.md_block("```\n" + SCRIPT + "\n~~~")) == []


def test_the_csv_check_finds_formulas_but_not_numbers():
    assert checks.formula_cells('student,total\n=HYPERLINK("x"),-3\n@SUM(A1),1\n') == ['=HYPERLINK("x")', "@SUM(A1)"]
    assert checks.formula_cells("student,total\n'=HYPERLINK(x),-3.5\n") == []


def test_the_terminal_check_finds_escapes():
    assert set(checks.terminal_hazards("ok \x1b[2J \u202e")) == {"'\\x1b'", "'\\u202e'"}


def test_the_tree_check_sees_a_changed_file(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "victim.txt").write_text("before")
    before = checks.tree(tmp_path, tmp_path / "out")
    (tmp_path / "out" / "fine.txt").write_text("inside the output folder")
    shutil.copy(tmp_path / "victim.txt", tmp_path / "new.txt")
    (tmp_path / "victim.txt").write_text("after!")
    after = checks.tree(tmp_path, tmp_path / "out")
    assert sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k)) == ["new.txt", "victim.txt"]
