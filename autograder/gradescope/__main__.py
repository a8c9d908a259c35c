"""``python3 -m autograder.gradescope run``: what ``run_autograder`` calls for each submission.

Apart from the ``autograder`` command on purpose: it runs inside Gradescope's
image with every path given explicitly (the course folder is never guessed
from the working folder), and its exit status is the container's, not the
CLI's usage conventions.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.gradescope import root


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m autograder.gradescope",
                                description="Grade one Gradescope submission (run by run_autograder).")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="grade ROOT/submission into ROOT/results/results.json")
    r.add_argument("--root", type=Path, default=None,
                   help="Gradescope's root (default: $AUTOGRADER_GRADESCOPE_ROOT, else /autograder)")
    r.add_argument("--course", type=Path, required=True, help="the course folder the zip carries")
    r.add_argument("--assignment", required=True)
    args = p.parse_args(argv)
    from autograder.gradescope import container
    return container.run(args.root or root(), args.course, args.assignment)


if __name__ == "__main__":
    sys.exit(main())
