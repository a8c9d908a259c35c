"""Answers to manually graded parts, collected for the TA.

A manual part (``manual: true`` in assignment.yaml) is answered in the
notebook cell whose nbgrader ``grade_id`` is the part's ``answer_cell``
(nbgrader's manually graded answer cells keep that metadata in the
student's copy). The cell's text is kept in the record (``PartResult.answer``),
cut to ANSWER_CHARS, and shown to the TA as text, escaped: it is a
student's and hostile like everything else they send. A module (.py) or a
notebook without that cell has no answer: the TA sees that it is missing.
"""

from __future__ import annotations

import dataclasses

from autograder.extract import notebook_cells
from autograder.intake_limits import IntakeLimits, Refused
from autograder.record import Result

ANSWER_CHARS = 20_000  # a written answer of a few pages; more is cut with a mark


def attach(result: Result, assignment, filename: str, data: bytes) -> Result:
    """``result`` with the answer to each manual part found in the submitted notebook."""
    manual = {p.name: p.answer_cell for p in assignment.parts if p.manual}
    if not manual or result.status == "unreadable":
        return result
    found = collect(filename, data, set(manual.values()), assignment.intake)
    parts = tuple(dataclasses.replace(p, answer=found.get(manual[p.name], "")) if p.name in manual else p
                  for p in result.parts)
    return dataclasses.replace(result, parts=parts)


def collect(filename: str, data: bytes, cell_ids: set[str], limits: IntakeLimits) -> dict[str, str]:
    """grade_id -> the text of that cell, for the ids asked; a notebook that cannot be read gives {}."""
    if not filename.lower().endswith(".ipynb"):
        return {}
    try:
        cells, problem = notebook_cells(filename, data, limits)
    except Refused:
        return {}
    out = {}
    for cell in cells if not problem else []:
        meta = cell.get("metadata") if isinstance(cell, dict) else None
        nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
        grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
        if isinstance(grade_id, str) and grade_id in cell_ids and grade_id not in out:
            source = cell.get("source", "")
            text = "".join(s for s in source if isinstance(s, str)) if isinstance(source, list) else source
            if isinstance(text, str):
                out[grade_id] = text if len(text) <= ANSWER_CHARS else text[:ANSWER_CHARS] + "\n[... cut]"
    return out
