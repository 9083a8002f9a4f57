"""Read an intake line as a person writes it: names, qualifiers, times, places, several items.

``read_line(text) -> tuple[Reading, ...]``: "treated hypothyroidism", "cold sore on the chin
since yesterday", "earrings and a necklace", "warfarin", "no seizures for six years",
"botox three weeks ago", "eczma". Each `Reading` gives the condition code (None when the
item is not understood), where it is, how long ago, the qualifiers read ("controlled",
"severe", "flare" ...) and whether the client says they do NOT have it. A qualified name
becomes the condition's form for that state (conditions.toml ``forms``); a temporary
condition written as past, or a procedure longer ago than its ``wait_days``, is ``past``.
Nothing here raises for any text: what is not understood comes back with ``code = None``,
and the screening engine turns it into the conservative "not understood" finding.

``read_modality(text)``: a modality code from its code, name, alias, a phrase containing one,
or a misspelling. The words live in course/data/intake.toml; the clinical facts in
conditions.toml.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from typing import Any

from course.facts.knowledge import (
    Condition,
    UnknownNameError,
    find,
    load,
    packaged_file,
    spellings,
)
from course.foundation.names import did_you_mean, normalise_name

SPELLING_CUTOFF = 0.8
"""How close a misspelling must be to a name to be read as it ("eczma" -> eczema)."""
SPELLING_MARGIN = 0.06
"""How much closer the best name must be than the next condition's: otherwise it is unclear."""

TEMPORARY = "defer"
"""The treatment of a temporary condition: written as past, it is not a finding today."""


@dataclass(frozen=True)
class Reading:
    """How one item of an intake line was read."""

    text: str
    code: str | None
    site: str | None = None
    days_ago: float | None = None
    states: tuple[str, ...] = ()
    negated: bool = False
    past: bool = False
    how: str = ""

    @property
    def understood(self) -> bool:
        """Whether the item names something the course knows (or says the client has none)."""
        return self.code is not None or self.negated


@dataclass(frozen=True)
class _Words:
    separators: tuple[str, ...]
    qualifiers: tuple[tuple[str, str], ...]  # (phrase, state), longest first
    never_guess: frozenset[str]
    negation_whole: frozenset[str]
    negation_leading: tuple[str, ...]
    fillers: tuple[str, ...]
    place_words: tuple[str, ...]
    place_fillers: tuple[str, ...]
    time_units: dict[str, float]
    time_words: tuple[tuple[str, float], ...]
    number_words: dict[str, float]


@functools.cache
def _words() -> _Words:
    raw = packaged_file("intake.toml")
    qualifiers = [(normalise_name(phrase), state)
                  for state, phrases in raw["qualifiers"].items() for phrase in phrases]
    qualifiers.sort(key=lambda pair: -len(pair[0]))
    return _Words(
        separators=tuple(raw["separators"]),
        qualifiers=tuple(qualifiers),
        never_guess=frozenset(normalise_name(w) for w in raw["never_guess"]),
        negation_whole=frozenset(normalise_name(w) for w in raw["negation"]["whole"]),
        negation_leading=tuple(sorted((normalise_name(w) for w in raw["negation"]["leading"]),
                                      key=len, reverse=True)),
        fillers=tuple(sorted((normalise_name(w) for w in raw["fillers"]), key=len,
                             reverse=True)),
        place_words=tuple(raw["place_words"]),
        place_fillers=tuple(normalise_name(w) for w in raw["place_fillers"]),
        time_units={normalise_name(k): float(v) for k, v in raw["time_units"].items()},
        time_words=tuple(sorted(((normalise_name(k), float(v))
                                 for k, v in raw["time_words"].items()),
                                key=lambda pair: -len(pair[0]))),
        number_words={normalise_name(k): float(v) for k, v in raw["number_words"].items()},
    )


@functools.cache
def _condition_index() -> dict[str, str]:
    """Every normalised spelling of every condition -> its code."""
    return {normalise_name(name): code for name, code in spellings(load().conditions).items()}


@functools.cache
def _site_index() -> dict[str, str]:
    """Every word for a site (codes with spaces, aliases) -> the site code."""
    kb = load()
    index = {normalise_name(site.replace("_", " ")): site for site in kb.sites}
    index.update({alias: site for alias, site in kb.site_aliases.items()})
    return index


