"""``grade --cluster``: a real local Dask scheduler and workers (subprocesses) grade like the local pool.

The integration tests start ``dask scheduler`` and two ``dask worker``
processes, one declaring ``--resources GPU=1`` (without CUDA: its GPU parts
run on the CPU, and what is checked is where they ran). Every wait is
bounded and every process started is killed at the end, sandboxes included.
"""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import time
from pathlib import Path

import pytest

from autograder import api, cluster, cluster_worker, course, devices, grade, record, report
from autograder.gradebook import Gradebook
from autograder.localcluster import LocalCluster
from autograder.course import Course
from helpers import FIXTURE_COURSE, comparable_record

distributed = pytest.importorskip("distributed")

GOOD = (FIXTURE_COURSE / "solutions" / "minigpu" / "minigpu.py").read_text()
GRADE_TIMEOUT_S = 120


@pytest.fixture
def minigpu(monkeypatch):
    monkeypatch.chdir(FIXTURE_COURSE)
    return course.find("minigpu")


def make_batch(folder: Path) -> Path:
    """Right, wrong in either part, unreadable, unimplemented, and chatty submissions."""
    folder.mkdir(parents=True)
    variants = {
        "good1": GOOD,
        "good2": GOOD + "\n# another student\n",
        "wrong_add": GOOD.replace("return a + b", "return a - b"),
        "wrong_scale": GOOD.replace("return factor * np", "return 2 * factor * np"),
        "stub": re.sub(r"### BEGIN SOLUTION.*?### END SOLUTION", "raise NotImplementedError()", GOOD, flags=re.S),
        "syntax": GOOD.replace("def add(a, b):", "def add(a, b)"),
        "chatty": GOOD.replace("    return a + b", "    print('adding', a, b)\n    return a + b")
                      .replace("    return factor *", "    print('scaling by', factor)\n    return factor *"),
    }
    for student, source in variants.items():
        (folder / f"{student}.py").write_text(source)
    return folder


def slow_batch(folder: Path, n: int, sleep_s: float) -> Path:
    folder.mkdir(parents=True)
    body = GOOD.replace("    return 1.0", f"    import time\n    time.sleep({sleep_s})\n    return 1.0")
    for i in range(n):
        (folder / f"s{i:02d}.py").write_text(body + f"\n# student {i}\n")
    return folder


