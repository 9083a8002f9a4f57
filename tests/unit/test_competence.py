"""The practical competence record: the map, the practice log, sign-offs, progress and
statements (issued only on complete evidence, verifiable, altered copies refused)."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from course.classroom import achievement
from course.classroom.competence import cohort_rows, export_cohort, read_practice_log
from course.exercises import all_items
from course.facts.competencies import competency_map
from course.facts.knowledge import load
from course.models.competence import SignOff, progress
from course.models.practice_log import Attestation, PracticeEntry, PracticeLogError, review
from course.storage.competence_record import Record, RecordError

MAP = competency_map()


def entry(**changes):
    data = {"client_code": "CL-0042", "day": "2026-11-30", "modality": "ln2_cryomassage",
            "intake": {}, "treatment": "proceed", "referral": "none", "findings": [],
            "log": [{"label": "cheeks", "area": "face", "start_s": 0, "duration_s": 120}],
            "minutes": 40, "aftercare": ["observe_30_min"], "declared_own_work": True,
            "supervisor": "asha"}
    data.update(changes)
    return data


def attested(data, accept=False, by="asha"):
    """The entry reviewed with its supervisor's attestation (as the record would give it)."""
    found = PracticeEntry.from_mapping(data)
    return review(found, Attestation(entry=1, trainee="ana", session=found.fingerprint,
                                     assessor=by, at=datetime.now(UTC), accepted=accept))


def test_every_item_the_map_links_to_exists_and_earns_points():
    items = all_items()
    for item_id in MAP.linked_items():
        assert item_id in items, item_id
        assert items[item_id].points > 0, f"{item_id} is practice: it evidences nothing"


def test_every_modality_has_a_unit_and_the_physicians_job_is_recognise_and_refer():
    from course.facts.knowledge import load

    assert {u.modality for u in MAP.units.values()} == set(load().modalities)
    assert MAP.unit_for("cryodestruction").criteria == ("recognise_and_refer",)
    assert MAP.basis == "course"


@pytest.mark.parametrize("code", ["Ana Lopes", "ana@example.org", "+44 7700 900123",
                                  "1990-04-01", "cl-0042", "CL 0042", "", "CL-", "ANNA-1990x"])
def test_a_client_code_never_holds_personal_data(code):
    with pytest.raises(PracticeLogError, match="client code"):
        PracticeEntry.from_mapping(entry(client_code=code))


def test_a_session_that_agrees_with_the_course_counts_once_its_supervisor_attests_it():
    alone = review(PracticeEntry.from_mapping(entry()))
    assert not alone.flags and not alone.counts  # a self-declared log alone never counts
    assert alone.awaiting == "asha's attestation in the course's record"
    assert attested(entry()).counts and attested(entry()).counts_as_treatment


def test_an_attestation_is_for_this_session_by_its_supervisor_only():
    other = PracticeEntry.from_mapping(entry(client_code="CL-7"))
    found = PracticeEntry.from_mapping(entry())
    stamp = {"entry": 1, "trainee": "ana", "at": datetime.now(UTC)}
    assert not review(found, Attestation(session=other.fingerprint, assessor="asha",
                                         **stamp)).counts  # edited after attesting
    assert not review(found, Attestation(session=found.fingerprint, assessor="vera",
                                         **stamp)).counts  # not the supervisor named
    unnamed = review(PracticeEntry.from_mapping(entry(supervisor="")))
    assert not unnamed.counts and any("No supervisor" in f for f in unnamed.flags)
    with pytest.raises(PracticeLogError, match="supervisor"):
        PracticeEntry.from_mapping(entry(supervisor="Ana Lopes"))


def test_a_laxer_screening_decision_is_a_safety_flag_and_never_counts():
    result = attested(entry(intake={"conditions": ["epilepsy"]}), accept=True)
    assert result.safety_flag and not result.counts
    assert any("stricter" in flag for flag in result.flags)


