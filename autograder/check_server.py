"""A grader that stays for a student's next ``autograder check``: the command answered by a warm process.

Each ``autograder check`` from a terminal is a new process, and most of the
student's wait is starting one: an interpreter, our modules, numpy, and a box
(bubblewrap, another interpreter, numpy again). After a check that ran
itself, the command leaves a *check server* behind (:func:`spawn`): a
detached process of the student's own that keeps those modules and its warm
box, and waits on a UNIX socket for ``AUTOGRADER_KEEP_S`` seconds (600 unless
set; 0 turns it off) before it leaves. The next ``check`` (:func:`ask`) only
starts an interpreter, sends its arguments and working folder, and prints
what the server's run printed, with its exit code: the same run of the same
code, minus the start-up. Whatever goes wrong on that path (no server, a
busy one, a stale one, a server that dies) and the command runs the check
itself, as before.

The same check, always:
- the server runs the command's own check in the client's folder, with its
  output captured, one check at a time; the student's code runs in a job
  forked from the warm box, reset between checks as between two students of
  a batch, so nothing of one check is left for the next;
- a server is for one interpreter, one copy of this package (its files'
  sizes and modification times) and one environment (``AUTOGRADER_*``,
  ``PATH``, ``TMPDIR`` and what the sandbox passes on): a client whose key
  differs is not served, so an upgraded grader never answers with old code;
- what the grader reads of an assignment (``assignment.yaml``, its tests
  and data, the reference in a course's folder) is compared with what it
  was before the server's first check of it: a change makes the server
  leave, and the client runs the check itself. The student's own files in
  that folder (the notebook being edited) are read afresh by every check.

Who can talk to it: its socket lies in a folder of the student's own, mode
0700 (``$XDG_RUNTIME_DIR/autograder``, else ``/tmp/ag-keep-UID``); a folder
that is anything else (a symlink, someone else's, open to others) is never
used. The server also checks the peer's uid. A student's code in the box
cannot reach it: the box has its own mount namespace, and seccomp refuses
sockets.
"""

from __future__ import annotations

import io
import json
import os
import select
import socket
import stat
import sys
import zlib

KEEP_ENV = "AUTOGRADER_KEEP_S"
DEFAULT_KEEP_S = 600.0
HELLO_S = 0.25  # an idle server answers at once; a busy one (another check) is not waited for
MAX_CHECKS = 200  # then a fresh server: whatever a long session accumulates is bounded
MAX_IDLE_BOXES = 2  # warm boxes a server keeps (one per assignment checked): a student's laptop, not a batch
MAX_MESSAGE = 1 << 24  # a check's printed report is far smaller; a longer message is refused
# Environment that changes what a check does or where it looks (the key of a server).
ENV_KEYS = ("PATH", "TMPDIR", "XDG_RUNTIME_DIR", "PYTHONPATH", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
            "CUDA_VISIBLE_DEVICES")
# argv after it: PACKAGE_PARENT FIRST_CHECK_JSON; the script's folder on sys.path is replaced, so that nothing in the
# student's folder (a numpy.py) can stand in for a module the server imports later
MAIN = "import sys; sys.path[0] = sys.argv[1]; from autograder.cli import serve_checks; serve_checks()"


def keep_seconds() -> float:
    """How long a server waits for the next check (``AUTOGRADER_KEEP_S``; 0 or less: no server). No server
    where the peer's uid cannot be read (``SO_PEERCRED`` is Linux's)."""
    if not hasattr(socket, "SO_PEERCRED"):
        return 0.0
    try:
        return float(os.environ.get(KEEP_ENV, DEFAULT_KEEP_S))
    except ValueError:
        return DEFAULT_KEEP_S


