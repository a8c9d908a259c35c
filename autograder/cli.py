"""The ``autograder`` command: argument parsing only; the work is in api.py.

Exit codes: 0 success, 1 a check or validation did not pass, 2 usage or
configuration error, 3 grader fault.
"""

from __future__ import annotations

import argparse
import sys

from autograder import __version__


def _parser() -> argparse.ArgumentParser:
    # --course is accepted before or after the command: both spellings fill one
    # destination, and SUPPRESS keeps a subcommand's absent flag from hiding
    # the one given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--course", default=argparse.SUPPRESS,
                        help="course folder holding assignments/ (default: current folder or this checkout)")
    p = argparse.ArgumentParser(prog="autograder", description="Grade neural-network course assignments.",
                                parents=[common])
    p.add_argument("--version", action="store_true", help="version, where this code runs from, and the course")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, parents=[common])

    command("list", "the assignments, their parts and points")

    n = command("new", "write a minimal assignment NAME to start from (it releases and validates as written)")
    n.add_argument("name", metavar="NAME", help="a Python identifier: the folder and the submitted file's stem")
    n.add_argument("--title", help="shown to students (default: NAME capitalised)")

    r = command("release", "write release/NAME/ (student notebook, public tests, data)")
    r.add_argument("name", nargs="?")
    r.add_argument("--all", action="store_true", help="every assignment")
    r.add_argument("--check", action="store_true", help="exit 1 when release/ differs from what would be written")

    v = command("validate", "the reference must score the maximum, the release stubs 0")
    v.add_argument("name", nargs="?")
    v.add_argument("--all", action="store_true")

    c = command("check", "run the public tests on your file")
    c.add_argument("name")
    c.add_argument("file")

    g = command("grade", "grade submissions with the public and hidden tests")
    g.add_argument("name")
    g.add_argument("paths", nargs="+", metavar="PATH")
    g.add_argument("--out", default="graded", help="output folder (default: ./graded)")
    g.add_argument("--jobs", type=int, default=None, help="parallel submissions (default: usable cores)")
    g.add_argument("--cluster", metavar="ADDRESS",
                   help="grade on a Dask scheduler's workers, e.g. tcp://HOST:8786 (see docs/cluster.md)")
    g.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    g.add_argument("--regrade", action="store_true", help="grade again submissions already in the gradebook")
    g.add_argument("--only", nargs="+", metavar="STUDENT", help="grade these students alone (ids or names), again")
    g.add_argument("--roster", metavar="FILE.csv",
                   help="the class list (id,name,email,section; a Canvas gradebook export works): names students "
                        "and lists who submitted nothing")

    rp = command("report", "rebuild gradebook.csv, feedback and summary.html from OUT's gradebook")
    rp.add_argument("out")
    rp.add_argument("--roster", metavar="FILE.csv", help="use this class list from now on (see grade --roster)")

    a = command("adjust", "a manual score or an adjustment of one part, kept across regrades")
    a.add_argument("out", metavar="OUT")
    a.add_argument("student", metavar="STUDENT")
    a.add_argument("--part", help="the part (autograder list shows them)")
    how = a.add_mutually_exclusive_group()
    how.add_argument("--score", type=float, help="set the part's score (a manual part's, or a correction)")
    how.add_argument("--points", type=float, metavar="DELTA", help="add DELTA points to the part (negative: take)")
    how.add_argument("--undo", action="store_true", help="remove the student's last adjustment")
    a.add_argument("--comment", default="", help="why: shown in the student's feedback (required unless --undo)")

    sm = command("similarity", "compare the students' code in OUT; flag the most similar pairs for review")
    sm.add_argument("out", metavar="OUT")
    sm.add_argument("--threshold", type=float, metavar="X",
                    help="flag a pair when this share of one student's own code is in the other's (default 0.6)")
    sm.add_argument("--top", type=int, metavar="N", help="pairs shown side by side in the report (default 20)")

    e = command("export", "for an LMS: `canvas OUT` the grades as a CSV, `gradescope NAME` an autograder zip")
    targets = e.add_subparsers(dest="target", required=True, metavar="TARGET")
    eg = targets.add_parser("gradescope", help="an autograder zip to upload to Gradescope (docs/gradescope.md)",
                            parents=[common])
    eg.add_argument("what", metavar="NAME", help="the assignment")
    eg.add_argument("--to", metavar="FILE.zip", help="the file to write (default: NAME-gradescope.zip)")
    ec = targets.add_parser("canvas", help="OUT's grades as a CSV that Canvas's gradebook import reads",
                            parents=[common])
    ec.add_argument("out", metavar="OUT")
    ec.add_argument("--to", required=True, metavar="FILE.csv")
    ec.add_argument("--column", help="the assignment's column as Canvas names it, e.g. 'Backprop (12345)' "
                                     "(default: the assignment's title; a new name makes a new assignment)")
    ec.add_argument("--roster", metavar="FILE.csv", help="the class list to take Canvas ids and SIS ids from")

    command("doctor", "which sandbox layers this machine supports, and how to get the missing ones")

    d = command("demo", "grade a generated demo batch of backprop submissions end to end")
    d.add_argument("--out", default="demo-out")
    d.add_argument("--jobs", type=int, default=None)
    return p


