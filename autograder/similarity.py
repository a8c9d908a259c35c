"""``autograder similarity OUT``: whose code is alike, for a person to look at. It flags; it never scores.

Comparing is copydetect's (``pip install 'nngrader[similarity]'``), not ours:
winnowing fingerprints (Schleimer, Wilkerson and Aiken 2003, the method of
MOSS) over code that pygments has tokenised and normalised, every name,
string, comment and run of whitespace replaced or dropped, so that renaming
variables and rewording comments does not hide a copy; and fingerprints of
a template ("boilerplate") that no match may use. The template is the
starter code students were given (the release notebook,
``release/NAME/NAME.ipynb``): a long helper everyone kept is not evidence.
Code is fingerprinted from memory (``CodeFingerprint(fp=...)``), so no
student's code is written to disk.

A pair's scores are, for each of the two students, the share of their own
code (what is not starter code) that is also in the other's; the pair is
ranked by the larger, since copying shows as most of one student's code
found in the other's, whichever way it went. Flagged pairs
(:meth:`Gradebook.save_flags`, replacing the last run's) make both students
``needs_review`` in every TA's view (:func:`autograder.roster.class_list`);
their scores and their feedback stay as graded. Members of one group are
never compared with each other: they handed in one submission.
"""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder import extract, extras, report, safe, standing
from autograder.config import ConfigError
from autograder.course import Course
from autograder.gradebook import graded

# The shortest match that counts, in characters of normalised code (where `loss = np.mean(y)` is `V=V.V(V)`):
# copydetect's default. Every k-gram is a fingerprint (its guarantee threshold equal to this one), which
# misses no match that long and is fast enough for a course: 300 students are 45,000 pairs.
NOISE = 25
# A pair is flagged from 0.6: 60% of one student's own code in runs of at least NOISE normalised characters
# that also stand in the other's. Measured on the course's five assignments, each with its release as starter
# code: the differently written right answers (tests/catalogue/*/correct, 55 pairs) score 0 to 0.42, median
# 0.11, the highest where a task leaves little choice (cnn's layer stacks); each of those 26 files against a
# copy of itself with every name renamed, the comments reworded and blank lines added scores 0.69 to 1.0,
# median 0.99. 0.6 lies between; a course whose answers are one-liners may want it higher.
THRESHOLD = 0.6
TOP = 20  # pairs shown side by side in similarity.html; every flagged pair is listed above them
CONTEXT = 3  # lines of unmatched code kept around each matching region; longer stretches are folded
CLOSEST_BELOW = 5  # pairs under the threshold listed for calibration
REPORT = "similarity.html"


@dataclass(frozen=True)
class Pair:
    """Two students' code compared: the share of each one's own code found in the other's, the matching
    characters of normalised code, and the matching regions of each one's code (start, end)."""

    a: str
    b: str
    share_a: float
    share_b: float
    overlap: int
    regions_a: tuple[tuple[int, int], ...]
    regions_b: tuple[tuple[int, int], ...]

    @property
    def score(self) -> float:
        return max(self.share_a, self.share_b)


@dataclass(frozen=True)
class Found:
    """What a similarity run did: its report, who was compared, the pairs flagged (most similar first),
    the students with no stored code, and the starter code excluded (None: none was found)."""

    path: Path
    compared: list[str]
    flagged: list[Pair]
    no_code: list[str]
    starter: Path | None
    threshold: float
    closest: Pair | None  # the most similar pair of all, flagged or not


def starter_code(assignment) -> tuple[Path | None, str]:
    """The code students were given (the release's notebook, else its module), and its path; ''
    and None when the release has neither."""
    folder = Course.of(assignment).release_dir(assignment.name)
    for suffix in (".ipynb", ".py"):
        path = folder / f"{assignment.student_file}{suffix}"
        if path.is_file():
            found = extract.extract(path.name, path.read_bytes(), assignment.student_file, assignment.intake)
            return path, found.source or ""
    return None, ""


