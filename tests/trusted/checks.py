"""What a safe grader shows, as checks over an output folder; each returns the problems it finds.

Every check is a plain function of files and text, so that
``tests/test_trusted_redteam.py`` can also show each one failing on a
deliberately unsafe output.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import html.parser
import io
import re
from pathlib import Path

ACTIVE_TAGS = {"script", "iframe", "frame", "object", "embed", "applet", "base", "form", "link", "svg", "math"}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "poster", "srcset", "background"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FEEDBACK_LINK = re.compile(r"[a-z0-9%@_+~-][a-z0-9%@._+~-]*/feedback\.html")  # lower-cased, as compared
TERMINAL_HAZARDS = re.compile("[\x1b\x07\x00\u202a-\u202e\u2066-\u2069]")


class _Active(html.parser.HTMLParser):
    """Collects what in a page could run code or fetch something.

    Two things a grader's page may hold are let through, each in one exact form: a link from
    summary.html to a student's own feedback (``<id>/feedback.html``, the id percent-encoded, so that
    it can carry no scheme, host or ``..``), and an inline script without attributes whose SHA-256 the
    page's Content-Security-Policy lists (the browser runs that script and no other)."""

    def __init__(self, allow_data_images: bool):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.allow_data_images = allow_data_images
        self.csp = ""
        self.script: list[str] | None = None  # the text of the <script> being read

    def handle_starttag(self, tag, attrs):
        if tag == "meta" and not self.csp and any(k == "http-equiv" and (v or "").lower() ==
                                                  "content-security-policy" for k, v in attrs):
            self.csp = next((v or "" for k, v in attrs if k == "content"), "")  # the first: the head's
        if tag == "script" and not attrs:
            self.script = []
        elif tag in ACTIVE_TAGS:
            self.found.append(f"<{tag}>")
        if tag == "meta" and any(k == "http-equiv" and (v or "").lower() == "refresh" for k, v in attrs):
            self.found.append("<meta http-equiv=refresh>")
        for key, value in attrs:
            value = (value or "").strip().lower()
            if key.startswith("on"):
                self.found.append(f"<{tag} {key}=...>")
            elif key in URL_ATTRS and value:
                if tag == "img" and key == "src" and value.startswith("data:image/png;base64,") \
                        and self.allow_data_images:
                    continue
                if tag == "a" and key == "href" and FEEDBACK_LINK.fullmatch(value):
                    continue
                self.found.append(f"<{tag} {key}={value[:40]!r}>")

    def handle_data(self, data):
        if self.script is not None:
            self.script.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self.script is not None:
            text, self.script = "".join(self.script), None
            digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
            if f"'sha256-{digest}'" not in script_sources(self.csp):
                self.found.append("<script>")  # one the page's CSP does not allow

    def close(self):
        super().close()
        if self.script is not None:  # a <script> never closed runs to the end of the page
            self.found.append("<script>")


def script_sources(csp: str) -> list[str]:
    """The sources a Content-Security-Policy's script-src directive lists."""
    for directive in csp.split(";"):
        words = directive.split()
        if words and words[0].lower() == "script-src":
            return words[1:]
    return []


def active_html(text: str, allow_data_images: bool = True) -> list[str]:
    """Tags, handlers and URLs in an HTML page that could run code or load anything."""
    parser = _Active(allow_data_images)
    parser.feed(text)
    parser.close()
    return parser.found


def csp_missing(text: str) -> list[str]:
    return [] if "Content-Security-Policy" in text and "default-src 'none'" in text else ["no Content-Security-Policy"]


def active_markdown(text: str) -> list[str]:
    """What a permissive renderer (raw HTML passed through, as many LMSs do) makes active of the Markdown:
    any tag or URL at all counts, since feedback has no business linking anywhere."""
    import mistune
    rendered = mistune.create_markdown(escape=False, plugins=["url"])(text)
    found = active_html(rendered, allow_data_images=False)
    found += [f"<{tag}>" for tag in re.findall(r"<(a|img)\b", rendered)]
    return found


def formula_cells(text: str) -> list[str]:
    """CSV cells a spreadsheet would evaluate: a formula start on something that is not a number."""
    found = []
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            if cell.startswith(FORMULA_START):
                try:
                    float(cell)
                except ValueError:
                    found.append(cell[:40])
    return found


def terminal_hazards(text: str) -> list[str]:
    """Escape sequences, bells, NULs and direction overrides that a terminal would act on."""
    return sorted({repr(c) for c in TERMINAL_HAZARDS.findall(text)})


def output_problems(out: Path) -> list[str]:
    """Every page, Markdown file and the CSV of an output folder."""
    problems = []
    for page in sorted(out.rglob("*.html")):
        text = page.read_text(errors="replace")
        problems += [f"{page.relative_to(out)}: {p}" for p in active_html(text) + csp_missing(text)]
    for md in sorted(out.rglob("*.md")):
        problems += [f"{md.relative_to(out)}: {p}" for p in active_markdown(md.read_text(errors="replace"))]
    for name in ("gradebook.csv",):
        problems += [f"{name}: formula {c!r}" for c in formula_cells((out / name).read_text(errors="replace"))]
    return problems


def tree(root: Path, skip: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` but ``skip``: (size, mtime in ns), to see what a run touched."""
    found = {}
    for path in root.rglob("*"):
        if skip == path or skip in path.parents or not path.is_file() or path.is_symlink():
            continue
        stat = path.stat()
        found[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return found
