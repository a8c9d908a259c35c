"""How a student process is started: the command line, its environment, and
which isolation mechanisms this machine allows.

Layers, strongest first (``docs/security.md`` measures what each one stops):
- bubblewrap: new mount, PID, network, IPC and UTS namespaces; the process
  sees the Python runtime and this package read-only, and a private tmpfs,
  and nothing else (no tests, solutions, gradebook or other submissions).
- a dedicated unprivileged uid when the grader runs as root, since root
  inside bubblewrap still reads root's files and ignores RLIMIT_NPROC; a
  per-slot uid keeps the process count of concurrent students apart;
- rlimits (CPU, memory, processes, file size, open files, core) and seccomp,
  applied by the child itself (``confine.py``) before any student code runs;
- always: a cleared environment, a new session so the whole group can be
  killed, a per-call wall clock and an output cap (the session's side).
"""

from __future__ import annotations

import functools
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import autograder
from autograder.sandbox import cgroups, confine, protocol, runtime
from autograder.sandbox.limits import Limits

SANDBOX_UID_BASE = 61000
CHILD_ROOT = "/opt/autograder"  # where the box sees this package
JOBS_DIR = "/run/autograder-jobs"  # a warm parent's FIFOs, inside the box
# argv after it: PATHS MODE LIMITS_JSON REQUEST_FD,REPLY_FD [JOBS_DIR PRELOAD] (boot.main)
# The interpreter starts with -S (runtime.boot_path says why); argv[1] is this package's parent and the
# runtime's site folders, one per line.
BOOT = ("import sys; top, *rest = sys.argv[1].split('\\n'); sys.path.insert(0, top); sys.path += rest; "
        "from autograder.sandbox.boot import main; main()")


@dataclass
class Launch:
    """Everything needed to start one student process."""

    argv: list[str]
    env: dict[str, str]
    cwd: str
    mechanisms: list[str]
    cleanup_dir: str | None = None
    pass_fds: tuple[int, ...] = field(default_factory=tuple)
    groups: cgroups.RunGroups | None = None
    job_limits: dict | None = None  # a warm parent's: what each job applies after its fork


LAYERS = ("bwrap", "uid", "rlimits", "cgroups", "seccomp")
DISABLE_ENV = "AUTOGRADER_SANDBOX_DISABLE"


def disabled_layers() -> set[str]:
    """Layers switched off with AUTOGRADER_SANDBOX_DISABLE=a,b (the red-team ablation uses it)."""
    raw = os.environ.get(DISABLE_ENV, "")
    return {x.strip() for x in raw.split(",") if x.strip()}


@functools.lru_cache(maxsize=None)
def seccomp_probe() -> tuple[bool, str]:
    try:
        confine.import_pyseccomp()  # ctypes over libseccomp.so.2
    except (ImportError, OSError) as exc:
        return False, f"pyseccomp or libseccomp is missing ({exc}); pip install pyseccomp"
    return True, "ok"


def _base_env(limits: Limits) -> dict[str, str]:
    threads = str(max(1, limits.threads))
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": "/tmp",
        # The box's uid has no /etc/passwd entry; getpass.getuser() (torch's
        # inductor cache, among others) reads these first.
        "USER": "student",
        "LOGNAME": "student",
        "LANG": "C.UTF-8",
        "OMP_NUM_THREADS": threads,
        "OPENBLAS_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
        "MALLOC_ARENA_MAX": "2",  # glibc arenas cost ~64 MB of address space per thread
        "PYTHONHASHSEED": "0",
        "CUBLAS_WORKSPACE_CONFIG": ":4096:8",  # deterministic cuBLAS, as torch asks
    }
    if not limits.cuda:
        env["CUDA_VISIBLE_DEVICES"] = ""
    # Some CPUs need these for OpenBLAS to compute correctly; they hold no secret.
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", *(("CUDA_VISIBLE_DEVICES",) if limits.cuda else ())):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def _package_parent() -> str:
    return str(Path(autograder.__file__).resolve().parent.parent)


def _python(package_parent: str) -> list[str]:
    """The box's interpreter and BOOT, importing this package from ``package_parent``; boot.main's
    arguments follow."""
    return [sys.executable, "-I", "-S", "-B", "-c", BOOT, runtime.boot_path(package_parent)]


def _ancestor_dirs(path: str) -> list[str]:
    parts = Path(path).parts[1:-1]
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