def _version(argv: list[str]) -> int:
    """``--version``: the version, the code in use and the course it would grade (``--course`` may follow)."""
    from pathlib import Path

    import autograder
    from autograder import config, extras
    from autograder.course import Course
    explicit = argv[argv.index("--course") + 1] if "--course" in argv[:-1] else None
    try:
        where = str(Course.locate(explicit).root)
    except config.ConfigError as exc:
        where = f"none ({exc})"
    print(f"autograder {__version__} ({extras.DISTRIBUTION})\ncode: {Path(autograder.__file__).parent}\ncourse: {where}")
    return 0


def _names(args, course) -> list[str]:
    if args.all:
        return course.names()
    if not args.name:
        raise SystemExit("autograder: give an assignment NAME or --all")
    return [args.name]


def main(argv: list[str] | None = None) -> int:
    command_line = argv is None
    argv = sys.argv[1:] if argv is None else argv
    if "--version" in argv[:1]:  # before a command is required; says which install and course are in use
        return _version(argv)
    args = _parser().parse_args(argv)
    served = command_line and args.command == "check"
    if served:  # answered by the check server an earlier check left, if there is one (check_server.py)
        from autograder import check_server
        code = check_server.ask(argv)
        if code is not None:
            _leave(code)
    code = _main(args)
    if served:
        if code in (0, 1):  # the check ran: leave a server for the next one
            check_server.spawn(argv)
        _leave(code)
    return code


def serve_checks() -> None:
    """The check server's process (``check_server.spawn`` starts it): later checks answered with this
    command's own parsing and running."""
    from autograder import check_server
    check_server.main(lambda argv: _parser().parse_args(argv), _main)


def _leave(code: int) -> None:
    """Exit at once with ``code``, without the interpreter's teardown of every module (70 ms here with numpy
    loaded, a sixth of a student's wait for ``check``). What that teardown does that matters is done first,
    in the interpreter's order: the threads are waited for, the exit handlers run (they close the warm box),
    then the threads those started (its cgroups' removal, which the interpreter would leave behind), and the
    standard streams are flushed. Only for ``check`` from the command line: nothing else runs after it."""
    import atexit
    import os
    import threading
    threading._shutdown()  # what the interpreter does first: threading's exit hooks, then joining threads
    atexit._run_exitfuncs()
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed (`| head`): nothing more to write
            pass
    os._exit(code)