def test_a_stricter_decision_is_for_review_and_counts_only_when_the_assessor_accepts_it():
    stricter = entry(treatment="modify")
    assert attested(stricter).for_review and not attested(stricter).safety_flag
    assert not attested(stricter).counts
    assert attested(stricter, accept=True).counts
    referred = entry(referral="gp")
    assert attested(referred).for_review and not attested(referred).counts
    assert attested(referred, accept=True).counts
    missed = entry(intake={"conditions": ["migraine"]}, treatment="defer")
    result = review(PracticeEntry.from_mapping(missed))
    assert result.for_review or result.safety_flag


def test_a_session_where_nothing_was_treated_is_screening_evidence_only():
    refused = attested(entry(intake={"conditions": ["epilepsy"]}, treatment="refuse",
                             referral=review(PracticeEntry.from_mapping(entry(
                                 intake={"conditions": ["epilepsy"]}))).course_referrals[0]
                             if review(PracticeEntry.from_mapping(entry(
                                 intake={"conditions": ["epilepsy"]}))).course_referrals
                             else "none", log=[]), accept=True)
    assert refused.counts and not refused.counts_as_treatment
    assert any("screening evidence" in f for f in refused.flags)
    treated_anyway = attested(entry(treatment="refuse"), accept=True)
    assert treated_anyway.safety_flag  # a refused client got cold: the log has lines


def test_a_spot_held_too_long_is_a_timing_flag():
    held = [{"label": "chin", "area": "face", "start_s": 0, "duration_s": 9, "spot": "chin"}]
    result = review(PracticeEntry.from_mapping(entry(log=held)))
    assert result.safety_flag and any(flag.startswith("Timing:") for flag in result.flags)


def test_an_undeclared_record_does_not_count():
    result = attested(entry(declared_own_work=False))
    assert not result.counts and not result.safety_flag


def test_a_bad_entry_costs_that_entry_only(tmp_path):
    log = tmp_path / "practice-log.json"
    log.write_text(json.dumps({"entries": [entry(), entry(client_code="Ana"), 7, entry()]}))
    read = read_practice_log(log)
    assert len(read.sessions) == 2
    assert [p.split(":")[0] for p in read.unreadable] == ["entry 2", "entry 3"]
    log.write_text("{not json")
    assert read_practice_log(log).unreadable and not read_practice_log(log).sessions


@pytest.fixture
def record(tmp_path):
    found = Record(tmp_path)
    found.grant("asha", "assessor")
    found.grant("vera", "verifier")
    return found


def full_marks(unit_code):
    return {item: 1.0 for item in MAP.linked_items()}


def sign_all(record, trainee, unit_code, outcome="met"):
    """Every observed criterion signed on as many occasions (logged sessions) as it needs."""
    unit = MAP.units[unit_code]
    observed = [PracticeEntry.from_mapping(entry(modality=unit.modality,
                                                 client_code=f"CL-9{n}")) for n in range(3)]
    for code in unit.criteria:
        criterion = MAP.criteria[code]
        for occasion in range(criterion.occasions if criterion.observed else 0):
            record.sign_off(MAP, trainee=trainee, unit=unit_code, criterion=code,
                            outcome=outcome, comment="seen", assessor="asha",
                            session=observed[occasion])


def test_only_assessors_sign_and_nobody_signs_their_own(record):
    with pytest.raises(RecordError, match="not an assessor"):
        record.sign_off(MAP, trainee="ben", unit="cryosauna", criterion="screening",
                        outcome="met", comment="", assessor="ben")
    record.grant("ben", "assessor")
    with pytest.raises(RecordError, match="own work"):
        record.sign_off(MAP, trainee="ben", unit="cryosauna", criterion="screening",
                        outcome="met", comment="", assessor="ben")
    with pytest.raises(RecordError, match="not an observed criterion"):
        record.sign_off(MAP, trainee="ana", unit="cryosauna", criterion="knowledge",
                        outcome="met", comment="", assessor="asha")


