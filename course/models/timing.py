"""Timing limits: plan a session, check a recorded session log, plan a course of sessions.

Every limit is read from the knowledge base (``course/data/modalities.toml``); none is typed
here. How the data's fields are read:

* ``max_exposure_s`` is the headline maximum. It is a per-area limit when the modality also
  lists a "per area" limit of the same length (local vapour and cold air: 3 min on a large
  area; cryo facial: 1 min); otherwise it is the most one whole session may deliver
  (cryomassage: 5 min per face; cryosauna: 3 min). For local cold these are the course's own
  ceilings: the device's instructions for use come first (``remaining_seconds``'s
  ``device_limit_s``: the shorter wins).
* extra ``[[modality.limit]]`` entries: "per spot" (how long a moving applicator may stay on one
  spot), "per area" (with ``sites``: only for those areas, such as the face and bony areas;
  when the area is not known, it counts: the stricter reading), and a "cold_chamber" limit (a
  shorter session limit for a chamber at or below its ``at_or_below_c``). Each limit's
  ``kind`` field says which (the headline's: ``max_kind``); ``scope`` is the same in words.
  When the chamber temperature is not known, the colder-chamber limit applies: the stricter
  rule wins. Other scopes (a physician's "per freeze") are shown, not enforced.
* ``interval_days`` is the course's planning gap between two sessions (``interval_basis`` says
  why: the sources' spacing is an efficacy protocol, not a published safety minimum; the
  course keeps it so the skin recovers first). Session counts are efficacy protocols from
  salon pages, not safety limits: they give notes, never violations.
* modalities a physician performs are never planned here: they give a "scope" violation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from course.facts.knowledge import Modality, find_modality, load, normalise_name, source_label
from course.foundation.names import did_you_mean, duration_text

SESSION, AREA, SPOT, COLD_CHAMBER, OTHER = "session", "area", "spot", "cold_chamber", "other"
ENFORCED_KINDS = (SESSION, AREA, SPOT, COLD_CHAMBER)
MAX_PASSES = 50
MAX_SESSION_S = 4 * 3600.0
MAX_SESSIONS = 60


class TimingError(ValueError):
    """Input the planner cannot use; the message says why in plain words."""


@dataclass(frozen=True)
class TimeLimit:
    """One time limit the course teaches for a modality, with its basis and sources."""

    modality: str
    kind: str  # SESSION, AREA, SPOT, COLD_CHAMBER or OTHER
    scope: str  # plain words: "per session", "per area", "per spot", "at or below -135 °C"
    max_s: float
    text: str
    basis_kind: str  # "seed", "published", "model"
    sources: tuple[str, ...]
    colder_than_c: float | None = None  # COLD_CHAMBER: applies at or below this temperature
    sites: tuple[str, ...] = ()  # AREA: the areas it is for (empty: every area)

    def applies_to(self, area: str) -> bool:
        """Whether this limit counts for an area ("" when the area is not known: stricter)."""
        return not self.sites or not area or area in self.sites

    def applies_at(self, chamber_temp_c: float | None) -> bool:
        """Whether this limit applies at a chamber temperature (unknown: stricter, so yes)."""
        if self.kind != COLD_CHAMBER:
            return True
        return chamber_temp_c is None or chamber_temp_c <= (self.colder_than_c or 0.0)


@dataclass(frozen=True)
class Violation:
    """A limit that a plan or a log passes, with the limit's basis and a plain message."""

    kind: str  # a limit kind, or "interval", "site", "scope", "no_limit"
    label: str  # the log line, area, session or date it is about
    actual: float
    allowed: float | None
    unit: str  # "s" or "days"
    basis_kind: str
    sources: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class Segment:
    """A stretch of time on one area; ``over`` means a limit had already been passed."""

    area: str
    start_s: float
    end_s: float
    over: bool = False


@dataclass(frozen=True)
class SessionPlan:
    """A planned session: what each area gets, the total, and the limits it passes."""

    modality: str
    name: str
    segments: tuple[Segment, ...]
    area_totals: Mapping[str, float]
    total_s: float
    limits: tuple[TimeLimit, ...]
    violations: tuple[Violation, ...]
    notes: tuple[str, ...]
    observation_minutes: int
    session_limit_s: float | None = None  # the strictest session limit that applies
    area_limit_s: float | None = None  # the strictest per-area limit of the planned areas

    @property
    def ok(self) -> bool:
        """True when the plan passes no limit."""
        return not self.violations


