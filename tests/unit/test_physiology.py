"""Tests for the cold-response model: calibration, numerics, phases and input validation."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from course.facts.knowledge import load
from course.models import physiology
from course.models.physiology import (
    FREEZING_C,
    FROSTBITE_C,
    LESION_DESTRUCTION_C,
    NERVE_SLOWING_C,
    NUMBNESS_C,
    PRESETS,
    SAFETY_BANDS,
    Exposure,
    Touches,
    ftcs_max_step_s,
    preset,
    simulate,
)

REQUIRED_PRESETS = {
    "ice_massage",
    "cold_air",
    "nitrogen_vapour",
    "whole_body_chamber",
    "ln2_applicator_moving",
    "ln2_applicator_static",
}


def surface_drop(exposure: Exposure) -> float:
    """Resting surface temperature minus the lowest one reached."""
    response = simulate(exposure)
    return response.rest_surface_c - response.min_surface_c


# --- safety bands and presets ----------------------------------------------------------------


def test_safety_band_constants_and_sources():
    assert (NUMBNESS_C, NERVE_SLOWING_C, FREEZING_C, LESION_DESTRUCTION_C) == (
        13.6,
        10.0,
        0.0,
        -20.0,
    )
    temps = {band.temp_c for band in SAFETY_BANDS.values()}
    assert {NUMBNESS_C, NERVE_SLOWING_C, FREEZING_C, LESION_DESTRUCTION_C} <= temps
    assert SAFETY_BANDS["numbness"].sources == ("bugaj1975",)
    assert "Bugaj" in SAFETY_BANDS["numbness"].source
    assert "Algafly" in SAFETY_BANDS["nerve_slowing"].source
    assert "NHS" in SAFETY_BANDS["freezing"].source
    assert "Andrews" in SAFETY_BANDS["lesion_destruction"].source
    sources = load().sources
    assert all(code in sources for band in SAFETY_BANDS.values() for code in band.sources)


def test_presets_are_complete_and_sourced():
    assert set(PRESETS) >= REQUIRED_PRESETS
    sources = load().sources
    for name, item in PRESETS.items():
        assert item.label and item.source and item.caveat and item.note, name
        assert item.sources and all(code in sources for code in item.sources), name
        assert item.basis in ("measured", "calibrated", "illustrative"), name
        assert item.illustrative == (item.basis == "illustrative"), name
        assert item.tissue is not None and item.tissue.name, name  # whose skin
    assert PRESETS["ice_massage"].modality is None  # a reference, not a course modality
    assert PRESETS["cold_air"].modality == "cold_air_local"
    assert PRESETS["nitrogen_vapour"].modality == "nitrogen_vapour_local"
    assert PRESETS["ln2_applicator_moving"].modality == "ln2_cryomassage"
    assert PRESETS["ln2_applicator_moving"].illustrative
    assert PRESETS["ln2_applicator_moving"].exposure.contact == Touches(0.3, 15.0)
    # seeds are named by their short label (a title, not a file name); the label is the seed's
    assert "S1, S2" in PRESETS["ln2_applicator_moving"].source
    assert "_6f82df9865416c89" not in PRESETS["ln2_applicator_moving"].source
    assert load().sources["001_6f82df9865416c89.txt"].short == "S1"


def test_unknown_preset_suggests_a_name():
    with pytest.raises(ValueError, match="Did you mean 'ice_massage'"):
        preset("ice masage")
    assert preset("cold_air") is PRESETS["cold_air"]


# --- calibration (the full table: tests/unit/test_physiology_validation.py) -----------------


def test_whole_body_minus_110_for_4_min_drops_thigh_skin_about_12_c():
    # Costello 2012: −12.1 ± 1.0 °C (thigh).
    exposure = dataclasses.replace(PRESETS["whole_body_chamber"].exposure, duration_s=240.0)
    assert 11.1 <= surface_drop(exposure) <= 13.1


def test_local_vapour_cools_more_than_cold_air_as_in_radecka():
    # Radecka 2021, 3 min: nitrogen vapour −10.1 °C, cold air −6.8 °C.
    vapour = surface_drop(PRESETS["nitrogen_vapour"].exposure)
    air = surface_drop(PRESETS["cold_air"].exposure)
    assert PRESETS["nitrogen_vapour"].exposure.duration_s == 180.0
    assert abs(vapour - 10.1) <= 0.9
    assert abs(air - 6.8) <= 1.3
    assert vapour > air + 1.5


def test_the_coldest_spot_under_the_vapour_nozzle_is_far_colder_than_the_average():
    # Pushkarev 2023: 0.88 ± 1.75 °C at the coldest point after 3 min.
    response = simulate(PRESETS["nitrogen_vapour"].exposure)
    assert response.spot is not None
    assert -0.87 <= response.spot.min_surface_c <= 2.63
    assert response.min_surface_c > response.spot.min_surface_c + 15.0
    assert response.coldest_c == response.spot.min_surface_c
    assert simulate(PRESETS["cold_air"].exposure).spot is None


def test_ice_contact_decides_how_cold_the_skin_gets():
    wet = simulate(PRESETS["ice_massage"].exposure)
    bagged = simulate(dataclasses.replace(
        PRESETS["ice_bag"].exposure, skin_mm=2.0, fat_mm=8.0, muscle_mm=20.0, room_c=22.0,
        rest_surface_c=32.0))  # the ice-massage thigh, under bagged ice
    assert wet.min_surface_c < bagged.min_surface_c - 5.0


def test_ice_massage_for_10_min_numbs_and_the_numbness_outlasts_it():
    response = simulate(PRESETS["ice_massage"].exposure)
    assert 9.0 <= response.min_surface_c <= 14.0
    assert response.seconds_to_numbness is not None
    assert 0 < response.seconds_to_numbness < 600
    # Bugaj 1975: numb for about 3 min after; the surface is warm again within seconds.
    assert 120.0 <= response.numb_after_cold_s <= 240.0
    surface_back = next(t for t, c in zip(response.t_s, response.surface_c, strict=True)
                        if t > 600.0 and c > NUMBNESS_C) - 600.0
    assert surface_back < 60.0 < response.numb_after_cold_s
    assert response.peak_hyperaemia < 1.05  # long cold: no reactive rebound
    assert set(response.phase) == {"cooling", "recovery"}


def test_numbness_is_read_under_the_surface():
    response = simulate(PRESETS["ice_massage"].exposure)
    first_numb = response.t_s[np.flatnonzero(response.nerve_c <= NUMBNESS_C)[0]]
    surface_numb = response.t_s[np.flatnonzero(response.surface_c <= NUMBNESS_C)[0]]
    assert first_numb > surface_numb  # the nerves lag the surface while cooling


def test_whose_skin_sets_the_resting_temperature():
    thigh = simulate(PRESETS["whole_body_chamber"].exposure, observe_s=0.0)
    face = simulate(PRESETS["ln2_applicator_moving"].exposure, observe_s=0.0)
    assert thigh.rest_surface_c == pytest.approx(32.0, abs=0.05)
    assert face.rest_surface_c > thigh.rest_surface_c + 1.5
    with pytest.raises(ValueError, match="not possible for this tissue"):
        simulate(Exposure(-30.0, 10.0, 60.0, rest_surface_c=35.5))


def test_latent_heat_makes_frozen_skin_stay_frozen_after_the_cold():
    response = simulate(PRESETS["ln2_applicator_static"].exposure)
    assert response.seconds_to_thaw is not None and response.seconds_to_thaw > 2.0
    assert response.seconds_below_zero == pytest.approx(
        5.0 + response.seconds_to_thaw, abs=1.5)
    assert response.frozen_depth_mm > 0.1


def test_the_freezing_step_converges_with_shorter_sub_steps(monkeypatch):
    exposure = PRESETS["ln2_applicator_static"].exposure
    default = simulate(exposure, observe_s=60.0)
    monkeypatch.setattr(physiology, "FREEZE_STEP_S", physiology.FREEZE_STEP_S / 4)
    fine = simulate(exposure, observe_s=60.0)
    assert abs(default.min_surface_c - fine.min_surface_c) < 1.0
    assert abs(default.seconds_to_thaw - fine.seconds_to_thaw) < 1.0


def test_static_ln2_for_5_s_freezes_the_skin():
    response = simulate(PRESETS["ln2_applicator_static"].exposure)
    assert response.min_surface_c < FROSTBITE_C
    assert response.seconds_below_zero > 5.0


def test_moving_ln2_applicator_stays_above_zero_for_10_min():
    exposure = dataclasses.replace(PRESETS["ln2_applicator_moving"].exposure, duration_s=600.0)
    response = simulate(exposure)
    assert response.min_surface_c > FREEZING_C
    assert response.seconds_below_zero == 0.0


def test_brief_chamber_cold_gives_reactive_hyperaemia():
    response = simulate(PRESETS["whole_body_chamber"].exposure)
    assert response.seconds_to_numbness is None  # Costello 2014: 13 °C not reached
    assert response.perfusion_rel.min() < 0.7  # vasoconstriction during the cold
    assert response.peak_hyperaemia > 1.3
    assert 30.0 < response.seconds_to_peak_hyperaemia < 300.0


def test_long_cold_pad_keeps_flow_below_baseline_15_min_after():
    exposure = Exposure(10.0, 50.0, 3600.0)
    response = simulate(exposure, observe_s=1200.0)
    flow_15_min_after = np.interp(3600.0 + 900.0, response.t_s, response.perfusion_rel)
    assert flow_15_min_after < 0.9


def test_civd_bursts_raise_flow_during_long_cold_on_the_face():
    plain = simulate(Exposure(0.0, 55.0, 900.0, site="face"))
    civd = simulate(Exposure(0.0, 55.0, 900.0, site="face", civd=True))
    before, during = civd.t_s < 290.0, (civd.t_s > 300.0) & (civd.t_s < 900.0)
    np.testing.assert_allclose(civd.perfusion_rel[before], plain.perfusion_rel[before])
    assert civd.perfusion_rel[during].max() > plain.perfusion_rel[during].max() + 0.3


# --- numerics -----------------------------------------------------------------------------------


def test_rest_is_a_steady_state_at_baseline_flow():
    response = simulate(PRESETS["cold_air"].exposure)
    assert 30.0 <= response.rest_surface_c <= 35.0
    assert response.perfusion_rel[0] == 1.0
    assert response.surface_c[0] == pytest.approx(response.rest_surface_c)


@pytest.mark.parametrize(
    "name", ["ln2_applicator_static", "ln2_applicator_moving", "whole_body_chamber", "ice_massage"]
)
def test_halving_cell_size_changes_the_minimum_by_under_0_2_c(name):
    exposure = PRESETS[name].exposure
    coarse = simulate(exposure, refine=1)
    fine = simulate(exposure, refine=2)
    assert abs(coarse.min_surface_c - fine.min_surface_c) < 0.2
    assert abs(coarse.peak_hyperaemia - fine.peak_hyperaemia) < 0.02


@pytest.mark.parametrize(
    "name", ["ln2_applicator_static", "ln2_applicator_moving", "whole_body_chamber", "ice_massage"]
)
def test_shorter_time_steps_change_results_by_under_0_1_c(name):
    exposure = PRESETS[name].exposure
    default = simulate(exposure)
    fine = simulate(exposure, max_step_s=0.25)
    assert fine.t_s.size > 2 * default.t_s.size
    assert abs(default.min_surface_c - fine.min_surface_c) < 0.1
    assert abs(default.peak_hyperaemia - fine.peak_hyperaemia) < 0.02
    end_default = np.interp(exposure.duration_s + 300.0, default.t_s, default.surface_c)
    end_fine = np.interp(exposure.duration_s + 300.0, fine.t_s, fine.surface_c)
    assert abs(end_default - end_fine) < 0.05


@pytest.mark.parametrize(
    ("exposure", "observe_s"),
    [
        (PRESETS["ln2_applicator_static"].exposure, 30.0),
        (Exposure(-196.0, 160.0, 45.0, contact=Touches(0.3, 15.0)), 15.0),
        (Exposure(-110.0, 6.0, 60.0), 30.0),
    ],
)
def test_exact_integrator_matches_the_explicit_ftcs_reference(exposure, observe_s):
    exact = simulate(exposure, observe_s)
    ftcs = simulate(exposure, observe_s, method="ftcs")
    np.testing.assert_allclose(exact.t_s, ftcs.t_s)
    assert np.abs(exact.surface_c - ftcs.surface_c).max() < 0.1
    assert np.abs(exact.perfusion_rel - ftcs.perfusion_rel).max() < 0.01


def test_ftcs_step_is_computed_from_the_grid():
    exposure = PRESETS["ice_massage"].exposure
    skin = physiology.TISSUES["skin"]
    alpha = skin.k_w_mk / (skin.rho_kg_m3 * skin.c_j_kgk)
    surface_cell_m = physiology.SURFACE_CELL_MM * 1e-3
    step = ftcs_max_step_s(exposure)
    # dx²/(2α) at the ~25 µm surface cells, with the margin and the grid's actual widths.
    assert 0.5 < step / (surface_cell_m**2 / (2 * alpha)) < 1.5
    assert ftcs_max_step_s(exposure, refine=2) == pytest.approx(step / 4, rel=0.25)


# --- response values and phases ---------------------------------------------------------------


def test_phases_follow_the_definitions():
    response = simulate(PRESETS["whole_body_chamber"].exposure)
    end = response.end_of_cold_s
    assert set(response.phase[response.t_s <= end]) == {"cooling"}
    assert response.phase_at(0.0) == "cooling"
    assert response.phase_at(end) == "cooling"
    assert response.phase_at(end + 60.0) == "rebound"
    for t, phase in zip(response.t_s[::25], response.phase[::25], strict=True):
        assert response.phase_at(float(t)) == phase
    rebound = response.perfusion_rel[response.phase == "rebound"]
    assert rebound.max() == pytest.approx(response.peak_hyperaemia)


def test_rebound_then_recovery_after_brief_cold():
    response = simulate(PRESETS["cold_air"].exposure, observe_s=1800.0)
    phases = [response.phase_at(t) for t in (60.0, 240.0, 1900.0)]
    assert phases == ["cooling", "rebound", "recovery"]


def test_phase_at_outside_the_run_is_a_plain_error():
    response = simulate(PRESETS["cold_air"].exposure, observe_s=60.0)
    with pytest.raises(ValueError, match="between 0 and 240 s"):
        response.phase_at(500.0)


def test_rewarm_and_numbness_times_are_consistent_with_the_curves():
    response = simulate(PRESETS["cold_air"].exposure, observe_s=1200.0)
    assert response.rewarm_seconds is not None
    t_back = response.end_of_cold_s + response.rewarm_seconds
    surface_then = np.interp(t_back, response.t_s, response.surface_c)
    assert surface_then >= response.rest_surface_c - 1.0 - 1e-6
    ice = simulate(PRESETS["ice_massage"].exposure)
    numb_at = np.interp(ice.seconds_to_numbness, ice.t_s, ice.nerve_c)  # read at the nerves
    assert numb_at == pytest.approx(NUMBNESS_C, abs=0.05)


def test_no_observation_gives_no_after_cold_values():
    response = simulate(PRESETS["cold_air"].exposure, observe_s=0.0)
    assert response.t_s[-1] == pytest.approx(180.0)
    assert set(response.phase) == {"cooling"}


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"duration_s": -5.0}, "more than 0 seconds"),
        ({"duration_s": float("nan")}, "ordinary number"),
        ({"agent_temp_c": 40.0}, "not colder than skin"),
        ({"agent_temp_c": -250.0}, "colder than liquid nitrogen"),
        ({"h_w_m2k": 0.0}, "not realistic"),
        ({"h_w_m2k": 1e6}, "not realistic"),
        ({"h_w_m2k": "high"}, "must be a number"),
        ({"contact": "moving"}, "'continuous' or"),
        ({"contact": "continous"}, "Did you mean 'continuous'"),
        ({"contact": (15.0, 0.3)}, "shorter than the time between touches"),
        ({"contact": (0.0, 5.0)}, "touch time must be more than 0"),
        ({"contact": (1.0, 2.0, 3.0)}, "a pair"),
        ({"site": "fase"}, "Did you mean 'face'"),
        ({"civd": True}, "only for the face"),
        ({"fat_mm": 0.0}, "Fat thickness"),
    ],
)
def test_bad_exposures_raise_plain_value_errors(kwargs, message):
    values = {"agent_temp_c": -30.0, "h_w_m2k": 10.0, "duration_s": 180.0} | kwargs
    with pytest.raises(ValueError, match=message):
        Exposure(**values)


def test_contact_pairs_become_touches():
    exposure = Exposure(-196.0, 160.0, 60.0, contact=(0.3, 15))
    assert exposure.contact == Touches(0.3, 15.0)
    assert isinstance(exposure.contact, Touches)


def test_bad_simulate_arguments():
    exposure = PRESETS["cold_air"].exposure
    with pytest.raises(ValueError, match="observation time"):
        simulate(exposure, observe_s=-1.0)
    with pytest.raises(ValueError, match="Did you mean 'ftcs'"):
        simulate(exposure, method="ftsc")
    with pytest.raises(ValueError, match="needs an Exposure"):
        simulate({"agent_temp_c": -30})  # type: ignore[arg-type]


def test_preset_modalities_exist_in_the_knowledge_base_and_respect_its_limits():
    from course.facts import knowledge

    modalities = knowledge.load().modalities
    for name, item in PRESETS.items():
        if item.modality is None:
            continue
        assert item.modality in modalities, name
        limit = getattr(modalities[item.modality], "max_exposure_s", None)
        if limit is not None and name != "ln2_applicator_static":
            assert item.exposure.duration_s <= limit, name
