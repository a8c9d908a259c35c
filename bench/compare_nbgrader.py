"""Benchmark: our grader against `nbgrader autograde` on the same notebooks.

    python3 bench/compare_nbgrader.py [--n 200] [--jobs 2] [--nbgrader-n M [--extrapolate]]
                                      [--timeout 10] [--seed 0] [--strip-demo-cells]
                                      [--keep DIR] [--json FILE] [--skip-ours | --skip-nbgrader]

What it does, in one run:

1. Builds an nbgrader course in a work folder: the master notebook
   (solutions/backprop/backprop.ipynb, already in nbgrader's format) plus
   autograded test cells (bench/nbgrader_tests.py says which checks), then
   `nbgrader generate_assignment` writes the release notebook students get.
2. Makes N student notebooks from that release notebook (deterministic in
   --seed): about 50% correct (the master's bodies in every solution cell),
   30% wrong (one mistake from tests/catalogue/backprop/wrong/, in an extra
   cell after the cell it replaces), 10% crashing (a function raising,
   os._exit in a function, a syntax error in a cell) and 10% looping (a
   function with `while True: pass`, a top-level `while True: pass` cell, a
   top-level assignment that never returns). The same bytes go to both
   graders: <work>/subs/<student>/backprop.ipynb for ours,
   <work>/course/submitted/<student>/backprop/backprop.ipynb for nbgrader.
3. Grades them with ours: `python3 -m autograder grade backprop SUBS --out
   OUT --jobs J` (the CLI over api.grade_batch), in a subprocess.
4. Grades them with nbgrader: `nbgrader autograde backprop --force
   --ExecutePreprocessor.timeout=T` (serial: one kernel per notebook), in a
   subprocess, with the interpreter's bin folder first on PATH (nbgrader
   calls `alembic` by name).
5. Prints a side-by-side table, the throughput ratio, scores per kind of
   submission, the load average and the exact commands.

Measured for each grader's command (never asserted: this is not a test):
- wall: the command from start to exit (start-up included; nbgrader's
  generate_assignment and student import are set-up, timed apart);
- submissions/s = submissions processed / wall (nbgrader's include any it
  could not grade: a dead kernel leaves a student without grades);
- per submission: ours from each results.json's execution_time (the time
  of that submission in its worker; J run at once); nbgrader from its log,
  the time between consecutive "Creating/updating student" lines (serial);
- peak memory of the process tree: the largest sum of RSS (and of PSS,
  which counts shared pages once) over all processes below the command,
  sampled from /proc every --sample-s seconds, and ru_maxrss of wait4 (the
  largest single process);
- CPU seconds of the tree: the command runs in its own cpuacct cgroup
  (root, cgroup v1), which the sandbox leaves alone, so killed sandbox
  workers count too; elsewhere wait4's user + system, which misses them;
- the 1-minute load average, sampled with the memory, and the CPU that
  other processes on the machine used meanwhile (/proc/stat's busy time
  minus the tree's), in cores: a shared machine shows here.

The demo cells of the notebook (gradient checks, a short training run) are
left in: nbgrader executes every cell, ours skips top-level calls and
loops. --strip-demo-cells empties them in every submission, to see what
they cost nbgrader.

--nbgrader-n M grades only the first M notebooks with nbgrader (kinds are
shuffled, so they are a mixed sample); its figures are for those M, and its
wall time is scaled to N only with --extrapolate, marked as such.
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import os
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from autograder.course import Course  # noqa: E402
from measuring import measure, pct  # noqa: E402
from nbgrader_tests import test_cells  # noqa: E402

ASSIGNMENT = "backprop"
MASTER = REPO / "solutions" / ASSIGNMENT / "backprop.ipynb"
OUR_RELEASE = REPO / "release" / ASSIGNMENT / "backprop.ipynb"
DATA = REPO / "assignments" / ASSIGNMENT / "data"
CATALOGUE = REPO / "tests" / "catalogue" / ASSIGNMENT / "wrong"
COURSE_ID = "bench"
MIX = (("correct", 0.5), ("wrong", 0.3), ("crash", 0.1), ("loop", 0.1))
CRASHES = ("raise_in_function", "os_exit_in_function", "syntax_error_cell")
LOOPS = ("loop_in_function", "top_level_while", "top_level_call_never_returns")
MANUAL_PARTS = {p.name for p in Course(REPO).assignment(ASSIGNMENT).parts if p.manual}


# -- notebooks -------------------------------------------------------------------
def _text(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _gid(cell: dict) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _code_cell(cell_id: str, source: str, metadata: dict | None = None) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": cell_id, "metadata": metadata or {},
            "outputs": [], "source": source}


def without_our_checker(nb: dict) -> dict:
    """``nb`` with our checker's cells emptied (``check_setup`` and each part's ``grader.check(...)``): in a
    kernel they run our public tests in our sandbox, work that an nbgrader course's notebook does not hold.
    Both graders get notebooks without them (ours skips them when it grades anyway)."""
    for cell in nb["cells"]:
        if (_gid(cell) or "").startswith("check_"):
            cell["source"] = "# (the autograder's check cell, emptied by the benchmark: an nbgrader course has none)"
    return nb


def source_notebook() -> dict:
    """The master notebook, without our checker's cells, with nbgrader's autograded test cells inserted."""
    nb = without_our_checker(json.loads(MASTER.read_text()))
    for gid, points, after, src in test_cells(str(DATA)):
        meta = {"deletable": False, "editable": False,
                "nbgrader": {"grade": True, "grade_id": gid, "locked": True, "points": points,
                             "schema_version": 3, "solution": False, "task": False}}
        cell = _code_cell(gid.replace("_", "-"), src, meta)
        if after is None:
            nb["cells"].append(cell)
        else:
            index = next(i for i, c in enumerate(nb["cells"]) if _gid(c) == after)
            nb["cells"].insert(index + 1, cell)
    return nb


def _solution_bodies() -> dict[str, str]:
    """grade_id -> the master's solution cell without nbgrader's markers: a correct student's cell."""
    nb = json.loads(MASTER.read_text())
    out = {}
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            lines = [ln for ln in _text(cell).splitlines(keepends=True)
                     if ln.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
            out[_gid(cell)] = "".join(lines).rstrip("\n")
    return out


def _defining_cell(nb: dict, names: list[str]) -> int:
    """Index of the last code cell that defines one of ``names``."""
    found = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
             and any(re.search(rf"^def {re.escape(n)}\(", _text(c), re.M) for n in names)]
    if not found:
        raise ValueError(f"no cell defines {names}")
    return found[-1]