@dataclass(frozen=True)
class LogEvent:
    """One line of a recorded session log.

    ``spot`` is empty for a moving pass over an area; a named spot means the applicator was
    held on that one spot for ``duration_s``. ``day`` is the day of the course (1 = first).
    """

    label: str
    area: str
    start_s: float
    duration_s: float
    spot: str = ""
    day: int = 1


@dataclass(frozen=True)
class CoursePlan:
    """A course of sessions: the dates, the gaps, and the spacing rules they break."""

    modality: str
    dates: tuple[date, ...]
    min_interval_days: int | None
    violations: tuple[Violation, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def gaps_days(self) -> tuple[int, ...]:
        """Days between consecutive sessions."""
        return tuple((b - a).days for a, b in zip(self.dates, self.dates[1:], strict=False))

    @property
    def ok(self) -> bool:
        return not self.violations


# --------------------------------------------------------------------------- limits


def _modality(modality: str | Modality) -> Modality:
    return modality if isinstance(modality, Modality) else find_modality(modality)


def time_limits(modality: str | Modality) -> tuple[TimeLimit, ...]:
    """Every time limit of a modality, headline first (empty when there is no teachable limit)."""
    found = _modality(modality)
    extra = [(limit, limit.kind, limit.at_or_below_c) for limit in found.limits]
    limits: list[TimeLimit] = []
    if found.max_exposure_s is not None:
        same_area = [limit for limit, kind, _ in extra
                     if kind == AREA and limit.max_s == found.max_exposure_s]
        sources = same_area[0].sources if same_area else found.sources
        kind = AREA if same_area else found.max_kind
        limits.append(TimeLimit(
            found.code, kind, "per area" if same_area else found.max_scope,
            float(found.max_exposure_s), found.max_basis, found.max_basis_kind, sources))
        extra = [entry for entry in extra if not (same_area and entry[0] is same_area[0])]
    for limit, kind, colder in extra:
        limits.append(TimeLimit(found.code, kind, limit.scope, float(limit.max_s), limit.text,
                                limit.basis_kind, limit.sources, colder, limit.sites))
    return tuple(limits)


def headline_limit(modality: str | Modality) -> TimeLimit | None:
    """The modality's headline maximum, or None when there is no teachable limit."""
    limits = time_limits(modality)
    return limits[0] if limits and _modality(modality).max_exposure_s is not None else None


def min_interval_days(modality: str | Modality) -> int | None:
    """Shortest gap in days between two sessions of a course (None: the sources give none)."""
    return _modality(modality).interval_days


def _scope_violation(found: Modality, label: str) -> Violation | None:
    if found.performer != "cosmetologist":
        return Violation("scope", label, 0.0, None, "s", found.max_basis_kind, found.sources,
                         f"{found.name} is performed by a {found.performer}, not a "
                         f"cosmetologist: do not plan or time it; refer the client. "
                         f"({found.performer_basis})")
    if found.max_exposure_s is None:
        return Violation("no_limit", label, 0.0, None, "s", "none", found.sources,
                         f"{found.name} has no teachable time limit ({found.max_basis}); "
                         "do not perform it.")
    return None


def _over(limit: TimeLimit, label: str, actual: float, what: str) -> Violation:
    sources = ", ".join(source_label(code) for code in limit.sources)
    message = (f"{label}: {what} {duration_text(actual)}, over the limit of "
               f"{duration_text(limit.max_s)} {limit.scope}. {limit.text} "
               f"(basis: {limit.basis_kind}; {sources})")
    return Violation(limit.kind, label, actual, limit.max_s, "s", limit.basis_kind,
                     limit.sources, message)


# --------------------------------------------------------------------------- checking input


def _seconds(name: str, value: object, maximum: float = MAX_SESSION_S) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TimingError(f"{name} must be a number of seconds; you gave {value!r}.")
    if not math.isfinite(value) or not 0 <= value <= maximum:
        raise TimingError(f"{name} must be between 0 and {maximum:g} seconds; you gave {value}.")
    return float(value)


def _site(area: object) -> str:
    sites = load().sites
    if not isinstance(area, str):
        raise TimingError(f"An area must be a word in quotes, like 'face'; you gave {area!r}.")
    key = normalise_name(area).replace(" ", "_")
    if key in sites:
        return key
    close = did_you_mean(area, sites, limit=2)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise TimingError(f"Unknown area {area!r}.{hint} Areas: {', '.join(sites)}.")


def _site_violations(found: Modality, areas: Iterable[str]) -> list[Violation]:
    return [
        Violation("site", area, 0.0, None, "s", found.max_basis_kind, found.sources,
                  f"{area}: {found.name} is not used on this area in this course "
                  f"(its areas: {', '.join(found.sites)}).")
        for area in dict.fromkeys(areas) if area not in found.sites
    ]


AreaTimes = Sequence[tuple[str, float]] | Mapping[str, float]


def _area_pairs(areas: AreaTimes) -> list[tuple[str, float]]:
    pairs = list(areas.items()) if isinstance(areas, Mapping) else list(areas)
    checked = []
    for pair in pairs:
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise TimingError(f"Each area needs a name and seconds, like ('face', 60); "
                              f"you gave {pair!r}.")
        checked.append((_site(pair[0]), _seconds(f"The time for {pair[0]}", pair[1])))
    return checked


# --------------------------------------------------------------------------- sessions


class _Tally:
    """Running totals of one session, reporting each limit the first time it is passed."""

    def __init__(self, limits: Sequence[TimeLimit], chamber_temp_c: float | None) -> None:
        self.session = [lim for lim in limits
                        if lim.kind in (SESSION, COLD_CHAMBER) and lim.applies_at(chamber_temp_c)]
        self.area = [lim for lim in limits if lim.kind == AREA]
        self.total = 0.0
        self.per_area: dict[str, float] = {}
        self.reported: set[tuple[str, str]] = set()

    def room_left(self, area: str) -> float:
        """Seconds before the first session or area limit is passed."""
        left = [lim.max_s - self.total for lim in self.session]
        left += [lim.max_s - self.per_area.get(area, 0.0) for lim in self.area
                 if lim.applies_to(area)]
        return min(left, default=math.inf)

    def add(self, area: str, seconds: float, label: str) -> list[Violation]:
        self.total += seconds
        self.per_area[area] = self.per_area.get(area, 0.0) + seconds
        found = []
        for lim in self.session:
            if self.total > lim.max_s and (lim.scope, "") not in self.reported:
                self.reported.add((lim.scope, ""))
                found.append(_over(lim, label, self.total, "session total"))
        for lim in self.area:
            key = (f"{lim.scope} {lim.max_s:g}", area)
            over = lim.applies_to(area) and self.per_area[area] > lim.max_s
            if over and key not in self.reported:
                self.reported.add(key)
                found.append(_over(lim, label, self.per_area[area], f"{area} total"))
        return found


def _limit_notes(found: Modality, limits: Sequence[TimeLimit],
                 chamber_temp_c: float | None) -> list[str]:
    notes = [lim.text for lim in limits if lim.kind == SPOT]
    for lim in limits:
        if lim.kind == COLD_CHAMBER and chamber_temp_c is None:
            notes.append(f"Chamber temperature not given: the stricter limit applies "
                         f"({lim.text})")
        if lim.kind == OTHER:
            notes.append(f"Not checked by the planner: {lim.text}")
    notes.append(f"Afterwards, observe the client for {found.observation_minutes} minutes.")
    return notes


def plan_session(
    modality: str | Modality,
    areas: AreaTimes,
    *,
    passes: int = 1,
    chamber_temp_c: float | None = None,
) -> SessionPlan:
    """Plan a session: ``areas`` are (area, seconds per pass), treated in order, ``passes`` times.

    Returns the per-area totals, the timeline and every limit the plan passes.
    """
    found = _modality(modality)
    if isinstance(passes, bool) or not isinstance(passes, int) or not 1 <= passes <= MAX_PASSES:
        raise TimingError(f"passes must be a whole number from 1 to {MAX_PASSES}.")
    if chamber_temp_c is not None and (isinstance(chamber_temp_c, bool)
                                       or not isinstance(chamber_temp_c, int | float)):
        raise TimingError("The chamber temperature must be a number of °C, like -140.")
    pairs = _area_pairs(areas)
    limits = time_limits(found)
    blocked = _scope_violation(found, "session")
    violations: list[Violation] = [blocked] if blocked else []
    violations += _site_violations(found, (area for area, _ in pairs))
    tally = _Tally(limits if not blocked else (), chamber_temp_c)
    segments: list[Segment] = []
    clock = 0.0
    for _ in range(passes):
        for area, seconds in pairs:
            if seconds <= 0:
                continue
            cut = min(max(tally.room_left(area), 0.0), seconds)
            if cut > 0:
                segments.append(Segment(area, clock, clock + cut))
            if cut < seconds:
                segments.append(Segment(area, clock + cut, clock + seconds, over=True))
            violations += tally.add(area, seconds, area)
            clock += seconds
    return SessionPlan(
        modality=found.code, name=found.name, segments=tuple(segments),
        area_totals=dict(tally.per_area) or {area: 0.0 for area, _ in pairs},
        total_s=tally.total, limits=limits, violations=tuple(violations),
        notes=tuple(_limit_notes(found, limits, chamber_temp_c)),
        observation_minutes=found.observation_minutes,
        session_limit_s=min((lim.max_s for lim in tally.session), default=None),
        area_limit_s=min((lim.max_s for lim in tally.area
                          if any(lim.applies_to(area) for area, _ in pairs)), default=None),
    )


def remaining_seconds(
    modality: str | Modality, used_s: float, *, chamber_temp_c: float | None = None,
    area: str = "", device_limit_s: float | None = None,
) -> float:
    """Seconds left before the strictest session or area limit, after ``used_s`` seconds.

    ``area``: the treated area (not given: every area limit counts, the stricter reading).
    ``device_limit_s``: the device's instructions-for-use time for this area; the shorter of
    it and the course's limits wins."""
    found = _modality(modality)
    blocked = _scope_violation(found, "session")
    if blocked:
        raise TimingError(blocked.message)
    used = _seconds("The time already used", used_s)
    where = _site(area) if area else ""
    room = _Tally(time_limits(found), chamber_temp_c).room_left(where)
    if device_limit_s is not None:
        room = min(room, _seconds("The device's time for the area", device_limit_s))
    return max(0.0, room - used)


# --------------------------------------------------------------------------- logs


def _events(log: Iterable[LogEvent]) -> list[LogEvent]:
    events = list(log)
    for event in events:
        if not isinstance(event, LogEvent):
            raise TimingError(f"A log is a list of LogEvent lines; found {event!r}.")
        _site(event.area)
        _seconds(f"Line {event.label}: the start", event.start_s, maximum=24 * 3600.0)
        _seconds(f"Line {event.label}: the duration", event.duration_s)
        if isinstance(event.day, bool) or not isinstance(event.day, int) or event.day < 1:
            raise TimingError(f"Line {event.label}: the day must be a whole number from 1.")
    labels = [event.label for event in events]
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        raise TimingError(f"Each log line needs its own label; repeated: {', '.join(duplicates)}.")
    return sorted(events, key=lambda e: (e.day, e.start_s))


def _interval_violation(found: Modality, label: str, gap: int) -> Violation:
    sources = _interval_sources(found)
    shorts = ", ".join(source_label(code) for code in sources)
    return Violation(
        "interval", label, float(gap), float(found.interval_days or 0), "days",
        _basis_kind_of(sources), sources,
        f"{label}: only {gap} day(s) after the previous session; the course plans "
        f"{found.name} sessions at least {found.interval_days} days apart "
        f"({found.interval_basis or found.sessions_text}; {shorts}).")


def _interval_sources(found: Modality) -> tuple[str, ...]:
    """The modality's sources that its session text cites (all of them when it cites none)."""
    named = tuple(code for code in found.sources
                  if (short := source_label(code)) != code and short in found.sessions_text)
    return named or found.sources


def _basis_kind_of(sources: Sequence[str]) -> str:
    kinds = {load().sources[code].kind for code in sources if code in load().sources}
    return "seed" if kinds == {"seed"} else "published"


def check_log(
    modality: str | Modality, log: Iterable[LogEvent], *, chamber_temp_c: float | None = None
) -> tuple[Violation, ...]:
    """Every limit a recorded log passes: a spot held too long, an area or a session over its
    limit, or a session too soon after the previous one (events on different ``day``s)."""
    found = _modality(modality)
    events = _events(log)
    if not events:
        return ()
    blocked = _scope_violation(found, events[0].label)
    if blocked:
        return (blocked,)
    limits = time_limits(found)
    spot_limits = [lim for lim in limits if lim.kind == SPOT]
    violations = _site_violations(found, (event.area for event in events))
    tallies: dict[int, _Tally] = {}
    for event in events:
        tally = tallies.setdefault(event.day, _Tally(limits, chamber_temp_c))
        if event.spot:
            violations += [
                _over(lim, event.label, event.duration_s, f"held still on the {event.spot} for")
                for lim in spot_limits if event.duration_s > lim.max_s
            ]
        violations += tally.add(event.area, event.duration_s, event.label)
    days = sorted(tallies)
    if found.interval_days is not None:
        for previous, day in zip(days, days[1:], strict=False):
            if day - previous < found.interval_days:
                first = next(event for event in events if event.day == day)
                violations.append(_interval_violation(found, first.label, day - previous))
    return tuple(violations)


def violating_labels(violations: Iterable[Violation]) -> tuple[str, ...]:
    """The distinct labels (log lines, areas, dates) that violations name, in order."""
    return tuple(dict.fromkeys(violation.label for violation in violations))


# --------------------------------------------------------------------------- courses


def _date(value: object) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise TimingError(f"A date must look like '2025-03-03' (year-month-day); you gave {value!r}.")


def check_course(modality: str | Modality, dates: Iterable[date | str]) -> tuple[Violation, ...]:
    """Spacing problems in a series of session dates (too close together)."""
    found = _modality(modality)
    ordered = sorted(_date(value) for value in dates)
    if found.interval_days is None:
        return ()
    return tuple(
        _interval_violation(found, later.isoformat(), (later - earlier).days)
        for earlier, later in zip(ordered, ordered[1:], strict=False)
        if (later - earlier).days < found.interval_days
    )


def _course_notes(found: Modality, sessions: int) -> list[str]:
    notes = []
    if found.interval_days is None:
        notes.append(f"The sources give no spacing for {found.name}; the course does not "
                     "invent one.")
    if found.sessions is not None:
        low, high = found.sessions
        if not low <= sessions <= high:
            notes.append(f"The sources describe {low}-{high} sessions ({found.sessions_text}); "
                         "that is an efficacy claim, not a safety limit.")
    notes.append(f"After every session, observe the client for {found.observation_minutes} "
                 "minutes.")
    return notes


def plan_course(
    modality: str | Modality, start: date | str, sessions: int, interval_days: int
) -> CoursePlan:
    """Dates of ``sessions`` sessions from ``start``, every ``interval_days``, and problems."""
    found = _modality(modality)
    first = _date(start)
    if isinstance(sessions, bool) or not isinstance(sessions, int) \
            or not 1 <= sessions <= MAX_SESSIONS:
        raise TimingError(f"The number of sessions must be a whole number from 1 to "
                          f"{MAX_SESSIONS}.")
    if isinstance(interval_days, bool) or not isinstance(interval_days, int) \
            or not 0 <= interval_days <= 365:
        raise TimingError("The days between sessions must be a whole number from 0 to 365.")
    dates = tuple(first + timedelta(days=interval_days * n) for n in range(sessions))
    blocked = _scope_violation(found, first.isoformat())
    violations = ((blocked,) if blocked else ()) + check_course(found, dates)
    return CoursePlan(found.code, dates, found.interval_days, violations,
                      tuple(_course_notes(found, sessions)))


__all__ = [
    "AREA", "COLD_CHAMBER", "OTHER", "SESSION", "SPOT",
    "CoursePlan", "LogEvent", "Segment", "SessionPlan", "TimeLimit", "TimingError", "Violation",
    "check_course", "check_log", "duration_text", "headline_limit", "min_interval_days",
    "plan_course", "plan_session", "remaining_seconds", "source_label", "time_limits",
    "violating_labels",
]
