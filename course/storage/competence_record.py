"""The assessors' record of observed practice: append-only, tamper-evident, course-side.

Lives in the course folder (``.cryocourse/competence/``), which trainees cannot write on a
class server. Each line of ``record.jsonl`` is one entry (a sign-off or an internal verifier's
countersignature) with the server's time, who made it, the hash of the line before it and an
HMAC with the record's key: an edited, removed or inserted line is found by ``check()``.
Entries: a sign-off of an observed criterion; an internal verifier's countersignature; the
supervising assessor's attestation of a logged session (for the entry's exact content, with
or without acceptance of a stricter decision); a certificate the assessor saw (first aid,
with its valid-until date). Nothing is edited: a new judgement is a new entry, the latest
counts.
Who may sign is listed in ``assessors`` (one account a line, ``name role``), kept by the
instructor; nobody signs their own work.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from course.facts.competencies import CompetencyMap
from course.models.competence import MET, OUTCOMES, CertificateRecord, SignOff
from course.models.practice_log import Attestation, PracticeEntry, oxygen_flags, review
from course.storage.course_folder import STATE_DIR
from course.storage.secrets import read_or_create

FOLDER = "competence"
ROLES: tuple[str, ...] = ("assessor", "verifier")
MAX_COMMENT = 2000


class RecordError(ValueError):
    """A refused entry or a damaged record; the message says why and what to do."""


@dataclass(frozen=True)
class Record:
    """The competence record of one course folder."""

    root: Path

    @property
    def folder(self) -> Path:
        return self.root / STATE_DIR / FOLDER

    @property
    def path(self) -> Path:
        return self.folder / "record.jsonl"

    def _key(self) -> bytes:
        return bytes.fromhex(read_or_create(self.folder / "record-key", "the record's key"))

    def roles(self) -> dict[str, set[str]]:
        """account -> its roles, from ``assessors`` (missing file: nobody may sign)."""
        listed = self.folder / "assessors"
        roles: dict[str, set[str]] = {}
        if listed.is_file() and not listed.is_symlink():
            for line in listed.read_text(encoding="utf-8").splitlines():
                words = line.split("#", 1)[0].split()
                if len(words) == 2 and words[1] in ROLES:
                    roles.setdefault(words[0], set()).add(words[1])
        return roles

    def grant(self, account: str, role: str) -> None:
        """Give an account a role (the instructor's step)."""
        if role not in ROLES:
            raise RecordError(f"Unknown role {role!r}: one of {', '.join(ROLES)}.")
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        with (self.folder / "assessors").open("a", encoding="utf-8") as handle:
            handle.write(f"{account} {role}\n")

    def _lines(self) -> list[str]:
        if not self.path.exists():
            return []
        if self.path.is_symlink():
            raise RecordError(f"{self.path} is a link, not the record: restore it from backup.")
        return self.path.read_text(encoding="utf-8").splitlines()

    def entries(self) -> Iterator[dict]:
        """Every entry, checked: RecordError at the first line that was altered."""
        key, previous = self._key(), ""
        for number, line in enumerate(self._lines(), start=1):
            try:
                entry = json.loads(line)
                body = {k: v for k, v in entry.items() if k != "mac"}
                expected = _mac(key, body)
            except (ValueError, AttributeError, TypeError) as error:
                raise RecordError(f"{self.path}, line {number}, is damaged: restore the "
                                  "record from backup.") from error
            if not hmac.compare_digest(str(entry.get("mac", "")), expected) or \
                    entry.get("previous") != previous or entry.get("entry") != number:
                raise RecordError(f"{self.path}, line {number}, was changed after it was "
                                  "written: restore the record from backup and tell the "
                                  "internal verifier.")
            previous = hashlib.sha256(line.encode("utf-8")).hexdigest()
            yield entry

    def check(self) -> int:
        """The number of entries, all verified (RecordError otherwise)."""
        return sum(1 for _ in self.entries())

    def _append(self, body: dict) -> dict:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = self._key()
        with self.path.open("a+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            lines = self._lines()
            for _ in self.entries():  # refuse to add to a record that was altered
                pass
            previous = hashlib.sha256(lines[-1].encode("utf-8")).hexdigest() if lines else ""
            body = {"entry": len(lines) + 1, "previous": previous,
                    "at": datetime.now(UTC).isoformat(timespec="seconds"), **body}
            line = json.dumps({**body, "mac": _mac(key, body)}, sort_keys=True,
                              ensure_ascii=False)
            handle.write(line + "\n")
            handle.flush()
        return body

    def sign_off(self, competencies: CompetencyMap, *, trainee: str, unit: str,
                 criterion: str, outcome: str, comment: str, assessor: str,
                 session: PracticeEntry | None = None) -> dict:
        """Record an assessor's judgement of one observed criterion (``session``: the logged
        session observed; each different session is an occasion)."""
        self._assessor(assessor, trainee)
        found = competencies.units.get(unit)
        if found is None:
            raise RecordError(f"Unknown unit {unit!r}: one of {', '.join(competencies.units)}.")
        if criterion not in found.criteria or not competencies.criteria[criterion].observed:
            observed = [c for c in found.criteria if competencies.criteria[c].observed]
            raise RecordError(f"{criterion!r} is not an observed criterion of {unit}: one of "
                              f"{', '.join(observed) or 'none'}.")
        if outcome not in OUTCOMES:
            raise RecordError(f"The outcome is one of: {', '.join(OUTCOMES)}.")
        if session is not None and session.modality != found.modality:
            raise RecordError(f"The session observed was {session.modality}, not {unit}.")
        if competencies.criteria[criterion].in_session and outcome == MET:
            _real_session(criterion, session)
        occasion = {} if session is None else {"session": session.fingerprint,
                                               "session_day": session.day.isoformat()}
        return self._append({"kind": "sign-off", "trainee": trainee, "unit": unit, **occasion,
                             "criterion": criterion, "outcome": outcome,
                             "comment": " ".join(str(comment).split())[:MAX_COMMENT],
                             "by": assessor})

    def _assessor(self, assessor: str, trainee: str) -> None:
        if "assessor" not in self.roles().get(assessor, set()):
            raise RecordError(f"{assessor} is not an assessor of this course: the instructor "
                              f"adds them with `cryocourse competence grant {assessor} "
                              "assessor`.")
        if assessor == trainee:
            raise RecordError("Nobody signs off their own work.")

    def attest_session(self, *, trainee: str, session: PracticeEntry, assessor: str,
                       accept: bool = False, comment: str = "") -> dict:
        """The supervising assessor attests a logged session (``accept``: they accept a
        decision that differs from the course's rules in the stricter direction)."""
        self._assessor(assessor, trainee)
        if session.supervisor != assessor:
            raise RecordError(f"This session names {session.supervisor or 'no one'} as its "
                              f"supervisor: only the supervisor attests it ({assessor} "
                              "cannot).")
        return self._append({"kind": "session", "trainee": trainee,
                             "session": session.fingerprint, "client_code": session.client_code,
                             "day": session.day.isoformat(), "modality": session.modality,
                             "accepted": bool(accept),
                             "comment": " ".join(str(comment).split())[:MAX_COMMENT],
                             "by": assessor})

    def record_certificate(self, competencies: CompetencyMap, *, trainee: str,
                           certificate: str, valid_until: date, assessor: str) -> dict:
        """An assessor saw a trainee's certificate (its valid-until date as printed)."""
        self._assessor(assessor, trainee)
        if certificate not in competencies.certificates:
            raise RecordError(f"Unknown certificate {certificate!r}: one of "
                              f"{', '.join(competencies.certificates)}.")
        return self._append({"kind": "certificate", "trainee": trainee,
                             "certificate": certificate,
                             "valid_until": valid_until.isoformat(), "by": assessor})

    def attestations(self, trainee: str) -> dict[str, Attestation]:
        """A trainee's session fingerprint -> its latest attestation."""
        found: dict[str, Attestation] = {}
        for e in self.entries():
            if e.get("kind") == "session" and e["trainee"] == trainee:
                found[e["session"]] = Attestation(
                    entry=e["entry"], trainee=trainee, session=e["session"], assessor=e["by"],
                    at=datetime.fromisoformat(e["at"]), accepted=bool(e["accepted"]),
                    comment=e["comment"])
        return found

    def certificates(self) -> list[CertificateRecord]:
        """Every certificate recorded."""
        return [CertificateRecord(entry=e["entry"], trainee=e["trainee"],
                                  certificate=e["certificate"],
                                  valid_until=date.fromisoformat(e["valid_until"]),
                                  assessor=e["by"], at=datetime.fromisoformat(e["at"]))
                for e in self.entries() if e.get("kind") == "certificate"]

    def countersign(self, entry: int, verifier: str) -> dict:
        """An internal verifier's countersignature of a sampled sign-off."""
        if "verifier" not in self.roles().get(verifier, set()):
            raise RecordError(f"{verifier} is not an internal verifier of this course.")
        target = next((e for e in self.entries() if e["entry"] == entry), None)
        if target is None or target.get("kind") != "sign-off":
            raise RecordError(f"There is no sign-off number {entry} in the record.")
        if target["by"] == verifier:
            raise RecordError("A verifier does not countersign their own sign-off.")
        return self._append({"kind": "countersign", "of": entry, "by": verifier})

    def sign_offs(self) -> list[SignOff]:
        """Every sign-off, with its countersignature if sampled."""
        entries = list(self.entries())
        verifiers = {e["of"]: e["by"] for e in entries if e.get("kind") == "countersign"}
        return [SignOff(entry=e["entry"], trainee=e["trainee"], unit=e["unit"],
                        criterion=e["criterion"], outcome=e["outcome"], comment=e["comment"],
                        assessor=e["by"], at=datetime.fromisoformat(e["at"]),
                        countersigned_by=verifiers.get(e["entry"], ""),
                        session=e.get("session", ""))
                for e in entries if e.get("kind") == "sign-off"]


def _real_session(criterion: str, session: PracticeEntry | None) -> None:
    """A criterion observed in a real session is signed met only on a logged session where a
    client was treated and the course's rules raise no safety flag (RecordError)."""
    if session is None:
        raise RecordError(f"{criterion} is signed met only in a real session you observed: "
                          "choose that session from the trainee's log (a simulation or a day "
                          "alone is not enough).")
    if not session.treated:
        raise RecordError(f"The session of {session.client_code} on {session.day} treated no "
                          f"client ({session.treatment}): it cannot show {criterion}.")
    if review(session).safety_flag:
        said = " ".join(oxygen_flags(session) or review(session).flags)
        raise RecordError(f"The session of {session.client_code} on {session.day} has a "
                          f"safety flag, so it cannot show {criterion}: {said}")


def _mac(key: bytes, body: dict) -> str:
    message = json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()