def compare(sources: dict[str, str], starter: str = "", apart=lambda a, b: False,
            progress=lambda students: students) -> list[Pair]:
    """Every pair of ``sources`` (``{student: code}``) that shares code beyond ``starter``, most similar
    first; ``apart(a, b)`` is true for two students never to be compared (members of one group).
    ``progress`` wraps the loop over students (a progress bar)."""
    import numpy as np
    from copydetect import CodeFingerprint, compare_files

    def fingerprint(text: str, boilerplate=None, window: int = 1):
        # the file name only tells pygments the language; the code comes from memory
        return CodeFingerprint("code.py", NOISE, window, boilerplate, fp=io.StringIO(text), language="python")

    boilerplate = np.unique(np.array(sorted(fingerprint(starter).hashes))) if starter.strip() else None
    prints = {student: fingerprint(text, boilerplate) for student, text in sources.items()}
    students = sorted(prints)
    pairs = []
    for i, a in enumerate(progress(students)):
        for b in students[i + 1:]:
            if apart(a, b) or not prints[a].hashes & prints[b].hashes:
                continue
            overlap, (share_a, share_b), (slices_a, slices_b) = compare_files(prints[a], prints[b])
            if overlap:
                pairs.append(Pair(a, b, float(share_a), float(share_b), int(overlap),
                                  _regions(slices_a), _regions(slices_b)))
    return sorted(pairs, key=lambda p: (-p.score, p.a, p.b))