def _insert_after(nb: dict, names: list[str], source: str, tag: str) -> None:
    index = _defining_cell(nb, names)
    nb["cells"].insert(index + 1, _code_cell(f"bench-{tag}", source))


def _replace_function(nb: dict, name: str, body: str, tag: str) -> None:
    """An extra cell right after the definition, redefining ``name`` (what a student's scratch cell does)."""
    _insert_after(nb, [name], f"def {name}(*args, **kwargs):\n{body}", tag)


def make_student(release: dict, bodies: dict, kind: str, variant: str, strip_demos: bool = False) -> dict:
    nb = copy.deepcopy(release)
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            cell["source"] = bodies[_gid(cell)]
        elif strip_demos and (_gid(cell) or "").startswith("demo_"):
            cell["source"] = "# (demo cell emptied by the benchmark)"
    if kind == "wrong":
        entry = (CATALOGUE / variant).read_text()
        names = re.findall(r"^def (\w+)\(", entry, re.M)
        _insert_after(nb, names, entry.rstrip("\n"), "mistake")
    elif variant == "raise_in_function":
        body = '    params = args[2]\n    return params["W3"]  # KeyError'
        _replace_function(nb, "mlp_loss_and_grads", body, "raise")
    elif variant == "os_exit_in_function":
        _replace_function(nb, "hardtanh_grad", "    os._exit(1)", "exit")
    elif variant == "syntax_error_cell":
        index = next(i for i, c in enumerate(nb["cells"]) if _gid(c) == "numerical_gradient")
        cell = nb["cells"][index]
        cell["source"] = cell["source"].replace("for idx in np.ndindex(x.shape):", "for idx in np.ndindex(x.shape)")
        assert "np.ndindex(x.shape)\n" in cell["source"]
    elif variant == "loop_in_function":
        _replace_function(nb, "hardtanh_grad", "    while True:\n        pass", "loop")
    elif variant == "top_level_while":
        index = next(i for i, c in enumerate(nb["cells"]) if _gid(c) == "imports")
        nb["cells"].insert(index + 1, _code_cell("bench-loop", "# wait for the data to arrive\nwhile True:\n    pass"))
    elif variant == "top_level_call_never_returns":
        index = next(i for i, c in enumerate(nb["cells"]) if _gid(c) == "imports")
        nb["cells"].insert(index + 1, _code_cell(
            "bench-loop", "def wait_for_data():\n    while True:\n        pass\n\n\nready = wait_for_data()"))
    elif kind != "correct":
        raise ValueError(variant)
    return nb


