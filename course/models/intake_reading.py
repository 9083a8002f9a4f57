"""Read an intake line as a person writes it: names, qualifiers, times, places, several items.

``read_line(text) -> tuple[Reading, ...]``: "treated hypothyroidism", "cold sore on the chin
since yesterday", "earrings and a necklace", "warfarin", "no seizures for six years",
"botox three weeks ago", "on warfarin for AF". Each `Reading` gives the condition code (None
when the item is not understood), where it is, how long ago, the qualifiers read
("controlled", "severe", "flare" ...) and whether the client says they do NOT have it. A
qualified name becomes the condition's form for that state (conditions.toml ``forms``); a
temporary condition written as past, or a procedure longer ago than its ``wait_days``, is
``past``. The reason after a medicine ("for AF", "because of a stent") is read as an item too.
Nothing here raises for any text: what is not understood comes back with ``code = None``,
and the screening engine turns it into the conservative "not understood" finding.

No word is ever spell-matched into a condition ("every" is not "fever", "nut allergy" is not
an LN2 allergy): a misspelling ("eczma") is not understood, and its `suggestion` names the
close name for the operator to ask about. An item not understood that tells of a reaction to
cold is read as the cold-reaction condition (intake.toml ``[cold_reaction]``), and two items
that together mean a third (``[[combination]]``: "diabetic with numb toes") are combined.

``read_modality(text)``: a modality code from its code, name, alias, a phrase containing one,
or a misspelling. The words live in course/data/intake.toml; the clinical facts in
conditions.toml.
"""

from __future__ import annotations

import dataclasses
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
"""How close a misspelling must be to a name to be offered as a suggestion ("eczma": eczema?)."""
SPELLING_MARGIN = 0.06
"""How much closer the best name must be than the next condition's to be suggested alone."""

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
    suggestion: str = ""

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
    uncertain: tuple[str, ...]
    trailing_no: tuple[str, ...]
    trailing_yes: tuple[str, ...]
    family: tuple[str, ...]
    own: tuple[str, ...]
    same_for_client: frozenset[str]
    fillers: tuple[str, ...]
    place_words: tuple[str, ...]
    place_fillers: tuple[str, ...]
    time_units: dict[str, float]
    time_words: tuple[tuple[str, float], ...]
    number_words: dict[str, float]
    reasons: tuple[str, ...]
    cold_words: frozenset[str]
    reaction_words: frozenset[str]
    cold_reaction: str
    combinations: tuple[dict[str, Any], ...]


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
        uncertain=tuple(normalise_name(w) for w in raw["negation"]["uncertain"]),
        trailing_no=tuple(normalise_name(w) for w in raw["negation"]["trailing"]),
        trailing_yes=tuple(normalise_name(w) for w in raw["negation"]["affirmed"]),
        family=tuple(normalise_name(w) for w in raw["negation"]["family"]),
        own=tuple(normalise_name(w) for w in raw["negation"]["own"]),
        same_for_client=frozenset(normalise_name(w)
                                  for w in raw["negation"]["same_for_client"]),
        fillers=tuple(sorted((normalise_name(w) for w in raw["fillers"]), key=len,
                             reverse=True)),
        place_words=tuple(raw["place_words"]),
        place_fillers=tuple(normalise_name(w) for w in raw["place_fillers"]),
        time_units={normalise_name(k): float(v) for k, v in raw["time_units"].items()},
        time_words=tuple(sorted(((normalise_name(k), float(v))
                                 for k, v in raw["time_words"].items()),
                                key=lambda pair: -len(pair[0]))),
        number_words={normalise_name(k): float(v) for k, v in raw["number_words"].items()},
        reasons=tuple(sorted((normalise_name(w) for w in raw["reasons"]["words"]), key=len,
                             reverse=True)),
        cold_words=frozenset(normalise_name(w) for w in raw["cold_reaction"]["cold"]),
        reaction_words=frozenset(normalise_name(w) for w in raw["cold_reaction"]["reaction"]),
        cold_reaction=raw["cold_reaction"]["becomes"],
        combinations=tuple(raw.get("combination", ())),
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


@functools.cache
def _phrase(words: str) -> re.Pattern[str]:
    """A regex matching `words` (normalised) as whole words, compiled once (the reader tries
    hundreds of names per line: more than the re module's own cache holds)."""
    return re.compile(r"(?<![0-9a-z])" + re.escape(words) + r"(?![0-9a-z])")


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
        # A whole-word match is first a substring: the plain test spares compiling a
        # pattern for each of the hundreds of names that are not in the text at all.
        if len(name) > len(best) and (len(name) >= 4 or " " in name) and name in text \
                and re.search(_phrase(name), text):
            best = name
    return best


