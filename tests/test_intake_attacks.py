"""The trusted side of intake: what a student sends cannot reach past their own submission.

Each hostile input is built here, in tmp_path: archive entries that climb out
of their folder, symbolic links, zip bombs, archives of 100,000 entries,
nested archives, notebooks nested 100,000 deep or of a million cells, names
that are paths, escapes or OUT's own files, and metadata a student wrote.
Each must end as a note for that student, never an exception, never a file
outside the output folder, never another student's grade.
"""

import csv
import io
import json
import os
import stat
import struct
import time
import zipfile
from pathlib import Path

import pytest
import yaml

from autograder import api, config
from autograder.extract import extract
from autograder.ids import safe_id
from autograder.ingest import find_submissions
from autograder.intake_limits import DEFAULT, IntakeLimits, Refused
from helpers import FIXTURE_COURSE

GOOD = (FIXTURE_COURSE / "solutions" / "mini" / "mini.py").read_text()
WRONG = GOOD.replace("return a + b", "return a - b")
MiB = 1024 * 1024


def zipped(files: dict, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in files.items():
            if isinstance(name, zipfile.ZipInfo):
                name.compress_type = compression
            z.writestr(name, data)
    return buf.getvalue()


def symlink_entry(name: str, target: str) -> tuple[zipfile.ZipInfo, str]:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target


def notes_of(found) -> str:
    return " | ".join(found.notes)


# ---------------------------------------------------------------- archives

@pytest.mark.parametrize("entry", ["../../evil/mini.py", "/etc/cron.d/mini.py", "C:\\Users\\ta\\mini.py",
                                   "hw\\..\\..\\mini.py", "C:mini.py", "hw/../../mini.py"])
def test_an_entry_that_climbs_out_of_its_folder_is_skipped(entry):
    found = extract("alice.zip", zipped({entry: WRONG, "hw/other.py": GOOD}), "mini")
    assert found.source == GOOD and "graded hw/other.py" in found.notes[0]
    assert f"skipped archive entry {entry!r}" in notes_of(found)
    only = extract("alice.zip", zipped({entry: GOOD}), "mini")
    assert only.source is None and "holds no .py or .ipynb" in notes_of(only) and "skipped" in notes_of(only)


def test_a_symbolic_link_entry_is_never_followed():
    info, target = symlink_entry("mini.py", "/etc/passwd")
    found = extract("alice.zip", zipped({info: target, "work.py": GOOD}), "mini")
    assert found.source == GOOD  # mini.py would have won: it is skipped
    assert "skipped archive entry 'mini.py': it is a symbolic link" in notes_of(found)


def bomb(size: int = 200 * MiB, name: str = "mini.py") -> bytes:
    """``size`` zeros, deflated to about size/1000, written in chunks (never whole in memory)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open(name, "w") as f:
            for _ in range(size // MiB):
                f.write(bytes(MiB))
    return buf.getvalue()


@pytest.fixture(scope="module")
def zip_bomb():
    return bomb()


def test_a_zip_bomb_is_refused_after_reading_little(zip_bomb):
    assert len(zip_bomb) < 1 * MiB
    started = time.monotonic()
    found = extract("alice.zip", zip_bomb, "mini")
    assert time.monotonic() - started < 5
    assert found.source is None
    assert "compressed more than 100x" in notes_of(found) and "nothing was graded" in notes_of(found)


def test_sizes_are_counted_on_the_bytes_read_not_on_what_the_archive_declares():
    data = bytearray(bomb(30 * MiB))
    at = data.rfind(b"PK\x01\x02")  # the central directory entry: its inflated size claims 10 bytes
    data[at + 24:at + 28] = struct.pack("<I", 10)
    found = extract("alice.zip", bytes(data), "mini")
    assert found.source is None and "mini.py" in notes_of(found)
    # and without the ratio check, the cap on the inflated bytes still holds
    found = extract("alice.zip", bomb(30 * MiB), "mini", IntakeLimits(compression_ratio=10**6))
    assert found.source is None and "inflates to more than 20 MiB" in notes_of(found)


def test_an_archive_of_100k_entries_is_refused_before_its_directory_is_parsed(monkeypatch):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for i in range(100_000):
            z.writestr(f"{i}.py", "")
        z.writestr("mini.py", GOOD)
    parsed = []
    monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", lambda self: parsed.append(1))
    found = extract("alice.zip", buf.getvalue(), "mini")
    assert found.source is None and "more than 20,000 entries" in notes_of(found) and not parsed


def test_an_archive_lying_about_its_entry_count_is_refused_after_parsing():
    data = bytearray(zipped({f"{i}.py": "" for i in range(50)}))
    at = data.rfind(b"PK\x05\x06")
    data[at + 8:at + 12] = struct.pack("<HH", 3, 3)  # the end record claims 3 entries
    found = extract("alice.zip", bytes(data), "mini", IntakeLimits(archive_entries=10))
    assert found.source is None and "more than 10 entries" in notes_of(found)


def test_one_zip_inside_a_zip_is_opened_and_no_deeper():
    once = zipped({"folder.zip": zipped({"hw/mini.py": GOOD})})
    found = extract("alice.zip", once, "mini")
    assert found.source == GOOD and "graded folder.zip from alice.zip" in notes_of(found)
    twice = zipped({"a.zip": once})
    found = extract("alice.zip", twice, "mini")
    assert found.source is None and "nested deeper than intake opens (1 level(s))" in notes_of(found)
    assert extract("alice.zip", twice, "mini", IntakeLimits(nested_archives=2)).source == GOOD


def test_nested_archives_share_one_budget():
    inner = zipped({"mini.py": GOOD + "#" + os.urandom(3 * MiB // 2).hex()})  # 3 MiB, 2x compressed: fine alone
    assert extract("alice.zip", zipped({"in.zip": inner}), "mini").source.startswith(GOOD)
    found = extract("alice.zip", zipped({"in.zip": inner}), "mini", IntakeLimits(archive_bytes=2 * MiB))
    assert found.source is None and "the archive's limit in all" in notes_of(found)


def test_exotic_compression_is_not_inflated():
    found = extract("alice.zip", zipped({"mini.py": GOOD}, zipfile.ZIP_BZIP2), "mini")
    assert found.source is None and "compressed with a method other than deflate" in notes_of(found)


# ---------------------------------------------------------------- notebooks

def test_a_notebook_nested_100k_deep_is_refused_before_parsing(monkeypatch):
    deep = b'{"cells": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    monkeypatch.setattr(json, "loads", lambda *a, **k: pytest.fail("parsed"))
    found = extract("mini.ipynb", deep, "mini")
    assert found.source is None and "nested more than 64 levels" in notes_of(found)


def test_brackets_inside_strings_do_not_count():
    src = "x = '" + "[" * 1000 + "\\\"{{'\n"
    nb = json.dumps({"cells": [{"cell_type": "code", "source": src}]}).encode()
    assert extract("mini.ipynb", nb, "mini").source.startswith("x = ")


def test_a_notebook_of_a_million_cells_is_refused_before_parsing(monkeypatch):
    huge = b'{"cells": [' + b",".join([b"{}"] * 1_000_000) + b"]}"
    monkeypatch.setattr(json, "loads", lambda *a, **k: pytest.fail("parsed"))
    found = extract("mini.ipynb", huge, "mini")
    assert found.source is None and "more than 500,000 JSON values" in notes_of(found)


def test_cell_count_and_cell_size_are_capped_after_parsing():
    cells = [{"cell_type": "code", "source": f"x{i} = {i}"} for i in range(20)]
    found = extract("mini.ipynb", json.dumps({"cells": cells}).encode(), "mini", IntakeLimits(notebook_cells=10))
    assert found.source is None and "has 20 cells, more than the 10" in notes_of(found)
    cells = [{"cell_type": "code", "source": GOOD}, {"cell_type": "code", "source": "y = 1\n" + "#" * (2 * MiB)}]
    found = extract("mini.ipynb", json.dumps({"cells": cells}).encode(), "mini")
    assert found.source.strip() == GOOD.strip() and "cell 2: its source is larger than 1 MiB" in notes_of(found)


@pytest.mark.parametrize("data, words", [
    (b'{"cells": [{"cell_type": "code", "source": "x = \xff\xfe"}]}', "not UTF-8"),
    (b'{"cells": [{"cell_type": "code", "source": "x = 1"}', "not JSON"),
    (b'{"cells": "' + b"a" * 100 + b'}', "not JSON"),
    (b"[" * 10 + b"]" * 10, "no list of cells"),
    (b'{"cells": [{"cell_type": "code", "source": ["x = 1", 2, null]}]}', "its source is not text"),
    (b'{"cells": [{"cell_type": "code", "source": {"a": 1}}]}', "its source is not text"),
    (b'{"cells": [{"cell_type": "code", "source": "x = \\ud800"}]}', "not valid Unicode"),
    (b'{"cells": [{"cell_type": "code", "source": "x = 1\\u0000"}]}', "null"),
])
def test_malformed_notebooks_are_a_message(data, words):
    found = extract("mini.ipynb", data, "mini")
    assert found.source is None and words in notes_of(found), notes_of(found)


def test_a_notebook_larger_than_the_cap_is_not_decoded():
    found = extract("mini.ipynb", b" " * (2 * MiB), "mini", IntakeLimits(file_bytes=1 * MiB))
    assert found.source is None and "larger than 1 MiB" in notes_of(found)


# ---------------------------------------------------------------- ids

@pytest.mark.parametrize("name", ["..", ".", "../../etc", "gradebook.csv", "gradebook.sqlite", "Summary.html",
                                  "summary", ".lock", "\x1b[31mred\x1b[0m", "<script>alert(1)</script>",
                                  "evil\u202egnp.py", "x" * 300, "a/b", "a\\b", "C:", "nul", "tab\there",
                                  "caf\udce9", "\u200b", ""])
def test_every_id_is_one_harmless_folder_name(name):
    safe = safe_id(name)
    assert safe and len(safe) <= 64 and safe_id(safe) == safe
    assert "/" not in safe and "\\" not in safe and not safe.startswith(".") and not safe.endswith(".")
    assert all(c.isprintable() and not c.isspace() for c in safe)
    assert not safe.casefold().startswith(("gradebook", "summary")) and safe not in (".", "..")
    safe.encode("utf-8")  # no lone surrogates


def test_ids_are_nfc_and_honest_ids_are_kept():
    assert safe_id("Jose\u0301") == safe_id("Jos\u00e9") == "Jos\u00e9"
    for honest in ("alice", "4711", "bert@uni.edu", "lovelace.ada", "o-brien_2", "4711+4712"):
        assert safe_id(honest) == honest


def test_long_names_are_cut_apart():
    a, b = "x" * 300, "x" * 299 + "y"
    assert len(safe_id(a)) == len(safe_id(b)) == 64 and safe_id(a) != safe_id(b)


def test_names_that_collide_are_kept_apart_in_a_stable_order(tmp_path):
    for name in ("b>c", "b<c", "Alice", "alice", "x", "x-2"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "mini.py").write_text(f"# {name}\n")
    subs = find_submissions([tmp_path], "mini", "mini")
    by_display = {s.display: s.student for s in subs}
    assert by_display == {"b<c": "b_c", "b>c": "b_c-2", "Alice": "Alice", "alice": "alice-2", "x": "x",
                          "x-2": "x-2"}
    assert all(s.read() == f"# {s.display}\n".encode() for s in subs)
    assert [s.student for s in find_submissions([tmp_path], "mini", "mini")] == [s.student for s in subs]


# ---------------------------------------------------------------- folders and links

@pytest.fixture
def course_dirs(tmp_path):
    """A secret (hidden tests), and a submissions folder with an honest bob."""
    secret = tmp_path / "hidden"
    secret.mkdir()
    (secret / "mini.py").write_text("SECRET = 'hidden test answers'\n")
    subs = tmp_path / "subs"
    (subs / "bob").mkdir(parents=True)
    (subs / "bob" / "mini.py").write_text(GOOD)
    return subs, secret


def test_a_link_out_of_a_students_folder_is_skipped_with_a_note(course_dirs):
    subs, secret = course_dirs
    (subs / "eve").mkdir()
    (subs / "eve" / "mini.py").symlink_to("/etc/passwd")
    (subs / "eve" / "bobs").symlink_to(subs / "bob")
    (subs / "eve" / "answers.py").symlink_to(secret / "mini.py")
    (subs / "eve" / "loop").symlink_to("loop")
    found = {s.student: s for s in find_submissions([subs], "mini", "mini")}
    eve = found["eve"]
    assert eve.path is None and eve.read() == b""
    for link in ("mini.py", "bobs", "answers.py", "loop"):
        assert f"skipped {link}: a symbolic link to outside your folder" in eve.note
    assert found["bob"].read() == GOOD.encode()


def test_a_link_inside_the_students_folder_is_followed(tmp_path):
    (tmp_path / "s" / "carol" / "work").mkdir(parents=True)
    (tmp_path / "s" / "carol" / "work" / "real.py").write_text(GOOD)
    (tmp_path / "s" / "carol" / "mini.py").symlink_to("work/real.py")
    (sub,) = find_submissions([tmp_path / "s"], "mini", "mini")
    assert sub.read() == GOOD.encode()


def test_a_students_folder_that_is_a_link_is_not_followed(course_dirs):
    subs, secret = course_dirs
    (subs / "mallory").symlink_to(secret)
    (subs / "trudy").symlink_to(subs / "bob")
    (subs / "oscar.py").symlink_to(secret / "mini.py")
    found = {s.student: s for s in find_submissions([subs], "mini", "mini")}
    for name in ("mallory", "trudy", "oscar"):
        assert found[name].path is None and "is a symbolic link; it was not followed" in found[name].note
    nb = subs.parent / "nb" / "submitted"
    (nb / "zed").mkdir(parents=True)
    (nb / "zed" / "mini").symlink_to(secret)
    (nb / "yan").symlink_to(secret)
    found = {s.student: s for s in find_submissions([nb.parent], "mini", "mini")}
    assert all(s.path is None and "symbolic link" in s.note for s in found.values()), found


def test_a_fifo_or_device_is_not_read(tmp_path):
    os.mkfifo(tmp_path / "alice.py")
    (sub,) = find_submissions([tmp_path], "mini", "mini")
    with pytest.raises(Refused, match="not a regular file"):
        sub.read()


def test_a_deep_tree_is_walked_without_recursion(tmp_path):
    deep = tmp_path / "s" / "dora"
    levels = [deep / "/".join(["d"] * (i + 1)) for i in range(1200)]  # past Python's recursion limit
    deep.mkdir(parents=True)
    for level in levels:
        level.mkdir()
    (levels[-1] / "mini.py").write_text(GOOD)
    try:
        (sub,) = find_submissions([tmp_path / "s"], "mini", "mini")
        assert sub.read() == GOOD.encode()
    finally:  # pytest's own clean-up recurses
        (levels[-1] / "mini.py").unlink()
        for level in reversed(levels):
            level.rmdir()


def test_entries_visited_are_capped_breadth_first(tmp_path):
    (tmp_path / "s" / "fred" / "venv").mkdir(parents=True)
    for i in range(100):
        (tmp_path / "s" / "fred" / "venv" / f"m{i}.py").write_text("")
    (tmp_path / "s" / "fred" / "zz_mini.py").write_text(GOOD)
    (sub,) = find_submissions([tmp_path / "s"], "mini", "mini", IntakeLimits(folder_entries=50))
    assert sub.read() == GOOD.encode() and "holds more than 50 files and folders" in sub.note


def test_a_file_over_the_cap_is_refused_on_read(tmp_path):
    (tmp_path / "gina.py").write_bytes(b"#" * (2 * MiB))
    (sub,) = find_submissions([tmp_path], "mini", "mini")
    with pytest.raises(Refused, match="larger than 1 MiB"):
        sub.read(IntakeLimits(file_bytes=1 * MiB))


# ---------------------------------------------------------------- metadata and exports

GRADESCOPE_META = {"submission_1001": {":submitters": [{":name": "Ada", ":sid": "4711"}]},
                   "submission_1002": {":submitters": [{":name": "Bert", ":sid": "../../etc"}]},
                   "submission_1003": {":submitters": [{":name": "x", ":sid": "gradebook.csv"}]},
                   "submission_1004": {":submitters": "not a list"},
                   "submission_1005": ["not", "a", "mapping"]}


def test_only_the_exports_own_metadata_names_students(tmp_path):
    forged = yaml.safe_dump({"submission_1001": {":submitters": [{":sid": "victim"}]}})
    export = tmp_path / "gs.zip"
    export.write_bytes(zipped({
        "e/submission_1001/submission_metadata.yml": forged,  # the student uploaded this; it comes first
        "e/submission_metadata.yml": yaml.safe_dump(GRADESCOPE_META),
        "e/submission_1001/mini.py": GOOD,
        "e/submission_1002/mini.py": WRONG,
        "e/submission_1002/../../../evil.py": GOOD,
        "e/submission_1003/mini.py": GOOD,
        "e/submission_1004/mini.py": GOOD,
        "e/submission_1005/mini.py": GOOD,
    }))
    subs = {s.student: s for s in find_submissions([export], "mini", "mini")}
    assert set(subs) == {"4711", "___.._etc", "_gradebook.csv", "submission_1004", "submission_1005"}
    assert (subs["___.._etc"].display, subs["___.._etc"].lms_id) == ("Bert", "../../etc")  # never a path
    assert subs["___.._etc"].read() == WRONG.encode()
    assert "skipped archive entry 'e/submission_1002/../../../evil.py': '..' in its path" in subs["___.._etc"].note
    # the same, unpacked, with a forged metadata file in a student's folder
    folder = tmp_path / "unpacked"
    for name, text in {"submission_metadata.yml": yaml.safe_dump(GRADESCOPE_META),
                       "submission_1001/mini.py": GOOD, "submission_1001/submission_metadata.yml": forged}.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    assert [s.student for s in find_submissions([folder], "mini", "mini")] == ["4711"]


def test_metadata_inside_a_students_own_zip_renames_no_one(tmp_path):
    (tmp_path / "s" / "alice").mkdir(parents=True)
    (tmp_path / "s" / "alice" / "upload.zip").write_bytes(zipped({
        "submission_metadata.yml": yaml.safe_dump({"submission_1": {":submitters": [{":sid": "bob"}]}}),
        "submission_1/mini.py": WRONG}))
    (sub,) = find_submissions([tmp_path / "s"], "mini", "mini")
    assert sub.student == "alice"


def test_a_canvas_login_that_is_a_path_is_made_safe(tmp_path):
    export = tmp_path / "canvas.zip"
    export.write_bytes(zipped({".._111_901_mini.py": WRONG, "ada_222_902_mini.py": GOOD}))
    subs = {s.student: s for s in find_submissions([export], "mini", "mini")}
    assert set(subs) == {"111", "222"}  # filed under Canvas's user id; the name is only displayed
    assert subs["111"].display == ".." and subs["111"].read() == WRONG.encode()


def test_an_export_too_large_to_open_is_a_note(tmp_path):
    export = tmp_path / "gs.zip"
    export.write_bytes(zipped({f"e/submission_{i}/mini.py": "" for i in range(30)}))
    (sub,) = find_submissions([export], "mini", "mini", IntakeLimits(archive_entries=10))
    assert sub.student == "gs" and sub.path is None and "more than 10 entries" in sub.note


def test_an_export_member_is_read_through_the_caps(tmp_path):
    export = tmp_path / "canvas.zip"
    export.write_bytes(zipped({"eve_1_2_mini.py": GOOD, "mal_3_4_mini.py": "#" * (3 * MiB)}))
    subs = {s.student: s for s in find_submissions([export], "mini", "mini")}
    with pytest.raises(Refused, match="compressed more than"):
        subs["3"].read()  # mal's Canvas user id
    with pytest.raises(Refused, match="inflates to more than 1 MiB"):
        subs["3"].read(IntakeLimits(file_bytes=1 * MiB))
    assert subs["1"].read() == GOOD.encode()


def test_an_entry_shadowed_by_a_link_of_the_same_name_is_not_read(tmp_path):
    link, target = symlink_entry("ada_1_2_mini.py", "/etc/passwd")
    export = tmp_path / "canvas.zip"
    with pytest.warns(UserWarning, match="Duplicate name"):
        export.write_bytes(zipped({"ada_1_2_mini.py": GOOD, link: target}))
    (sub,) = find_submissions([export], "mini", "mini")
    with pytest.raises(Refused, match="symbolic link"):
        sub.read()


# ---------------------------------------------------------------- configuration

def with_intake(tmp_path, intake) -> Path:
    import shutil
    root = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, root)
    path = root / "assignments" / "mini" / "assignment.yaml"
    data = yaml.safe_load(path.read_text())
    data["intake"] = intake
    path.write_text(yaml.safe_dump(data))
    return path


def test_intake_limits_are_configured_per_assignment(tmp_path):
    assert config.load(FIXTURE_COURSE / "assignments" / "mini" / "assignment.yaml").intake == DEFAULT
    loaded = config.load(with_intake(tmp_path, {"file_bytes": 1000, "json_depth": 8}))
    assert loaded.intake == IntakeLimits(file_bytes=1000, json_depth=8)


def test_an_assignments_intake_limits_reach_the_batch(tmp_path, monkeypatch):
    path = with_intake(tmp_path, {"file_bytes": len(GOOD) + 100})
    for name, text in {"alice": GOOD, "bob": GOOD + "#" * 200}.items():
        (tmp_path / "subs" / name).mkdir(parents=True)
        (tmp_path / "subs" / name / "mini.py").write_text(text)
    monkeypatch.chdir(path.parent.parent.parent)
    results, faults = api.grade_batch("mini", [tmp_path / "subs"], tmp_path / "out", 1, log=io.StringIO())
    scores = {r.student: r for r in results}
    assert not faults and scores["alice"].score == 10 and scores["bob"].score == 0
    assert any("mini.py is larger than" in n for n in scores["bob"].notes)


@pytest.mark.parametrize("intake, key, words", [
    ({"file_byte": 3}, "intake.file_byte", "not a known limit"),
    ({"file_bytes": 0}, "intake.file_bytes", "positive"),
    ({"json_depth": "deep"}, "intake.json_depth", "must be a int"),
    ({"nested_archives": True}, "intake.nested_archives", "must be a int"),
    ("none", "intake", "must be a dict"),
])
def test_intake_mistakes_name_file_and_key(tmp_path, intake, key, words):
    path = with_intake(tmp_path, intake)
    with pytest.raises(config.ConfigError) as err:
        config.load(path)
    assert str(path) in str(err.value) and f": {key}:" in str(err.value) and words in str(err.value)


# ---------------------------------------------------------------- a whole batch

def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_a_hostile_batch_completes_and_touches_nothing_outside_out(mini, tmp_path, zip_bomb):
    subs, secret = tmp_path / "subs", tmp_path / "hidden"
    secret.mkdir()
    (secret / "mini.py").write_text(GOOD)
    for name, text in {"alice": GOOD, "bob": WRONG, "gradebook.csv": GOOD, "summary.html": WRONG,
                       "\x1b[31mred": GOOD, "<script>alert(1)</script>": GOOD, "evil\u202egnp": GOOD,
                       "x" * 200: GOOD}.items():
        (subs / name).mkdir(parents=True)
        (subs / name / "mini.py").write_text(text)
    (subs / "eve").mkdir()
    (subs / "eve" / "mini.py").symlink_to("/etc/passwd")
    (subs / "mallory").symlink_to(secret)
    (subs / "zed").mkdir()
    (subs / "zed" / "mini.zip").write_bytes(zip_bomb)
    (subs / "nina").mkdir()
    (subs / "nina" / "mini.ipynb").write_bytes(b'{"cells": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    out = tmp_path / "out"
    before, course = tree(tmp_path), tree(FIXTURE_COURSE)
    results, faults = api.grade_batch("mini", [subs], out, 2, log=io.StringIO())
    assert not faults
    scores = {r.display: r for r in results}
    assert scores["alice"].score == 10 and scores["bob"].score == 5.5  # honest students unaffected
    assert scores["gradebook.csv"].student == "_gradebook.csv" and scores["gradebook.csv"].score == 10
    for attacker, words in {"eve": "a symbolic link to outside your folder", "mallory": "not followed",
                            "zed": "zip bomb", "nina": "nested more than 64 levels"}.items():
        assert scores[attacker].score == 0 and words in " ".join(scores[attacker].notes), scores[attacker].notes
    assert tree(tmp_path) - before == {"out"} | {f"out/{p}" for p in tree(out)}  # nothing written outside out
    assert tree(FIXTURE_COURSE) == course and (secret / "mini.py").read_text() == GOOD
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert len(rows) == len(results) == 12 and {r["student"] for r in rows} == {r.student for r in results}
    assert {p.name for p in out.iterdir() if p.is_dir()} == {r.student for r in results}
    assert all("/" not in r.student and not r.student.startswith(".") for r in results)
    assert (out / "summary.html").read_text().startswith("<!doctype html>")