def test_an_altered_record_is_found(record):
    sign_all(record, "ana", "cryosauna")
    assert record.check() == 14  # 5 criteria twice, 4 emergencies once
    lines = record.path.read_text().splitlines()
    lines[2] = lines[2].replace('"met"', '"not yet"')
    record.path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RecordError, match="line 3"):
        record.check()
    with pytest.raises(RecordError):
        sign_all(record, "ana", "cryosauna")  # nothing is added to an altered record


def test_a_removed_line_is_found(record):
    sign_all(record, "ana", "cryosauna")
    lines = record.path.read_text().splitlines()
    record.path.write_text("\n".join(lines[:1] + lines[2:]) + "\n")
    with pytest.raises(RecordError, match="line 2"):
        record.check()


def sessions(modality, count, **changes):
    """Attested treatment sessions covering two areas, two skin types, both client groups."""
    sites = load().modalities[modality].sites
    groups = MAP.ranges["client_group"].values
    skins = MAP.ranges["skin_type"].values
    return [attested(entry(modality=modality, client_code=f"CL-{n}", skin_type=skins[n % 2],
                           client_group=groups[n % 2], log=[
                               {"label": "line", "area": sites[n % len(sites)], "start_s": 0,
                                "duration_s": 30}]) | changes)
            for n in range(count)]


def first_aid(record, trainee="ana", valid_until=None):
    record.record_certificate(MAP, trainee=trainee, certificate="first_aid_cpr",
                              valid_until=valid_until or date.today() + timedelta(days=365),
                              assessor="asha")


def complete_progress(record, trainee="ana", skip=()):
    for unit in MAP.units:
        if unit not in skip:
            sign_all(record, trainee, unit)
    first_aid(record, trainee)
    logs = [s for u in MAP.units.values() for s in sessions(u.modality, u.min_sessions)]
    return progress(MAP, trainee, full_marks(None), record.sign_offs(), logs,
                    record.certificates())


def test_progress_counts_each_kind_of_evidence(record):
    sign_all(record, "ana", "cryosauna")
    result = progress(MAP, "ana", {"physiology_peak_flow_chamber": 1.0},
                      record.sign_offs(), sessions("cryosauna", 2))
    sauna = result.unit("cryosauna")
    assert not sauna.achieved
    assert sauna.sessions_counted == 2
    missing = "; ".join(sauna.missing())
    assert "timing_chamber_wrong_line" in missing and "sessions: 2 of 3" in missing
    assert "certificate: first aid cpr not recorded" in missing
    assert "an assessor" not in missing  # every observed criterion is signed


def test_the_latest_sign_off_counts(record):
    sign_all(record, "ana", "cold_air_local")
    record.sign_off(MAP, trainee="ana", unit="cold_air_local", criterion="treatment",
                    outcome="not yet", comment="held too long", assessor="asha")
    result = progress(MAP, "ana", full_marks(None), record.sign_offs(),
                      sessions("cold_air_local", 3))
    assert not result.unit("cold_air_local").achieved
    assert "last: not yet" in " ".join(result.unit("cold_air_local").missing())


def test_no_statement_while_no_unit_has_all_its_evidence(tmp_path, record):
    result = progress(MAP, "ana", {}, record.sign_offs(), [])
    with pytest.raises(achievement.StatementRefused, match="evidence is missing"):
        achievement.issue(tmp_path, result, "Ana", "cosmetic-cryotherapy")
    assert not (tmp_path / ".cryocourse" / "competence" / "statements").exists()


