"""Grade hostile submissions next to honest ones, and judge what happened.

:func:`run_batch` builds a small world in a fresh folder under /tmp (a copy
of the fixture course with canary lines in its hidden tests and solution, the
submissions, an out folder, canary files, a 0600 secret of the TA's, a home
and a working folder for the grader, listening sockets), starts the grader
(``inner.py``, which calls ``api.grade_batch`` with two jobs) inside a
**safety net**, and then checks, for every attacker:

- the batch completed, with no grader fault;
- every other student's results are intact (the honest students get 10/10,
  and each results.json, gradebook.csv and the grader's own numbers agree,
  and nothing in the out folder changes once grading is over);
- no process of the submission is left (the grader looks in its PID namespace
  after grading);
- nothing outside the private folder changed (hashes of the world before and
  after, and no file carrying the batch's token anywhere else it could write:
  /tmp, /var/tmp, /dev/shm, site-packages, the grader's package);
- no hidden-test, solution, secret or other student's text appears in any
  output (feedback, results, gradebook, summary, the grader's log);
- no listener received anything and the TA's canary process still runs;
- the attacker's score is one its honest code earns, it printed no
  ``RT-BREACH`` line, and its own check passes.

A problem that names an attacker (its marker in a path, a payload, a
process name, its output folder) is that attacker's; any other is the
batch's and counts against every attacker in it.

The safety net (root only, which this suite's CI is): a cgroup with 6 GiB of
memory and 500 tasks, a PID and mount namespace (``unshare --pid --fork
--mount-proc --kill-child``) so that ``kill(-1)`` or a daemon cannot reach
beyond the batch and everything in it dies when it ends, and a wall-clock
limit. It is not a sandbox layer: it only keeps the machine healthy while
the ablation runs attacks with a layer removed. Without root there is no net,
and attacks marked ``dangerous`` need the layer that contains them.

Without bubblewrap the student runs as root on the host, so it could in
principle forge this harness's own evidence (the grader's report); no attack
of the table targets the harness, and such configurations fail many other
checks anyway.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import secrets
import select
import shutil
import site
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import autograder
from autograder import config
from autograder.gradebook import FILE_NAME
from autograder.sandbox import launcher
from autograder.sandbox.limits import Limits
from redteam.attacks import ATTACKS, GROUPS, Attack, Observation, parse_printed

REPO = Path(__file__).resolve().parents[2]
FIXTURE_COURSE = REPO / "tests" / "fixtures" / "course"
INNER = Path(__file__).with_name("inner.py")
HONEST = ("a-honest", "z-honest")
JOBS = 2
NET_MEMORY = 6 * 1024**3
NET_TASKS = 500
GRADER_MEMORY_MIB = 1536  # the grader's own peak: more means a student's output reached its memory
CGROUP = Path("/sys/fs/cgroup")

HONEST_SOURCE = '''\
import time
import numpy as np

# {other}


def add(a, b):
    return a + b


def slow():
    print("{private}", flush=True)
    time.sleep(0.5)
    return 1.0


def double(x):
    return 2 * np.asarray(x)
'''


@dataclass
class Verdict:
    name: str
    problems: list = field(default_factory=list)
    score: float | None = None
    breaches: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)

    @property
    def contained(self) -> bool:
        return not self.problems


@dataclass
class BatchReport:
    verdicts: dict  # name -> Verdict
    batch_problems: list  # problems no single attacker is named in
    seconds: float
    mechanisms: list
    net: str
    grading_s: float = 0.0  # inside grade_batch


def limits() -> dict:
    budgets = config.load(FIXTURE_COURSE / "assignments" / "mini" / "assignment.yaml").budgets
    base = Limits()
    return {"memory_mib": budgets.memory_mb, "nproc": budgets.processes, "output_kib": budgets.output_kb,
            "file_mib": base.file_bytes // 1024**2, "tmp_mib": base.tmp_bytes // 1024**2,
            "nofile": base.open_files, "cores_x100": 100 * base.threads}


def runtime_dirs() -> list:
    dirs = set(site.getsitepackages()) | {str(Path(autograder.__file__).resolve().parent)}
    dirs |= {d for d in ("/usr/lib/python3/dist-packages",) if os.path.isdir(d)}
    return sorted(dirs)


# -- the world ---------------------------------------------------------------------

class World:
    """The files, secrets and sockets of one batch, all named with a fresh token."""

    def __init__(self, attacks: list):
        self.token = secrets.token_hex(4)
        self.root = Path(tempfile.mkdtemp(prefix=f"rt-{self.token}-", dir="/tmp"))
        os.chmod(self.root, 0o755)
        self.attacks = attacks
        r = self.root
        self.course, self.subs, self.out = r / "course", r / "subs", r / "out"
        self.hidden_dir = self.course / "assignments" / "mini" / "tests" / "hidden"
        self.solution = self.course / "solutions" / "mini" / "mini.py"
        self.canary, self.open_dir = r / "canary", r / "canary" / "open"
        self.ta_secret, self.home, self.cwd = r / "ta" / "secret.txt", r / "home", r / "cwd"
        self.unix_sock, self.abstract = r / "sock" / "unix.sock", f"rt-{self.token}-abstract"
        self.inner_dir = r / "inner"
        self.tmp = r / "tmp"  # the grader's TMPDIR: private folders of the fallback, gone with the world
        self.secret = {
            "hidden": f"RT-HIDDEN-CANARY-{self.token}", "solution": f"RT-SOLUTION-CANARY-{self.token}",
            "ta": f"RT-TA-SECRET-{self.token}", "grader_env": f"RT-GRADER-SECRET-{self.token}",
        }
        self.runtime_dirs = runtime_dirs()
        self._build()

    def marker(self, name: str) -> str:
        return f"rt-{self.token}-{name}"

    def comm(self, name: str) -> str:
        index = next(i for i, a in enumerate(ATTACKS) if a.name == name)
        return f"rt{index:03d}{self.token[:6]}"

    def other(self, student: str) -> str:
        return f"RT-OTHER-STUDENT-{self.token}-{student}"

    def private(self, student: str) -> str:
        return f"RT-PRIVATE-{self.token}-{student}"

    def _build(self) -> None:
        shutil.copytree(FIXTURE_COURSE, self.course)
        for test in self.hidden_dir.glob("*.py"):
            test.write_text(f"# {self.secret['hidden']}\n" + test.read_text())
        self.solution.write_text(f"# {self.secret['solution']}\n" + self.solution.read_text())
        self.subs.mkdir()
        for student in HONEST:
            (self.subs / f"{student}.py").write_text(
                HONEST_SOURCE.format(other=self.other(student), private=self.private(student)))
        for attack in self.attacks:
            (self.subs / f"m-{attack.name}.py").write_text(attack.source(self.rt(attack)))
        self.open_dir.mkdir(parents=True)
        os.chmod(self.open_dir, 0o777)  # world-writable: only the file-system view protects it
        for folder, mode in ((self.canary, 0o644), (self.open_dir, 0o666)):
            for name in ("canary.txt", "shared.txt", "delete-me.txt"):
                (folder / name).write_text(f"canary {name}\n")
                os.chmod(folder / name, mode)
        self.ta_secret.parent.mkdir(mode=0o700)
        self.ta_secret.write_text(self.secret["ta"] + "\n")
        os.chmod(self.ta_secret, 0o600)
        self.home.mkdir()
        (self.home / ".bashrc").write_text("# the TA's shell\n")
        self.cwd.mkdir()
        self.unix_sock.parent.mkdir()
        self.inner_dir.mkdir()
        self.tmp.mkdir()

    def rt(self, attack: Attack) -> dict:
        return {"token": self.token, "name": attack.name, "student": f"m-{attack.name}",
                "marker": self.marker(attack.name), "comm": self.comm(attack.name), "root": str(self.root),
                "course": str(self.course), "hidden_dir": str(self.hidden_dir), "solution": str(self.solution),
                "subs": str(self.subs), "out": str(self.out), "canary": str(self.canary),
                "open_dir": str(self.open_dir), "ta_secret": str(self.ta_secret), "home": str(self.home),
                "cwd": str(self.cwd), "unix_sock": str(self.unix_sock), "abstract": self.abstract,
                "tcp_port": self.ports[0] if hasattr(self, "ports") else 0,
                "udp_port": self.ports[1] if hasattr(self, "ports") else 0,
                "runtime_dirs": self.runtime_dirs}

    def watched(self) -> dict:
        """Every file of the world but the out folder and the grader's own files: path -> fingerprint."""
        found = {}
        for dirpath, dirnames, filenames in os.walk(self.root):
            here = Path(dirpath)
            if here == self.root:
                dirnames[:] = [d for d in dirnames if d not in ("out", "inner")]
            if here == self.tmp:  # the private folders in it are the students'; the rest is the grader's
                dirnames[:] = [d for d in dirnames if not d.startswith("ag-student-")]
            if here == self.home:  # the grader's own caches (matplotlib's, for summary.html)
                dirnames[:] = [d for d in dirnames if d not in (".cache", ".config")]
            for name in dirnames + filenames:
                path = here / name
                try:
                    st = path.lstat()
                    if path.is_symlink():
                        what = "-> " + os.readlink(path)
                    elif path.is_file() and path != self.unix_sock:
                        what = hashlib.sha256(path.read_bytes()).hexdigest()
                    else:
                        what = "dir" if path.is_dir() else "other"
                except OSError:
                    continue
                found[str(path.relative_to(self.root))] = f"{what} mode={st.st_mode:o} uid={st.st_uid}"
        return found

    def token_paths(self) -> list:
        """Files named with this batch's token outside the world: written by a student."""
        places = ["/tmp", "/var/tmp", "/dev/shm", "/usr", *self.runtime_dirs]
        places += [str(p) for p in self.private_folders()]
        found = []
        for place in places:
            try:
                names = os.listdir(place)
            except OSError:
                continue
            for name in names:
                path = os.path.join(place, name)
                if self.token in name and path != str(self.root):
                    found.append(path)
        return sorted(set(found))

    def private_folders(self) -> list:
        """The fallback's private working folders (launcher: mkdtemp under the grader's TMPDIR)."""
        return sorted(self.tmp.glob("ag-student-*")) + sorted(Path("/tmp").glob("ag-student-*"))

    def remove(self) -> None:
        for path in self.token_paths():
            _remove(Path(path))
        for private in Path("/tmp").glob("ag-student-*"):
            if any(self.token in n for n in _names(private)):
                _remove(private)
        _remove(self.root)