def plan(n: int, seed: int) -> list[tuple[str, str]]:
    """(kind, variant) of each student, deterministic in ``seed``."""
    counts = [int(round(n * share)) for _, share in MIX]
    counts[0] += n - sum(counts)
    kinds = [k for (k, _), c in zip(MIX, counts) for _ in range(c)]
    rng = random.Random(seed)
    rng.shuffle(kinds)
    wrong = sorted(p.name for p in CATALOGUE.glob("*.py"))
    rng.shuffle(wrong)
    seen = {"wrong": 0, "crash": 0, "loop": 0}
    out = []
    for kind in kinds:
        if kind == "correct":
            out.append((kind, "reference"))
            continue
        pool = {"wrong": wrong, "crash": CRASHES, "loop": LOOPS}[kind]
        out.append((kind, pool[seen[kind] % len(pool)]))
        seen[kind] += 1
    return out


# -- the two graders -------------------------------------------------------------------
def run_ours(work: Path, students: list[str], jobs: int, interval: float) -> dict:
    out = work / "ours-out"
    cmd = [sys.executable, "-m", "autograder", "grade", ASSIGNMENT, str(work / "subs"), "--out", str(out),
           "--jobs", str(jobs)]
    fig = measure(cmd, REPO, dict(os.environ), work / "ours.log", interval)
    fig["command"] = f"cd {shlex.quote(str(REPO))} && " + shlex.join(cmd)
    fig["api"] = (f'api.grade_batch("{ASSIGNMENT}", ["{work / "subs"}"], "{out}", jobs={jobs})  '
                  "# what the command calls")
    per, scores = {}, {}
    for s in students:
        path = out / s / "results.json"
        if path.is_file():
            data = json.loads(path.read_text())
            # the automatic parts' maximum: the written questions (manual parts) wait for a person, and
            # nbgrader's course has no such parts
            automatic = sum(p["max_score"] for name, p in data["extra_data"]["parts"].items()
                            if name not in MANUAL_PARTS)
            per[s], scores[s] = data["execution_time"], (data["score"], automatic)
    fig.update(per_submission=per, scores=scores, graded=len(per))
    return fig


def _nbgrader_env() -> dict:
    env = dict(os.environ)
    scripts = sysconfig.get_path("scripts")
    env["PATH"] = scripts + os.pathsep + env.get("PATH", "")
    return env


def build_course(work: Path, log) -> tuple[Path, dict, dict]:
    """The nbgrader course with its source notebook; generate_assignment run. Returns (course, release nb, timings)."""
    course = work / "course"
    (course / "source" / ASSIGNMENT / "data").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
        f"c.CourseDirectory.root = {str(course)!r}\n")
    (course / "source" / ASSIGNMENT / "backprop.ipynb").write_text(json.dumps(source_notebook(), indent=1) + "\n")
    shutil.copy(DATA / "ner_train.npz", course / "source" / ASSIGNMENT / "data" / "ner_train.npz")
    cmd = ["nbgrader", "generate_assignment", ASSIGNMENT, "--force"]
    started = time.monotonic()
    done = subprocess.run(cmd, cwd=course, env=_nbgrader_env(), capture_output=True, text=True)
    took = time.monotonic() - started
    (work / "nbgrader-generate.log").write_text(done.stdout + done.stderr)
    if done.returncode:
        raise SystemExit(f"nbgrader generate_assignment failed ({done.returncode}); see {work}/nbgrader-generate.log")
    print(f"nbgrader generate_assignment: {took:.1f} s", file=log)
    release = json.loads((course / "release" / ASSIGNMENT / "backprop.ipynb").read_text())
    return course, release, {"generate_assignment_s": took}


def _check_release(release: dict, log) -> None:
    """nbgrader's release notebook must be ours plus the test cells."""
    ours = without_our_checker(json.loads(OUR_RELEASE.read_text()))
    theirs = [c for c in release["cells"] if not (_gid(c) or "").startswith("test_")]
    same = len(theirs) == len(ours["cells"]) and all(_text(a).strip() == _text(b).strip()
                                                     for a, b in zip(theirs, ours["cells"]))
    if not same:
        print(f"note: nbgrader's release notebook differs from {OUR_RELEASE.relative_to(REPO)} outside the "
              "test cells (the student notebooks are made from nbgrader's)", file=log)