def socket_dir(create: bool = True) -> str | None:
    """The student's own folder for the servers' sockets, or None when it is not safely theirs alone."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime.startswith("/"):
        base = os.path.join(runtime, "autograder")
    else:
        import tempfile  # here: the command's own path stays light
        base = os.path.join(tempfile.gettempdir(), f"ag-keep-{os.geteuid()}")
    if create:
        try:
            os.mkdir(base, 0o700)
        except FileExistsError:
            pass
        except OSError:
            return None
    try:
        info = os.lstat(base)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
        return None
    return base


def _package_parent() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def stamp(folder: str) -> list:
    """Names, sizes and modification times of the files under ``folder``, or of the file ``folder`` (caches
    left out; nothing for a path that does not exist)."""
    if os.path.isfile(folder):
        info = os.stat(folder)
        return [(os.path.basename(folder), info.st_size, info.st_mtime_ns)]
    found = []
    for top, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            try:
                info = os.stat(os.path.join(top, name))
            except OSError:
                continue
            found.append((os.path.relpath(os.path.join(top, name), folder), info.st_size, info.st_mtime_ns))
    return found


def server_key() -> str:
    """What a server must share with a client to answer it, as text (compared whole)."""
    env = sorted((k, v) for k, v in os.environ.items()
                 if (k.startswith("AUTOGRADER_") and k != KEEP_ENV) or k in ENV_KEYS)
    package = os.path.join(_package_parent(), "autograder")
    return json.dumps([os.geteuid(), sys.executable, sys.version, package, stamp(package), env])


def socket_path(key: str, folder: str) -> str:
    """Short (a UNIX socket's path has 107 bytes at most): the name tells servers apart, the key is compared."""
    return os.path.join(folder, f"check-{zlib.crc32(key.encode()):08x}-{len(key)}.sock")


# -- the command's side ----------------------------------------------------

def connect() -> tuple[socket.socket, dict] | None:
    """A connection to an idle server with this process's key, and its hello; None when there is none."""
    if keep_seconds() <= 0:
        return None
    folder = socket_dir(create=False)
    if folder is None:
        return None
    key = server_key()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(HELLO_S)
        sock.connect(socket_path(key, folder))
        hello = _receive(sock)
        if hello.get("key") != key:
            raise ValueError("a server of another key")
        return sock, hello
    except (OSError, ValueError):
        sock.close()
        return None


def ask(argv: list[str]) -> int | None:
    """``autograder check`` answered by a server: its output written to this process's standard streams, and
    its exit code; None when no server answered (then run the check here)."""
    found = connect()
    if found is None:
        return None
    sock, _ = found
    with sock:
        try:
            sock.settimeout(None)  # a check takes as long as the student's code does, within its budgets
            _send(sock, {"op": "check", "argv": list(argv), "cwd": os.getcwd()})
            reply = _receive(sock)
        except (OSError, ValueError):
            return None
    code = reply.get("code")
    if type(code) is not int:
        return None  # stale, or the server failed: run it here
    sys.stdout.write(str(reply.get("stdout", "")))
    sys.stderr.write(str(reply.get("stderr", "")))
    return code


def spawn(argv: list[str]) -> None:
    """Start a server in the background for the next check (nothing when servers are off or cannot be); it
    warms up by running the check ``argv`` (this one, in this folder) once, its output dropped."""
    if keep_seconds() <= 0 or socket_dir() is None:
        return
    import subprocess
    first = json.dumps({"argv": list(argv), "cwd": os.getcwd()})
    try:
        subprocess.Popen([sys.executable, "-c", MAIN, _package_parent(), first], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                         close_fds=True, cwd="/")
    except OSError:
        pass  # the next check runs itself, as this one did


def stop() -> bool:
    """Ask this key's server to leave now (its box closed); whether one did."""
    found = connect()
    if found is None:
        return False
    sock, _ = found
    with sock:
        try:
            _send(sock, {"op": "stop"})
            _receive(sock)
        except (OSError, ValueError):
            pass
    return True


def _receive(sock: socket.socket) -> dict:
    """One message, a JSON object on one line; ValueError for anything else, OSError when the peer left."""
    data = bytearray()
    while not data.endswith(b"\n"):
        chunk = sock.recv(1 << 16)
        if not chunk:
            raise ConnectionResetError("the other side hung up")
        data += chunk
        if len(data) > MAX_MESSAGE:
            raise ValueError("message too long")
    message = json.loads(data)
    if not isinstance(message, dict):
        raise ValueError("not a message")
    return message


def _send(sock: socket.socket, message: dict) -> None:
    sock.sendall(json.dumps(message).encode() + b"\n")


# -- the server ------------------------------------------------------------

def main(parse, run) -> None:
    """The server process (:func:`spawn`; ``cli.serve_checks`` gives the command's own ``parse(argv)`` and
    ``run(args)``): one per key (a lock file), one check at a time, until idle."""
    import fcntl
    import signal
    # `kill` (SIGTERM) leaves as an idle timeout does: socket removed, box closed, its cgroups gone
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    folder = socket_dir()
    if folder is None:
        return
    key = server_key()
    path = socket_path(key, folder)
    lock = open(path[:-len(".sock")] + ".lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return  # another server has this key
    from autograder.sandbox import zygote
    zygote.MAX_IDLE = MAX_IDLE_BOXES
    server = Server(path, key, lock, parse, run)
    first = json.loads(sys.argv[2])
    if server.check([str(a) for a in first["argv"]], str(first["cwd"])).get("code") not in (0, 1):
        return  # the warm-up (imports, the box, the tests compiled) did not check a file: no server
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        _unlink(path)  # a server killed before it could remove its socket
        listener.bind(path)
        os.chmod(path, 0o600)
        listener.listen(4)
        server.serve(listener, keep_seconds())
    finally:
        server.retire()
        listener.close()


class Server:
    """One check at a time until none came for ``keep_s`` seconds, or a file it used changed."""

    def __init__(self, path: str, key: str, lock, parse, run):
        self.path, self.key, self.lock, self.parse, self.run = path, key, lock, parse, run
        self.checks = 0
        self.seen: dict[str, list] = {}  # assignment.yaml -> its inputs' stamps before its first check here
        self.found: dict[tuple, list[str]] = {}  # (folder, name, --course) -> _inputs, once found

    def serve(self, listener: socket.socket, keep_s: float) -> None:
        while self.checks < MAX_CHECKS:
            if not select.select([listener], [], [], keep_s)[0]:
                return
            conn, _ = listener.accept()
            with conn:
                creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
                if int.from_bytes(creds[4:8], sys.byteorder) != os.geteuid():
                    continue
                if not self._serve(conn):
                    return

    def _serve(self, conn: socket.socket) -> bool:
        """Answer one client; whether to go on serving."""
        try:
            conn.settimeout(5)  # a client that connected and says nothing does not hold the server
            _send(conn, {"key": self.key, "checks": self.checks, "pid": os.getpid()})
            request = _receive(conn)
        except (OSError, ValueError):
            return True
        if request.get("op") == "stop":
            self.retire()
            _reply(conn, {"ok": True})
            return False
        if request.get("op") != "check" or not isinstance(request.get("argv"), list):
            return True
        reply = self.check([str(a) for a in request["argv"]], str(request.get("cwd", "/")))
        if "code" not in reply:  # stale, or a fault of ours: the client runs it itself; this server leaves
            self.retire()
        _reply(conn, reply)
        return "code" in reply

    def check(self, argv: list[str], cwd: str) -> dict:
        """Run ``autograder check ARGV`` in ``cwd`` as the command would; its exit code and output, or
        {"stale": True} when a file of its assignment changed since this server first checked it, or
        {"failed": ...} for a fault of ours (the command, run by the client itself, will show it)."""
        from contextlib import redirect_stderr, redirect_stdout
        self.checks += 1
        out, err = io.StringIO(), io.StringIO()
        try:
            os.chdir(cwd)
            with redirect_stdout(out), redirect_stderr(err):
                try:
                    args = self.parse(argv)
                    if self._stale(args, cwd):  # its tests may be cached: start afresh
                        return {"stale": True}
                    code = self.run(args)
                except SystemExit as exc:  # argparse's usage errors
                    code = exc.code if isinstance(exc.code, int) else 2
        except BaseException as exc:
            return {"failed": type(exc).__name__}
        finally:
            os.chdir("/")
        return {"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()}

    def retire(self) -> None:
        """Take the socket away and let the next server start, before this one closes its box and leaves."""
        if not self.lock.closed:
            _unlink(self.path)  # ours until the lock goes: no other server binds it meanwhile
            self.lock.close()

    def _stale(self, args, cwd: str) -> bool:
        """Whether what the grader reads of the assignment ``args`` checks changed since this server first
        checked it (found once per folder, name and course; then its files' stamps say)."""
        where = (cwd, args.name, getattr(args, "course", None))
        inputs = self.found.get(where) or self._inputs(args)
        if inputs is None:
            return False  # not found: the check says why
        self.found[where] = inputs
        now = [stamp(path) for path in inputs]
        return self.seen.setdefault(inputs[0], now) != now

    @staticmethod
    def _inputs(args) -> list[str] | None:
        """What the grader reads of the assignment ``args`` checks, besides the student's file: its
        ``assignment.yaml``, tests and data, and its reference where there is one (a course's folder, not
        a student's). Not the rest of its folder: that is where a student edits the notebook. None when the
        assignment cannot be found (the check says why)."""
        from autograder.course import Course, find
        try:
            course = Course.locate(args.course) if getattr(args, "course", None) is not None else None
            assignment = find(args.name, course)
        except (ValueError, OSError):
            return None
        root = assignment.root
        return [str(root / "assignment.yaml"), str(root / "tests"), str(assignment.data_dir),
                str(Course.of(assignment).solution_dir(assignment.name))]


def _reply(conn: socket.socket, message: dict) -> None:
    try:
        conn.settimeout(10)
        _send(conn, message)
    except OSError:
        pass  # the client left (Ctrl-C): nothing to tell


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