def _regions(slices) -> tuple[tuple[int, int], ...]:
    """copydetect's slices (a 2 x N array of starts and ends) as sorted, non-overlapping (start, end)."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(zip(map(int, slices[0]), map(int, slices[1]))):
        start = max(start, out[-1][1] if out else 0)
        if end > start:
            out.append((start, end))
    return tuple(out)


def segments(text: str, regions, context: int = CONTEXT) -> list[tuple[str, str]]:
    """``text`` as ("match" | "text" | "gap", text) pieces for the report: each matching region, the
    ``context`` lines around it, and a gap saying how many lines are folded between."""
    out: list[tuple[str, str]] = []
    at = 0
    for start, end in regions:
        start, end = max(start, at), min(end, len(text))
        if end <= start:
            continue
        out += _unmatched(text[at:start], bool(out), True, context)
        out.append(("match", text[start:end]))
        at = end
    out += _unmatched(text[at:], bool(out), False, context)
    if out and out[-1][0] == "text":  # the blank lines a notebook's last cell ends with
        out[-1] = ("text", out[-1][1].rstrip("\n"))
    return [p for p in out if p[1]]


def _unmatched(chunk: str, after: bool, before: bool, context: int) -> list[tuple[str, str]]:
    """Code between two matches (or before the first, or after the last), folded beyond ``context`` lines."""
    lines = chunk.split("\n")
    head = context + 1 if after else 0  # the rest of the match's last line, then `context` lines
    tail = context + 1 if before else 0  # `context` lines, then the next match's line up to it
    if len(lines) <= head + tail + 1:
        return [("text", chunk)] if chunk else []
    hidden = len(lines) - head - tail - (not before and lines[-1] == "")  # the end's newline starts no line
    pieces = [("text", "\n".join(lines[:head]) + "\n" if head else ""),
              ("gap", f"{hidden} lines without a match"),
              ("text", "\n".join(lines[-tail:]) if tail else "")]
    return [p for p in pieces if p[1]]


def run(out: Path, assignment_of, threshold: float = THRESHOLD, top: int = TOP) -> Found:
    """Compare the graded code of ``out``, flag the pairs at or above ``threshold``, rebuild every output
    with the flags, and write ``out/similarity.html`` (the ``top`` pairs side by side)."""
    if not 0 < threshold <= 1:
        raise ConfigError(f"--threshold {threshold:g}: give a share of a student's code, above 0 and at most 1")
    if top < 1:
        raise ConfigError(f"--top {top}: give at least 1")
    extras.require_extra("similarity")  # before anything is read or written
    with graded(out, assignment_of) as (book, assignment):
        starter_path, starter = starter_code(assignment)
        sources = book.sources(assignment.name)
        lines = {line.student: line for line in standing.class_list(book, assignment)}
        groups = {s: set(line.result.group) for s, line in lines.items() if line.result is not None}
        pairs = compare(sources, starter, lambda a, b: b in groups.get(a, ()), _progress)
        flagged = [p for p in pairs if p.score >= threshold]
        rows = {row.student: row for row in book.rows(assignment.name)}
        book.save_flags(assignment.name, {s: (rows[s].sha256, why) for s, why in _reasons(flagged).items()})
        report.rebuild(out, book, assignment)
        no_code = sorted(s for s, line in lines.items() if line.scored and s not in sources)
        found = Found(out / REPORT, sorted(sources), flagged, no_code, starter_path, threshold,
                      pairs[0] if pairs else None)
        report.write_page(out / REPORT, "similarity.html", **_view(found, pairs, sources, lines, assignment, top))
    return found


def _progress(students: list[str]):
    """A bar on stderr while comparing (300 students of 8 KB of code each take about 40 s), when it is a
    terminal."""
    from tqdm import tqdm
    return tqdm(students, file=sys.stderr, unit="student", desc="comparing", disable=None, mininterval=1.0)


def _reasons(flagged: list[Pair]) -> dict[str, str]:
    """Each flagged student's note: with whom, and how much of their own code the other's holds."""
    alike: dict[str, list[str]] = {}
    for p in flagged:
        alike.setdefault(p.a, []).append(f"{p.share_a:.0%} of this code is also in {p.b}'s")
        alike.setdefault(p.b, []).append(f"{p.share_b:.0%} of this code is also in {p.a}'s")
    return {s: f"similarity: {', '.join(said)} ({REPORT})" for s, said in alike.items()}


def _view(found: Found, pairs: list[Pair], sources: dict, lines: dict, assignment, top: int) -> dict:
    """What templates/similarity.html shows; every string in it is escaped there."""
    def side(student: str, regions) -> dict:
        return {"student": student, "name": lines[student].name if student in lines else student,
                "pieces": segments(sources[student], regions)}

    shown = [(p, side(p.a, p.regions_a), side(p.b, p.regions_b)) for p in found.flagged[:top]]
    return {"a": assignment, "found": found, "shown": shown, "names": {s: line.name for s, line in lines.items()},
            "below": [p for p in pairs if p.score < found.threshold][:CLOSEST_BELOW], "noise": NOISE,
            "starter": found.starter.relative_to(Course.of(assignment).root) if found.starter else None}


def terminal_lines(found: Found) -> list[str]:
    """What ``autograder similarity`` prints: the flagged pairs, what was left out, where the report is."""
    said = [f"compared the code of {len(found.compared)} student(s), " + (
        f"starter code excluded ({found.starter})" if found.starter else
        "with no starter code to exclude (the release has no notebook: run `autograder release NAME` so that "
        "code every student was given is not counted)")]
    if found.no_code:
        ids = ", ".join(safe.clean(s) for s in found.no_code[:10]) + (" ..." if len(found.no_code) > 10 else "")
        said.append(f"not compared, no code stored ({len(found.no_code)}, graded before code was kept): {ids}; "
                    "run the same `grade` command again to store it (nothing is graded again)")
    if found.flagged:
        said.append(f"{len(found.flagged)} pair(s) at or above {found.threshold:.0%}, to review:")
        said += [f"  {safe.clean(p.a)} & {safe.clean(p.b)}: {p.share_a:.0%} / {p.share_b:.0%}" for p in found.flagged]
        said.append("  their status is needs review in gradebook.csv, summary.html and results.json; "
                    "scores unchanged")
    else:
        near = found.closest
        said.append(f"no pair at or above {found.threshold:.0%}" + (
            f" (the closest: {safe.clean(near.a)} & {safe.clean(near.b)}, {near.score:.0%})" if near else ""))
    said.append(f"report: {found.path}")
    return said