def run_nbgrader(work: Path, course: Path, students: list[str], timeout: int, interval: float, log) -> dict:
    env = _nbgrader_env()
    csv_path = course / "students.csv"
    with csv_path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "first_name", "last_name", "email"])
        writer.writerows([s, s, "bench", ""] for s in students)
    setup_cmd = ["nbgrader", "db", "student", "import", "students.csv"]
    started = time.monotonic()
    done = subprocess.run(setup_cmd, cwd=course, env=env, capture_output=True, text=True)
    import_s = time.monotonic() - started
    if done.returncode:
        raise SystemExit(f"nbgrader db student import failed: {done.stderr[-2000:]}")
    print(f"nbgrader db student import: {import_s:.1f} s", file=log)

    starts: list[tuple[float, str]] = []
    failed: list[str] = []
    start_re = re.compile(r"Creating/updating student with ID '([^']+)'")
    fail_re = re.compile(r"error processing assignment '[^']+' for student '([^']+)'")

    def on_line(t: float, line: str) -> None:
        if m := start_re.search(line):
            starts.append((t, m.group(1)))
            if len(starts) % 20 == 0:
                print(f"  nbgrader: {len(starts)}/{len(students)} started, {t:.0f} s", file=log, flush=True)
        elif m := fail_re.search(line):
            failed.append(m.group(1))

    cmd = ["nbgrader", "autograde", ASSIGNMENT, "--force", f"--ExecutePreprocessor.timeout={timeout}"]
    fig = measure(cmd, course, env, work / "nbgrader-autograde.log", interval, on_line)
    per = {}
    for (t, s), nxt in zip(starts, [t for t, _ in starts[1:]] + [fig["wall_s"]]):
        per[s] = nxt - t
    export_cmd = ["nbgrader", "export", "--to", "grades.csv"]
    started = time.monotonic()
    subprocess.run(export_cmd, cwd=course, env=env, capture_output=True, text=True)
    export_s = time.monotonic() - started
    scores = {}
    if (course / "grades.csv").is_file():
        with (course / "grades.csv").open() as fh:
            for row in csv.DictReader(fh):
                if row["student_id"] in per:
                    scores[row["student_id"]] = (float(row["score"] or 0), float(row["max_score"] or 0))
    fig.update(per_submission=per, scores=scores, graded=len(per) - len(set(failed)), failed=sorted(set(failed)),
               startup_s=starts[0][0] if starts else float("nan"), import_s=import_s, export_s=export_s)
    fig["cwd"] = str(course)
    fig["path"] = env["PATH"].split(os.pathsep)[0]
    fig["commands"] = [
        (shlex.join(["nbgrader", "generate_assignment", ASSIGNMENT, "--force"]), "set-up, not timed"),
        (shlex.join(setup_cmd), f"set-up, not timed: one call for all {len(students)} students (every "
                                "nbgrader call pays its start-up: `nbgrader db student add` per student would "
                                "pay it N times)"),
        (shlex.join(cmd), "MEASURED"),
        (shlex.join(export_cmd), "the scores, not timed"),
    ]
    return fig


# -- report -------------------------------------------------------------------
def _row(name: str, fig: dict, n_for_rate: int) -> str:
    per = list(fig["per_submission"].values())
    rate = n_for_rate / fig["wall_s"]
    return (f"| {name} | {n_for_rate} | {fig['wall_s']:.1f} | {rate:.3f} | {statistics.median(per):.2f} | "
            f"{pct(per, 0.95):.2f} | {max(per):.2f} | {fig['wall_s'] / n_for_rate:.2f} | {fig['cpu_s']:.0f} | "
            f"{fig['peak_tree_rss_mb']:.0f} / {fig['peak_tree_pss_mb']:.0f} | {fig['maxrss_mb']:.0f} | "
            f"{fig['load_during'].get('mean', float('nan')):.2f} ({fig['load_during'].get('max', float('nan')):.2f}) | "
            f"{fig['others_busy_cores']:.2f} |")


