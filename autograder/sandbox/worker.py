"""The program that runs inside the student's process.

It loads the student's code, then answers calls from the grader over the
channel (two pipe fds named on the command line) until told to stop. It holds no test, no reference and
no expected value: everything it knows, the student's code may read or
change, and the grader is built to not care.

Started by :mod:`autograder.sandbox.launcher` as
``python -I -B -c "...worker.main()" LIMITS_JSON REQUEST_FD,REPLY_FD PATH``.
"""

from __future__ import annotations

import ast
import builtins
import json
import os
import random
import resource
import signal
import sys
import time
import traceback
import types
import warnings

import numpy as np

from autograder.sandbox.codec import Channel

# Top-level statements that never run: in a notebook they are the training
# loops, plots, prints and self-checks (asserts) that would stall grading or
# only make noise; none of them defines anything the tests call.
SKIPPED_STATEMENTS = (ast.Expr, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Assert)


class StatementTimeout(BaseException):
    """A top-level statement ran past its time budget."""


class CallbackError(Exception):
    """The grader's function that the student's code called failed."""


# System calls a student's numpy or torch code never needs, and an attacker
# would: networking, tracing other processes, kernel keyrings and modules,
# new namespaces and mounts, eBPF, io_uring. Denied with EPERM.
DENIED_SYSCALLS = (
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4", "ptrace", "process_vm_readv",
    "process_vm_writev", "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key", "mount",
    "umount2", "pivot_root", "chroot", "unshare", "setns", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "kexec_load", "init_module", "finit_module", "delete_module", "reboot", "swapon", "swapoff", "acct",
    "open_by_handle_at", "name_to_handle_at",
    # the new mount API: without these a process with capabilities could
    # make read-only binds writable (found by the red-team ablation)
    "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
)


NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000)
# CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET


# The CUDA driver listens on a Unix socket of its own when it starts (seen
# on an H100: denying socket, bind or listen fails cuInit with "OS call
# failed"). A GPU process may therefore make, bind and listen on Unix
# sockets, and still connect to nothing and accept nothing.
CUDA_ALLOWED = ("bind", "listen")
AF_UNIX = 1


def apply_seccomp(cuda: bool = False) -> str:
    """Load the deny-list filter; returns '' or why it could not be loaded."""
    try:
        import errno
        import pyseccomp
    except ImportError:
        return "pyseccomp is not installed"
    try:
        rules = pyseccomp.SyscallFilter(pyseccomp.ALLOW)
        for name in DENIED_SYSCALLS:
            if cuda and name in CUDA_ALLOWED:
                continue
            try:
                if cuda and name == "socket":
                    rules.add_rule(pyseccomp.ERRNO(errno.EPERM), name, pyseccomp.Arg(0, pyseccomp.NE, AF_UNIX))
                else:
                    rules.add_rule(pyseccomp.ERRNO(errno.EPERM), name)
            except (ValueError, RuntimeError, OSError):
                pass  # a syscall this architecture does not have
        # New namespaces through clone() (a user namespace would give back
        # capabilities): denied per flag, since seccomp cannot test "any bit".
        for flag in NAMESPACE_FLAGS:
            rules.add_rule(pyseccomp.ERRNO(errno.EPERM), "clone", pyseccomp.Arg(0, pyseccomp.MASKED_EQ, flag, flag))
        # clone3 passes its flags in memory, out of seccomp's sight: ENOSYS
        # makes libc fall back to clone(), which the rules above filter.
        try:
            rules.add_rule(pyseccomp.ERRNO(errno.ENOSYS), "clone3")
        except (ValueError, RuntimeError, OSError):
            pass
        rules.load()
    except (OSError, RuntimeError, ValueError) as exc:
        return f"the filter could not be loaded ({exc})"
    return ""


