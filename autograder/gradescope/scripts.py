"""The two scripts Gradescope runs: ``setup.sh`` once per image, ``run_autograder`` once per submission.

They stay thin because shell is hard to test and easy to get wrong: setup.sh
installs the system packages and this grader into a virtual environment (a
venv, because Ubuntu 24.04's Python refuses system-wide pip installs), and
run_autograder only chooses the Python and hands over to
``python3 -m autograder.gradescope run``. The one thing the shell must do on
its own is write a results.json when that Python cannot even start, since
Gradescope shows a missing results.json as a broken autograder without a
word for the student.
"""

from __future__ import annotations

import json
import shlex

VENV = "/opt/nngrader"  # outside /autograder/source: the student's uid may read it, never the tests
CPU_TORCH_INDEX = "https://download.pytorch.org/whl/cpu"  # Gradescope has no GPU: no 2 GB of CUDA wheels

SETUP = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image
# (Ubuntu 22.04 or 24.04). Written by `autograder export gradescope`.
set -euo pipefail
SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV=__VENV__
export DEBIAN_FRONTEND=noninteractive

# bubblewrap: the student's process in its own namespaces when the container
# allows it; setpriv (util-linux): an unprivileged uid otherwise; libseccomp2:
# the system-call filter.
apt-get update
apt-get install -y --no-install-recommends bubblewrap util-linux libseccomp2 ca-certificates \
    python3 python3-venv python3-pip

# The grader needs Python 3.11 or newer (Ubuntu 22.04 ships 3.10).
PY=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    apt-get install -y --no-install-recommends python3.11 python3.11-venv || {
        echo "setup.sh: no Python 3.11+ here; choose Gradescope's Ubuntu 22.04 or 24.04 base image" >&2
        exit 1
    }
    PY=python3.11
fi

"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --upgrade pip
__TORCH__"$VENV/bin/python" -m pip install __PACKAGES__

# The tests and the reference solution are root's alone: without bubblewrap
# the student's process runs as another uid and sees the file system.
chmod -R go-rwx "$SOURCE"

# Which sandbox layers this image gives (the build log shows it); fails the
# build when this installation cannot grade.
"$VENV/bin/python" -m autograder doctor
"""

RUN = r"""#!/usr/bin/env bash
# Gradescope runs this once per submission: it grades $ROOT/submission into
# $ROOT/results/results.json. Written by `autograder export gradescope`.
# AUTOGRADER_GRADESCOPE_ROOT moves /autograder (to test it anywhere);
# AUTOGRADER_PYTHON names a Python that already has the grader.
set -u
ROOT="${AUTOGRADER_GRADESCOPE_ROOT:-/autograder}"
RESULTS="$ROOT/results/results.json"
PYTHON="${AUTOGRADER_PYTHON:-__VENV__/bin/python}"
if ! command -v "$PYTHON" >/dev/null 2>&1; then
    PYTHON=python3
fi
unset AUTOGRADER_SANDBOX_DISABLE  # never weaker sandbox layers than the container allows
mkdir -p "$ROOT/results"
rm -f "$RESULTS"
cd "$ROOT/source" || cd "$ROOT"
"$PYTHON" -m autograder.gradescope run --root "$ROOT" --course "$ROOT/source/course" --assignment __NAME__
status=$?
if [ ! -s "$RESULTS" ]; then  # the grader could not start: still a results.json, and a fault
    cat > "$RESULTS" <<'JSON'
__FAULT__
JSON
    [ "$status" -ne 0 ] || status=3
fi
exit "$status"
"""

SHELL_FAULT = {
    "score": 0,
    "output": "The autograder itself failed before it could grade this submission; this is not a problem with "
              "your code. Please tell your instructor.",
    "output_format": "text",
    "stdout_visibility": "hidden",
    "tests": [],
    "extra_data": {"status": "fault", "reason": "the grader's Python could not start (see the autograder output)"},
}


def setup_sh(extras: list[str], others: list[str]) -> str:
    """setup.sh for a grader that needs ``extras`` of the distribution and the modules ``others``."""
    package = "$SOURCE/grader" + (f"[{','.join(extras)}]" if extras else "")
    torch = (f'"$VENV/bin/python" -m pip install --index-url {CPU_TORCH_INDEX} torch\n'
             if "torch" in extras else "")
    packages = " ".join(['"' + package + '"'] + [shlex.quote(m) for m in others])
    return SETUP.replace("__VENV__", VENV).replace("__TORCH__", torch).replace("__PACKAGES__", packages)


def run_autograder(assignment: str) -> str:
    """run_autograder for the assignment named ``assignment``."""
    return (RUN.replace("__VENV__", VENV).replace("__NAME__", shlex.quote(assignment))
            .replace("__FAULT__", json.dumps(SHELL_FAULT, indent=2)))