@functools.lru_cache(maxsize=None)
def probe() -> tuple[str, str]:
    """Which mode works here: ('bwrap-root' | 'bwrap-user' | 'plain', reason)."""
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return "plain", "bubblewrap (bwrap) is not installed: apt-get install bubblewrap (or dnf/pacman install bubblewrap)"
    mode = "bwrap-root" if os.geteuid() == 0 else "bwrap-user"
    if mode == "bwrap-root" and not shutil.which("setpriv"):
        return "plain", "running as root without setpriv to drop to an unprivileged uid"
    argv = _bwrap_argv(mode, Limits(), slot=0) + (["/bin/sh", "-c", "exit 0"] if mode == "bwrap-user" else
                                                   _setpriv_argv(SANDBOX_UID_BASE) + ["true"])
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return "plain", f"bubblewrap could not start ({exc})"
    if done.returncode != 0:
        return "plain", "bubblewrap failed: " + done.stderr.decode(errors="replace").strip()[:300] + _userns_hint()
    return mode, "ok"


def _setpriv_argv(uid: int) -> list[str]:
    """Become ``uid`` with no groups and no capabilities, then exec the rest of the command."""
    return [shutil.which("setpriv") or "setpriv", "--reuid", str(uid), "--regid", str(uid), "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all"]


@functools.lru_cache(maxsize=None)
def plain_uid_probe() -> tuple[bool, str]:
    """Without bubblewrap, can a dropped uid still start the child?

    With no mount namespace the dropped uid sees the host's files: the
    interpreter and the package must be reachable by other users (a Python
    under /root, mode 0700, is not), or the student process keeps root.
    """
    if os.geteuid() != 0:
        return False, "you are not root: the student process keeps your uid"
    if not shutil.which("setpriv"):
        return False, "setpriv (util-linux) is missing: the student process keeps root"
    argv = _setpriv_argv(SANDBOX_UID_BASE) + [sys.executable, "-I", "-B", "-c",
                                              "import sys; sys.path.insert(0, sys.argv[1]); "
                                              "import numpy, autograder.sandbox.boot", _package_parent()]
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=60, cwd="/")
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"setpriv failed ({exc}): the student process keeps root"
    if done.returncode != 0:
        return False, (f"uid {SANDBOX_UID_BASE} cannot reach the Python runtime ({sys.executable}) or the package "
                       f"({_package_parent()}): a parent folder is not readable by other users, so the student "
                       "process keeps root; install bubblewrap, or use a Python under /usr or /opt")
    return True, "ok"


def _userns_hint() -> str:
    """Why unprivileged user namespaces may be off, with the fix."""
    checks = (("/proc/sys/kernel/unprivileged_userns_clone", "0",
               "user namespaces are disabled by kernel.unprivileged_userns_clone=0: "
               "sysctl -w kernel.unprivileged_userns_clone=1"),
              ("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "1",
               "AppArmor restricts user namespaces (Ubuntu 24.04+): install the bwrap-userns-restrict "
               "profile or sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"),
              ("/proc/sys/user/max_user_namespaces", "0",
               "user namespaces are disabled by user.max_user_namespaces=0: sysctl -w user.max_user_namespaces=15000"))
    for path, bad, text in checks:
        try:
            if Path(path).read_text().strip() == bad:
                return f" ({text})"
        except OSError:
            continue
    return ""


# A warm parent as root in its box keeps what it needs to drop each job to
# the slot's uid, kill the job's processes and empty the job's files, and
# nothing else; a job (another uid, no capabilities) cannot signal or trace it.
WARM_PARENT_CAPS = ("CAP_SETUID", "CAP_SETGID", "CAP_KILL", "CAP_DAC_OVERRIDE", "CAP_FOWNER")