def grade_bounded(*args, timeout_s: float = GRADE_TIMEOUT_S, **kwargs):
    """api.grade_batch in a thread, so that a hang fails the test instead of blocking it."""
    box: dict = {}

    def run():
        try:
            box["value"] = api.grade_batch(*args, log=io.StringIO(), **kwargs)
        except BaseException as exc:  # handed to the test
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        pytest.fail(f"grading did not finish within {timeout_s} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def comparable(results: dict) -> dict:
    """results.json without what differs between any two runs (times) or names the runner's machinery."""
    results = json.loads(json.dumps(results))
    results.pop("execution_time")
    for test in results["tests"]:
        test["extra_data"].pop("duration_s")
    for key in ("runner", "sandbox"):
        results["extra_data"].pop(key, None)
    return results


def outputs(out: Path) -> tuple[bytes, dict, dict]:
    students = sorted(p.parent.name for p in out.glob("*/results.json"))
    return ((out / "gradebook.csv").read_bytes(),
            {s: comparable(json.loads((out / s / "results.json").read_text())) for s in students},
            {s: (out / s / "feedback.md").read_text() for s in students})


def records(out: Path) -> dict:
    """The gradebook's records, without what names the runner or differs between any two runs."""
    book = Gradebook(out)
    try:
        return {row.student: comparable_record(row.result) for row in book.rows()}
    finally:
        book.close()


def by_name(local: LocalCluster) -> dict:
    return {w["name"]: address for address, w in local.workers().items()}


def alive(pids: list[int]) -> list[int]:
    import psutil
    left = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                left.append(pid)
        except psutil.NoSuchProcess:
            pass
    return left


def started_pids(local: LocalCluster) -> list[int]:
    import psutil
    pids = []
    for proc in local.procs:
        pids.append(proc.pid)
        try:
            pids += [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            pass
    return pids


@pytest.fixture(scope="module")
def two_workers():
    """A scheduler, a CPU worker ("worker-0") and a GPU-labelled worker ("worker-1"), all killed at the end."""
    local = LocalCluster(workers=[{}, {"GPU": 1}])
    with local:
        yield local
        pids = started_pids(local)
    assert not local.procs
    deadline = time.monotonic() + 10
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert alive(pids) == [], "a process started by the test cluster outlived it"


# -- without a cluster ---------------------------------------------------------------
def test_the_course_travels_as_bytes_and_loads_without_the_course_folder(minigpu):
    blob = cluster.pack_course(minigpu)
    assert blob == cluster.pack_course(minigpu)  # byte-identical: one content, one unpacked folder per host
    import gzip
    import tarfile
    names = tarfile.open(fileobj=io.BytesIO(gzip.decompress(blob))).getnames()
    assert "assignments/minigpu/tests/hidden/test_scaled.py" in names and "solutions/minigpu/minigpu.py" in names
    assert not [n for n in names if "__pycache__" in n or n.startswith(("assignments/mini/", "solutions/mini/"))]
    unpacked = cluster_worker.course_assignment("minigpu", blob)
    assert FIXTURE_COURSE.resolve() not in unpacked.root.parents
    assert unpacked.parts == minigpu.parts and unpacked.settings("cuda") == minigpu.settings("cuda")
    assert (Course.of(unpacked).solution_dir(unpacked.name) / "minigpu.py").read_text() == GOOD


def test_gpu_and_cpu_halves_merge_into_the_local_result(minigpu):
    data = GOOD.replace("    return a + b", "    print('adding')\n    return a - b").encode()
    whole = grade.grade_submission(minigpu, "alice", "minigpu.py", data)
    halves = [grade.run_parts(minigpu, "minigpu.py", data, parts=parts, worker=worker).to_dict()
              for parts, worker in ((("basics",), "tcp://cpu:1"), (("scaled",), "tcp://gpu:1"))]
    assert [o["part"] for o in halves[1]["outcomes"]] == ["scaled", "scaled"]
    runs = cluster.runs_of(json.loads(json.dumps(halves)), whole.sha256)  # plain data, as sent
    merged = record.assemble(minigpu, "alice", runs, "dask")
    assert comparable_record(merged) == comparable_record(whole)
    assert comparable(report.results_json(merged)) == comparable(report.results_json(whole))
    assert report.feedback_md(merged) == report.feedback_md(whole)
    runner = report.results_json(merged)["extra_data"]["runner"]
    assert runner == {"executor": "dask", "workers": {"basics": "tcp://cpu:1", "scaled": "tcp://gpu:1"}}


def test_a_payload_from_another_grader_or_of_other_bytes_is_refused(minigpu):
    data = GOOD.encode()
    payload = grade.run_parts(minigpu, "minigpu.py", data, parts=("basics",)).to_dict()
    with pytest.raises(cluster.ClusterError, match="other bytes"):
        cluster.runs_of([payload], "0" * 64)
    with pytest.raises(cluster.ClusterError, match="runs autograder 0.0.0"):
        cluster.runs_of([{**payload, "grader_version": "0.0.0"}], payload["sha256"])


def test_gpu_parts_go_to_gpu_workers_or_say_they_ran_on_the_cpu(minigpu):
    plain, gpu = {"tcp://a:1": {"resources": {}}}, {"tcp://a:1": {}, "tcp://b:1": {"resources": {"GPU": 1}}}
    kinds, note = cluster._plan(None, minigpu, "auto", gpu)
    assert [(k.label, k.parts, k.resources) for k in kinds] == [("cpu", ("basics",), None),
                                                                 ("gpu", ("scaled",), {"GPU": 1})]
    kinds, note = cluster._plan(None, minigpu, "auto", plain)  # no GPU worker: --device auto's CPU fallback
    assert [(k.label, k.parts, k.resources, k.device) for k in kinds] == [("all", None, None, "cpu")]
    assert "CPU settings" in note
    assert [k.label for k in cluster._plan(None, minigpu, "cpu", gpu)[0]] == ["all"]
    with pytest.raises(devices.DeviceError, match="GPU resource"):
        cluster._plan(None, minigpu, "cuda", plain)


def test_an_unreachable_scheduler_is_reported_at_once(minigpu, tmp_path):
    started = time.monotonic()
    with pytest.raises(cluster.ClusterError, match="cannot reach a Dask scheduler"):
        api.grade_batch("minigpu", [make_batch(tmp_path / "subs")], tmp_path / "out", log=io.StringIO(),
                        cluster="tcp://127.0.0.1:1")
    assert time.monotonic() - started < 10


# -- a real local cluster ---------------------------------------------------------------
@pytest.mark.dask
def test_a_cluster_run_equals_a_local_run_and_gpu_parts_stay_on_the_gpu_worker(minigpu, tmp_path, two_workers):
    subs = make_batch(tmp_path / "subs")
    local_results, local_faults = grade_bounded("minigpu", [subs], tmp_path / "local", 2)
    remote_results, remote_faults = grade_bounded("minigpu", [subs], tmp_path / "cluster",
                                                  cluster=two_workers.address)
    assert local_faults == remote_faults == [] and len(remote_results) == len(local_results) == 7
    assert {r.student: r.score for r in remote_results} == {r.student: r.score for r in local_results}
    assert outputs(tmp_path / "cluster") == outputs(tmp_path / "local")
    assert records(tmp_path / "cluster") == records(tmp_path / "local")  # field by field, runner metadata aside
    totals = {r["student"]: r["total"] for r in csv.DictReader((tmp_path / "cluster" / "gradebook.csv").open())}
    assert totals["good1"] == "10" and totals["wrong_scale"] == "8" and totals["syntax"] == "0"

    names = by_name(two_workers)
    for student in totals:
        extra = json.loads((tmp_path / "cluster" / student / "results.json").read_text())["extra_data"]
        assert extra["runner"]["executor"] == "dask"
        workers = extra["runner"]["workers"]
        assert workers["scaled"] == names["worker-1"]  # the GPU part: only the GPU-labelled worker
        assert workers["basics"] in names.values()
        assert extra["parts"]["scaled"]["device"] == "cpu"  # GPU=1 declared, but no CUDA on this machine

    again, _ = grade_bounded("minigpu", [subs], tmp_path / "cluster", cluster=two_workers.address)
    assert again == []  # a re-run resumes: nothing graded twice
    forced, _ = grade_bounded("minigpu", [subs], tmp_path / "cluster", cluster=two_workers.address, regrade=True)
    assert len(forced) == 7 and outputs(tmp_path / "cluster") == outputs(tmp_path / "local")


@pytest.mark.dask
def test_a_worker_killed_mid_batch_loses_no_submission(minigpu, tmp_path):
    # 0.7 s per submission: time to kill a worker mid-task, within the 1 s floor of a call's limit (calls.py)
    subs = slow_batch(tmp_path / "subs", 8, sleep_s=0.7)
    with LocalCluster(workers=[{}, {"GPU": 1}]) as local:
        names = by_name(local)
        victim = names["worker-0"]
        box: dict = {}
        batch = threading.Thread(target=lambda: box.update(value=grade_bounded(
            "minigpu", [subs], tmp_path / "out", cluster=local.address)), daemon=True)
        batch.start()
        lost: set[str] = set()
        with distributed.Client(local.address, timeout=30, set_as_default=False) as client:
            deadline = time.monotonic() + 60
            while not lost and time.monotonic() < deadline and batch.is_alive():
                keys = client.processing(workers=[victim]).get(victim, ())
                lost = {k for k in keys if "-cpu-" in str(k)}
                time.sleep(0.05)
            assert lost, "the CPU worker never got a submission"
            time.sleep(0.3)  # inside the task: measuring the reference, or slow() sleeping
            local.kill_worker(local.worker_procs[0])
        batch.join(GRADE_TIMEOUT_S)
        assert not batch.is_alive()
        pids = started_pids(local)
    assert alive(pids) == []
    results, faults = box["value"]
    assert faults == [] and sorted(r.student for r in results) == [f"s{i:02d}" for i in range(8)]
    assert all(r.score == r.max_score == 10 for r in results)
    for key in lost:  # what the killed worker held was graded again elsewhere
        student = re.match(r"autograder-[0-9a-f]+-(.+)-cpu-\d+$", str(key)).group(1)
        extra = json.loads((tmp_path / "out" / student / "results.json").read_text())["extra_data"]
        assert extra["runner"]["workers"]["basics"] == names["worker-1"]
    rows = list(csv.DictReader((tmp_path / "out" / "gradebook.csv").open()))
    assert len(rows) == 8 and {r["status"] for r in rows} == {"graded"}