def test_a_statement_verifies_and_an_altered_copy_does_not(tmp_path, record):
    result = complete_progress(record)
    assert result.complete
    code, content = achievement.issue(tmp_path, result, "Ana <b>Lopes</b>", "cryo")
    assert achievement.verify(tmp_path, code).valid
    assert not achievement.verify(tmp_path, "AAAA-AAAA-AAAA-AAAA-AAAA").valid
    page = tmp_path / "statement.html"
    page.write_text(achievement.render_html(code, content))
    assert "<b>" not in page.read_text() and "&lt;b&gt;" in page.read_text()
    assert "<script" not in page.read_text()
    assert achievement.verify_file(tmp_path, page).valid
    page.write_text(page.read_text().replace("3 supervised treatment", "30 supervised treatment"))
    assert not achievement.verify_file(tmp_path, page).valid
    register = tmp_path / ".cryocourse" / "competence" / "statements" / f"{code}.json"
    register.write_text(register.read_text().replace('"sessions":3', '"sessions":9'))
    assert not achievement.verify(tmp_path, code).valid


def test_the_pdf_is_a_printable_copy(tmp_path, record):
    code, content = achievement.issue(tmp_path, complete_progress(record), "Ana", "cryo")
    target = tmp_path / "statement.pdf"
    achievement.render_pdf(code, content, target)
    assert target.read_bytes().startswith(b"%PDF")


def test_the_cohort_export_is_quoted_and_inert(tmp_path, record):
    import csv

    result = complete_progress(record, trainee="=cmd|calc")
    rows = cohort_rows([(result, read_practice_log(tmp_path / "none.json"))])
    assert len(rows) == len(MAP.units)
    target = tmp_path / "cohort.csv"
    export_cohort([(result, read_practice_log(tmp_path / "none.json"))], target)
    read = list(csv.reader(target.open()))
    assert read[1][0] == "'=cmd|calc" and all(row[2] == "yes" for row in read[1:])


def test_dates_are_the_servers(record):
    sign_all(record, "ana", "cryosauna")
    assert all(s.at.date() <= date.today() for s in record.sign_offs())


def test_the_practice_log_form_saves_by_clicking(tmp_path):
    from course.views.practice_log import PracticeLogWidget, read_log

    form = PracticeLogWidget(tmp_path)
    form.client_code.value = "CL-0042"
    form.form.modality.value = "cryosauna"
    form.form.conditions.value = ("epilepsy",)
    form.treatment.value = "proceed"
    form.add_log_line()
    form.declared.value = True
    assert not form.save() and "Name your supervisor" in form.result.value
    form.supervisor.value = "asha"
    assert form.save()
    assert "does not count" in form.result.value and "stricter" in form.result.value
    form.client_code.value = "Maria Jones"
    assert not form.save() and "Not saved" in form.result.value
    assert [e["client_code"] for e in read_log(tmp_path / "practice-log.json")] == ["CL-0042"]
    assert "My log so far" in form.summary.value


def test_choosing_a_unit_offers_its_observed_criteria_with_the_first_chosen(tmp_path):
    """(A Dropdown whose options change has no value: the form picks the first.)"""
    import ipywidgets as widgets

    from course.classroom import assessor_view

    shown = widgets.Dropdown(options=[("a", "a")])
    shown.options = [("b", "b")]
    assert shown.value in ("b", None)  # ipywidgets may leave it empty: the form must not
    form = object.__new__(assessor_view.SignOffWidget)
    form.map = MAP
    form.unit = widgets.Dropdown(options=[("cryosauna", "cryosauna"),
                                          ("cold air", "cold_air_local")])
    form.criterion = widgets.Dropdown()
    for unit in ("cold_air_local", "cryosauna"):
        form.unit.value = unit
        form._set_criteria()
        assert form.criterion.value == "screening"