def apply_limits(limits: dict) -> None:
    """Lower this process's rlimits before any student code runs.

    The hard limits go down with the soft ones, so the student cannot raise
    them back.
    """
    table = {
        "cpu_s": resource.RLIMIT_CPU,
        "memory_bytes": resource.RLIMIT_AS,
        "data_bytes": resource.RLIMIT_DATA,
        "nproc": resource.RLIMIT_NPROC,
        "file_bytes": resource.RLIMIT_FSIZE,
        "open_files": resource.RLIMIT_NOFILE,
        "core_bytes": resource.RLIMIT_CORE,
    }
    for key, which in table.items():
        if key not in limits:
            continue
        soft = int(limits[key])
        hard = soft + 1 if key == "cpu_s" else soft
        try:
            resource.setrlimit(which, (soft, hard))
        except (ValueError, OSError):
            pass


class Worker:
    def __init__(self, channel: Channel):
        self.channel = channel
        self.module: types.ModuleType | None = None
        self.handles: dict[int, object] = {}
        self.handle_ids: dict[int, int] = {}
        self.seed = 0

    # -- values crossing the channel ---------------------------------------
    def keep(self, obj) -> dict:
        """Store an object the channel cannot carry and send a handle."""
        if isinstance(obj, CallbackStub):
            return {"$c": obj.id}
        key = self.handle_ids.get(id(obj))
        if key is None or self.handles.get(key) is not obj:
            key = len(self.handles) + 1
            while key in self.handles:
                key += 1
            self.handles[key] = obj
            self.handle_ids[id(obj)] = key
        return {"$h": key, "type": type(obj).__name__}

    def resolve(self, tag: str, ident: int):
        if tag == "$c":
            return CallbackStub(self, ident)
        if ident not in self.handles:
            raise KeyError(f"unknown handle {ident}")
        return self.handles[ident]

    def send(self, message: dict) -> None:
        self.channel.send(message, unencodable=self.keep)

    # -- loading -------------------------------------------------------------
    def load(self, request: dict) -> None:
        name = request["module"]
        filename = request["filename"]
        allowed = set(request.get("allowed_imports", [])) | set(sys.stdlib_module_names)
        module = types.ModuleType(name)
        module.__file__ = filename
        module.__dict__["__builtins__"] = guarded_builtins(allowed, request.get("course_rule", ""))
        sys.modules[name] = module
        self.seed = int(request.get("seed", 0))
        reseed(self.seed)
        notes: list[str] = []
        skip = set(request.get("skip", []))
        try:
            tree = ast.parse(request["source"], filename=filename)
        except SyntaxError as exc:
            self.send({"op": "loaded", "ok": False, "notes": [format_syntax_error(exc)], "functions": []})
            return
        flags = 0
        skipped: list[str] = []
        timed_out: list[int] = []
        for index, stmt in enumerate(tree.body):
            if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
                import __future__
                for alias in stmt.names:
                    feature = getattr(__future__, alias.name, None)
                    flags |= getattr(feature, "compiler_flag", 0)
                continue
            if index in skip:
                notes.append(f"line {stmt.lineno}: this top-level statement did not finish and was skipped")
                continue
            if isinstance(stmt, SKIPPED_STATEMENTS):
                if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)):
                    skipped.append(f"line {stmt.lineno}")
                continue
            self.send({"op": "progress", "stmt": index, "line": stmt.lineno})
            code = compile(ast.Module(body=[stmt], type_ignores=[]), filename, "exec", flags=flags, dont_inherit=True)
            # Imports of allowed libraries may be slow (torch: 2.5 s); the
            # load's own deadline bounds them. Student statements get the alarm.
            if not isinstance(stmt, (ast.Import, ast.ImportFrom)):
                signal.setitimer(signal.ITIMER_REAL, request.get("statement_timeout_s", 2.0))
            try:
                exec(code, module.__dict__)
            except StatementTimeout:
                timed_out.append(index)
                notes.append(f"line {stmt.lineno}: this top-level statement took too long and was stopped")
            except BaseException as exc:  # the student's error, reported, never fatal
                notes.append(f"line {stmt.lineno}: {describe_exception(exc, filename)}")
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        if skipped:
            notes.insert(0, f"skipped {len(skipped)} top-level loop(s), call(s), assert(s) or with-block(s) "
                            f"({', '.join(skipped[:8])}{', ...' if len(skipped) > 8 else ''}): "
                            "the grader runs only imports, definitions and assignments")
        self.module = module
        functions = sorted(k for k, v in module.__dict__.items() if callable(v) and not k.startswith("__"))
        self.send({"op": "loaded", "ok": True, "notes": notes, "functions": functions, "timed_out": timed_out})

    # -- calls ---------------------------------------------------------------
    def call(self, request: dict) -> None:
        name = request["name"]
        func = getattr(self.module, name, None)
        if not callable(func):
            self.send({"op": "error", "kind": "missing", "message": f"your code does not define a function {name}()"})
            return
        args, kwargs = request["args"], request["kwargs"]
        try:
            reseed(self.seed)
        except Exception as exc:  # the grader's own step failed: flagged for the TA, never the student's loss
            self.send({"op": "error", "kind": "setup", "message": f"reseeding failed: {type(exc).__name__}: {exc}"})
            return
        before = {key: _entry_ids(value) for key, value in [*enumerate(args), *kwargs.items()]}
        try:
            with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn", invalid="warn",
                                                                            divide="warn", under="ignore"):
                warnings.simplefilter("always")
                result = func(*args, **kwargs)
        except BaseException as exc:
            self.send({"op": "error", "kind": "raised", "type": type(exc).__name__,
                       "mro": [c.__name__ for c in type(exc).__mro__],
                       "message": describe_exception(exc, self.module.__file__)})
            return
        seen = [f"{w.category.__name__}: {w.message}"[:200] for w in caught[:5]]
        # For each dict argument, the entries still holding the same object:
        # the caller updates those in place and rebinds the others, as a
        # direct call would leave it.
        kept = {str(key): [k for k, ident in ids.items() if k in value and id(value[k]) == ident]
                for key, value in [*enumerate(args), *kwargs.items()]
                if isinstance(value, dict) and (ids := before.get(key))}
        self.send({"op": "result", "value": result, "args": list(args), "kwargs": kwargs, "warnings": seen,
                   "kept": kept})

    def serve(self) -> None:
        while True:
            request = self.channel.recv(resolve=self.resolve)
            op = request.get("op")
            if op == "load":
                self.load(request)
            elif op == "call":
                self.call(request)
            elif op == "torch_info":
                self.send({"op": "info", "value": torch_info(request.get("target"))})
            elif op == "release":
                for ident in request.get("ids", []):
                    obj = self.handles.pop(ident, None)
                    self.handle_ids.pop(id(obj), None)
            elif op == "exit":
                return


