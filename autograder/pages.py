"""The HTML pages' machinery, shared by the student's feedback and the TA's summary.

One Jinja2 environment that autoescapes every value and cleans control
characters out of every string (:func:`autograder.safe.clean`), so that a
template cannot forget either; one way of writing a score (:func:`points`);
and the one script a page may run (:func:`script`), allowed by the page's
Content-Security-Policy through the hash of its exact text.

Why a hash and not ``'unsafe-inline'``: the policy then lets exactly the
bytes the grader ships run, and nothing else, even if some student text ever
escaped its escaping and made a ``<script>`` of its own: the browser refuses
any script whose hash is not listed (and inline event handlers always).
The hash is computed here, at render time, from the same text the page
embeds, so it cannot drift from the script.
"""

from __future__ import annotations

import base64
import hashlib

import jinja2
from markupsafe import Markup, escape

from autograder import safe

env = jinja2.Environment(loader=jinja2.PackageLoader("autograder", "templates"), autoescape=True,
                         undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                         auto_reload=False,  # the templates ship with the package: no file check at every page
                         finalize=lambda v: v if isinstance(v, Markup) or not isinstance(v, str) else safe.clean(v))
# (Markup is the grader's own text, marked safe on purpose; cleaning it would make a plain str of it,
# which autoescaping would then escape)


def points(value: float | None) -> str:
    """A score as every page and feedback file writes it: two decimals (``17.86``, ``100.00``), '–' for
    none. Always two decimals, even for whole numbers, so that a column of scores lines up and a
    student never wonders whether ``18`` was rounded."""
    if value is None:
        return "–"
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def signed(value: float | None) -> str:
    """A difference of points with its sign (``+1.50``, ``−2.00``, ``0.00``); '–' for none."""
    if value is None:
        return "–"
    return ("+" if value >= 0.005 else "−" if value <= -0.005 else "") + points(abs(value))


def breakable(name: str) -> Markup:
    """An identifier (a part's name) that may break after its underscores, so that a narrow column
    header does not widen the table; escaped like any other text."""
    return Markup("_<wbr>").join(escape(safe.clean(piece)) for piece in name.split("_"))


def script(name: str) -> tuple[Markup, str]:
    """A script of ``templates/`` to embed in a page, and the CSP source that allows exactly it
    (``'sha256-…'``, the base64 SHA-256 of its text as embedded). The text is the file's, unchanged:
    nothing is formatted into it, so no student text can reach it."""
    text = env.loader.get_source(env, name)[0]
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    if "</" in text:  # would end the <script> element early
        raise ValueError(f"templates/{name} holds '</', which would end its <script> element")
    return Markup(text), Markup(f"'sha256-{digest}'")


env.filters.update(points=points, signed=signed, breakable=breakable)