def _main(args) -> int:
    from autograder import config
    from autograder.course import Course
    try:
        explicit = getattr(args, "course", None)
        # check works in a student's release folder, doctor anywhere: neither needs a course folder
        if args.command == "new":  # the course being written may be new: never the checkout by default
            course = Course.for_new(explicit)
        else:
            course = None if args.command in ("check", "doctor") and explicit is None else Course.locate(explicit)
        return _run(args, course)
    except ValueError as exc:  # a ConfigError, or a gradebook of another schema: the message says what to do
        if not (isinstance(exc, config.ConfigError) or _schema_error(exc)):
            raise
        print(f"autograder: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `autograder ... | head`
        sys.stderr.close()
        return 0


def _schema_error(exc: Exception) -> bool:
    """``exc`` is a ``record.SchemaError``. Only a command that imported ``autograder.record`` can have
    raised one, so it is looked up, not imported: ``check`` imports numpy (under record) as late as it can."""
    record = sys.modules.get("autograder.record")
    return record is not None and isinstance(exc, record.SchemaError)


def _run(args, course) -> int:
    from autograder import api
    if args.command == "list":
        for name in course.names():
            a = course.assignment(name)
            print(f"{a.name}: {a.title} ({a.max_score:g} points)")
            for p in a.parts:
                print(f"  - {p.name}: {p.title}, {p.points:g} points" + (f" [{p.runner}]" if p.runner != "cpu" else ""))
        return 0
    if args.command == "new":
        for path in api.new(args.name, args.title, course=course):
            print(f"wrote {path}")
        print(f"next: `autograder release {args.name}` and `autograder validate {args.name}` (both pass as written), "
              "then make it yours: docs/authoring.md")
        return 0
    if args.command == "release":
        from autograder import release
        status = 0
        for name in _names(args, course):
            a = course.assignment(name)
            if args.check:
                diffs = release.differences(a)
                for d in diffs:
                    print(f"release/{d}", file=sys.stderr)
                if diffs:
                    print(f"release/{name} is stale: run `autograder release {name}`", file=sys.stderr)
                    status = 1
                else:
                    print(f"release/{name} is up to date")
            else:
                print(f"wrote {release.release(a)}")
        return status
    if args.command == "validate":
        status = 0
        for name in _names(args, course):
            problems = api.validate(name, course=course)
            for p in problems:
                print(f"  problem: {p}")
            print(f"{name}: {'OK' if not problems else 'FAILED'}")
            status |= bool(problems)
        return status
    if args.command == "check":
        return api.check(args.name, args.file, course=course)
    if args.command == "grade":
        from autograder.cluster import ClusterError
        from autograder.devices import DeviceError
        try:
            results, faults = api.grade_batch(args.name, args.paths, args.out, args.jobs, device=args.device,
                                              regrade=args.regrade, cluster=args.cluster, course=course,
                                              roster_file=args.roster, only=args.only)
        except DeviceError as exc:
            print(f"autograder: {exc}", file=sys.stderr)
            return 2
        except ClusterError as exc:  # --cluster: unreachable, no worker, a mismatched worker, or lost mid-batch
            print(f"autograder: {exc}", file=sys.stderr)
            return 3 if exc.during_batch else 2
        return 3 if faults else 0
    if args.command == "report":
        print(f"wrote {api.rebuild_reports(args.out, course=course, roster_file=args.roster)}")
        return 0
    if args.command == "adjust":
        print(api.adjust(args.out, args.student, args.part, args.score, args.points, args.comment, args.undo,
                         course=course))
        return 0
    if args.command == "export":
        return _export(args, course)
    if args.command == "similarity":
        from autograder import similarity
        given = {k: getattr(args, k) for k in ("threshold", "top") if getattr(args, k) is not None}
        print("\n".join(similarity.terminal_lines(api.similarity(args.out, course=course, **given))))
        return 0
    if args.command == "doctor":
        from autograder import extras
        from autograder.sandbox import launcher
        print("sandbox layers:")
        for name, ok, why in launcher.layer_report():
            print(f"  {'ok' if ok else 'MISSING':8s} {name:12s} {why}")
        print(launcher.describe())
        print("installation:")
        can_grade = True
        for name, ok, why in extras.report():
            print(f"  {'ok' if ok else 'MISSING':8s} {name:12s} {why}")
            can_grade &= ok or name not in extras.GRADING_MODULES
        if not can_grade:
            print(f"this installation cannot grade: {extras.install_hint()}")
        return 0 if can_grade else 1
    if args.command == "demo":
        from autograder import demo
        return demo.run(args.out, args.jobs, course)
    return 2


def _export(args, course) -> int:
    from autograder import api, safe
    if args.target == "gradescope":
        print("\n".join(api.export_gradescope(args.what, args.to, course=course)))
        print("upload it in Gradescope: Programming Assignment > Configure Autograder > zip file "
              "(docs/gradescope.md)")
        return 0
    done = api.export_canvas(args.out, args.to, args.column, args.roster, course=course)
    print(f"wrote {done.path}: {done.rows} student(s) in the column {done.column!r}")
    for student, why in done.left_out:
        print(f"  not exported: {safe.clean(student)}: {why}")
    if done.to_review:
        print(f"  exported, but marked needs review: {', '.join(safe.clean(s) for s in done.to_review)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
