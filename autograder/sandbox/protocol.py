"""The messages the grader, the child and the warm parent exchange.

``codec`` says how a value crosses the channel; this module says which
messages exist and what each one holds, so that the three programs that
speak them (``session.py`` in the grader, ``child.py`` and
``warm_parent.py`` in the box, ``zygote.py`` for the grader's side of a warm
box) cannot drift apart on a name. Each message is a dict whose ``op`` names
it; the builders below are the only place that spells a message out.

What comes from the child is untrusted: the student's code runs there and
can write any frame on the reply pipe. The ``read_*`` functions turn such a
message into fields of the expected types, with harmless defaults, so that a
forged message can at worst fail the call it answers, never the grader.

Imported inside the student's process too: standard library only.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# How the launcher's boot line starts the program in the box (its mode argument).
CHILD_MODE = "child"  # load one student's code and answer calls
WARM_PARENT_MODE = "warm-parent"  # import the libraries, then fork one child per student process

# -- grader -> child ---------------------------------------------------------
LOAD = "load"
CALL = "call"
TORCH_INFO = "torch_info"
RELEASE = "release"
EXIT = "exit"
CALLBACK_RESULT = "callback_result"  # the answer to CALLBACK
CALLBACK_ERROR = "callback_error"

# -- child -> grader ---------------------------------------------------------
PROGRESS = "progress"  # during LOAD: the top-level statement about to run
LOADED = "loaded"
RESULT = "result"
ERROR = "error"
CALLBACK = "callback"  # during CALL: the student's code called a grader function
INFO = "info"  # the answer to TORCH_INFO

# ERROR kinds
MISSING = "missing"  # no such function: the student's fault
SETUP = "setup"  # the grader's own preparation failed: a grader fault
RAISED = "raised"  # the student's function raised

# -- grader -> warm parent, and its answers ----------------------------------
READY = "ready"  # sent unasked, once the preload (on the warm parent's command line) is imported
FORK = "fork"
FORKED = "forked"
WAIT = "wait"
RESET = "reset"
STATUS = "status"  # the answer to WAIT and RESET


# -- places in the student's code, inside message text ------------------------
# The child knows only lines of the source it loaded; what the student sees
# (a code cell and its first line, a function and the line within it) is the
# grader's to say (``extract.Extracted.locate``). So the child writes each
# place as a marker that ordinary text (an exception message naming "line 3")
# does not look like, and the grader rewrites the markers, and only them.
PLACE = re.compile(r"\[\[line (\d{1,9})(?: in ([\w.<>]{1,200}) from (\d{1,9}))?\]\]")


def place(line: int, function: str | None = None, first: int | None = None) -> str:
    """Line ``line`` of the loaded source; inside ``function``, whose code starts at line ``first``."""
    return f"[[line {line}]]" if function is None else f"[[line {line} in {function} from {first}]]"


def op(message: dict):
    """The message's name (anything, for a forged message)."""
    return message.get("op")


# -- builders: grader -> child -----------------------------------------------
def load(*, source: str, filename: str, module: str, allowed_imports: list[str], course_rule: str,
         statement_timeout_s: float, skip: list[int], seed: int) -> dict:
    """Run the student's top-level statements, except the indexes in ``skip``."""
    return {"op": LOAD, "source": source, "filename": filename, "module": module,
            "allowed_imports": allowed_imports, "course_rule": course_rule,
            "statement_timeout_s": statement_timeout_s, "skip": skip, "seed": seed}


def call(name: str, args: list, kwargs: dict, probe: bool = False) -> dict:
    """Call the student's function ``name``; with ``probe``, the grader's probe of that name (probes.py)."""
    message = {"op": CALL, "name": name, "args": args}
    if kwargs:  # fields left out when empty: every call pays to encode and decode each one
        message["kwargs"] = kwargs
    if probe:
        message["probe"] = True
    return message


def torch_info(target) -> dict:
    return {"op": TORCH_INFO, "target": target}


def release(ids: list[int]) -> dict:
    """The child may drop these handles: no test refers to them any more. No answer."""
    return {"op": RELEASE, "ids": ids}


def exit_() -> dict:
    return {"op": EXIT}


def callback_result(value) -> dict:
    return {"op": CALLBACK_RESULT, "value": value}


