"""The grader process of a red-team batch (started by harness.py inside its safety net).

    python3 tests/redteam/inner.py CONFIG.json

Grades the batch with ``api.grade_batch`` exactly as ``autograder grade``
would, with a secret in its environment and a canary process of the TA's
beside it, then reports what it saw: scores, grader faults, what changed in
the out folder after grading ended, and which processes were left over.
Inside the harness's PID namespace the processes it sees are its own, so
"left over" is exact: anything but the namespace's init, itself and its
canary. Its command line names ``redteam/inner.py``, which is how the
attacks find "the grader".
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path


def tree_hashes(root: Path) -> dict:
    out = {}
    for path in sorted(root.rglob("*")):
        try:
            if path.is_file() and not path.is_symlink():
                out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            continue
    return out


def processes(exclude: set) -> list:
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in exclude:
            continue
        try:
            with open(f"/proc/{name}/status") as f:
                status = dict(line.split(":", 1) for line in f.read().splitlines() if ":" in line)
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, ValueError):
            continue
        if status.get("State", "").strip().startswith("Z"):
            continue
        found.append({"pid": int(name), "comm": status.get("Name", "").strip(),
                      "uid": int(status.get("Uid", "-1").split()[0]), "cmdline": cmdline[:300]})
    return found


def reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def main() -> None:
    cfg = json.loads(Path(sys.argv[1]).read_text())
    os.setpgid(0, 0)  # a process group of its own, as a grader started from a shell has
    from autograder import api
    from autograder.course import Course
    from autograder.sandbox import launcher

    canary = subprocess.Popen(["/bin/bash", "-c", f"exec -a rt-canary-{cfg['token']} sleep 1000"],
                              stdin=subprocess.DEVNULL)
    out = Path(cfg["out"])
    report: dict = {"mechanisms_described": launcher.describe(), "own_pid": os.getpid()}
    started = time.monotonic()
    with open(cfg["log"], "w") as log:
        results, faults = api.grade_batch("mini", [cfg["subs"]], out, jobs=cfg["jobs"], log=log,
                                          course=Course(Path(cfg["course"])))
    report["elapsed_s"] = time.monotonic() - started
    report["scores"] = {r.student: r.score for r in results}
    report["mechanisms"] = {r.student: list(r.sandbox) for r in results}
    report["faults"] = faults
    report["out_at_end"] = tree_hashes(out)
    time.sleep(cfg["linger_s"])  # a daemon that survived gets its chance to act
    exclude = {1, os.getpid(), canary.pid}
    deadline = time.monotonic() + 2.0
    while True:  # give the kernel a moment to finish killing what the sandbox killed
        reap()
        left = processes(exclude)
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if not cfg["pid_ns"]:  # no namespace of our own: only what carries the batch's marks
        left = [p for p in left if cfg["token"] in p["cmdline"] or cfg["token"][:6] in p["comm"]
                or "autograder.sandbox.boot" in p["cmdline"]]
    report["leftovers"] = left
    report["out_later"] = tree_hashes(out)
    report["canary_alive"] = canary.poll() is None
    report["grader_maxrss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    Path(cfg["report"]).write_text(json.dumps(report, indent=1))
    canary.kill()


if __name__ == "__main__":
    main()