def _phrase(words: str) -> str:
    """A regex matching `words` (normalised) as whole words."""
    return r"(?<![0-9a-z])" + re.escape(words) + r"(?![0-9a-z])"


def _remove(text: str, start: int, end: int) -> str:
    return " ".join((text[:start] + " " + text[end:]).split())


# --------------------------------------------------------------------------- time and place


def _number(word: str) -> float | None:
    words = _words()
    if word in words.number_words:
        return words.number_words[word]
    try:
        return float(word)
    except ValueError:
        return None


def _take_time(text: str) -> tuple[str, float | None, bool]:
    """Remove a time phrase; return the rest, days ago (None if none), and whether it was a
    duration ("for six years") rather than a time ago."""
    words = _words()
    for phrase, days in words.time_words:
        found = re.search(_phrase(phrase), text)
        if found:
            return _remove(text, found.start(), found.end()), days, False
    numbers = "|".join(sorted((re.escape(w) for w in words.number_words), key=len, reverse=True))
    units = "|".join(sorted((re.escape(u) for u in words.time_units), key=len, reverse=True))
    pattern = (rf"(?<![0-9a-z])(?P<lead>for |over the last |in the last |within the last |since )?"
               rf"(?P<n>\d+(?: \d+)?|{numbers}) (?:of )?(?P<unit>{units})(?P<ago> ago| back)?"
               r"(?![0-9a-z])")
    found = re.search(pattern, text)
    if found is None:
        found_unit = re.search(rf"(?<![0-9a-z])(?:a |one )?(?P<unit>{units}) ago(?![0-9a-z])",
                               text)
        if found_unit:
            days = words.time_units[found_unit["unit"]]
            return _remove(text, found_unit.start(), found_unit.end()), days, False
        return text, None, False
    number = _number(found["n"].replace(" ", "."))
    days = (number or 0) * words.time_units[found["unit"]]
    duration = bool(found["lead"]) and not found["ago"]
    return _remove(text, found.start(), found.end()), days, duration


def _take_place(text: str) -> tuple[str, str | None]:
    """Remove "on the chin", "left knee", "forearm"; return the rest and the site code."""
    words = _words()
    sites = _site_index()
    names = "|".join(sorted((re.escape(name) for name in sites), key=len, reverse=True))
    fillers = "|".join(re.escape(w) for w in words.place_fillers)
    lead = "|".join(re.escape(w) for w in words.place_words)
    pattern = (rf"(?<![0-9a-z])(?:(?:{lead}) )?(?:(?:{fillers}) )*(?P<site>{names})"
               r"(?![0-9a-z])")
    matches = list(re.finditer(pattern, text))
    if not matches:
        return text, None
    found = matches[-1]  # the last place named is where it is ("rash on the skin of the arm")
    return _remove(text, found.start(), found.end()), sites[found["site"]]


def _take_states(text: str) -> tuple[str, tuple[str, ...]]:
    states: list[str] = []
    for phrase, state in _words().qualifiers:
        found = re.search(_phrase(phrase), text)
        if found:
            text = _remove(text, found.start(), found.end())
            if state not in states:
                states.append(state)
    return text, tuple(states)


def _take_negation(text: str) -> tuple[str, bool]:
    for word in _words().negation_leading:
        if text == word:
            return "", True
        if text.startswith(word + " "):
            return text[len(word) + 1:], True
    return text, False


def _strip_fillers(text: str) -> str:
    for filler in _words().fillers:
        text = re.sub(_phrase(filler), " ", text)
    text = re.sub(r"(?<![0-9a-z])\d+(?![0-9a-z])", " ", text)  # "2019", "20 mg"
    return " ".join(text.split())


# --------------------------------------------------------------------------- names


def _variants(text: str) -> list[str]:
    """The text, and its singular or plural, for an exact look-up."""
    out = [text]
    if text.endswith("s"):
        out.append(text[:-1])
    else:
        out.append(text + "s")
    return out


def _contained_name(text: str, index: dict[str, str]) -> str:
    """The longest known name found inside `text` as whole words ("" if none)."""
    best = ""
    for name in index:
        if len(name) > len(best) and (len(name) >= 4 or " " in name) and re.search(
                _phrase(name), text):
            best = name
    return best


