"""What of the Python runtime a student's box needs: the folders to mount, and its import path.

The launcher asks here, so that the folders a box sees and the path it imports from come from one
reading of this interpreter's ``site``.
"""

from __future__ import annotations

import functools
import os
import site
import sys
from pathlib import Path


def mounts() -> list[str]:
    """Directories the Python runtime needs in a box: its prefixes and site-packages (outermost only)."""
    candidates = {sys.base_prefix, sys.prefix, *site.getsitepackages()}
    user_site = site.getusersitepackages()
    if isinstance(user_site, str):
        candidates.add(user_site)
    paths = sorted(p for p in (os.path.realpath(c) for c in candidates) if os.path.isdir(p))
    # Keep only the outermost of nested paths.
    return [p for p in paths if not any(p != q and p.startswith(q + os.sep) for q in paths)]


@functools.lru_cache(maxsize=None)
def site_dirs() -> tuple[str, ...]:
    """The folders ``site`` puts on an isolated (-I) interpreter's path, in its order: each site-packages
    folder, then the existing folders its .pth files name. The box, started with -S, is handed these
    instead. A .pth file's ``import`` lines (import hooks, patches of the grader's environment) are not
    run in the box; a line with a newline in its path could not be passed, and is left out too."""
    dirs: list[str] = []
    for sitedir in site.getsitepackages():
        if not os.path.isdir(sitedir):
            continue
        dirs.append(sitedir)
        for name in sorted(n for n in os.listdir(sitedir) if n.endswith(".pth") and not n.startswith(".")):
            try:
                lines = Path(sitedir, name).read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                continue  # site skips such a file too
            for line in lines:
                if line.startswith("#") or line.startswith(("import ", "import\t")) or not line.strip():
                    continue
                folder = os.path.abspath(os.path.join(sitedir, line.rstrip()))
                if os.path.exists(folder):
                    dirs.append(folder)
    return tuple(d for d in dict.fromkeys(dirs) if "\n" not in d)


def boot_path(package_parent: str) -> str:
    """The box's ``sys.path`` additions, one per line: ``package_parent`` first, then :func:`site_dirs`.

    The box's interpreter starts with -S, without ``site``: this environment's .pth files run code on
    every interpreter start (an editable install's import hook, a certificate patch: 10 to 40 ms of a
    box's boot on the development machine, on the critical path of a student's first ``check``), and
    the box needs none of it, only the folders."""
    return "\n".join((package_parent, *site_dirs()))