def _contained(text: str, index: dict[str, str]) -> str | None:
    """The code of the longest known name found inside `text` as whole words."""
    best = _contained_name(text, index)
    return index[best] if best else None


def _resolve(text: str) -> tuple[str | None, str]:
    """A condition code for a name as written (None when not understood), and, when it is
    not understood, the close name to suggest ("" if none). Never a guessed code."""
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
    return None, _suggestion(text, index)


def _suggestion(text: str, index: dict[str, str]) -> str:
    """The one name `text` (or a long word of it) looks like a misspelling of, or ""."""
    close = _spelling(text, index)
    if close:
        return close
    for word in text.split():
        if len(word) >= 5:
            close = _spelling(word, {n: c for n, c in index.items() if " " not in n})
            if close:
                return close
    return ""


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
    if _is_uncertain(text):
        # "not sure if pregnant", "Pregnant: I think not": never "not pregnant" (doubt is
        # read before a checklist's answer). A condition named is treated as present until
        # known; with none named, not understood (the operator asks).
        named = [r for r in _read_piece(_without_uncertainty(text)) if r.code]
        return [Reading(written, r.code, r.site, r.days_ago, r.states, how="uncertain")
                for r in named] or [Reading(written, None, how="uncertain")]
    text, answered_no = _take_answer(text)
    if answered_no:  # "Pregnant: No": the client does not have it
        answered = [r for r in _read_piece(text) if r.code]
        return [Reading(written, r.code, r.site, r.days_ago, r.states, negated=True)
                for r in answered] or [Reading(written, None, negated=True)]
    if _names_a_relative(text):
        if not _is_the_clients_own(text):  # "mum has epilepsy": not the client's
            theirs = [r for r in _read_piece(_without_relatives(text)) if r.code]
            return [Reading(written, r.code, negated=True, how="a relative's")
                    for r in theirs] or [Reading(written, None, negated=True,
                                                 how="a relative's")]
        # "partner says I had a seizure": the client's, read without the relative's words
        return [dataclasses.replace(r, text=written)
                for r in _read_piece(_without_relatives(text))]
    timed, days_ago, duration = _take_time(text)
    placed, site = _take_place(timed)
    qualified, states = _take_states(placed)
    rest, negated = _take_negation(qualified)
    if negated and (duration or days_ago is not None):
        negated, states = False, (*states, "controlled")  # "no seizures for six years"
    if duration:
        days_ago = None  # "for six years" is how long, not how long ago
    name = _strip_fillers(rest)
    codes, suggestion = _resolve_all(name) if name else ([], "")
    if not codes and not _never_guess(text):
        # a name the place or a qualifier words were part of ("knee replacement", "radiotherapy")
        for candidate in (_take_negation(placed)[0], timed):
            found = _contained(_strip_fillers(candidate), _condition_index())
            if found:
                codes = [found]
                break
    if not codes and not negated and _tells_of_cold_reaction(text, states):
        codes, suggestion = [_words().cold_reaction], ""
    if not codes:
        if not name and (states or days_ago is not None or site):
            return [Reading(written, None, site, days_ago, states, how="qualifier only")]
        return [Reading(written, None, site, days_ago, states, negated=negated,
                        suggestion=suggestion)]
    return [_finish(Reading(written, code, site, days_ago, states, negated))
            for code in codes]


def _is_uncertain(text: str) -> bool:
    """Whether the client says they do not know (``uncertain`` words in intake.toml)."""
    return any(re.search(_phrase(words), text) for words in _words().uncertain)


def _without(text: str, phrases: tuple[str, ...]) -> str:
    for words in sorted(phrases, key=len, reverse=True):
        text = re.sub(_phrase(words), " ", text)
    return " ".join(text.split())  # the fillers ("if", "have") go where every name's go


def _without_uncertainty(text: str) -> str:
    return _without(text, _words().uncertain)


def _names_a_relative(text: str) -> bool:
    """Whether the item names a relative (``family`` words in intake.toml) as its subject: it
    starts with one ("mum has epilepsy", "my father had a stroke") or says it is the family's
    ("family history of heart disease"). A relative named later ("epilepsy, like my mum")
    leaves the item the client's: a false "not the client's" is the unsafe error."""
    opening = text.removeprefix("my ")
    return any(opening == words or opening.startswith(words + " ") or (
        " " in words and re.search(_phrase(words), text)) for words in _words().family)


def _is_the_clients_own(text: str) -> bool:
    """Whether an item that names a relative is the client's all the same (``own`` words:
    "I have Raynaud's which runs in the family", "son born 5 weeks ago", "mum-to-be")."""
    return any(re.search(_phrase(words), text) for words in _words().own)