def _contained(text: str, index: dict[str, str]) -> str | None:
    """The code of the longest known name found inside `text` as whole words."""
    best = _contained_name(text, index)
    return index[best] if best else None


def _resolve(text: str) -> tuple[str | None, str]:
    """A condition code for a name as written, and how it was read ("" when exact)."""
    index = _condition_index()
    if not text:
        return None, ""
    for variant in _variants(text):
        if variant in index:
            return index[variant], ""
    if _never_guess(text):
        return None, ""
    contained = _contained(text, index)
    if contained:
        return contained, ""
    close = _spelling(text, index)
    if close:
        return index[close], f"read {text!r} as {close!r} (spelling)"
    for word in text.split():
        if len(word) >= 5:
            close = _spelling(word, {n: c for n, c in index.items() if " " not in n})
            if close:
                return index[close], f"read {word!r} as {close!r} (spelling)"
    return None, ""


def _never_guess(text: str) -> bool:
    """Whether `text` holds a word that looks like a known name but is another condition."""
    return any(re.search(_phrase(word), text) for word in _words().never_guess)


def _spelling(text: str, index: dict[str, str]) -> str | None:
    """The one name `text` is a misspelling of, or None when none is close enough or two
    different conditions are about as close (a guess could be the unsafe one)."""
    scored = sorted(((difflib.SequenceMatcher(None, text, name).ratio(), name)
                     for name in index), reverse=True)
    best = [(score, name) for score, name in scored if score >= SPELLING_CUTOFF]
    if not best:
        return None
    rivals = [score for score, name in scored[1:]
              if index[name] != index[best[0][1]]]
    if rivals and best[0][0] - rivals[0] < SPELLING_MARGIN:
        return None
    return best[0][1]


def _form(condition: Condition, states: tuple[str, ...], days_ago: float | None) -> str:
    """The condition a qualified name becomes ("untreated" hypothyroidism, a tattoo done
    two weeks ago is a fresh tattoo ...)."""
    for state in states:
        if state in condition.forms:
            return condition.forms[state]
    recent = condition.forms.get("recent")
    if recent and days_ago is not None and days_ago <= (load().conditions[recent].wait_days or 0):
        return recent
    return condition.code


def _is_past(condition: Condition, states: tuple[str, ...], days_ago: float | None) -> bool:
    """A temporary condition written as past, or a procedure longer ago than its wait."""
    if condition.wait_days is not None and days_ago is not None:
        return days_ago > condition.wait_days
    return "history" in states and condition.treatment == TEMPORARY


def _read_piece(piece: str) -> list[Reading]:
    """The items in one piece (usually one); empty when the piece holds no name and no
    qualifier, a lone qualifier ("treated") as a reading without a code."""
    written = " ".join(piece.split())
    text = normalise_name(written)
    if not text:
        return []
    if text in _words().negation_whole:
        return [Reading(written, None, negated=True)]
    if text in _condition_index():
        return [_finish(Reading(written, _condition_index()[text]))]
    timed, days_ago, duration = _take_time(text)
    placed, site = _take_place(timed)
    qualified, states = _take_states(placed)
    rest, negated = _take_negation(qualified)
    if negated and (duration or days_ago is not None):
        negated, states = False, (*states, "controlled")  # "no seizures for six years"
    if duration:
        days_ago = None  # "for six years" is how long, not how long ago
    name = _strip_fillers(rest)
    codes, how = _resolve_all(name) if name else ([], "")
    if not codes and not _never_guess(text):
        # a name the place or a qualifier words were part of ("knee replacement", "radiotherapy")
        for candidate in (_take_negation(placed)[0], timed):
            found = _contained(_strip_fillers(candidate), _condition_index())
            if found:
                codes = [found]
                break
    if not codes:
        if not name and (states or days_ago is not None or site):
            return [Reading(written, None, site, days_ago, states, how="qualifier only")]
        return [Reading(written, None, site, days_ago, states, negated=negated)]
    return [_finish(Reading(written, code, site, days_ago, states, negated, how=how))
            for code in codes]


