"""Cold-response simulator: a 1-D Pennes bioheat slab with temperature-driven skin perfusion.

The slab is skin / fat / muscle (2 / 8 / 20 mm by default), held at 37 °C at its deep face.
A cold agent (air, vapour, an ice pack, a liquid-nitrogen swab) takes heat from the surface
through an effective heat-transfer coefficient ``h``: heat flux = h · (agent − surface).
Between touches of a moving applicator, and after the cold ends, the skin sits in room air.

Heat equation (Pennes 1948; supported by Wissler, J Appl Physiol 1998)::

    ρc ∂T/∂t = ∂/∂x (k ∂T/∂x) + ω·p·ρ_b c_b (37 − T)

Skin perfusion ``p`` (1.0 = resting) follows temperature (research.md section 3):
vasomotor tone ``v`` moves toward clip(2.5^((T_skin − T_rest)/10), 0.15, 1), constricting with
τ = 30 s and recovering with τ = 45 s · (1 + t_exp / 600 s); after the cold ends a reactive
hyperaemia ``H`` rises (τ = 30 s) toward 2 · min(1, D / 5 K·min) · e^(−t_exp/900 s) ·
e^(−(t − t_end)/300 s), where D = ∫ max(0, 30 − T_surface) dt over the cold. Optional
cold-induced vasodilation (CIVD, "hunting reaction", Daanen 2003) adds bursts from 5 min after
the onset of continuous cold on the face. Q10, the 0.15 floor, the time constants, the
amplitudes, the CIVD period and the perfusion rates ω are *illustrative* teaching values tuned to
the patterns of Hohenauer 2019 and Khoshnevis 2015/2016, not measurements.

Numerical method (why it is not plain FTCS by default)
------------------------------------------------------
Space: finite volumes on a non-uniform grid, 25 µm cells at the surface (a 0.3 s touch of
liquid nitrogen only reaches ~0.2 mm deep) growing to 1 mm in muscle; layer boundaries fall on
cell faces. Time: with perfusion held fixed over a step the equation is linear with constant
coefficients, dT/dt = M·T + g, so it is integrated *exactly* through the eigen-decomposition of
M (symmetric after scaling by the heat capacities): T(t+Δt) = T_eq + V e^(ΛΔt) V⁻¹ (T − T_eq).
That step is unconditionally stable and has no time-step error, so steps can be 2 s long where
nothing changes quickly and tiny only just after the agent touches or leaves the skin.
Skin perfusion, which changes on a 30 s time scale, is applied between steps (operator
splitting) as an exact exponential relaxation toward 37 °C.

An explicit FTCS scheme (``method="ftcs"``) on the same grid is kept as the reference: it is
simple and obviously right, and is fine wherever it is affordable because the time scales we
care about (seconds to minutes) are much longer than its stability limit. But that limit,
dt ≤ C_i / ΣG_i ≈ dx²/(2α) (computed from the grid, with a safety margin), is about 3 ms at the
25 µm surface cells, so a 20-minute run needs ~400 000 steps: far too slow for a widget.
The tests check that both methods agree.

Freezing: where skin can freeze, steps use a backward-Euler enthalpy step with the latent heat
of the skin's water (released between FREEZE_START_C and FREEZE_END_C) and Newton iterations;
blood does not flow through frozen skin. Numbness is read at NERVE_DEPTH_MM with a slow recovery
(NUMBNESS_RECOVERY_S). A tissue profile's resting surface fixes the temperature of its deep
tissue (and of the blood reaching it). An exposure with ``spot_h_w_m2k`` is also run for the
coldest spot under a nozzle.

Every number with a source (safety bands, presets, tissue profiles, heat transfers, the freezing
and numbness parameters) lives in course/data/physiology.toml. The model's calibration, its
validation against published skin measurements and its known limits are in
docs/physiology-model.md (generated; tests/unit/test_physiology_validation.py runs every row).
Metabolic heat is neglected (it moves resting temperatures by well under 1 °C in a 30 mm slab).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Literal, NamedTuple

import numpy as np

from course.facts.knowledge import sources_text
from course.facts.physiology_data import PresetSpec, TissueProfile, load_physiology
from course.foundation.names import did_you_mean

# --- safety bands (°C, at the skin surface; course/data/physiology.toml) -------------------

_DATA = load_physiology()


class SafetyBand(NamedTuple):
    """A surface temperature that means something for safety, and where it comes from."""

    temp_c: float
    meaning: str
    source: str  # the sources' labels, for display
    sources: tuple[str, ...] = ()  # codes in sources.toml


SAFETY_BANDS: dict[str, SafetyBand] = {
    code: SafetyBand(band.temp_c, band.meaning, sources_text(band.sources), band.sources)
    for code, band in _DATA.bands.items()
}
NUMBNESS_C = SAFETY_BANDS["numbness"].temp_c
NERVE_SLOWING_C = SAFETY_BANDS["nerve_slowing"].temp_c
FREEZING_C = SAFETY_BANDS["freezing"].temp_c
FROSTBITE_C = SAFETY_BANDS["frostbite"].temp_c
LESION_DESTRUCTION_C = SAFETY_BANDS["lesion_destruction"].temp_c

# --- tissue and environment parameters ---------------------------------------------------------

BODY_CORE_C = 37.0
ROOM_C = 24.0  # illustrative: a warm treatment room
H_ROOM_W_M2K = 8.0  # typical (research.md section 3)
BLOOD_RHO_C = 1060.0 * 3770.0  # J/m³·K, textbook
BASELINE_FLOW_BAND = 0.05  # flow within 5 % of resting counts as "back to baseline"
REWARM_WITHIN_C = 1.0  # rewarmed = surface back within 1 °C of its resting value


class Tissue(NamedTuple):
    """Thermal properties of one layer, with where the values come from."""

    k_w_mk: float
    rho_kg_m3: float
    c_j_kgk: float
    perfusion_per_s: float
    water_fraction: float
    source: str


TISSUES: dict[str, Tissue] = {
    # water share: typical values, illustrative (it sets how much heat freezing gives off)
    "skin": Tissue(0.37, 1100.0, 3400.0, 1e-3, 0.7, "Burns 2017 (PMC5459687); flow illustrative"),
    "fat": Tissue(0.20, 910.0, 2300.0, 3e-4, 0.2, "Burns 2017 (PMC5459687); flow illustrative"),
    "muscle": Tissue(0.50, 1050.0, 3600.0, 5e-4, 0.75, "typical values; flow illustrative"),
}

# Freezing and numbness (course/data/physiology.toml, each with its basis and sources).
LATENT_HEAT_J_KG = _DATA.parameters["latent_heat_j_kg"].value
FREEZE_START_C = _DATA.parameters["freeze_start_c"].value
FREEZE_END_C = _DATA.parameters["freeze_end_c"].value
NERVE_DEPTH_MM = _DATA.parameters["nerve_depth_mm"].value
NUMBNESS_RECOVERY_S = _DATA.parameters["numbness_recovery_s"].value

# Perfusion control (illustrative, research.md section 3).
Q10 = 2.5
TONE_FLOOR = 0.15
TAU_CONSTRICT_S = 30.0
TAU_RECOVER_S = 45.0
RECOVERY_SLOWING_S = 600.0
HYPERAEMIA_MAX = 2.0
HYPERAEMIA_DOSE_KS = 5.0 * 60.0  # 5 K·min
HYPERAEMIA_DOSE_REF_C = 30.0
HYPERAEMIA_FADE_WITH_EXPOSURE_S = 900.0
HYPERAEMIA_DECAY_S = 300.0
HYPERAEMIA_RISE_S = 30.0
CIVD_ONSET_S = 300.0  # Daanen 2003: 5–10 min after cold onset
CIVD_PERIOD_S = 180.0  # illustrative
CIVD_WIDTH_S = 60.0  # illustrative
CIVD_AMPLITUDE = 0.6  # illustrative

# Limits for inputs (plain-language validation).
LN2_BOILING_C = -196.0
RESTING_SKIN_C = 33.0
H_MAX_W_M2K = 1000.0
MAX_SECONDS = 2 * 3600.0

Phase = Literal["cooling", "rebound", "recovery"]
PHASE_MEANINGS: dict[str, str] = {
    "cooling": "the cold agent is being applied (including the gaps between touches)",
    "rebound": "after the cold: blood flow climbs above resting (reactive hyperaemia) until it "
    "is back within 5 % of resting",
    "recovery": "after the cold, any time that is not rebound: flow and temperature return "
    "toward resting",
}


class Touches(NamedTuple):
    """A moving applicator: it touches a spot for ``touch_s`` seconds every ``interval_s``."""

    touch_s: float
    interval_s: float


Contact = Literal["continuous"] | Touches


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _finite_number(name: str, value: object) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ValueError(f"{name} must be a number; you gave {value!r}.")
    _require(math.isfinite(value), f"{name} must be an ordinary number, not {value}.")
    return float(value)


@dataclass(frozen=True)
class Exposure:
    """One cold exposure: the agent, how it touches the skin, for how long, and the tissue."""

    agent_temp_c: float
    h_w_m2k: float
    duration_s: float
    contact: Contact = "continuous"
    skin_mm: float = 2.0
    fat_mm: float = 8.0
    muscle_mm: float = 20.0
    site: Literal["face", "body"] = "body"
    civd: bool = False
    room_c: float = ROOM_C
    rest_surface_c: float | None = None  # whose skin: its resting surface (None: the slab's own)
    spot_h_w_m2k: float | None = None  # the coldest spot under a nozzle takes heat this fast

    def __post_init__(self) -> None:
        agent = _finite_number("The agent temperature", self.agent_temp_c)
        _require(
            agent >= LN2_BOILING_C,
            f"An agent at {agent:g} °C is colder than liquid nitrogen ({LN2_BOILING_C:g} °C); "
            "no cosmetic agent is that cold.",
        )
        _require(
            agent < RESTING_SKIN_C,
            f"An agent at {agent:g} °C is not colder than skin (about {RESTING_SKIN_C:g} °C); "
            "this simulator only models cooling.",
        )
        h = _finite_number("The heat-transfer coefficient", self.h_w_m2k)
        _require(
            0.0 < h <= H_MAX_W_M2K,
            f"A heat-transfer coefficient of {h:g} W/m²·K is not realistic; "
            f"use a value above 0 and at most {H_MAX_W_M2K:g} (still air ≈ 8, ice ≈ 55).",
        )
        duration = _finite_number("The exposure time", self.duration_s)
        _require(duration > 0, "The exposure time must be more than 0 seconds.")
        _require(
            duration <= MAX_SECONDS,
            f"The exposure time must be at most {MAX_SECONDS / 60:g} minutes.",
        )
        for name, value, low, high in (
            ("Skin thickness", self.skin_mm, 0.5, 5.0),
            ("Fat thickness", self.fat_mm, 1.0, 40.0),
            ("Muscle thickness", self.muscle_mm, 5.0, 50.0),
        ):
            mm = _finite_number(name, value)
            _require(low <= mm <= high, f"{name} must be between {low:g} and {high:g} mm.")
        object.__setattr__(self, "contact", _checked_contact(self.contact))
        room = _finite_number("The room temperature", self.room_c)
        _require(10.0 <= room <= 35.0, "The room temperature must be between 10 and 35 °C.")
        if self.rest_surface_c is not None:
            rest = _finite_number("The resting skin temperature", self.rest_surface_c)
            _require(28.0 <= rest <= 36.0,
                     "The resting skin temperature must be between 28 and 36 °C.")
        if self.spot_h_w_m2k is not None:
            spot = _finite_number("The heat transfer at the coldest spot", self.spot_h_w_m2k)
            _require(h <= spot <= H_MAX_W_M2K,
                     "The coldest spot takes heat at least as fast as the average surface, "
                     f"and at most {H_MAX_W_M2K:g} W/m²·K.")
        _require(
            self.site in ("face", "body"),
            f"The site must be 'face' or 'body'; you gave {self.site!r}."
            + _did_you_mean(str(self.site), ("face", "body")),
        )
        _require(isinstance(self.civd, bool), "civd must be True or False.")
        if self.civd:
            _require(
                self.site == "face",
                "Cold-induced vasodilation is modelled only for the face (site='face').",
            )
            _require(
                self.contact == "continuous",
                "Cold-induced vasodilation needs continuous cold, not a moving applicator.",
            )

    @property
    def depth_mm(self) -> float:
        """Total slab depth (the 37 °C boundary sits at this depth)."""
        return self.skin_mm + self.fat_mm + self.muscle_mm


def _checked_contact(contact: object) -> Contact:
    if isinstance(contact, str):
        _require(
            contact == "continuous",
            f"Contact must be 'continuous' or (touch seconds, every seconds); you gave "
            f"{contact!r}." + _did_you_mean(contact, ("continuous",)),
        )
        return "continuous"
    if not (isinstance(contact, tuple) and len(contact) == 2):
        raise ValueError("Contact must be 'continuous' or a pair (touch seconds, every seconds), "
                         f"like (0.3, 15); you gave {contact!r}.")
    touch = _finite_number("The touch time", contact[0])
    interval = _finite_number("The time between touches", contact[1])
    _require(touch > 0, "The touch time must be more than 0 seconds.")
    _require(
        touch < interval,
        f"Each touch ({touch:g} s) must be shorter than the time between touches "
        f"({interval:g} s); for a still applicator use contact='continuous'.",
    )
    return Touches(touch, interval)


def _did_you_mean(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = did_you_mean(word, choices, limit=1)
    return f" Did you mean '{close[0]}'?" if close else ""


# --- presets (course/data/physiology.toml) ---------------------------------------------------


@dataclass(frozen=True)
class Preset:
    """A named exposure for the widget and the lessons, with where its numbers come from."""

    exposure: Exposure
    label: str
    modality: str | None  # knowledge-base modality code; None for a reference (not a course one)
    source: str  # the sources' labels, for display
    illustrative: bool  # True: parameters are teaching values, the course must say so
    moving_contact: Touches | None = None  # how the applicator moves, if it can be moved
    basis: str = "illustrative"  # measured / calibrated / illustrative (physiology_data.BASES)
    note: str = ""  # how its numbers were chosen
    caveat: str = ""  # what the chart cannot show, in plain words
    sources: tuple[str, ...] = ()  # codes in sources.toml
    tissue: TissueProfile | None = None  # whose skin
    checked_against: tuple[str, ...] = ()  # measurement rows that concern it (physiology.toml)


def exposure_for(tissue: str, agent_temp_c: float, heat_transfer: str, duration_s: float,
                 *, spot: str | None = None, contact: Contact = "continuous",
                 site: str = "body") -> Exposure:
    """An exposure of one tissue profile to an agent, with heat transfers named in the data."""
    profile = _DATA.tissues[tissue]
    return Exposure(
        agent_temp_c=agent_temp_c,
        h_w_m2k=_DATA.heat_transfers[heat_transfer].h_w_m2k,
        duration_s=duration_s,
        contact=contact,
        skin_mm=profile.skin_mm,
        fat_mm=profile.fat_mm,
        muscle_mm=profile.muscle_mm,
        site=site,  # type: ignore[arg-type]
        room_c=profile.room_c,
        rest_surface_c=profile.rest_surface_c,
        spot_h_w_m2k=None if spot is None else _DATA.heat_transfers[spot].h_w_m2k,
    )


def _preset_from(spec: PresetSpec) -> Preset:
    touches = Touches(*spec.touches) if spec.touches else None
    moving = touches is not None and spec.duration_s > touches.interval_s
    exposure = exposure_for(spec.tissue, spec.agent_temp_c, spec.heat_transfer, spec.duration_s,
                            spot=spec.spot,
                            contact=touches if touches is not None and moving else "continuous",
                            site=spec.site)
    return Preset(exposure, spec.label, spec.modality, sources_text(spec.sources),
                  spec.basis == "illustrative", touches if spec.movable else None,
                  spec.basis, spec.note, spec.caveat, spec.sources, _DATA.tissues[spec.tissue],
                  spec.checked_against)


PRESETS: dict[str, Preset] = {code: _preset_from(spec) for code, spec in _DATA.presets.items()}
LN2_TOUCHES = PRESETS["ln2_applicator_moving"].moving_contact
LN2_H_W_M2K = PRESETS["ln2_applicator_moving"].exposure.h_w_m2k
REWARMING_RANGE = _DATA.rewarming  # contested: taught as a range, with both sources


def preset(name: str) -> Preset:
    """Look up a preset by name, with a plain "did you mean" message for typos."""
    if name in PRESETS:
        return PRESETS[name]
    raise ValueError(
        f"There is no preset called {name!r}."
        + _did_you_mean(name, list(PRESETS))
        + f" The presets are: {', '.join(PRESETS)}."
    )


# --- grid and operator ---------------------------------------------------------------------

SURFACE_CELL_MM = 0.025
CELL_GROWTH_PER_MM = 0.1
MAX_CELL_MM = 1.0
FIRST_STEP_S = 0.05
MAX_STEP_S = 2.0
FTCS_MARGIN = 0.9
FREEZE_STEP_S = 0.25  # latent-heat sub-step (tests: a quarter of it changes little)
FREEZE_NEWTON_ITERATIONS = 12
FREEZE_MARGIN_C = 1.0  # within this of freezing, steps use the latent-heat stepper
DEEP_RANGE_C = (25.0, BODY_CORE_C)  # deep tissue of a limb: cooler than the core, never warmer


@dataclass(frozen=True, eq=False)
class _Slab:
    """Finite-volume grid of the slab and its conductances (SI units)."""

    widths_m: np.ndarray
    heat_capacity: np.ndarray  # ρc·w per cell, J/m²·K
    inner_conductance: np.ndarray  # between neighbouring cells, W/m²·K
    surface_half_cell: float  # conductance from the first cell centre to the surface
    deep_conductance: float  # from the last cell centre to the 37 °C face
    perfusion_conductance: np.ndarray  # ω ρ_b c_b w per cell (p = 1)
    skin_cells: int
    skin_weights: np.ndarray  # width fractions for the mean skin temperature
    latent_heat: np.ndarray  # heat released when a cell's water freezes, J/m²


def _cell_faces_mm(start: float, stop: float, refine: int) -> np.ndarray:
    """Faces between ``start`` and ``stop`` (mm) with cells sized by the depth rule / refine."""
    depth = np.linspace(start, stop, 2001)
    size = np.minimum(MAX_CELL_MM, SURFACE_CELL_MM + CELL_GROWTH_PER_MM * depth) / refine
    cells_per_mm = 1.0 / size
    steps = np.diff(depth) * 0.5 * (cells_per_mm[1:] + cells_per_mm[:-1])
    density = np.concatenate(([0.0], np.cumsum(steps)))
    cells = max(1, math.ceil(density[-1] - 1e-9))
    return np.interp(np.linspace(0.0, density[-1], cells + 1), density, depth)


@lru_cache(maxsize=32)
def _slab(skin_mm: float, fat_mm: float, muscle_mm: float, refine: int) -> _Slab:
    layers = (
        ("skin", 0.0, skin_mm),
        ("fat", skin_mm, skin_mm + fat_mm),
        ("muscle", skin_mm + fat_mm, skin_mm + fat_mm + muscle_mm),
    )
    widths, k, rho_c, omega, latent = [], [], [], [], []
    for name, start, stop in layers:
        tissue = TISSUES[name]
        w = np.diff(_cell_faces_mm(start, stop, refine)) * 1e-3
        widths.append(w)
        k.append(np.full(w.size, tissue.k_w_mk))
        rho_c.append(np.full(w.size, tissue.rho_kg_m3 * tissue.c_j_kgk))
        omega.append(np.full(w.size, tissue.perfusion_per_s))
        latent.append(tissue.rho_kg_m3 * tissue.water_fraction * LATENT_HEAT_J_KG * w)
    w = np.concatenate(widths)
    k_all = np.concatenate(k)
    half_resistance = 0.5 * w / k_all
    skin_w = widths[0]
    return _Slab(
        widths_m=w,
        heat_capacity=np.concatenate(rho_c) * w,
        inner_conductance=1.0 / (half_resistance[:-1] + half_resistance[1:]),
        surface_half_cell=1.0 / half_resistance[0],
        deep_conductance=1.0 / half_resistance[-1],
        perfusion_conductance=np.concatenate(omega) * BLOOD_RHO_C * w,
        skin_cells=skin_w.size,
        skin_weights=skin_w / skin_w.sum(),
        latent_heat=np.concatenate(latent),
    )


def _surface_conductance(slab: _Slab, h: float) -> float:
    """Series conductance agent → surface → first cell centre."""
    return 1.0 / (1.0 / h + 1.0 / slab.surface_half_cell)


def _conduction_system(
    slab: _Slab, h: float, agent_c: float, skin_flow: float, core_c: float = BODY_CORE_C
) -> tuple[np.ndarray, np.ndarray]:
    """Return (K, f) with C dT/dt = K T + f; skin perfusion at ``skin_flow`` × resting.

    ``core_c`` is the temperature of the deep face and of the blood arriving there."""
    g = slab.inner_conductance
    n = slab.widths_m.size
    perfusion = slab.perfusion_conductance.copy()
    perfusion[: slab.skin_cells] *= skin_flow
    diagonal = -perfusion
    diagonal[:-1] -= g
    diagonal[1:] -= g
    g_surface = _surface_conductance(slab, h)
    diagonal[0] -= g_surface
    diagonal[-1] -= slab.deep_conductance
    matrix = np.diag(diagonal) + np.diag(g, 1) + np.diag(g, -1)
    source = perfusion * core_c
    source[0] += g_surface * agent_c
    source[-1] += slab.deep_conductance * core_c
    assert matrix.shape == (n, n)
    return matrix, source


class _Modes:
    """Eigen-decomposition of C⁻¹K for one slab and one h (agent-independent, so cached)."""

    def __init__(self, slab: _Slab, h: float) -> None:
        matrix, _ = _conduction_system(slab, h, 0.0, 0.0)
        scale = 1.0 / np.sqrt(slab.heat_capacity)
        rates, vectors = np.linalg.eigh(scale[:, None] * matrix * scale[None, :])
        self.rates = rates
        self.left = scale[:, None] * vectors
        self.right = vectors.T / scale[None, :]
        self._decay: dict[float, np.ndarray] = {}

    def decay(self, dt: float) -> np.ndarray:
        """e^(λ·dt) for every mode (memoised: the time grid reuses a few step lengths)."""
        factors = self._decay.get(dt)
        if factors is None:
            factors = self._decay[dt] = np.exp(self.rates * dt)
        return factors


@lru_cache(maxsize=64)
def _modes(slab: _Slab, h: float) -> _Modes:
    return _Modes(slab, h)


class _Propagator:
    """Advances C dT/dt = K T + f (skin perfusion excluded) exactly, for one boundary state."""

    def __init__(self, slab: _Slab, h: float, agent_c: float, core_c: float) -> None:
        matrix, source = _conduction_system(slab, h, agent_c, 0.0, core_c)
        self.equilibrium = np.linalg.solve(matrix, -source)
        self.modes = _modes(slab, h)

    def step(self, temps: np.ndarray, dt: float) -> np.ndarray:
        modes = self.modes
        deviation = modes.right @ (temps - self.equilibrium)
        return self.equilibrium + modes.left @ (modes.decay(dt) * deviation)


class _ExplicitStepper:
    """FTCS reference: forward Euler on the same operator, sub-stepped for stability."""

    def __init__(self, slab: _Slab, h: float, agent_c: float, core_c: float) -> None:
        matrix, source = _conduction_system(slab, h, agent_c, 0.0, core_c)
        self.rate_matrix = matrix / slab.heat_capacity[:, None]
        self.rate_source = source / slab.heat_capacity
        self.max_dt = _ftcs_stable_step(slab, h)

    def step(self, temps: np.ndarray, dt: float) -> np.ndarray:
        substeps = math.ceil(dt / self.max_dt - 1e-12)
        small = dt / substeps
        for _ in range(substeps):
            temps = temps + small * (self.rate_matrix @ temps + self.rate_source)
        return temps


def _ftcs_stable_step(slab: _Slab, h: float) -> float:
    """Largest stable explicit step, with margin: min over cells of C_i / ΣG_i.

    For interior cells of a uniform grid C_i / ΣG_i = ρc·dx / (2k/dx) = dx²/(2α); the boundary
    and perfusion conductances are included so the bound also holds at the surface.
    """
    conductance_sum = slab.perfusion_conductance * 3.0  # allow perfusion up to 3 × resting
    conductance_sum[:-1] += slab.inner_conductance
    conductance_sum[1:] += slab.inner_conductance
    conductance_sum[0] += _surface_conductance(slab, max(h, H_ROOM_W_M2K))
    conductance_sum[-1] += slab.deep_conductance
    return FTCS_MARGIN * float(np.min(slab.heat_capacity / conductance_sum))


def ftcs_max_step_s(exposure: Exposure, refine: int = 1) -> float:
    """The explicit (FTCS) reference scheme's stable time step for ``exposure``, in seconds."""
    slab = _slab(exposure.skin_mm, exposure.fat_mm, exposure.muscle_mm, refine)
    return _ftcs_stable_step(slab, exposure.h_w_m2k)


