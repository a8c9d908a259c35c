"""Grade a batch through the real command line, with and without attackers.

The honest students are graded twice: alone (the baseline) and beside every
attack. What they get must be the same byte for byte (times aside), and
nothing outside the output folder may change.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from helpers import FIXTURE_COURSE

from trusted import checks
from trusted.attacks import GOOD

HONEST = {
    "honest_good": GOOD,
    "honest_wrong": GOOD.replace("    return a + b", "    return a - b"),
    "honest_chatty": GOOD.replace("    return a + b", "    print('adding', a, b)\n    return a + b"),
}


@dataclass
class Run:
    out: Path
    returncode: int
    stdout: str
    stderr: str
    touched: list  # files outside ``out`` that appeared, changed or went


def honest_batch(folder: Path) -> Path:
    for name, source in HONEST.items():
        (folder / name).mkdir(parents=True)
        (folder / name / "mini.py").write_text(source)
    return folder


def grade(root: Path, subs: Path, out: Path, timeout_s: float = 300) -> Run:
    """``autograder grade mini SUBS --out OUT`` from the fixture course; what changed outside ``out``."""
    before = checks.tree(root, out)
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", "mini", str(subs), "--out", str(out),
                           "--jobs", "2"], cwd=FIXTURE_COURSE, capture_output=True, text=True, errors="replace",
                          timeout=timeout_s)
    after = checks.tree(root, out)
    touched = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return Run(out, done.returncode, done.stdout, done.stderr, touched)


def comparable(folder: Path) -> dict:
    """A student's outputs without what differs between any two runs: times, and the sandbox layers'
    slot uid (which of the slots graded it)."""
    results = json.loads((folder / "results.json").read_text())
    results.pop("execution_time")
    results["extra_data"].pop("sandbox")
    for test in results["tests"]:
        test["extra_data"].pop("duration_s")
    return {"results": results, "feedback.md": (folder / "feedback.md").read_text(),
            "feedback.html": (folder / "feedback.html").read_text()}


def csv_rows(out: Path) -> dict[str, dict]:
    import csv
    with (out / "gradebook.csv").open(newline="") as fh:
        return {row["student"]: row for row in csv.DictReader(fh)}