def test_a_physicians_procedure_is_titled_recognise_and_refer_everywhere(tmp_path, record):
    from course.classroom.competence import progress_lines
    from course.views.competence import progress_html

    refer = [u for u in MAP.units.values() if u.recognise_and_refer]
    assert {u.modality for u in refer} == {"cryolipolysis", "cryoelectrophoresis",
                                           "cryodestruction"}
    assert all(u.title.startswith("Recognise and refer: ") for u in refer)
    assert not any(u.title.startswith("Recognise") for u in MAP.units.values()
                   if not u.recognise_and_refer)
    result = complete_progress(record)
    shown = progress_html(result) + "\n".join(
        progress_lines(result, read_practice_log(tmp_path / "none.json")))
    assert "Recognise and refer: Cryolipolysis" in shown
    code, content = achievement.issue(tmp_path, result, "Ana", "cryo")
    page = achievement.render_html(code, content)
    assert "<h2>Cryolipolysis</h2>" not in page
    assert "<h2>Recognise and refer: Cryolipolysis</h2>" in page
    assert "does not certify that they may or can perform it" in page


def test_screening_only_sessions_are_counted_apart_from_treatment_sessions(record):
    sign_all(record, "ana", "cold_air_local")
    refused = [attested(entry(modality="cold_air_local", client_code=f"CL-5{n}",
                              treatment="modify", log=[]), accept=True) for n in range(3)]
    assert all(s.counts and s.counts_as_treatment for s in refused)  # modify treats
    deferred = [attested(entry(modality="cold_air_local", client_code=f"CL-6{n}",
                               treatment="defer", log=[]), accept=True) for n in range(3)]
    result = progress(MAP, "ana", full_marks(None), record.sign_offs(), deferred)
    unit = result.unit("cold_air_local")
    assert (unit.sessions_counted, unit.screenings_counted) == (0, 3)
    assert not unit.achieved and "sessions: 0 of 3" in " ".join(unit.missing())


def test_range_must_be_covered_by_counted_treatment_sessions(record):
    sign_all(record, "ana", "ln2_cryomassage")
    one_area = sessions("ln2_cryomassage", 3, log=[{"label": "cheeks", "area": "face",
                                                    "start_s": 0, "duration_s": 30}])
    unit = progress(MAP, "ana", full_marks(None), record.sign_offs(),
                    one_area).unit("ln2_cryomassage")
    assert "range: 1 of 2 different areas treated" in unit.missing()
    assert not any("skin types" in gap for gap in unit.missing())
    assert progress(MAP, "ana", full_marks(None), record.sign_offs(), sessions(
        "ln2_cryomassage", 3)).unit("ln2_cryomassage").achieved


def test_a_practice_criterion_needs_two_occasions_and_an_emergency_one():
    def signed(criterion, *sessions_seen):
        return [SignOff(entry=n, trainee="ana", unit="cold_air_local", criterion=criterion,
                        outcome="met", comment="", assessor="asha",
                        at=datetime(2026, 12, 1, tzinfo=UTC), session=seen)
                for n, seen in enumerate(sessions_seen, start=1)]

    def criterion(sign_offs, code):
        found = progress(MAP, "ana", full_marks(None), sign_offs, []).unit("cold_air_local")
        return next(c for c in found.criteria if c.code == code)

    assert not criterion(signed("treatment", "s1"), "treatment").met
    assert "met on 1 of the 2 occasions" in criterion(signed("treatment", "s1"),
                                                       "treatment").missing()[0]
    assert not criterion(signed("treatment", "s1", "s1"), "treatment").met  # same session
    assert criterion(signed("treatment", "s1", "s2"), "treatment").met
    assert criterion(signed("emergency_faint", ""), "emergency_faint").met  # simulated, once


def test_local_cold_and_cryomassage_have_cold_burn_faint_and_urticaria_criteria():
    from course.facts.safe_practice import safe_practice

    for unit in ("cold_air_local", "ln2_cryomassage", "cryo_facial", "nitrogen_vapour_local",
                 "cryosauna"):
        listed = MAP.units[unit].criteria
        assert {"emergency_cold_burn", "emergency_faint", "emergency_cold_urticaria"} <= set(
            listed), unit
    assert "emergency_oxygen" not in MAP.units["cold_air_local"].criteria  # no nitrogen
    assert "emergency_oxygen" in MAP.units["ln2_cryomassage"].criteria
    emergencies = safe_practice().emergencies
    assert all(MAP.criteria[c].emergency in emergencies for c in MAP.criteria
               if c.startswith("emergency_"))