def callback_error(message: str) -> dict:
    return {"op": CALLBACK_ERROR, "message": message}


# -- builders: child -> grader -----------------------------------------------
def progress(stmt: int, line: int) -> dict:
    return {"op": PROGRESS, "stmt": stmt, "line": line}


def loaded(ok: bool, notes: list[str], functions: list[str], timed_out: list[int] = ()) -> dict:
    return {"op": LOADED, "ok": ok, "notes": notes, "functions": functions, "timed_out": list(timed_out)}


def result(value, args: dict, kwargs: dict, warnings: list[str], kept: dict) -> dict:
    """A call's value, the arguments the call changed in place as it left them (``args`` by position
    as a string, ``kwargs`` by name), and for each changed dict argument the keys that still hold the
    object passed in."""
    message = {"op": RESULT, "value": value}
    for key, field in (("args", args), ("kwargs", kwargs), ("warnings", warnings), ("kept", kept)):
        if field:  # left out when empty (read_result's defaults): most calls change nothing and warn of nothing
            message[key] = field
    return message


def error(kind: str, message: str, type_name: str | None = None, mro: list[str] | None = None) -> dict:
    out = {"op": ERROR, "kind": kind, "message": message}
    if type_name is not None:
        out.update(type=type_name, mro=mro or [type_name])
    return out


def callback(ident: int, args: list, kwargs: dict) -> dict:
    message = {"op": CALLBACK, "id": ident, "args": args}
    if kwargs:
        message["kwargs"] = kwargs
    return message


def info(value: dict) -> dict:
    return {"op": INFO, "value": value}


# -- builders: warm parent ---------------------------------------------------
def ready(pid: int) -> dict:
    return {"op": READY, "pid": pid}


def fork(name: str, limits: dict) -> dict:
    """Fork a child that opens the FIFOs ``name.{rep,out,req}`` and applies ``limits``."""
    return {"op": FORK, "name": name, "limits": limits}


def forked(pid: int) -> dict:
    return {"op": FORKED, "pid": pid}


def wait(timeout: float) -> dict:
    return {"op": WAIT, "timeout": timeout}


def reset() -> dict:
    """Kill everything the last child started and empty the writable folders."""
    return {"op": RESET}


def status(code: int | None) -> dict:
    return {"op": STATUS, "code": code}


# -- readers: what the grader takes from the child's messages -----------------
def _typed(message: dict, key: str, kind: type, default):
    value = message.get(key)
    return value if isinstance(value, kind) else default


class Loaded(NamedTuple):
    ok: bool
    notes: list[str]
    functions: list[str]
    timed_out: list[int]  # statements stopped by their time budget: skipped at the next load


def read_loaded(message: dict) -> Loaded:
    return Loaded(bool(message.get("ok")), [str(n) for n in _typed(message, "notes", list, [])][:50],
                  [str(f) for f in _typed(message, "functions", list, [])],
                  [i for i in _typed(message, "timed_out", list, []) if type(i) is int])


def read_progress(message: dict) -> int | None:
    stmt = message.get("stmt")
    return stmt if type(stmt) is int else None


class Result(NamedTuple):
    value: object
    args: dict  # position (a string) -> the argument as the call left it; only those it changed
    kwargs: dict
    warnings: list[str]
    kept: dict


def read_result(message: dict) -> Result:
    return Result(message.get("value"), _typed(message, "args", dict, {}), _typed(message, "kwargs", dict, {}),
                  [str(w) for w in _typed(message, "warnings", list, [])][:5], _typed(message, "kept", dict, {}))


class Error(NamedTuple):
    kind: str
    message: str
    type_name: str
    mro: list[str]


def read_error(message: dict) -> Error:
    type_name = str(message.get("type", "Exception"))
    mro = [str(m) for m in message["mro"]] if isinstance(message.get("mro"), list) else [type_name]
    return Error(str(message.get("kind", RAISED)), str(message.get("message", ""))[:3000], type_name, mro)


class Callback(NamedTuple):
    ident: object  # looked up among the call's own callbacks; anything else is refused
    args: list
    kwargs: dict


def read_callback(message: dict) -> Callback:
    return Callback(message.get("id"), _typed(message, "args", list, []), _typed(message, "kwargs", dict, {}))


def read_info(message: dict) -> dict:
    return _typed(message, "value", dict, {"is_module": False})
