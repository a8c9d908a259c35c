"""``autograder demo``: a small batch of backprop submissions graded end to end.

The batch is made from what the course already has: the reference notebook,
the release stub, a few wrong implementations from the project's catalogue,
a notebook that is not JSON and a submission that loops forever. It shows a
TA what grading looks like, and a developer that the whole pipeline works.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from autograder import api, extract
from autograder.config import Assignment
from autograder.course import Course, find

DEMO_MISTAKES = 4


def reference_source(assignment: Assignment) -> str:
    master = Course.of(assignment).solution_file(assignment)
    return extract.extract(master.name, master.read_bytes(), assignment.student_file).source


def catalogue_submission(assignment: Assignment, path: Path) -> bytes:
    """A submission from a catalogue entry.

    A ``wrong`` (or ``gpu_wrong``) entry holds only what differs from the
    reference (the function with the mistake, ``del name`` for a missing
    one), so it is applied on top of the reference source; a ``correct``
    entry is a whole module of its own.
    """
    text = path.read_text()
    if path.parent.name == "correct":
        return text.encode()
    return (reference_source(assignment) + "\n\n# --- catalogue entry: " + path.name + " ---\n" + text).encode()


def make_batch(folder: Path, course: Course | None = None) -> list[str]:
    """Write one sub-folder per demo student; returns what each one is."""
    assignment = find("backprop", course)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    about = []

    def put(student: str, name: str, data: bytes, what: str):
        (folder / student).mkdir()
        (folder / student / name).write_bytes(data)
        about.append(f"{student}: {what}")

    reference = Course.of(assignment).solution_file(assignment)
    put("ada", reference.name, reference.read_bytes(), "the reference solution")
    stub = Course.of(assignment).release_dir(assignment.name) / "backprop.ipynb"
    if stub.is_file():
        put("bert", stub.name, stub.read_bytes(), "the untouched release notebook")
    wrong = sorted((Course.of(assignment).root / "tests" / "catalogue" / "backprop" / "wrong").glob("*.py"))
    step = max(1, len(wrong) // DEMO_MISTAKES)
    for i, path in enumerate(wrong[::step][:DEMO_MISTAKES]):
        mistake = path.read_text().splitlines()[1].removeprefix("# mistake:").strip()
        put(f"student{i + 1:02d}", "backprop.py", catalogue_submission(assignment, path), f"one mistake: {mistake}")
    put("corrupt", "backprop.ipynb", b'{"cells": [', "a notebook that is not valid JSON")
    loop = reference_source(assignment) + "\n\ndef hardtanh_grad(z):\n    while True:\n        pass\n"
    put("looper", "backprop.py", loop.encode(), "the reference with a hardtanh_grad() that loops forever")
    return about


def run(out: str, jobs: int | None = None, course: Course | None = None) -> int:
    out = Path(out)
    about = make_batch(out / "submissions", course)
    print("demo batch:", *about, sep="\n  ")
    results, faults = api.grade_batch("backprop", [out / "submissions"], out / "results", jobs, course=course)
    print()
    print((out / "results" / "gradebook.csv").read_text(), end="")
    print(f"\nper-student feedback: {out / 'results'}/<student>/feedback.md", file=sys.stderr)
    return 3 if faults else 0