def _names(folder: Path) -> list:
    try:
        return os.listdir(folder)
    except OSError:
        return []


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
        return
    if path.is_dir():
        for dirpath, dirnames, _ in os.walk(path):
            for d in dirnames:
                try:
                    os.chmod(os.path.join(dirpath, d), 0o700)
                except OSError:
                    pass
        shutil.rmtree(path, ignore_errors=True)


class Listeners:
    """A TCP, a UDP, a Unix and an abstract Unix socket of the host; records what reaches them."""

    def __init__(self, world: World):
        self.hits: list = []
        self._stop = threading.Event()
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(16)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind(str(world.unix_sock))
        os.chmod(world.unix_sock, 0o777)
        self.unix.listen(16)
        self.abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.abstract.bind("\0" + world.abstract)
        self.abstract.listen(16)
        world.ports = (self.tcp.getsockname()[1], self.udp.getsockname()[1])
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        kinds = {self.tcp: "tcp", self.unix: "unix", self.abstract: "abstract"}
        while not self._stop.is_set():
            ready, _, _ = select.select([*kinds, self.udp], [], [], 0.1)
            for sock in ready:
                if sock is self.udp:
                    data, _ = sock.recvfrom(4096)
                    self.hits.append(("udp", data.decode(errors="replace")))
                    continue
                conn, _ = sock.accept()
                conn.settimeout(0.5)
                try:
                    data = conn.recv(4096)
                except OSError:
                    data = b""
                conn.close()
                self.hits.append((kinds[sock], data.decode(errors="replace")))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        for sock in (self.tcp, self.udp, self.unix, self.abstract):
            sock.close()