# --- time grid ------------------------------------------------------------------------------


def _segments(exposure: Exposure, observe_s: float) -> list[tuple[float, float, bool]]:
    """(start, stop, agent touching?) pieces of the run, in order."""
    end = exposure.duration_s
    pieces: list[tuple[float, float, bool]] = []
    if exposure.contact == "continuous":
        pieces.append((0.0, end, True))
    else:
        touch, interval = exposure.contact
        start = 0.0
        while start < end:
            touch_end = min(start + touch, end)
            pieces.append((start, touch_end, True))
            next_start = min(start + interval, end)
            if next_start > touch_end:
                pieces.append((touch_end, next_start, False))
            start = next_start
    if observe_s > 0:
        pieces.append((end, end + observe_s, False))
    return pieces


def _time_steps(
    segments: list[tuple[float, float, bool]], max_step_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """Step lengths and contact flags: small after every change of contact, doubling up."""
    steps: list[float] = []
    touching: list[bool] = []
    for start, stop, touch in segments:
        t, dt = start, min(FIRST_STEP_S, max_step_s)
        while stop - t > 1e-9:
            step = min(dt, stop - t)
            steps.append(step)
            touching.append(touch)
            t += step
            dt = min(2.0 * dt, max_step_s)
    return np.asarray(steps), np.asarray(touching)


# --- perfusion ------------------------------------------------------------------------------


def _tone_target(skin_c: float, rest_c: float) -> float:
    return min(1.0, max(TONE_FLOOR, Q10 ** ((skin_c - rest_c) / 10.0)))


def _civd_burst(t_s: float) -> float:
    """Raised-cosine bursts every CIVD_PERIOD_S, starting at CIVD_ONSET_S (0 before)."""
    if t_s < CIVD_ONSET_S:
        return 0.0
    into = (t_s - CIVD_ONSET_S) % CIVD_PERIOD_S
    if into >= CIVD_WIDTH_S:
        return 0.0
    return CIVD_AMPLITUDE * 0.5 * (1.0 - math.cos(2.0 * math.pi * into / CIVD_WIDTH_S))


# --- freezing (latent heat) -----------------------------------------------------------------


def _frozen_fraction(temps: np.ndarray) -> np.ndarray:
    """Share of each cell's water that is ice: 0 above FREEZE_START_C, 1 below FREEZE_END_C."""
    return np.clip((FREEZE_START_C - temps) / (FREEZE_START_C - FREEZE_END_C), 0.0, 1.0)


class _FreezingStepper:
    """Backward-Euler enthalpy step with latent heat, for steps where skin can freeze.

    Unknown T_new solves C·T_new − L·φ(T_new) = C·T − L·φ(T) + Δt·(K·T_new + f), where φ is the
    frozen fraction (linear between FREEZE_START_C and FREEZE_END_C) and L the latent heat of
    each cell: Newton's method on that piecewise-linear equation, a few iterations per sub-step.
    Backward Euler is unconditionally stable; the sub-step bounds its time error.
    """

    def __init__(self, slab: _Slab, h: float, agent_c: float, core_c: float) -> None:
        self.matrix, self.source = _conduction_system(slab, h, agent_c, 0.0, core_c)
        self.capacity = slab.heat_capacity
        self.latent = slab.latent_heat
        self.slope = self.latent / (FREEZE_START_C - FREEZE_END_C)

    def step(self, temps: np.ndarray, dt: float) -> np.ndarray:
        substeps = max(1, math.ceil(dt / FREEZE_STEP_S - 1e-9))
        small = dt / substeps
        system = -small * self.matrix
        for _ in range(substeps):
            enthalpy = self.capacity * temps - self.latent * _frozen_fraction(temps)
            rhs = enthalpy + small * self.source
            guess = temps
            for _ in range(FREEZE_NEWTON_ITERATIONS):
                inside = (guess < FREEZE_START_C) & (guess > FREEZE_END_C)
                residual = (self.capacity * guess - self.latent * _frozen_fraction(guess)
                            + system @ guess - rhs)
                jacobian = system.copy()
                jacobian[np.diag_indices_from(jacobian)] += self.capacity + self.slope * inside
                change = np.linalg.solve(jacobian, -residual)
                guess = guess + change
                if float(np.abs(change).max()) < 1e-6:
                    break
            temps = guess
        return temps


# --- response -------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Response:
    """What the simulator computed. Times are seconds from the start of the cold."""

    exposure: Exposure
    t_s: np.ndarray
    surface_c: np.ndarray
    perfusion_rel: np.ndarray  # 1.0 = resting skin blood flow
    phase: np.ndarray  # "cooling" / "rebound" / "recovery" per time; see PHASE_MEANINGS
    rest_surface_c: float
    seconds_to_numbness: float | None  # read by the nerves (nerve_c), not the surface
    min_surface_c: float
    seconds_below_zero: float
    peak_hyperaemia: float | None  # highest flow after the cold (× resting); None: no data
    seconds_to_peak_hyperaemia: float | None  # from the end of the cold
    rewarm_seconds: float | None  # end of cold → surface within 1 °C of resting; None: not yet
    nerve_c: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    numb_after_cold_s: float | None = None  # numb at the end of the cold: for how long after
    seconds_to_thaw: float | None = None  # end of cold → surface back to 0 °C (frozen only)
    frozen_depth_mm: float = 0.0  # deepest ice reached in the skin (0: never frozen)
    spot: Response | None = None  # the coldest spot under a nozzle, when the exposure has one
    _phase_changes: tuple[tuple[float, str], ...] = field(default=(), repr=False)

    @property
    def end_of_cold_s(self) -> float:
        """When the cold agent is removed."""
        return self.exposure.duration_s

    @property
    def coldest_c(self) -> float:
        """The lowest surface temperature anywhere shown: the coldest spot's, if there is one."""
        return min(self.min_surface_c, self.spot.min_surface_c if self.spot else math.inf)

    def surface_at(self, t_s: float) -> float:
        """The surface temperature at ``t_s`` seconds (interpolated)."""
        return float(np.interp(t_s, self.t_s, self.surface_c))

    def phase_at(self, t_s: float) -> str:
        """The phase ("cooling", "rebound", "recovery") at time ``t_s`` (seconds)."""
        t = _finite_number("The time", t_s)
        _require(
            0.0 <= t <= float(self.t_s[-1]),
            f"The time must be between 0 and {float(self.t_s[-1]):g} s; you gave {t:g} s.",
        )
        current = "cooling"
        for start, name in self._phase_changes:
            if t >= start:
                current = name
        return current


def _first_crossing_below(t: np.ndarray, y: np.ndarray, level: float) -> float | None:
    """First time ``y`` reaches ``level`` or below, interpolated between samples."""
    below = np.flatnonzero(y <= level)
    if below.size == 0:
        return None
    i = int(below[0])
    if i == 0:
        return float(t[0])
    return float(np.interp(level, [y[i], y[i - 1]], [t[i], t[i - 1]]))


def _time_below(t: np.ndarray, y: np.ndarray, level: float) -> float:
    """Total time with ``y`` below ``level``, treating ``y`` as linear between samples."""
    y0, y1, dt = y[:-1] - level, y[1:] - level, np.diff(t)
    both = (y0 < 0) & (y1 < 0)
    total = float(dt[both].sum())
    crossing = (y0 < 0) != (y1 < 0)
    fraction = np.where(y0[crossing] < 0, y0[crossing], y1[crossing]) / (
        y0[crossing] - y1[crossing]
    )
    return total + float((dt[crossing] * np.abs(fraction)).sum())


def _rest_state(slab: _Slab, room_c: float, core_c: float) -> tuple[np.ndarray, float]:
    """Resting temperatures and the resting surface, in ``room_c`` air."""
    matrix, source = _conduction_system(slab, H_ROOM_W_M2K, room_c, 1.0, core_c)
    temps = np.linalg.solve(matrix, -source)
    g_half = slab.surface_half_cell
    return temps, (g_half * temps[0] + H_ROOM_W_M2K * room_c) / (g_half + H_ROOM_W_M2K)


@lru_cache(maxsize=64)
def _deep_temperature(slab: _Slab, room_c: float, rest_surface_c: float | None) -> float:
    """Temperature of the deep tissue (and of the blood reaching it) for this skin's resting
    surface: a limb in a cool room is cooler inside than the body core. Found by bisection."""
    if rest_surface_c is None:
        return BODY_CORE_C
    low, high = DEEP_RANGE_C
    _require(
        _rest_state(slab, room_c, low)[1] <= rest_surface_c <= _rest_state(slab, room_c, high)[1],
        f"A resting skin temperature of {rest_surface_c:g} °C is not possible for this tissue "
        f"in a room at {room_c:g} °C.",
    )
    for _ in range(40):
        middle = 0.5 * (low + high)
        if _rest_state(slab, room_c, middle)[1] < rest_surface_c:
            low = middle
        else:
            high = middle
    return 0.5 * (low + high)


def _nerve_weights(slab: _Slab) -> tuple[int, float]:
    """Cell index and weight to interpolate the temperature at NERVE_DEPTH_MM."""
    centres = np.cumsum(slab.widths_m) - 0.5 * slab.widths_m
    depth = NERVE_DEPTH_MM * 1e-3
    i = int(np.searchsorted(centres, depth))
    if i == 0:
        return 0, 0.0
    return i - 1, float((depth - centres[i - 1]) / (centres[i] - centres[i - 1]))


def simulate(
    exposure: Exposure,
    observe_s: float = 600.0,
    *,
    refine: int = 1,
    method: str = "exact",
    max_step_s: float = MAX_STEP_S,
) -> Response:
    """Simulate ``exposure`` then ``observe_s`` seconds in room air; return a Response.

    ``refine`` divides every cell size by that factor and ``max_step_s`` caps the time step
    (both for convergence checks); ``method`` is "exact" (default, fast) or "ftcs" (explicit
    reference, slow). Steps where skin can freeze use the latent-heat stepper in both methods.
    An exposure with a coldest spot (``spot_h_w_m2k``) is also run for that spot.
    """
    _require(isinstance(exposure, Exposure), "simulate() needs an Exposure (or a preset's).")
    observe = _finite_number("The observation time", observe_s)
    _require(0.0 <= observe <= MAX_SECONDS, "The observation time must be 0 to 120 minutes.")
    _require(isinstance(refine, int) and 1 <= refine <= 8, "refine must be a whole number 1–8.")
    _require(
        method in ("exact", "ftcs"),
        "method must be 'exact' or 'ftcs'." + _did_you_mean(str(method), ["exact", "ftcs"]),
    )
    _require(
        isinstance(max_step_s, int | float) and 0.01 <= max_step_s <= 5.0,
        "max_step_s must be between 0.01 and 5 seconds.",
    )
    response = _run(exposure, observe, refine, method, float(max_step_s))
    if exposure.spot_h_w_m2k is None:
        return response
    spot = replace(exposure, h_w_m2k=exposure.spot_h_w_m2k, spot_h_w_m2k=None)
    return replace(response, spot=_run(spot, observe, refine, method, float(max_step_s)))


def _run(exposure: Exposure, observe: float, refine: int, method: str,
         max_step_s: float) -> Response:
    slab = _slab(exposure.skin_mm, exposure.fat_mm, exposure.muscle_mm, refine)
    stepper = _Propagator if method == "exact" else _ExplicitStepper
    room_c = exposure.room_c
    core = _deep_temperature(slab, room_c, exposure.rest_surface_c)
    cold = stepper(slab, exposure.h_w_m2k, exposure.agent_temp_c, core)
    room = stepper(slab, H_ROOM_W_M2K, room_c, core)
    can_freeze = exposure.agent_temp_c < FREEZE_START_C
    freezing_cold = _FreezingStepper(slab, exposure.h_w_m2k, exposure.agent_temp_c, core) if (
        can_freeze) else None
    freezing_room = _FreezingStepper(slab, H_ROOM_W_M2K, room_c, core) if can_freeze else None
    temps, rest_surface = _rest_state(slab, room_c, core)
    skin_cells, skin_weights = slab.skin_cells, slab.skin_weights
    skin = TISSUES["skin"]  # one tissue: the same perfusion rate in every skin cell
    skin_rate = skin.perfusion_per_s * BLOOD_RHO_C / (skin.rho_kg_m3 * skin.c_j_kgk)
    rest_skin_c = float(skin_weights @ temps[:skin_cells])
    g_half = slab.surface_half_cell
    nerve_cell, nerve_share = _nerve_weights(slab)

    def surface(first_cell_c: float, touching: bool) -> float:
        h, ambient = (
            (exposure.h_w_m2k, exposure.agent_temp_c) if touching else (H_ROOM_W_M2K, room_c)
        )
        return (g_half * first_cell_c + h * ambient) / (g_half + h)

    def nerve(cells: np.ndarray) -> float:
        return float((1 - nerve_share) * cells[nerve_cell] + nerve_share * cells[nerve_cell + 1])

    steps, touching = _time_steps(_segments(exposure, observe), max_step_s)
    n = steps.size + 1
    t_out = np.empty(n)
    surface_out = np.empty(n)
    flow_out = np.empty(n)
    nerve_out = np.empty(n)
    t_out[0], surface_out[0], flow_out[0] = 0.0, rest_surface, 1.0
    nerve_reading = nerve_out[0] = nerve(temps)
    frozen_depth, frozen_seen = 0.0, False
    faces = np.cumsum(slab.widths_m) * 1e3

    end = exposure.duration_s
    civd = exposure.civd
    tone, hyperaemia, dose, t = 1.0, 0.0, 0.0, 0.0
    hyperaemia_amplitude = None
    flow = 1.0
    for i, (dt, touch) in enumerate(zip(steps.tolist(), touching.tolist(), strict=True)):
        surface_before = surface(float(temps[0]), touch)
        before = temps
        temps = (cold if touch else room).step(before, dt)
        # The surface cell is the coldest until something freezes; while any cell is near
        # freezing, every cell is checked.
        freezing = freezing_cold if touch else freezing_room  # None when nothing can freeze
        if freezing is not None and (
                frozen_seen or float(before[0]) < FREEZE_START_C + FREEZE_MARGIN_C
                or float(temps[0]) < FREEZE_START_C):
            temps = freezing.step(before, dt)
            frozen_seen = float(temps.min()) < FREEZE_START_C + FREEZE_MARGIN_C
        cooled = temps[:skin_cells]
        relax = 1.0 - math.exp(-skin_rate * flow * dt)
        if frozen_seen and float(temps.min()) < FREEZE_START_C:  # blood stops in frozen skin
            frozen = temps < FREEZE_START_C
            frozen_depth = max(frozen_depth, float(faces[np.flatnonzero(frozen)[-1]]))
            cooled -= relax * ~frozen[:skin_cells] * (cooled - core)
        else:
            cooled -= relax * (cooled - core)
        t += dt
        surface_c = surface(float(temps[0]), touch)
        in_cold = t <= end + 1e-9
        t_exposed = min(t, end)
        target = _tone_target(float(skin_weights @ cooled), rest_skin_c)
        tau = (
            TAU_CONSTRICT_S
            if target < tone
            else TAU_RECOVER_S * (1.0 + t_exposed / RECOVERY_SLOWING_S)
        )
        tone = target + (tone - target) * math.exp(-dt / tau)
        if in_cold:
            mean_surface = 0.5 * (surface_before + surface_c)  # trapezoid rule
            dose += max(0.0, HYPERAEMIA_DOSE_REF_C - mean_surface) * dt
        else:
            if hyperaemia_amplitude is None:
                hyperaemia_amplitude = (
                    HYPERAEMIA_MAX
                    * min(1.0, dose / HYPERAEMIA_DOSE_KS)
                    * math.exp(-end / HYPERAEMIA_FADE_WITH_EXPOSURE_S)
                )
            goal = hyperaemia_amplitude * math.exp(-(t - end) / HYPERAEMIA_DECAY_S)
            hyperaemia = goal + (hyperaemia - goal) * math.exp(-dt / HYPERAEMIA_RISE_S)
        flow = tone + hyperaemia + (_civd_burst(t) if civd and t < end else 0.0)
        # The nerves go numb as soon as they are cold enough, and come back slowly.
        at_nerves = nerve(temps)
        nerve_reading = at_nerves if at_nerves <= nerve_reading else (
            at_nerves + (nerve_reading - at_nerves) * math.exp(-dt / NUMBNESS_RECOVERY_S))
        t_out[i + 1] = t
        surface_out[i + 1] = surface_c
        flow_out[i + 1] = flow
        nerve_out[i + 1] = nerve_reading
    return _response(exposure, t_out, surface_out, flow_out, nerve_out, rest_surface,
                     frozen_depth)


def _time_until_above(t: np.ndarray, y: np.ndarray, start_s: float, level: float
                      ) -> float | None:
    """From ``start_s``: seconds until ``y`` is above ``level`` (None if it already is there;
    the time watched if it never rises above it)."""
    after = t >= start_s - 1e-9
    tt, yy = t[after], y[after]
    if yy.size == 0 or yy[0] > level:
        return None
    above = np.flatnonzero(yy > level)
    if above.size == 0:
        return float(tt[-1] - start_s)
    i = int(above[0])
    return float(np.interp(level, [yy[i - 1], yy[i]], [tt[i - 1], tt[i]]) - start_s)


def _response(
    exposure: Exposure, t: np.ndarray, surface_c: np.ndarray, flow: np.ndarray,
    nerve_c: np.ndarray, rest_c: float, frozen_depth_mm: float,
) -> Response:
    """Derive the phases and summary numbers from the sampled curves."""
    end = exposure.duration_s
    after = t > end + 1e-9
    after_index = np.flatnonzero(after)
    phase = np.full(t.size, "cooling", dtype="<U8")
    changes: list[tuple[float, str]] = []
    peak = peak_after = rewarm = numb_after = thaw = None
    if after_index.size:
        first = int(after_index[0]) - 1  # the sample at the end of the cold
        phase[after] = "recovery"
        post_flow = flow[first:]
        peak_i = int(np.argmax(post_flow))
        peak = float(post_flow[peak_i])
        peak_after = float(t[first + peak_i] - end)
        recovery_from: float | None = float(t[first + 1])
        if peak > 1.0 + BASELINE_FLOW_BAND:
            back = np.flatnonzero(post_flow[peak_i:] <= 1.0 + BASELINE_FLOW_BAND)
            stop = first + peak_i + int(back[0]) if back.size else t.size
            phase[first + 1 : stop] = "rebound"
            changes.append((float(t[first + 1]), "rebound"))
            recovery_from = float(t[stop]) if stop < t.size else None
        if recovery_from is not None:
            changes.append((recovery_from, "recovery"))
        warm = np.flatnonzero(surface_c[first:] >= rest_c - REWARM_WITHIN_C)
        rewarm = float(t[first + int(warm[0])] - end) if warm.size else None
        numb_after = _time_until_above(t, nerve_c, end, NUMBNESS_C)
        if float(surface_c[: first + 1].min()) < FREEZING_C:
            thaw = _time_until_above(t, surface_c, end, FREEZING_C - 1e-9) or 0.0
    return Response(
        exposure=exposure,
        t_s=t,
        surface_c=surface_c,
        perfusion_rel=flow,
        phase=phase,
        rest_surface_c=float(rest_c),
        seconds_to_numbness=_first_crossing_below(t, nerve_c, NUMBNESS_C),
        min_surface_c=float(surface_c.min()),
        seconds_below_zero=_time_below(t, surface_c, FREEZING_C),
        peak_hyperaemia=peak,
        seconds_to_peak_hyperaemia=peak_after,
        rewarm_seconds=rewarm,
        nerve_c=nerve_c,
        numb_after_cold_s=numb_after,
        seconds_to_thaw=thaw,
        frozen_depth_mm=frozen_depth_mm,
        _phase_changes=tuple(changes),
    )
