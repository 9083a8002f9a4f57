"""The practical competence record: the map, the practice log, sign-offs, progress and
statements (issued only on complete evidence, verifiable, altered copies refused)."""

import json
from datetime import date

import pytest

from course.classroom import achievement
from course.classroom.competence import cohort_rows, export_cohort, read_practice_log
from course.exercises import all_items
from course.facts.competencies import competency_map
from course.models.competence import progress
from course.models.practice_log import PracticeEntry, PracticeLogError, review
from course.storage.competence_record import Record, RecordError

MAP = competency_map()


def entry(**changes):
    data = {"client_code": "CL-0042", "day": "2026-11-30", "modality": "ln2_cryomassage",
            "intake": {}, "treatment": "proceed", "referral": "none", "findings": [],
            "log": [{"label": "cheeks", "area": "face", "start_s": 0, "duration_s": 120}],
            "minutes": 40, "aftercare": ["observe_30_min"], "declared_own_work": True}
    data.update(changes)
    return data


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


def test_a_session_that_agrees_with_the_course_counts():
    result = review(PracticeEntry.from_mapping(entry()))
    assert result.counts and not result.flags


def test_a_laxer_screening_decision_is_a_safety_flag_and_does_not_count():
    result = review(PracticeEntry.from_mapping(entry(intake={"conditions": ["epilepsy"]})))
    assert result.safety_flag and not result.counts
    assert any("stricter" in flag for flag in result.flags)


def test_a_spot_held_too_long_is_a_timing_flag():
    held = [{"label": "chin", "area": "face", "start_s": 0, "duration_s": 9, "spot": "chin"}]
    result = review(PracticeEntry.from_mapping(entry(log=held)))
    assert result.safety_flag and any(flag.startswith("Timing:") for flag in result.flags)


def test_an_undeclared_record_does_not_count():
    result = review(PracticeEntry.from_mapping(entry(declared_own_work=False)))
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
    unit = MAP.units[unit_code]
    for code in unit.criteria:
        if MAP.criteria[code].observed:
            record.sign_off(MAP, trainee=trainee, unit=unit_code, criterion=code,
                            outcome=outcome, comment="seen", assessor="asha")


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
    assert record.check() == 6
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


def sessions(modality, count):
    return [review(PracticeEntry.from_mapping(entry(modality=modality, client_code=f"CL-{n}",
                                                    log=[])))
            for n in range(count)]


def complete_progress(record, trainee="ana"):
    for unit in MAP.units:
        sign_all(record, trainee, unit)
    logs = [s for u in MAP.units.values() for s in sessions(u.modality, u.min_sessions)]
    return progress(MAP, trainee, full_marks(None), record.sign_offs(), logs)


def test_progress_counts_each_kind_of_evidence(record):
    sign_all(record, "ana", "cryosauna")
    result = progress(MAP, "ana", {"physiology_peak_flow_chamber": 1.0},
                      record.sign_offs(), sessions("cryosauna", 2))
    sauna = result.unit("cryosauna")
    assert not sauna.achieved
    assert sauna.sessions_counted == 2
    missing = "; ".join(sauna.missing())
    assert "timing_chamber_wrong_line" in missing and "sessions: 2 of 3" in missing
    assert "an assessor" not in missing  # every observed criterion is signed


def test_the_latest_sign_off_counts(record):
    sign_all(record, "ana", "cold_air_local")
    record.sign_off(MAP, trainee="ana", unit="cold_air_local", criterion="treatment",
                    outcome="not yet", comment="held too long", assessor="asha")
    result = progress(MAP, "ana", full_marks(None), record.sign_offs(),
                      sessions("cold_air_local", 3))
    assert not result.unit("cold_air_local").achieved
    assert "last: not yet" in " ".join(result.unit("cold_air_local").missing())


def test_no_statement_while_a_criterion_lacks_evidence(tmp_path, record):
    result = progress(MAP, "ana", full_marks(None), record.sign_offs(), [])
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
    page.write_text(page.read_text().replace("3 supervised sessions", "30 supervised sessions"))
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