# -- the safety net ----------------------------------------------------------------------

class Net:
    """Memory, task and PID-namespace bounds around one batch (root only; see the module doc)."""

    def __init__(self, token: str):
        self.groups: list = []
        self.root = os.geteuid() == 0
        self.pid_ns = self.root and shutil.which("unshare") is not None
        if not self.root:
            return
        name = f"redteam-net-{token}"
        if (CGROUP / "cgroup.controllers").is_file():  # cgroup v2
            d = CGROUP / name
            d.mkdir()
            (d / "memory.max").write_text(str(NET_MEMORY))
            (d / "pids.max").write_text(str(NET_TASKS))
            self.groups = [d]
        elif (CGROUP / "memory").is_dir() and (CGROUP / "pids").is_dir():
            mem, pids = CGROUP / "memory" / name, CGROUP / "pids" / name
            mem.mkdir()
            pids.mkdir()
            (mem / "memory.limit_in_bytes").write_text(str(NET_MEMORY))
            try:
                (mem / "memory.memsw.limit_in_bytes").write_text(str(NET_MEMORY))
            except OSError:
                pass
            (pids / "pids.max").write_text(str(NET_TASKS))
            self.groups = [mem, pids]

    def describe(self) -> str:
        parts = []
        if self.groups:
            parts.append(f"cgroup {NET_MEMORY // 1024**3} GiB / {NET_TASKS} tasks")
        if self.pid_ns:
            parts.append("PID+mount namespace")
        return ", ".join(parts) or "none (not root)"

    def wrap(self, argv: list) -> list:
        if self.pid_ns:
            argv = ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child", "/bin/sh", "-c",
                    " ".join(_quote(a) for a in argv) + "; exit $?"]
        if self.groups:
            joins = " && ".join(f"echo $$ > {_quote(str(g / 'cgroup.procs'))}" for g in self.groups)
            argv = ["/bin/sh", "-c", f"{joins} || exit 125; exec \"$@\"", "sh", *argv]
        return argv

    def kill_all(self) -> None:
        for group in self.groups:
            try:
                pids = (group / "cgroup.procs").read_text().split()
            except OSError:
                continue
            for pid in pids:
                try:
                    os.kill(int(pid), 9)
                except OSError:
                    pass

    def remove(self) -> None:
        for group in self.groups:
            for _ in range(50):
                try:
                    group.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    self.kill_all()
                    time.sleep(0.1)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