def _resolve_all(text: str) -> tuple[list[str], str]:
    """Every condition named in `text` ("sumatriptan for migraines": two), and how."""
    code, how = _resolve(text)
    if code is None:
        return [], ""
    codes = [code]
    rest = text
    for _ in range(3):  # a few names in one piece at most
        found = _contained_name(rest, _condition_index())
        if not found:
            break
        rest = " ".join(re.sub(_phrase(found), " ", rest).split())
        more = _contained(rest, _condition_index())
        if more and more not in codes:
            codes.append(more)
    return codes, how


def _finish(reading: Reading) -> Reading:
    """Apply the qualifiers: the condition's form, and whether it is in the past."""
    if reading.code is None:
        return reading
    kb = load()
    code = _form(kb.conditions[reading.code], reading.states, reading.days_ago)
    condition = kb.conditions[code]
    past = _is_past(condition, reading.states, reading.days_ago)
    return Reading(reading.text, code, reading.site, reading.days_ago, reading.states,
                   reading.negated, past, reading.how)


def _split(text: str) -> list[str]:
    pieces = [text]
    for separator in _words().separators:
        pattern = re.escape(separator) if separator.strip() else None
        parts: list[str] = []
        for piece in pieces:
            if pattern is None:
                parts.extend(piece.split(separator))
            else:
                parts.extend(re.split(pattern if not separator.startswith(" ")
                                      else r"(?i)" + re.escape(separator), piece))
        pieces = parts
    return [piece.strip() for piece in pieces if piece.strip()]


def read_line(value: Any) -> tuple[Reading, ...]:
    """Every item in one intake line (any value: it is read as text), in order."""
    if value is None:
        return ()
    return _read_text(" ".join(str(value).split()))


@functools.lru_cache(maxsize=4096)
def _read_text(written: str) -> tuple[Reading, ...]:
    """`read_line` for a text with its spaces squeezed (cached: forms repeat lines)."""
    if not written:
        return ()
    whole = normalise_name(written)
    if whole in _condition_index():
        return (_finish(Reading(written, _condition_index()[whole])),)
    if whole in _words().negation_whole:
        return (Reading(written, None, negated=True),)
    readings: list[Reading] = []
    for reading in (r for piece in _split(written) for r in _read_piece(piece)):
        if reading.code is None and not reading.negated and reading.how == "qualifier only":
            if readings and readings[-1].code is not None:
                readings[-1] = _merge(readings[-1], reading)
                continue
            reading = Reading(reading.text, None, reading.site, reading.days_ago, reading.states)
        readings.append(reading)
    return tuple(readings)


def _merge(first: Reading, extra: Reading) -> Reading:
    """A qualifier written after its item ("hypothyroidism, treated"; "cold sore, yesterday")."""
    merged = Reading(f"{first.text}, {extra.text}", first.code, first.site or extra.site,
                     first.days_ago if first.days_ago is not None else extra.days_ago,
                     (*first.states, *(s for s in extra.states if s not in first.states)),
                     first.negated, False, first.how)
    return _finish(merged)


@functools.cache
def lesion_words() -> dict[str, tuple[str, ...]]:
    """Words that say which kind of lesion a free-text lesion line means."""
    raw = packaged_file("intake.toml")["lesion_words"]
    return {kind: tuple(normalise_name(w) for w in words) for kind, words in raw.items()}


# --------------------------------------------------------------------------- modality


MODALITY_FILLERS = ("session", "sessions", "treatment", "please", "a", "the", "my", "of",
                    "course", "booked", "book", "for", "on", "want", "wants", "appointment")


def read_modality(value: Any) -> str:
    """A modality code from a code, name, alias, a phrase holding one, or a misspelling.
    Raises UnknownNameError (with suggestions) when nothing matches."""
    kb = load()
    try:
        return find(kb.modalities, value, "modality").code
    except UnknownNameError as error:
        problem = error
    text = normalise_name(str(value))
    index = {normalise_name(name): code for name, code in spellings(kb.modalities).items()}
    contained = _contained(text, index)
    if contained:
        return contained
    core = " ".join(w for w in text.split() if w not in MODALITY_FILLERS)
    close = did_you_mean(core, index, limit=1, cutoff=0.8)
    if close:
        return index[close[0]]
    raise problem
