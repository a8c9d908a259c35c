"""Due times and late work: the course's ``course.yaml`` (course-operations.md, Deadlines).

::

    time_zone: America/New_York        # for times written without an offset (default UTC)
    assignments:
      backprop:
        due: 2026-10-02 23:59          # or 2026-10-02T23:59:00-04:00
        grace_minutes: 15              # handed in within this after the due time: on time
        late_percent_per_day: 10       # of the total, per day started after due + grace
        late_max_days: 5               # later than this many days: the score is zero
        extensions:                    # per student id: a new due time, or a number of extra days
          "4711": 2026-10-05 23:59
          ada: 2

The file is validated once, when read, with errors that name the file and
the key. A submission's time is the LMS's where the export has it,
otherwise the file's modification time; the result says which
(``time_source``). An assignment without an entry has no deadline.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from autograder.config import ConfigError
from autograder.record import Late

FILE_NAME = "course.yaml"
KEYS = {"due", "grace_minutes", "late_percent_per_day", "late_max_days", "extensions"}


@dataclass(frozen=True)
class Deadline:
    due: dt.datetime  # aware
    grace: dt.timedelta = dt.timedelta(0)
    percent_per_day: float = 0.0
    max_days: int | None = None  # None: late work is accepted at any lateness
    extensions: dict = field(default_factory=dict)  # student id -> aware due time
    zone: dt.tzinfo = dt.timezone.utc

    def due_for(self, student: str) -> dt.datetime:
        return self.extensions.get(student, self.due)

    def assess(self, student: str, submitted_at: str, raw_score: float) -> Late | None:
        """The penalty for a submission handed in at ``submitted_at`` (ISO; one without an offset is in the
        course's zone), or None when on time or when the time is unknown."""
        if not submitted_at:
            return None
        try:
            when = dt.datetime.fromisoformat(submitted_at)
        except ValueError:
            return None
        when = when if when.tzinfo else when.replace(tzinfo=self.zone)
        due = self.due_for(student)
        late_by = when - (due + self.grace)
        if late_by <= dt.timedelta(0):
            return None
        days = math.ceil(late_by / dt.timedelta(days=1))  # every day started counts
        percent = 100.0 if self.max_days is not None and days > self.max_days else \
            min(100.0, days * self.percent_per_day)
        return Late(due.isoformat(), when.isoformat(), days, percent, round(raw_score * percent / 100, 4))


def load(course_root: Path) -> dict[str, Deadline]:
    """The deadlines of ``course_root/course.yaml`` by assignment; {} when there is no such file."""
    path = course_root / FILE_NAME
    if not path.is_file():
        return {}
    where = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: must be a mapping with time_zone and assignments")
    unknown = sorted(set(data) - {"time_zone", "assignments"})
    if unknown:
        raise ConfigError(f"{where}: {unknown[0]}: is not a known key (known: assignments, time_zone)")
    try:
        zone = ZoneInfo(str(data.get("time_zone", "UTC")))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: time_zone: {data.get('time_zone')!r} is not a time zone "
                          "(e.g. Europe/Berlin, America/New_York, UTC)") from None
    assignments = data.get("assignments") or {}
    if not isinstance(assignments, dict):
        raise ConfigError(f"{where}: assignments: must be a mapping of assignment names")
    return {str(name): _deadline(f"{where}: assignments.{name}", entry, zone) for name, entry in assignments.items()}


def _deadline(where: str, entry, zone) -> Deadline:
    if not isinstance(entry, dict) or "due" not in entry:
        raise ConfigError(f"{where}: must be a mapping with at least 'due'")
    unknown = sorted(set(entry) - KEYS)
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}: is not a known key (known: {', '.join(sorted(KEYS))})")
    due = _time(f"{where}.due", entry["due"], zone)
    extensions = {}
    for student, value in (entry.get("extensions") or {}).items():
        key = f"{where}.extensions.{student}"
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            extensions[str(student)] = due + dt.timedelta(days=value)
        else:
            extensions[str(student)] = _time(key, value, zone)
    return Deadline(due, dt.timedelta(minutes=_number(f"{where}.grace_minutes", entry.get("grace_minutes", 0))),
                    _number(f"{where}.late_percent_per_day", entry.get("late_percent_per_day", 0), 100),
                    None if entry.get("late_max_days") is None else
                    int(_number(f"{where}.late_max_days", entry["late_max_days"])), extensions, zone)


def _number(where: str, value, most: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or \
            (most is not None and value > most):
        raise ConfigError(f"{where}: must be a number from 0{f' to {most:g}' if most is not None else ''}, "
                          f"got {value!r}")
    return float(value)


def _time(where: str, value, zone) -> dt.datetime:
    """An aware time from YAML's datetime or a string; one without an offset is in ``zone``."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(23, 59))
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, dt.datetime):
        raise ConfigError(f"{where}: must be a time such as 2026-10-02 23:59 or 2026-10-02T23:59:00-04:00")
    return value if value.tzinfo else value.replace(tzinfo=zone)