def _bwrap_argv(mode: str, limits: Limits, slot: int, drop_uid: bool = True, warm_parent: bool = False) -> list[str]:
    argv = ["bwrap", "--die-with-parent", "--new-session", "--clearenv",
            "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    if mode == "bwrap-user":
        argv += ["--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
    elif drop_uid and warm_parent:
        argv += ["--cap-drop", "ALL"] + [x for cap in WARM_PARENT_CAPS for x in ("--cap-add", cap)]
    elif drop_uid:  # root in the box keeps only what setpriv needs to leave it
        argv += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP"]
    else:
        argv += ["--cap-drop", "ALL"]
    argv += ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib64", "/lib32"):
        if os.path.islink(top):
            argv += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            argv += ["--ro-bind", top, top]
    argv += ["--perms", "0755", "--dir", "/etc"]  # readable by the dropped uid (the loader's cache)
    for etc in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime"):
        if os.path.exists(etc):
            argv += ["--ro-bind", etc, etc]
    # The private /tmp first: a runtime that lives under /tmp (a venv made
    # there) is bound on top of it rather than hidden by it.
    argv += ["--perms", "1777", "--size", str(limits.tmp_bytes), "--tmpfs", "/tmp"]
    made: set[str] = {"/usr", "/etc", "/tmp"}
    mounts = [(p, p) for p in runtime.mounts()] + [(str(Path(autograder.__file__).resolve().parent),
                                                    CHILD_ROOT + "/autograder")]
    for src, dest in mounts:
        for parent in _ancestor_dirs(dest):
            if parent not in made:
                made.add(parent)
                argv += ["--perms", "0755", "--dir", parent]
        argv += ["--ro-bind", src, dest]
    # /dev/shm sized like /tmp: on bubblewrap's own /dev it would be bounded only by a cgroup
    argv += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(limits.tmp_bytes),
             "--tmpfs", "/dev/shm", "--chdir", "/tmp"]
    if limits.cuda:  # the GPU's device nodes; the driver's libraries are under /usr or /usr/local/nvidia
        for node in sorted(glob.glob("/dev/nvidia*")):
            argv += ["--dev-bind", node, node]
        if os.path.isdir("/usr/local/nvidia"):
            argv += ["--ro-bind", "/usr/local/nvidia", "/usr/local/nvidia"]
    return argv


def mode() -> str:
    """'bwrap-root', 'bwrap-user' or 'plain': how student processes start here, now."""
    return "plain" if "bwrap" in disabled_layers() else probe()[0]


def build(limits: Limits, fds: tuple[int, int], slot: int = 0, zygote_dir: str | None = None,
          preload: tuple[str, ...] = ()) -> Launch:
    """The command that starts a child talking on ``fds`` (request, reply).

    With ``zygote_dir`` it starts a warm parent instead (``sandbox/zygote.py``):
    the folder is bound into the box for the jobs' FIFOs, the parent applies
    only seccomp, imports ``preload`` as soon as it starts, and each job
    applies ``plan.job_limits`` after its fork.
    """
    off = disabled_layers()
    how = mode()
    child_limits = {} if "rlimits" in off else limits.for_child()
    job_limits = None
    if zygote_dir is not None:
        assert how != "plain", "a warm parent needs bubblewrap's PID namespace"
        job_limits, child_limits = child_limits, {}
    use_seccomp = "seccomp" not in off and seccomp_probe()[0]
    if use_seccomp:
        child_limits["seccomp"] = "cuda" if limits.cuda else True
    plan = _plan(how, limits, child_limits, fds, slot, drop_uid="uid" not in off, zygote_dir=zygote_dir,
                 preload=preload)
    if job_limits is not None and how == "bwrap-root" and "uid" not in off:
        job_limits["uid"] = SANDBOX_UID_BASE + slot
    plan.job_limits = job_limits
    if "rlimits" in off:
        plan.mechanisms.remove(RLIMITS)
    if use_seccomp:
        plan.mechanisms.append("seccomp(deny-list)")
    layout = "none" if "cgroups" in off else cgroups.probe()[0]
    if layout != "none":
        plan.groups = cgroups.create(layout, limits.memory_bytes, limits.nproc, float(max(1, limits.threads)))
        plan.argv = plan.groups.wrap(plan.argv)
        plan.mechanisms.append(f"cgroup-{layout}(memory,pids,cpu,kill)")
    return plan


RLIMITS = "rlimits(cpu,memory,nproc,fsize,nofile,core)"


def _plan(mode: str, limits: Limits, child_limits: dict, fds: tuple[int, int], slot: int, drop_uid: bool,
          zygote_dir: str | None = None, preload: tuple[str, ...] = ()) -> Launch:
    limits_json = json.dumps(child_limits)
    fd_arg = f"{fds[0]},{fds[1]}"
    env = _base_env(limits)
    if limits.cuda and os.path.isdir("/usr/local/nvidia"):
        env["LD_LIBRARY_PATH"] = "/usr/local/nvidia/lib64:/usr/local/nvidia/lib"
    rlimits = RLIMITS
    uid = SANDBOX_UID_BASE + slot
    if mode == "plain":
        workdir = private_dir("student")
        env["HOME"] = workdir
        argv = _python(_package_parent()) + [protocol.CHILD_MODE, limits_json, fd_arg]
        mechanisms = ["process-session", rlimits, "private-workdir"]
        if drop_uid and plain_uid_probe()[0]:
            os.chown(workdir, uid, uid)  # 0700 from mkdtemp: the student's, and nobody else's
            argv = _setpriv_argv(uid) + argv
            mechanisms.append(f"uid({uid})")
        return Launch(argv, env, workdir, mechanisms, cleanup_dir=workdir, pass_fds=fds)
    argv = _bwrap_argv(mode, limits, slot, drop_uid, warm_parent=zygote_dir is not None)
    if zygote_dir is not None:
        # FIFOs open for writing on a read-only bind too
        argv += ["--perms", "0755", "--dir", str(Path(JOBS_DIR).parent), "--ro-bind", zygote_dir, JOBS_DIR]
    for key, value in env.items():
        argv += ["--setenv", key, value]
    argv.append("--")
    mechanisms = ["bubblewrap(mount,pid,net,ipc,uts)", rlimits, "private-tmpfs"]
    if mode == "bwrap-root" and drop_uid:
        if zygote_dir is None:  # else each job drops to it after its fork (warm_parent._run_child)
            argv += _setpriv_argv(uid)
        mechanisms.append(f"uid({uid})")
    elif mode == "bwrap-user":
        mechanisms.append("user-namespace")
    program = protocol.CHILD_MODE if zygote_dir is None else protocol.WARM_PARENT_MODE
    argv += _python(CHILD_ROOT) + [program, limits_json, fd_arg]
    if zygote_dir is not None:
        argv += [JOBS_DIR, ",".join(preload)]
    return Launch(argv, env, "/", mechanisms, pass_fds=fds)


def private_dir(kind: str) -> str:
    """A new folder of this grader's under the temporary folder, named after its pid so that
    the next grader removes it if this one is killed before it can (``_sweep_private_dirs``)."""
    _sweep_private_dirs()
    return tempfile.mkdtemp(prefix=f"ag-{kind}-{os.getpid()}-")


@functools.lru_cache(maxsize=None)
def _sweep_private_dirs() -> None:
    for path in glob.glob(os.path.join(tempfile.gettempdir(), "ag-*-*-*")):
        _, kind, pid, _ = os.path.basename(path).split("-", 3)
        if kind in ("student", "jobs") and pid.isdigit() and cgroups.process_gone(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def layer_report() -> list[tuple[str, bool, str]]:
    """(layer, in force, why not / what it gives) for every layer, for ``doctor`` and logs."""
    off = disabled_layers()
    mode, reason = probe()
    rows = []

    def row(name: str, ok: bool, why: str):
        rows.append((name, ok and name not in off, f"switched off by {DISABLE_ENV}" if name in off else why))

    row("bwrap", mode != "plain", "mount, PID, network, IPC and UTS namespaces" if mode != "plain" else reason)
    if os.geteuid() == 0:
        boxed = mode == "bwrap-root" and "bwrap" not in off
        plain_ok, plain_why = (True, "") if boxed else plain_uid_probe()
        row("uid", boxed or plain_ok, "student code runs as an unprivileged uid per slot" if boxed
            else "student code runs as an unprivileged uid per slot (without bubblewrap: it sees the "
                 "host's world-readable files)" if plain_ok else plain_why)
    else:
        row("uid", True, "student code keeps your uid inside a user namespace (you are not root)")
    row("rlimits", True, "CPU time, address space, processes, file size, open files, core dumps")
    layout, why = cgroups.probe()
    row("cgroups", layout != "none", f"cgroup {layout}: aggregate memory, task count, CPU rate, kill-all"
        if layout != "none" else why)
    ok, why = seccomp_probe()
    row("seccomp", ok, "deny-list: sockets, ptrace, mount, namespaces, bpf, keyrings, io_uring" if ok else why)
    return rows


def describe() -> str:
    """One line for logs and results: what isolation this machine gives."""
    rows = layer_report()
    active = [name for name, ok, _ in rows if ok]
    text = "layers: " + (", ".join(active) or "none")
    if "bwrap" not in active:
        text += " (file system and network are NOT isolated)"
    return text