def reseed(seed: int) -> None:
    """The same random state before every call: a score never depends on test order.

    torch is seeded (CUDA too) and asked for deterministic algorithms only
    when the student's code has imported it; importing it here would cost
    every numpy assignment 2.5 s.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)  # seeds every CUDA device as well
        torch.use_deterministic_algorithms(True, warn_only=True)
        if hasattr(torch.backends, "cudnn"):
            torch.backends.cudnn.benchmark = False


def torch_info(module) -> dict:
    """What the grader may ask about a torch module the student built.

    Never raises: a module the student can shape at will (lazy layers,
    properties that throw) must not take the worker down.
    """
    torch = sys.modules.get("torch")
    if torch is None or not isinstance(module, torch.nn.Module):
        return {"is_module": False}
    try:
        lazy = torch.nn.parameter.UninitializedParameter
        params = [p for p in module.parameters() if not isinstance(p, lazy)]
        cuda = torch.cuda.is_available()
        return {
            "is_module": True,
            "param_devices": sorted({p.device.type for p in params}),
            "training": bool(module.training),
            "module_types": sorted({type(m).__name__ for m in module.modules()}),
            "n_parameters": int(sum(p.numel() for p in params)),
            "cuda_max_memory_allocated": int(torch.cuda.max_memory_allocated()) if cuda else 0,
        }
    except Exception as exc:
        return {"is_module": True, "error": f"{type(exc).__name__}: {exc}"[:300]}


def _entry_ids(value) -> dict:
    return {k: id(v) for k, v in value.items()} if isinstance(value, dict) else {}


class CallbackStub:
    """A grader function as the student's code sees it: calling it asks the grader."""

    def __init__(self, worker: Worker, ident: int):
        self.worker = worker
        self.id = ident

    def __call__(self, *args, **kwargs):
        self.worker.send({"op": "callback", "id": self.id, "args": list(args), "kwargs": kwargs})
        reply = self.worker.channel.recv(resolve=self.worker.resolve)
        if reply.get("op") == "callback_result":
            return reply["value"]
        raise CallbackError(str(reply.get("message", "the grader's function failed")))