def test_first_aid_is_required_for_the_chamber_and_must_be_current(record):
    assert MAP.units["cryosauna"].certificates == ("first_aid_cpr",)
    assert not any(u.certificates for u in MAP.units.values() if u.code != "cryosauna")
    sign_all(record, "ana", "cryosauna")
    logs = sessions("cryosauna", 3)
    first_aid(record, valid_until=date.today() - timedelta(days=1))
    unit = progress(MAP, "ana", full_marks(None), record.sign_offs(), logs,
                    record.certificates()).unit("cryosauna")
    assert any("expired" in gap for gap in unit.missing())
    first_aid(record)  # a renewed certificate, recorded later, is the one in force
    assert progress(MAP, "ana", full_marks(None), record.sign_offs(), logs,
                    record.certificates()).unit("cryosauna").achieved
    with pytest.raises(RecordError, match="Unknown certificate"):
        record.record_certificate(MAP, trainee="ana", certificate="bls", assessor="asha",
                                  valid_until=date.today())


def test_a_statement_lists_exactly_the_units_achieved(tmp_path, record):
    """A school without a chamber issues the other units; the chamber is not listed."""
    result = complete_progress(record, skip=("cryosauna",))
    assert not result.complete and not result.unit("cryosauna").achieved
    code, content = achievement.issue(tmp_path, result, "Ana", "cryo")
    listed = [u["unit"] for u in content["units"]]
    assert listed == [u.unit.code for u in result.achieved] and "cryosauna" not in listed
    assert achievement.verify(tmp_path, code).valid
    page = achievement.render_html(code, content)
    assert "Units not listed are not achieved" in page and "Cryosauna" not in page
    with pytest.raises(achievement.StatementRefused, match="cryosauna"):
        achievement.issue(tmp_path, result, "Ana", "cryo", units=["cryosauna"])
    _, chosen = achievement.issue(tmp_path, result, "Ana", "cryo", units=["cold_air_local"])
    assert [u["unit"] for u in chosen["units"]] == ["cold_air_local"]


def test_a_session_attestation_is_the_supervisors_and_lands_in_the_signed_record(record):
    from course.storage.competence_evidence import read_practice_log

    session = PracticeEntry.from_mapping(entry())
    with pytest.raises(RecordError, match="only the supervisor"):
        record.grant("bo", "assessor")
        record.attest_session(trainee="ana", session=session, assessor="bo")
    record.attest_session(trainee="ana", session=session, assessor="asha")
    assert record.check() == 1
    log = record.path.parent / "log.json"
    log.write_text(json.dumps({"entries": [entry(), entry(client_code="CL-1")]}))
    read = read_practice_log(log, record.attestations("ana"))
    assert [s.counts for s in read.sessions] == [True, False]
    assert read_practice_log(log, record.attestations("ben")).sessions[0].counts is False


def test_a_statement_shows_a_trainee_typed_range_value_as_text():
    """A value that comes from a handed-in practice log (an area's name) is escaped in the
    statement's page: no markup of the trainee's reaches a signed statement."""
    hostile = '<img src=x onerror="alert(1)">'
    unit = {"title": "Cryo facial", "sessions": 3, "screenings": 3, "hours": 1.5,
            "range": {"areas treated": [hostile]}, "criteria": []}
    content = {"name": "Ana", "trainee": "ana", "course": "cryo", "issued": "2026-12-07",
               "basis": "basis", "units": [unit], "hours": 1.5}
    page = achievement.render_html("CODE-1", content)
    assert hostile not in page and "&lt;img src=x" in page
