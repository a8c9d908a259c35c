"""summary.html, the TA's page: every student, the scores' spread, and what the tests say.

A table of every student (id linking to their feedback, name, status, one
column per part, total, late penalty, adjustments, notes), those needing a
person first (:func:`autograder.roster.attention_first`); the per-part means
and histograms; per test the failure rate and discrimination
(:mod:`autograder.stats`); the recognised mistakes counted in students.

Sorting. The tables are written already in their most useful order (students
needing attention first; tests most failed first), so the page is complete
with scripts off. Pressing a column's header sorts by it with the one script
the page carries (templates/sortable.js), which only moves existing rows: it
reads numbers the grader wrote into ``data-v`` attributes, or a cell's text,
and never writes HTML, so student text is never parsed as markup by it. The
page's Content-Security-Policy stays ``default-src 'none'`` and allows that
script alone by the SHA-256 of its exact text (:func:`autograder.pages.script`):
no other script, inline handler or request can run, even one that slipped
past escaping. The alternative, several pre-sorted copies of the table with
no script at all, makes the page grow with every sortable column and still
cannot sort the way a TA asks; a fixed, hashed script that the grader ships
costs the TA nothing in safety.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import quote

from autograder import pages, roster, stats
from autograder.pages import points, signed


def _histogram_png(values: list[float], maximum: float, title: str) -> str:
    """A score histogram as a base64 PNG (matplotlib, no display needed)."""
    import base64
    import io

    import matplotlib.ticker
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # A Figure on the Agg canvas, without pyplot (its import and figure manager cost 0.4 s), and fixed
    # margins that fit these font sizes instead of tight_layout (which draws every figure twice): a batch's
    # summary drew its histograms in about 2 s, a few percent of grading 200 notebooks.
    fig = Figure(figsize=(4, 2.4), dpi=90)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=0.15, right=0.97, bottom=0.2, top=0.88)
    ax = fig.add_subplot()
    bins = min(20, max(5, int(maximum) if maximum >= 5 else 5))
    ax.hist(values, bins=bins, range=(0, maximum or 1), color="#4c72b0", edgecolor="white")
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("points", fontsize=8)
    ax.set_ylabel("students", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode()


def adjustment_points(adjustment) -> float:
    """The points of one manual adjustment: a number, or a pair (points, why)."""
    return float(adjustment[0] if isinstance(adjustment, (tuple, list)) else adjustment)


def _row(line: roster.Line, parts: list, rank: dict) -> dict:
    """One student's cells as the template writes them: shown text, and the number sorting uses."""
    r = line.result if line.scored else None
    by_part = {p.name: p.score for p in r.parts} if r else {}
    adjusted = sum(adjustment_points(a) for a in line.adjustments) if line.adjustments else None
    notes = "; ".join(line.notes)  # a similarity flag's reason first
    return {
        "line": line, "rank": rank.get(line.status, len(rank)),
        "href": quote(line.student, safe="") + "/feedback.html" if line.result else "",  # ids are folder names
        "parts": [("–", "") if by_part.get(p.name) is None else (points(by_part[p.name]), by_part[p.name])
                  for p in parts],  # a part the record lacks (graded before the assignment changed): none
        "total": (points(r.score), r.score) if r else ("–", ""),
        "penalty": ("–", "") if line.penalty is None else (signed(-line.penalty), -line.penalty),
        "adjustments": ("–", "") if adjusted is None else (signed(adjusted), adjusted),
        "why": "; ".join(str(a[1]) for a in line.adjustments if isinstance(a, (tuple, list)) and len(a) > 1),
        "notes": notes or "",
    }


def summary_html(rows: list, assignment, lines: list | None = None) -> str:
    """The TA's page, from the gradebook's rows and the class list built from them
    (templates/summary.html, autoescaped)."""
    lines = roster.class_list(rows) if lines is None else lines
    graded = stats.graded(rows)
    parts = list(assignment.parts)
    series = [("total", [r.score for r in graded], assignment.max_score)]
    series += [(p.title, [stats.part_score(r, p.name) for r in graded], p.points) for p in parts]
    per_part = []
    for p in parts:
        scores = [stats.part_score(r, p.name) for r in graded]
        per_part.append((p, sum(scores) / len(scores) if scores else None, sum(s >= p.points for s in scores)))
    rank = {s: i for i, s in enumerate(roster.ATTENTION)}
    tests = sorted(stats.tests(graded), key=lambda t: -t.failure_rate)  # stable: the assignment's order within
    return pages.env.get_template("summary.html").render(
        a=assignment, graded=graded, faults=[r for r in rows if r.result is None],
        unreadable=stats.unreadable(rows), mean=sum(r.score for r in graded) / max(1, len(graded)),
        per_part=per_part, students=[_row(line, parts, rank) for line in roster.attention_first(lines)],
        statuses=Counter(line.status for line in lines), tests=tests,
        mistakes=stats.mistakes(graded).most_common(), script=pages.script("sortable.js"),
        histograms=[(title, _histogram_png(values, maximum, title)) for title, values, maximum in series])


def answers_html(rows: list, assignment) -> str:
    """The TA's page of every student's answer to each manual part (as text), with its score so far."""
    manual = [p for p in assignment.parts if p.manual]
    part_rows = {p.name: [] for p in manual}
    for row in rows:
        r = row.result
        if r is None or r.status == "unreadable":
            continue
        for p in r.parts:
            if p.name in part_rows:
                scored = any(a.part == p.name and a.kind == "score" for a in r.adjustments)
                part_rows[p.name].append((r, p, scored))
    return pages.env.get_template("answers.html").render(a=assignment, parts=manual, part_rows=part_rows)
