"""What of the Python runtime a box gets (sandbox/runtime.py): its import path without running ``site``."""

import os
import site
import sys

import pytest

from autograder.sandbox import runtime

from helpers import student_process


@pytest.fixture
def site_packages(tmp_path, monkeypatch):
    """A site-packages folder of the test's own, the only one ``site`` reports (and one that does not exist)."""
    folder = tmp_path / "site-packages"
    folder.mkdir()
    monkeypatch.setattr(site, "getsitepackages", lambda: [str(folder), str(tmp_path / "missing")])
    runtime.site_dirs.cache_clear()
    yield folder
    runtime.site_dirs.cache_clear()


def test_site_dirs_are_the_folders_pth_files_name_in_site_order(site_packages, tmp_path):
    (site_packages / "extra").mkdir()
    (tmp_path / "beside").mkdir()
    marker = tmp_path / "ran"
    (site_packages / "b.pth").write_text(f"# a comment\nextra\nnot-there\nimport os; open({str(marker)!r}, 'w')\n\n")
    (site_packages / "a.pth").write_text("../beside\nextra\n")  # a.pth first, as site reads them sorted
    (site_packages / ".hidden.pth").write_text("extra\n")
    assert runtime.site_dirs() == (str(site_packages), str(tmp_path / "beside"), str(site_packages / "extra"))
    assert not marker.exists(), "a .pth file's import line must not run"


def test_a_folder_with_a_newline_is_left_out_of_the_path_argument(site_packages):
    (site_packages / "odd\nname").mkdir()
    (site_packages / "x.pth").write_text("odd\nname\n")  # two lines: neither names the folder
    assert runtime.site_dirs() == (str(site_packages),)
    assert runtime.boot_path("/pkg").split("\n") == ["/pkg", str(site_packages)]


def test_the_box_starts_without_site_and_imports_from_the_runtime_folders():
    source = ("import sys\n"
              "def look():\n"
              "    import numpy\n"
              "    return {'no_site': sys.flags.no_site, 'path': list(sys.path), 'numpy': numpy.__file__,\n"
              "            'builtins': [callable(f) for f in (exit, quit, help)]}\n")
    with student_process(source, allowed=("numpy", "sys")) as student:
        seen = student.look()
    assert seen["no_site"] == 1
    assert seen["builtins"] == [True, True, True]
    dirs = list(runtime.site_dirs())
    assert seen["path"][-len(dirs):] == dirs
    numpy_dir = os.path.dirname(os.path.dirname(sys.modules["numpy"].__file__))
    assert seen["numpy"].startswith(numpy_dir + os.sep)