# -- running and judging ----------------------------------------------------------------

def run_batch(attacks: list, disabled: tuple | None = None, timeout_s: float | None = None) -> BatchReport:
    """Grade ``attacks`` with the two honest students, with the layers in ``disabled`` off (None: those
    this process's AUTOGRADER_SANDBOX_DISABLE names); judge each."""
    started = time.monotonic()
    if disabled is None:
        disabled = tuple(sorted(launcher.disabled_layers()))
    world = World(attacks)
    net = None
    listeners = None
    try:
        listeners = Listeners(world)
        for attack in attacks:  # again, now that the ports are known
            (world.subs / f"m-{attack.name}.py").write_text(attack.source(world.rt(attack)))
        before = world.watched()
        net = Net(world.token)
        report_path = world.inner_dir / "report.json"
        cfg = {"token": world.token, "subs": str(world.subs), "out": str(world.out), "jobs": JOBS,
               "log": str(world.inner_dir / "grader.log"), "report": str(report_path), "linger_s": 1.0,
               "pid_ns": net.pid_ns, "course": str(world.course)}
        (world.inner_dir / "config.json").write_text(json.dumps(cfg))
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(world.home), "LANG": "C.UTF-8",
               "RT_GRADER_SECRET": world.secret["grader_env"],
               "TMPDIR": str(world.tmp),
               # the grader under test is the package this suite imported, not whichever one is installed
               "PYTHONPATH": launcher._package_parent()}
        for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
            if key in os.environ:
                env[key] = os.environ[key]
        if disabled:
            env[launcher.DISABLE_ENV] = ",".join(disabled)
        argv = net.wrap([sys.executable, str(INNER), str(world.inner_dir / "config.json")])
        timeout_s = timeout_s or 40 + 8 * len(attacks)
        with open(world.inner_dir / "stdout.txt", "wb") as out:
            proc = subprocess.Popen(argv, cwd=world.cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
            try:
                rc = proc.wait(timeout=timeout_s)
                timed_out = False
            except subprocess.TimeoutExpired:
                proc.kill()
                rc = proc.wait()
                timed_out = True
        net.kill_all()
        listeners.close()
        after = world.watched()
        report = json.loads(report_path.read_text()) if report_path.is_file() else None
        verdicts, batch = judge(world, attacks, report, rc, timed_out, timeout_s, before, after, listeners.hits)
        mechanisms = sorted({m for ms in (report or {}).get("mechanisms", {}).values() for m in ms})
        return BatchReport(verdicts, batch, time.monotonic() - started, mechanisms, net.describe(),
                           (report or {}).get("elapsed_s", 0.0))
    finally:
        if listeners is not None:
            listeners.close()
        if net is not None:
            net.kill_all()
            net.remove()
        world.remove()


@dataclass
class Results:
    verdicts: dict  # attack name -> Verdict
    batches: dict  # group -> BatchReport of the grouped run
    regraded: list  # attacks graded again alone


def grade_attacks(attacks: list, disabled: tuple | None = None, isolated: bool = False, log=None) -> Results:
    """Every attack's verdict with the layers in ``disabled`` off (None: as for :func:`run_batch`).

    The attacks are graded in their groups (GROUPS), then each one that was
    not contained, and every one of a group in which something went wrong
    that names no attacker, is graded again alone: one attack's success is
    never blamed on another. ``isolated``: every attack alone (exact, slow).
    """
    verdicts: dict = {}
    batches: dict = {}
    again = list(attacks) if isolated else []
    for group in ([] if isolated else dict.fromkeys(GROUPS[a.category] for a in attacks)):
        members = [a for a in attacks if GROUPS[a.category] == group]
        report = batches[group] = run_batch(members, disabled)
        if log:
            print(f"  {group}: {len(members)} attacks, {report.seconds:.0f} s, "
                  f"{len(report.batch_problems)} batch problem(s)", file=log, flush=True)
        for a in members:
            if report.batch_problems or not report.verdicts[a.name].contained:
                again.append(a)
            else:
                verdicts[a.name] = report.verdicts[a.name]
    for a in again:
        report = run_batch([a], disabled)
        verdicts[a.name] = report.verdicts[a.name]
        if log:
            print(f"  {a.name}: {'contained' if verdicts[a.name].contained else 'NOT contained'} "
                  f"({report.seconds:.0f} s)", file=log, flush=True)
    return Results(verdicts, batches, [a.name for a in again])


def _printed(feedback: str) -> str:
    m = re.search(r"## What your code printed\n\n```\n(.*)\n```", feedback, re.S)
    return m.group(1) if m else ""


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return ""


def _gradebook(out: Path) -> dict:
    text = _read(out / "gradebook.csv")
    rows = {}
    for row in csv.DictReader(io.StringIO(text)):
        try:
            rows[row["student"]] = float(row["total"])
        except (KeyError, TypeError, ValueError):
            rows[row.get("student", "?")] = None
    return rows


def _leak_texts(world: World) -> dict:
    """label -> text that must appear in no output (other students' private markers apart)."""
    texts = {f"hidden test ({world.secret['hidden']})": world.secret["hidden"],
             "the solution's canary": world.secret["solution"], "the solution's markers": "### BEGIN SOLUTION",
             "the TA's 0600 file": world.secret["ta"], "the grader's environment": world.secret["grader_env"]}
    for student in HONEST:
        texts[f"{student}'s submission"] = world.other(student)
    for test in (FIXTURE_COURSE / "assignments" / "mini" / "tests" / "hidden").glob("*.py"):
        for line in test.read_text().splitlines():
            line = line.strip()
            if len(line) >= 25 and not line.startswith(("def test_", "import ", "from ")):
                texts[f"hidden test line {line[:40]!r}"] = line
    try:
        texts["/etc/shadow (its sha256)"] = hashlib.sha256(Path("/etc/shadow").read_bytes()).hexdigest()
    except OSError:
        pass
    return texts


def judge(world: World, attacks: list, report: dict | None, rc: int, timed_out: bool, timeout_s: float,
          before: dict, after: dict, hits: list) -> tuple[dict, list]:
    names = [a.name for a in attacks]
    owned: dict = {n: [] for n in names}
    batch: list = []

    def blame(problem: str, *evidence: str) -> None:
        """Give ``problem`` to the attackers named in ``evidence``, else to the batch."""
        who = [n for n in names if any(world.marker(n) in e or world.comm(n) in e or f"m-{n}" in e
                                       for e in evidence)]
        for n in who:
            owned[n].append(problem)
        if not who:
            batch.append(problem)

    # The batch completed, without a grader fault.
    if timed_out:
        batch.append(f"the batch did not finish within {timeout_s:.0f} s (the grader hung or was stopped)")
    elif report is None:
        batch.append(f"the grader died before the end of the batch (exit status {rc})")
    students = list(HONEST) + [f"m-{n}" for n in names]
    scores = (report or {}).get("scores", {})
    for fault in (report or {}).get("faults", []):
        blame(f"grader fault: {fault}", fault.split(":")[0])
    book = _gradebook(world.out) if report else {}

    # Every student's results are intact and agree with each other.
    observed: dict = {}
    for student in students:
        folder = world.out / student
        results_text = _read(folder / "results.json")
        try:
            results = json.loads(results_text)
        except ValueError:
            results = None
        observed[student] = (results, _read(folder / "feedback.md"), _read(folder / "feedback.html"))
        if report is None:
            continue
        graded = scores.get(student)
        if results is None or graded is None:
            blame(f"{student}: no results (results.json {'missing' if results is None else 'present'}, "
                  f"grader score {graded})", student)
            continue
        if results.get("score") != graded or book.get(student) != graded:
            blame(f"{student}: the grader computed {graded} but results.json says {results.get('score')} "
                  f"and gradebook.csv {book.get(student)}", student)
        if student in HONEST:
            failed = [t["name"] for t in results.get("tests", []) if t.get("status") != "passed"]
            if graded != 10 or failed:
                batch.append(f"the honest student {student} got {graded}/10 (failed: {failed})")
    if report is not None:
        extra = sorted({p.name for p in world.out.iterdir() if p.is_dir()} - set(students))
        if extra or (world.out / "results.json").exists():
            batch.append(f"unexpected entries in the out folder: {extra or ['results.json']}")
        changed = sorted(k for k in set(report["out_at_end"]) | set(report["out_later"])
                         if report["out_at_end"].get(k) != report["out_later"].get(k))
        if changed:
            blame(f"the out folder changed after grading ended: {changed}",
                  *changed, *(_read(world.out / c)[:2000] for c in changed))

    # No process of a submission is left; the TA's process is alive.
    for p in (report or {}).get("leftovers", []):
        blame(f"a process outlived the grading: pid {p['pid']} uid {p['uid']} {p['comm']!r} {p['cmdline'][:120]!r}",
              p["comm"], p["cmdline"])
    if report is not None and not report.get("canary_alive", True):
        batch.append("a process of the TA's (the canary) was killed")
    if report is not None and report.get("grader_maxrss_mib", 0) > GRADER_MEMORY_MIB:
        batch.append(f"the grader's memory peaked at {report['grader_maxrss_mib']} MiB")

    # Nothing outside the private folders changed.
    for path in sorted(set(before) | set(after)):
        if before.get(path) != after.get(path):
            what = "created" if path not in before else "deleted" if path not in after else "modified"
            content = _read(world.root / path)[:2000] if path in after else ""
            blame(f"{what} outside the sandbox: {path}", path, content)
    for path in world.token_paths():
        blame(f"wrote outside the sandbox: {path}", path)
    for private in world.private_folders():
        left = [n for n in _names(private) if world.token in n]
        if left:
            blame(f"a private folder was not removed: {private} holds {left}", *left)

    # Nothing reached the host's sockets.
    for kind, payload in hits:
        blame(f"a {kind} socket of the host received {payload[:60]!r}", payload)

    # No hidden, secret or other student's text in any output.
    leaks = _leak_texts(world)
    outputs = [p for p in world.out.rglob("*") if p.is_file()] if world.out.is_dir() else []
    outputs += [world.inner_dir / "grader.log", world.inner_dir / "stdout.txt"]
    found_in_folders: set = set()
    for path in sorted(outputs, key=lambda p: p.parent == world.out or p.parent == world.inner_dir):
        text = _read(path)
        owner = path.parent.name if path.parent.parent == world.out else None
        shared = owner is None
        for label, secret_text in leaks.items():
            if label.endswith("'s submission") and path.name == FILE_NAME:
                continue  # the TA's database keeps every student's code (for similarity); no student gets it
            if secret_text in text and not (shared and label in found_in_folders):
                found_in_folders.add(label)
                blame(f"{label} appears in {path.relative_to(world.root)}", owner or "")
        for student in HONEST:
            if owner not in (None, student) and world.private(student) in text:
                blame(f"{student}'s feedback appears in {path.relative_to(world.root)}", owner)

    # Each attacker: its score, its breaches, its own check.
    lim = limits()
    verdicts = {}
    for attack in attacks:
        student = f"m-{attack.name}"
        results, md, html = observed[student]
        printed = _printed(md)
        breaches, counts = parse_printed(printed)
        v = Verdict(attack.name, [], scores.get(student), breaches, counts)
        if report is not None and v.score is not None and v.score not in attack.scores:
            earns = " or ".join(f"{s:g}" for s in attack.scores)
            v.problems.append(f"scored {v.score:g}, its honest code earns {earns}")
        v.problems += [f"breach: {b}" for b in breaches]
        if results is not None and attack.check is not None:
            outcomes = {t["name"].split(": ", 1)[-1]: t.get("extra_data", {}).get("status")
                        for t in results.get("tests", [])}
            v.problems += attack.check(Observation(v.score, printed, md, html, outcomes, lim, breaches, counts))
        v.problems += owned[attack.name]
        v.problems += [f"[batch] {p}" for p in batch]
        verdicts[attack.name] = v
    return verdicts, batch
