"""The entry point of every sandboxed process: confine it, then serve.

The launcher starts ``python -I -S -B -c BOOT PATHS MODE LIMITS_JSON
REQUEST_FD,REPLY_FD [JOBS_DIR PRELOAD]`` (PATHS: this package's parent and the
runtime's site folders, one per line; ``runtime.boot_path``). :func:`main` lowers the rlimits and loads
the seccomp filter before anything else runs, then becomes a :class:`Child`
(mode ``child``: one student's process) or a warm parent (mode
``warm-parent``: forks a fresh child per student). It sits apart from both so
that neither has to import the other.
"""

from __future__ import annotations

import json
import os
import signal
import site
import sys

from autograder.sandbox import channel, confine, protocol, warm_parent
from autograder.sandbox.child import Child, on_alarm


def main() -> None:
    """Confine this process, then serve in the mode the launcher named."""
    _, _paths, mode, limits_json, fds, *rest = sys.argv
    # -S left out site's builtins; a student's exit() or help() finds them as in any interpreter
    site.setquit()
    site.setcopyright()
    site.sethelper()
    limits = json.loads(limits_json)
    confine.apply_limits(limits)
    if limits.get("seccomp"):
        problem = confine.apply_seccomp(cuda=limits["seccomp"] == "cuda")
        if problem:
            print(f"autograder sandbox: seccomp not applied: {problem}", file=sys.stderr)
    signal.signal(signal.SIGALRM, on_alarm)  # a warm parent's children inherit it
    request_fd, reply_fd = (int(x) for x in fds.split(","))
    pipes = channel.Channel(request_fd, reply_fd)
    for fd in (request_fd, reply_fd):
        os.set_inheritable(fd, False)
    if mode == protocol.CHILD_MODE:
        Child(pipes).serve()
    elif mode == protocol.WARM_PARENT_MODE:
        warm_parent.serve(pipes, jobs_dir=rest[0], preload=[name for name in rest[1].split(",") if name])
    else:
        raise SystemExit(f"autograder sandbox: unknown mode {mode!r}")
