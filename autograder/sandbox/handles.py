"""Which of the child's objects the tests still hold, so that the child may drop the others.

A value the channel cannot carry (a torch module, a closure) stays in the
student's process; the grader gets a :class:`codec.Handle` with its id and
may pass it back in a later call. The child must keep the object while the
grader can still do that, and no longer: a model built per test, never let
go, adds up to the process's memory limit over a suite.

So the grader's side keeps one ``Handle`` object per id at a time (a second
answer naming the same id gives back the same object) and watches it with a
weak reference. Once the tests have dropped it, its id is released: the
session sends the collected ids in one ``release`` message before its next
request. An id is released only when no ``Handle`` for it is alive, so a
handle still held keeps working, however often it crosses.

One table per child process: the ids are that process's, so a table is
thrown away with its process, and a handle from an earlier process never
releases anything in a later one.
"""

from __future__ import annotations

import functools
import weakref

from autograder.sandbox import codec


class HandleTable:
    def __init__(self):
        self._live: dict[int, weakref.ref] = {}
        # (id, reference) of every Handle collected since the last take_released().
        # A weakref callback may run in any thread and between any two
        # bytecodes, so it only appends here; the session's thread does the rest.
        self._collected: list[tuple[int, weakref.ref]] = []

    def resolve(self, ref):
        """``codec.decode``'s hook for the child's answers: the live Handle for an id, if there is one."""
        if not isinstance(ref, codec.Handle):
            return ref  # a Callback placeholder: nothing to track
        known = self._live.get(ref.id)
        handle = known() if known is not None else None
        if handle is not None:
            return handle
        self._live[ref.id] = weakref.ref(ref, functools.partial(self._on_collected, ref.id))
        return ref

    def _on_collected(self, ident: int, dead: weakref.ref) -> None:
        self._collected.append((ident, dead))

    def take_released(self) -> list[int]:
        """The ids no test holds any more, each once; the child may drop them."""
        ids = []
        while self._collected:
            ident, dead = self._collected.pop()
            if self._live.get(ident) is dead:  # not decoded again since: no live Handle has this id
                del self._live[ident]
                ids.append(ident)
        return sorted(ids)

    def __len__(self) -> int:
        """How many ids the tests may still pass back (released ones excluded once taken)."""
        return len(self._live)