def _by_kind(fig: dict, kinds: dict) -> dict:
    out = {}
    for student, (kind, _) in kinds.items():
        if student not in fig["per_submission"]:
            continue
        row = out.setdefault(kind, {"n": 0, "full": 0, "score": [], "time": []})
        row["n"] += 1
        score, top = fig["scores"].get(student, (0.0, 0.0))
        row["score"].append(score)
        row["full"] += bool(top) and score >= top
        row["time"].append(fig["per_submission"][student])
    return out


def report(args, ours: dict | None, nbg: dict | None, kinds: dict, setup: dict) -> dict:
    print()
    print(f"backprop notebooks: N={args.n} (seed {args.seed}"
          + ("; demo cells emptied" if args.strip_demo_cells else "") + "); mix "
          + ", ".join(f"{k} {sum(1 for v in kinds.values() if v[0] == k)}" for k, _ in MIX)
          + f"; grader at {setup['git']} (at the start); machine: {os.cpu_count()} cores; load average before: "
          + " ".join(f"{x:.2f}" for x in setup["load_at_start"]))
    print()
    print("| grader | N | wall s | subs/s | median s | p95 s | max s | wall/N s | CPU s | peak tree RSS / PSS MB "
          "| max single RSS MB | load 1-min mean (max) | others' CPU, cores |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    if ours:
        print(_row(f"ours, --jobs {args.jobs}", ours, len(ours["per_submission"])))
    if nbg:
        m = len(nbg["per_submission"])
        print(_row("nbgrader autograde (serial)", nbg, m))
        if args.extrapolate and m < args.n:
            est = nbg["wall_s"] * args.n / m
            print(f"| nbgrader, EXTRAPOLATED to N={args.n} from {m} | {args.n} | {est:.1f} (est.) | "
                  f"{args.n / est:.3f} | | | | | | | | | |")
    print("\nper submission: ours = each results.json's execution_time (J submissions run at once, so wall/N is "
          "lower); nbgrader = time between consecutive students in its log (serial"
          + (f"; the first starts after {nbg['startup_s']:.1f} s of start-up)." if nbg else ")."))
    sources = {f["cpu_source"] for f in (ours, nbg) if f}
    print("CPU s: the command's whole process tree, " + ("from a cpuacct cgroup" if sources == {"cpuacct"} else
          "from wait4 (misses killed sandbox processes)") + "; peak tree RSS sums shared pages once per process, "
          "PSS once in all; others' CPU: the machine's busy CPU minus the tree's, averaged over the wall time "
          "(other work on the machine competing for its cores).")
    summary = {}
    if ours and nbg:
        r_ours = len(ours["per_submission"]) / ours["wall_s"]
        r_nbg = len(nbg["per_submission"]) / nbg["wall_s"]
        summary["throughput_ratio"] = r_ours / r_nbg
        print(f"throughput ratio ours / nbgrader: {r_ours / r_nbg:.2f}x "
              f"({r_ours:.3f} vs {r_nbg:.3f} submissions/s)"
              + (f"; nbgrader on {len(nbg['per_submission'])} of {args.n}" if len(nbg["per_submission"]) < args.n
                 else ""))
        cpu_ours = ours["cpu_s"] / len(ours["per_submission"])
        cpu_nbg = nbg["cpu_s"] / len(nbg["per_submission"])
        print(f"CPU per submission: ours {cpu_ours:.2f} s, nbgrader {cpu_nbg:.2f} s (ratio {cpu_nbg / cpu_ours:.2f}x)")
    print("\nby kind of submission: n, full marks, mean score, median / max seconds per submission")
    for name, fig in (("ours", ours), ("nbgrader", nbg)):
        if not fig:
            continue
        for kind, row in sorted(_by_kind(fig, kinds).items()):
            print(f"  {name:8s} {kind:8s} n={row['n']:3d} full={row['full']:3d} "
                  f"mean={statistics.fmean(row['score']):6.1f} "
                  f"time {statistics.median(row['time']):.2f} / {max(row['time']):.2f} s")
    if nbg and nbg["failed"]:
        print(f"  nbgrader could not grade {len(nbg['failed'])} notebook(s) (kernel died, no grades): "
              + ", ".join(f"{s} ({kinds[s][1]})" for s in nbg["failed"]))
    if ours and ours["rc"]:
        print(f"  ours exited with {ours['rc']}")
    print(f"\ncommands (W = {args.keep or 'a temporary folder'}):")
    print(f"  make the notebooks: python3 bench/compare_nbgrader.py --n {args.n} --seed {args.seed} --keep W"
          + (" --strip-demo-cells" if args.strip_demo_cells else ""))
    if ours:
        print(f"  ours:     {ours['command']}\n            # {ours['api']}")
    if nbg:
        timed = {"generate_assignment": setup["generate_assignment_s"], "import": nbg["import_s"],
                 "autograde": nbg["wall_s"], "export": nbg["export_s"]}
        print(f"  nbgrader: cd {shlex.quote(nbg['cwd'])} && export PATH={shlex.quote(nbg['path'])}:$PATH")
        for command, note in nbg["commands"]:
            took = next((v for k, v in timed.items() if k in command.split()[1:4]), float("nan"))
            print(f"            {command}   # {note}; {took:.1f} s")
    return summary


def _git_state() -> str:
    """The commit measured, and whether the working tree had changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True)
        return head.stdout.strip() + (" + uncommitted changes" if dirty.stdout.strip() else "")
    except OSError:
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="notebooks (default 200)")
    parser.add_argument("--jobs", type=int, default=2, help="our parallel submissions (default 2)")
    parser.add_argument("--nbgrader-n", type=int, default=None, help="grade only the first M with nbgrader")
    parser.add_argument("--extrapolate", action="store_true", help="scale nbgrader's wall time from M to N")
    parser.add_argument("--timeout", type=int, default=10, help="nbgrader's per-cell timeout in s (default 10)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--strip-demo-cells", action="store_true",
                        help="empty the notebook's demo cells (gradient checks, training run) in every submission: "
                             "nbgrader runs them, ours skips top-level calls anyway")
    parser.add_argument("--sample-s", type=float, default=0.25, help="/proc sampling interval")
    parser.add_argument("--skip-ours", action="store_true")
    parser.add_argument("--skip-nbgrader", action="store_true",
                        help="grade with ours only (nbgrader still writes the release the notebooks are made from)")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR (must not exist) and keep it")
    parser.add_argument("--json", metavar="FILE", help="write every figure here")
    args = parser.parse_args()
    log = sys.stderr
    setup = {"load_at_start": os.getloadavg(), "git": _git_state()}  # at the start: the tree may move meanwhile
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-nbgrader-"))
    work.mkdir(parents=True, exist_ok=bool(not args.keep))
    try:
        course, release, timings = build_course(work, log)
        setup.update(timings)
        _check_release(release, log)
        bodies = _solution_bodies()
        kinds = {}
        m = min(args.n, args.nbgrader_n or args.n)
        for i, (kind, variant) in enumerate(plan(args.n, args.seed)):
            student = f"s{i:03d}"
            kinds[student] = (kind, variant)
            nb = make_student(release, bodies, kind, variant, args.strip_demo_cells)
            data = (json.dumps(nb, indent=1) + "\n").encode()
            (work / "subs" / student).mkdir(parents=True)
            (work / "subs" / student / "backprop.ipynb").write_bytes(data)
            if i < m:
                (course / "submitted" / student / ASSIGNMENT).mkdir(parents=True)
                (course / "submitted" / student / ASSIGNMENT / "backprop.ipynb").write_bytes(data)
        print(f"{args.n} notebooks in {work / 'subs'}; {m} in {course / 'submitted'}", file=log)
        ours = nbg = None
        if not args.skip_ours:
            print(f"grading with ours (--jobs {args.jobs}) ...", file=log, flush=True)
            ours = run_ours(work, list(kinds), args.jobs, args.sample_s)
            print(f"  ours: {ours['wall_s']:.1f} s, rc {ours['rc']}", file=log)
        if not args.skip_nbgrader:
            print(f"grading with nbgrader autograde (timeout {args.timeout} s per cell) ...", file=log, flush=True)
            nbg = run_nbgrader(work, course, list(kinds)[:m], args.timeout, args.sample_s, log)
            print(f"  nbgrader: {nbg['wall_s']:.1f} s, rc {nbg['rc']}", file=log)
        record = {"args": vars(args), "setup": setup, "kinds": kinds, "ours": ours, "nbgrader": nbg}
        if args.json:  # before the report, so that a failing report loses no measurement
            Path(args.json).write_text(json.dumps(record, indent=1, default=str) + "\n")
        record["summary"] = report(args, ours, nbg, kinds, setup)
        if args.json:
            Path(args.json).write_text(json.dumps(record, indent=1, default=str) + "\n")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"\nwork folder kept: {work}", file=log)


if __name__ == "__main__":
    main()