def guarded_builtins(allowed: set[str], course_rule: str) -> dict:
    """Builtins for the student's module whose ``import`` enforces the course rule.

    Only imports written in the student's code go through this; numpy's own
    imports use the real builtins.
    """
    real_import = builtins.__import__

    def checked_import(name, globals=None, locals=None, fromlist=(), level=0):
        top = name.split(".")[0]
        if level == 0 and top not in allowed:
            raise ImportError(f"importing {top!r} is not allowed in this assignment ({course_rule})")
        return real_import(name, globals, locals, fromlist, level)

    table = dict(builtins.__dict__)
    table["__import__"] = checked_import
    table["input"] = _no_input
    return table


def _no_input(prompt=""):
    raise EOFError("input() is not available while grading")


def format_syntax_error(exc: SyntaxError) -> str:
    where = f"line {exc.lineno}" if exc.lineno else "somewhere"
    return f"your code has a syntax error at {where}: {exc.msg}"


def describe_exception(exc: BaseException, filename: str) -> str:
    """The exception and the student's own frames, without the grader's."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    text = f"{type(exc).__name__}: {exc}"[:2000]
    if frames:
        where = "; ".join(f"line {f.lineno} in {f.name}" for f in frames[-5:])
        text += f" (at {where})"
    return text


def _on_alarm(signum, frame):
    raise StatementTimeout()


def main() -> None:
    limits = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    apply_limits(limits)
    if limits.get("seccomp"):
        problem = apply_seccomp(cuda=limits["seccomp"] == "cuda")
        if problem:
            print(f"autograder sandbox: seccomp not applied: {problem}", file=sys.stderr)
    signal.signal(signal.SIGALRM, _on_alarm)
    request_fd, reply_fd = (int(x) for x in sys.argv[2].split(","))
    channel = Channel(request_fd, reply_fd)
    for fd in (request_fd, reply_fd):
        os.set_inheritable(fd, False)
    if len(sys.argv) > 4:
        serve_jobs(channel, sys.argv[4])
    else:
        Worker(channel).serve()


# -- the warm parent ---------------------------------------------------------
# Started once per worker slot (``sandbox/zygote.py``): it imports the heavy
# libraries, then forks one job per student process. It never sees a
# student's code, a test or an answer, never computes with torch (a forked
# libgomp pool hangs), and after each job it kills everything else in its PID
# namespace and empties the writable folders, so that one job leaves nothing
# for the next.

PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38
WRITABLE = ("/tmp", "/dev/shm")


def _prctl(option: int, value: int) -> None:
    import ctypes
    ctypes.CDLL(None).prctl(option, value, 0, 0, 0)


def serve_jobs(control: Channel, jobs_dir: str) -> None:
    # Non-dumpable: a job under our uid (as an ordinary user) cannot read or
    # write our memory through /proc/<pid>/mem, nor trace us.
    _prctl(PR_SET_DUMPABLE, 0)
    request = control.recv()
    for name in request.get("preload", []):
        try:
            __import__(name)
        except Exception:
            pass  # the job imports it again and reports the error where it belongs
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(max(1, int(os.environ.get("OMP_NUM_THREADS", "1"))))
    skeleton = _skeleton()
    control.send({"op": "ready", "pid": os.getpid()})
    job, code = None, None
    while True:
        request = control.recv()
        op = request.get("op")
        if op == "fork":
            job, code = os.fork(), None
            if job == 0:
                _run_job(control, jobs_dir, str(request["name"]), request.get("limits", {}))
            control.send({"op": "forked", "pid": job})
        elif op == "wait":
            if code is None:
                code = _wait(job, float(request.get("timeout", 0)))
            control.send({"op": "status", "code": code})
        elif op == "reset":
            reaped = _reset(job if code is None else None, skeleton)
            code = code if code is not None else reaped
            job = None
            control.send({"op": "status", "code": code})


def _run_job(control: Channel, jobs_dir: str, name: str, limits: dict) -> None:
    """In the forked child: become a fresh worker. Never returns."""
    try:
        os.close(control.read_fd)
        os.close(control.write_fd)
        # Opened in the grader's order (see zygote.WarmBox.start_job).
        reply = os.open(f"{jobs_dir}/{name}.rep", os.O_WRONLY)
        out = os.open(f"{jobs_dir}/{name}.out", os.O_WRONLY)
        request = os.open(f"{jobs_dir}/{name}.req", os.O_RDONLY)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.close(out)
        _prctl(PR_SET_NO_NEW_PRIVS, 1)  # no setuid binary gives anything back, seccomp or not
        _prctl(PR_SET_DUMPABLE, 1)
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")  # under the box's memory limit, the job dies, never its parent
        uid = limits.pop("uid", None)
        if uid is not None:  # from a root parent: the slot's uid, no groups, no capabilities left
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            _prctl(PR_SET_DUMPABLE, 1)  # a uid change clears it
        apply_limits(limits)
        Worker(Channel(request, reply)).serve()
        code = 0
    except BaseException:
        traceback.print_exc()
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def _wait(pid: int | None, timeout: float) -> int | None:
    """The job's exit status as subprocess reports it (-N for signal N), or None if it still runs."""
    deadline = time.monotonic() + timeout
    while pid is not None:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return None
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.002)
    return None


