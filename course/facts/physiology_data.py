"""The cold-response model's facts, read from course/data/physiology.toml and checked.

Safety bands, the model parameters added for freezing and numbness, tissue profiles (whose
skin), heat-transfer values (how each agent touches the skin), the simulator's presets, the
contested rewarming range and the table of published measurements the model is checked
against. Every entry names its sources (codes of sources.toml) and its basis: "measured",
"calibrated" (fitted to a named measurement row) or "illustrative" (a teaching value).
``load_physiology()`` reads the packaged file once; ``load_physiology_file(path)`` another one.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from course.facts import schemas
from course.facts.knowledge import KnowledgeError, load, packaged_data_directory
from course.facts.reader import Entry, code_table, read
from course.facts.schemas import BASES, QUANTITIES, ROLES
from course.facts.schemas import BODY_SITES as SITES

FILE = "physiology.toml"
BASIS_WORDS: Mapping[str, str] = MappingProxyType({
    "measured": "measured (a published measurement)",
    "calibrated": "calibrated (the model was fitted to a published measurement)",
    "illustrative": "illustrative (teaching values, not measurements)",
})
DEFAULT_OBSERVE_S = 3600.0


@dataclass(frozen=True)
class Band:
    """A skin temperature that means something for safety."""

    code: str
    temp_c: float
    meaning: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Parameter:
    """One model value with its unit, plain meaning and basis."""

    code: str
    value: float
    unit: str
    meaning: str
    basis: str
    sources: tuple[str, ...]
    calibration: str = ""  # the measurement row it was fitted to


@dataclass(frozen=True)
class TissueProfile:
    """Whose skin: layer thicknesses, the room, and the resting surface (None: the slab's)."""

    code: str
    name: str
    skin_mm: float
    fat_mm: float
    muscle_mm: float
    room_c: float
    rest_surface_c: float | None
    basis: str
    note: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class HeatTransfer:
    """How fast an agent, touching the skin in a given way, takes heat (W/m²·K)."""

    code: str
    name: str
    h_w_m2k: float
    basis: str
    sources: tuple[str, ...]
    calibration: str = ""


@dataclass(frozen=True)
class PresetSpec:
    """A simulator preset as written in the data."""

    code: str
    label: str
    modality: str | None
    tissue: str
    agent_temp_c: float
    heat_transfer: str
    spot: str | None
    duration_s: float
    touches: tuple[float, float] | None
    movable: bool
    site: str
    basis: str
    note: str
    caveat: str
    sources: tuple[str, ...]
    checked_against: tuple[str, ...] = ()  # the measurement rows that concern this preset


@dataclass(frozen=True)
class RunSpec:
    """The model run a measurement row is compared with."""

    tissue: str
    agent_temp_c: float
    heat_transfer: str
    duration_s: float
    spot: bool = False
    observe_s: float = DEFAULT_OBSERVE_S


@dataclass(frozen=True)
class Measurement:
    """A published skin measurement, the model run to compare, and (if any) the model's limit."""

    code: str
    condition: str
    site: str
    published: str
    quantity: str
    low: float
    high: float | None  # None: "at least low"
    role: str
    run: RunSpec
    limit: str
    sources: tuple[str, ...]

    def contains(self, value: float | None) -> bool:
        """Whether a model value lies in the published range (None never does)."""
        if value is None:
            return False
        return self.low <= value and (self.high is None or value <= self.high)

    @property
    def range_text(self) -> str:
        unit = "s" if self.quantity.endswith("_s") else "°C"
        if self.high is None:
            return f"at least {self.low:g} {unit}"
        return f"{self.low:g} to {self.high:g} {unit}"


@dataclass(frozen=True)
class Contested:
    """A fact the sources disagree on, taught as a range with both sources."""

    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class PhysiologyData:
    """Everything in physiology.toml."""

    bands: Mapping[str, Band]
    parameters: Mapping[str, Parameter]
    tissues: Mapping[str, TissueProfile]
    heat_transfers: Mapping[str, HeatTransfer]
    presets: Mapping[str, PresetSpec]
    measurements: Mapping[str, Measurement]
    rewarming: Contested


def _band(entry: Entry) -> Band:
    return Band(entry.text("code"), entry.number("temp_c"), entry.text("meaning"),
                entry.sources())


def _parameter(entry: Entry) -> Parameter:
    return Parameter(entry.text("code"), entry.number("value"), entry.text("unit"),
                     entry.text("meaning"), entry.choice("basis", BASES), entry.sources(),
                     entry.text("calibration", ""))


def _tissue(entry: Entry) -> TissueProfile:
    rest = entry.get("rest_surface_c", int | float, None)
    return TissueProfile(entry.text("code"), entry.text("name"), entry.number("skin_mm"),
                         entry.number("fat_mm"), entry.number("muscle_mm"),
                         entry.number("room_c"), None if rest is None else float(rest),
                         entry.choice("basis", BASES), entry.text("note"), entry.sources())


def _heat_transfer(entry: Entry) -> HeatTransfer:
    return HeatTransfer(entry.text("code"), entry.text("name"), entry.number("h_w_m2k"),
                        entry.choice("basis", BASES), entry.sources(),
                        entry.text("calibration", ""))


def _preset(entry: Entry) -> PresetSpec:
    touches = entry.pair("touches")
    return PresetSpec(
        code=entry.text("code"), label=entry.text("label"),
        modality=entry.text("modality", "") or None, tissue=entry.text("tissue"),
        agent_temp_c=entry.number("agent_temp_c"), heat_transfer=entry.text("heat_transfer"),
        spot=entry.text("spot", "") or None, duration_s=entry.number("duration_s"),
        touches=None if touches is None else (float(touches[0]), float(touches[1])),
        movable=entry.get("movable", bool, False), site=entry.choice("site", SITES, "body"),
        basis=entry.choice("basis", BASES), note=entry.text("note"),
        caveat=entry.text("caveat"), sources=entry.sources(),
        checked_against=entry.texts("checked_against", ()))


def _measurement(entry: Entry) -> Measurement:
    run = entry.sub("run", "run")
    high = entry.get("high", int | float, None)
    low = entry.number("low")
    if high is not None and high < low:
        raise entry.fail("high is below low")
    return Measurement(
        code=entry.text("code"), condition=entry.text("condition"), site=entry.text("site"),
        published=entry.text("published"), quantity=entry.choice("quantity", QUANTITIES),
        low=low, high=None if high is None else float(high),
        role=entry.choice("role", ROLES),
        run=RunSpec(run.text("tissue"), run.number("agent_temp_c"),
                    run.text("heat_transfer"), run.number("duration_s"),
                    run.get("spot", bool, False),
                    run.number("observe_s", DEFAULT_OBSERVE_S)),
        limit=entry.text("limit", ""), sources=entry.sources())


def _check(data: PhysiologyData) -> None:
    """Every reference names something that exists (the reader has checked the sources)."""
    kb = load()

    def need(label: str, kind: str, code: str, valid: Mapping) -> None:
        if code not in valid:
            raise KnowledgeError(f"{FILE}: {label}: unknown {kind} {code!r}")

    groups = (data.bands, data.parameters, data.tissues, data.heat_transfers, data.presets,
              data.measurements)
    for group in groups:
        for code, item in group.items():
            calibration = getattr(item, "calibration", "")
            if calibration:
                need(code, "calibration row", calibration, data.measurements)
    for code, spec in data.presets.items():
        need(code, "tissue", spec.tissue, data.tissues)
        need(code, "heat transfer", spec.heat_transfer, data.heat_transfers)
        if spec.spot:
            need(code, "heat transfer", spec.spot, data.heat_transfers)
        if spec.modality:
            need(code, "modality", spec.modality, kb.modalities)
        for row in spec.checked_against:
            need(code, "measurement row", row, data.measurements)
    for code, measured in data.measurements.items():
        need(code, "tissue", measured.run.tissue, data.tissues)
        need(code, "heat transfer", measured.run.heat_transfer, data.heat_transfers)
    fitted: list[tuple[str, Parameter | HeatTransfer]] = [
        *data.parameters.items(), *data.heat_transfers.items()]
    for code, value in fitted:
        if value.basis == "calibrated" and not value.calibration:
            raise KnowledgeError(f"{FILE}: {code}: a calibrated value names its calibration row")


def load_physiology_file(path: Path) -> PhysiologyData:
    """Read and check a physiology.toml (a clear KnowledgeError names any problem)."""
    document = read(path, schemas.PHYSIOLOGY, load().sources)
    entry = document.table("rewarming_after_whole_body",
                           "[rewarming_after_whole_body] is missing")
    data = PhysiologyData(
        bands=code_table(document.entries("band"), _band),
        parameters=code_table(document.entries("parameter"), _parameter),
        tissues=code_table(document.entries("tissue"), _tissue),
        heat_transfers=code_table(document.entries("heat_transfer"), _heat_transfer),
        presets=code_table(document.entries("preset"), _preset),
        measurements=code_table(document.entries("measurement"), _measurement),
        rewarming=Contested(entry.text("text"), entry.sources()),
    )
    _check(data)
    return data


@functools.cache
def load_physiology() -> PhysiologyData:
    """The packaged physiology data (read once, then cached)."""
    return load_physiology_file(packaged_data_directory() / FILE)


__all__ = [
    "BASES",
    "BASIS_WORDS",
    "Band",
    "Contested",
    "HeatTransfer",
    "Measurement",
    "Parameter",
    "PhysiologyData",
    "PresetSpec",
    "RunSpec",
    "TissueProfile",
    "load_physiology",
    "load_physiology_file",
]