def _without_relatives(text: str) -> str:
    return _without(text, _words().family)


def _take_answer(text: str) -> tuple[str, bool]:
    """A checklist's answer after the name: ("pregnant", True) for "pregnant no"; a trailing
    yes is dropped ("pregnant yes" is "pregnant")."""
    words = _words()
    for answer, negated in ([(w, True) for w in words.trailing_no]
                            + [(w, False) for w in words.trailing_yes]):
        if text.endswith(" " + answer) and len(text) > len(answer) + 1:
            return text[:-len(answer) - 1].strip(), negated
    return text, False


def _tells_of_cold_reaction(text: str, states: tuple[str, ...]) -> bool:
    """Whether an item not understood tells of a reaction to cold ("hands hurt in the cold")."""
    words = _words()
    said = set(text.split())
    cold = "cold_triggered" in states or bool(said & words.cold_words)
    return cold and bool(said & words.reaction_words)


def _with_reason(piece: str, whole: list[Reading]) -> list[Reading]:
    """The readings of `piece` with the reason after a medicine read as an item of its own
    ("on warfarin for AF": the blood thinner and the heart rhythm problem), or `whole` when
    the piece holds no reason, the reason is only a time ("for six years"), or the whole
    piece was read as one name spanning the reason word."""
    text = normalise_name(" ".join(piece.split()))
    for word in _words().reasons:
        found = re.search(_phrase(word), text)
        if not found or found.start() == 0:
            continue
        head, reason = text[:found.start()].strip(), text[found.end():].strip()
        if not head or not reason:
            continue
        head_readings, reason_readings = _read_piece(head), _read_piece(reason)
        if not any(r.code for r in head_readings) or all(
                r.code is None and r.how == "qualifier only" for r in reason_readings):
            continue
        known = [r.code for r in whole if r.code]
        added = [r for r in reason_readings if r.how != "qualifier only" and not any(
            _related(r.code, code) for code in known)]
        return [*whole, *added]
    return whole


def _related(first: str | None, second: str) -> bool:
    """Whether two codes are one condition or one of its forms (cancer, cancer under
    treatment): a reason that repeats the item adds nothing."""
    if first is None:
        return False
    conditions = load().conditions
    return first == second or second in conditions[first].forms.values() or (
        first in conditions[second].forms.values())


def _resolve_all(text: str) -> tuple[list[str], str]:
    """Every condition named in `text` ("sumatriptan for migraines": two); when none, the
    name to suggest."""
    code, suggestion = _resolve(text)
    if code is None:
        return [], suggestion
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
    return codes, ""


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
    for reading in (r for piece in _split(written)
                    for r in _with_reason(piece, _read_piece(piece))):
        if (normalise_name(reading.text) in _words().same_for_client and readings
                and readings[-1].code and readings[-1].how == "a relative's"):
            # "mum has epilepsy, so do I": the relative's condition is the client's as well
            readings.append(_finish(Reading(reading.text, readings[-1].code)))
            continue
        if reading.code is None and not reading.negated and reading.how == "qualifier only":
            if readings and readings[-1].code is not None:
                readings[-1] = _merge(readings[-1], reading)
                continue
            reading = Reading(reading.text, None, reading.site, reading.days_ago, reading.states)
        if (readings and reading.code and readings[-1].code != reading.code
                and _related(readings[-1].code, reading.code)):
            # "epilepsy, no seizures for six years": the later item says which form it is
            readings[-1] = Reading(f"{readings[-1].text}, {reading.text}", reading.code,
                                   reading.site or readings[-1].site, reading.days_ago,
                                   reading.states, reading.negated, reading.past, reading.how)
            continue
        readings.append(reading)
    return combine(tuple(readings))


def combine(readings: tuple[Reading, ...]) -> tuple[Reading, ...]:
    """Apply intake.toml's combinations: two items that together mean a third ("diabetic" and
    numb toes is neuropathy of the feet). Used for one line and for a whole form."""
    out = list(readings)
    for rule in _words().combinations:
        present = {r.code for r in out if r.code and not r.negated and not r.past}
        if not set(rule["with"]) <= present:
            continue
        for index, reading in enumerate(out):
            if reading.code == rule["replace"] and not reading.negated and (
                    reading.site in rule["sites"]):
                out[index] = Reading(reading.text, rule["becomes"], None,  # its own sites
                                     reading.days_ago, reading.states, False, False,
                                     f"read with {', '.join(rule['with'])} as "
                                     f"{rule['becomes']}")
    return tuple(out)


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