def _reset(pid: int | None, skeleton: set[str]) -> int | None:
    """Kill every process of the box but us and its init, reap the job, empty the writable folders."""
    me = os.getpid()
    code = None
    deadline = time.monotonic() + 5
    while True:
        try:
            os.kill(-1, signal.SIGKILL)  # all we may signal in this PID namespace, except init and us
        except ProcessLookupError:
            pass
        if pid is not None and code is None:
            code = _wait(pid, 0.05)
        others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me)]
        if not others or time.monotonic() > deadline:
            break
        time.sleep(0.002)
    for top in WRITABLE:
        _empty(top, skeleton, os.lstat(top).st_dev)
    return code


def _skeleton() -> set[str]:
    """What bubblewrap put in the writable folders before any job: the parents
    of a runtime bound under /tmp (a venv made there), kept as they are."""
    kept = set()
    for top in WRITABLE:
        device = os.lstat(top).st_dev
        for folder, dirs, files in os.walk(top):
            kept.update(os.path.join(folder, n) for n in dirs + files)
            dirs[:] = [d for d in dirs if os.lstat(os.path.join(folder, d)).st_dev == device]
    return kept


def _empty(folder: str, skeleton: set[str], device: int) -> None:
    """Remove what jobs made under ``folder``; keep the skeleton and never enter another mount."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        path = os.path.join(folder, name)
        try:
            info = os.lstat(path)
            if path in skeleton:
                if os.path.isdir(path) and not os.path.islink(path) and info.st_dev == device:
                    _empty(path, skeleton, device)
            elif os.path.isdir(path) and not os.path.islink(path):
                os.chmod(path, 0o700)  # a job may have made it unreadable or unwritable
                _empty(path, set(), device)
                os.rmdir(path)
            else:
                os.unlink(path)
        except OSError:
            pass


if __name__ == "__main__":
    main()
