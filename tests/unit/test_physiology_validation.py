"""The cold-response model against published measurements (course/data/physiology.toml).

Every row is within its published range, or it is a known limit whose reason the trainee sees
(lesson 01's validation table) and docs/physiology-model.md lists. Calibration rows always
match; a limit that starts to match must lose its limit text.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from course.authoring.physiology_doc import DOCUMENT, render
from course.facts.knowledge import KnowledgeError, packaged_data_directory
from course.facts.physiology_data import load_physiology, load_physiology_file
from course.models.physiology_validation import UNEXPLAINED, validation
from course.views.physiology_lesson import validation_table
from tests.nbgrader_harness import REPO

CHECKS = validation()


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.measurement.code)
def test_every_row_is_within_range_or_a_known_limit_with_its_reason(check):
    assert check.status != UNEXPLAINED, (
        f"{check.measurement.code}: model {check.model_text}, published "
        f"{check.measurement.range_text}: fix the model or add its `limit` with the reason")
    if check.measurement.limit:
        assert not check.within, (
            f"{check.measurement.code} now matches: remove its `limit` text")
        assert len(check.measurement.limit.split()) >= 12  # a reason, not a label


def test_calibration_rows_match_and_every_calibrated_value_names_a_matching_row():
    data = load_physiology()
    for check in CHECKS:
        if check.measurement.role == "calibration":
            assert check.within, check.measurement.code
    by_code = {check.measurement.code: check for check in CHECKS}
    for item in (*data.parameters.values(), *data.heat_transfers.values()):
        if item.basis == "calibrated":
            assert by_code[item.calibration].within, item.code


def test_the_table_covers_the_review_and_the_four_contradictions():
    codes = {check.measurement.code for check in CHECKS}
    assert len(codes) >= 20
    # issue 32: nozzle cold spot, held liquid nitrogen, ice, rewarming after whole-body cold
    for code in ("pushkarev2023_vapour_spot", "erdmann_wokes2023_thaw",
                 "radecka2021_ice_bag_drop", "ankle_crushed_ice", "bugaj1975_numb_after",
                 "costello2014_knee_rewarm", "hohenauer2019_rewarm"):
        assert code in codes, code


def test_every_known_limit_states_which_way_the_model_errs():
    """Review of a742ee2, E7: most misses are on the unsafe side, and the texts say so."""
    from course.models.physiology_validation import OWN_SETTINGS_ERRORS, summary

    missed = [check for check in CHECKS if not check.within]
    assert all(check.error is not None for check in missed)
    assert all(check.error is None for check in CHECKS if check.within)
    unsafe = [check for check in missed if check.error.unsafe]
    assert len(unsafe) > len(missed) / 2  # "most" in OWN_SETTINGS_ERRORS
    assert "Most of the simulator's known errors" in OWN_SETTINGS_ERRORS
    by_code = {check.measurement.code: check.error.words for check in missed}
    assert by_code["cuttell2017_thigh_women"] == "got colder"
    assert by_code["erdmann_wokes2023_thaw"] == "stayed frozen longer"
    assert by_code["radecka2021_vapour_lasting"] == "stayed cold longer"
    assert by_code["hohenauer2019_rewarm"] == "rewarmed sooner"
    text = summary()
    assert "calibrated and illustrative, not validated" in text
    assert f"misses {len(missed) - sum(c.measurement.role == 'calibration' for c in missed)}" \
        in text and f"In {len(unsafe)} of those" in text


def test_the_swab_stays_illustrative_and_its_errors_are_rows():
    """The open decision on ln2_swab: no published measurement of a swab's heat transfer, so
    it stays illustrative, and the rows against the pig-skin measurement show its errors."""
    data = load_physiology()
    assert data.heat_transfers["ln2_swab"].basis == "illustrative"
    by_code = {check.measurement.code: check for check in CHECKS}
    for code in ("erdmann_wokes2023_swab_depth", "erdmann_wokes2023_swab_thaw"):
        assert by_code[code].measurement.run.heat_transfer == "ln2_swab"
        assert by_code[code].error is not None and by_code[code].error.unsafe
    for name in ("ln2_applicator_moving", "ln2_applicator_static"):
        assert "erdmann_wokes2023_swab_thaw" in data.presets[name].checked_against


def test_the_document_does_not_call_the_model_validated():
    text = render()
    assert "calibrated and illustrative, not validated" in text
    assert "Every row is within its published range" not in text
    assert "stays illustrative" in text  # the swab decision, with its reason


def test_the_trainee_sees_every_limit_and_its_reason():
    table = validation_table()
    for check in CHECKS:
        if not check.within:
            assert check.measurement.limit.split(".")[0].replace("'", "&#x27;") in table


def test_the_committed_document_is_what_the_data_makes_now():
    committed = (REPO / DOCUMENT).read_text(encoding="utf-8")
    assert committed == render(), (
        "docs/physiology-model.md is out of date: run `python -m course.authoring.physiology_doc` "
        "and commit it")
    for check in CHECKS:
        assert f"| {check.measurement.code} |" in committed
    assert "Known limits" in committed and "not medical advice" in committed


def test_the_module_docstring_points_to_the_document():
    import course.models.physiology

    assert "docs/physiology-model.md" in course.models.physiology.__doc__


@pytest.mark.parametrize(("old", "new", "message"), [
    ('sources = ["bugaj1975"]', 'sources = ["bugaj1976"]', "unknown source 'bugaj1976'"),
    ('tissue = "knee"\nagent_temp_c = -30.0', 'tissue = "kne"\nagent_temp_c = -30.0',
     "unknown tissue 'kne'"),
    ('basis = "illustrative"', 'basis = "guessed"', "unknown basis 'guessed'"),
    ('quantity = "thaw_s"', 'quantity = "melt_s"', "unknown quantity 'melt_s'"),
    ('low = 55.0\nhigh = 85.0', 'low = 85.0\nhigh = 55.0', "high is below low"),
    ('checked_against = ["ankle_crushed_ice"]', 'checked_against = ["ankle_crushd_ice"]',
     "unknown measurement row 'ankle_crushd_ice'"),
])
def test_bad_data_gives_a_clear_error(tmp_path: Path, old: str, new: str, message: str):
    source = packaged_data_directory() / "physiology.toml"
    text = source.read_text(encoding="utf-8")
    assert old in text
    broken = tmp_path / "physiology.toml"
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=message):
        load_physiology_file(broken)


def test_a_missing_file_is_a_clear_error(tmp_path: Path):
    with pytest.raises(KnowledgeError, match="physiology.toml: file is missing"):
        load_physiology_file(tmp_path / "physiology.toml")
    shutil.copy(packaged_data_directory() / "physiology.toml", tmp_path / "physiology.toml")
    assert load_physiology_file(tmp_path / "physiology.toml").presets
