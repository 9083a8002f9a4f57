"""docs/physiology-model.md, generated from course/data/physiology.toml and the model.

The model in words, whose skin each tissue profile is, how each agent takes heat, the presets,
the calibration table and the checks against published measurements (the model run for every
published measurement), its known limits with the direction of each error, and the contested
rewarming range. CI checks that the committed file is what ``render()`` makes now
(tests/unit/test_physiology_validation.py).

Regenerate it with ``python -m course.authoring.physiology_doc`` (writes docs/physiology-model.md).
"""

from __future__ import annotations

from pathlib import Path

from course.authoring.documents import write_generated
from course.facts.knowledge import sources_text
from course.facts.physiology_data import BASIS_WORDS, load_physiology
from course.models.physiology import TISSUES
from course.models.physiology_validation import known_errors_text, validation
from course.models.physiology_validation import summary as validation_summary

DOCUMENT = Path("docs") / "physiology-model.md"

INTRODUCTION = """\
# The cold-response model (lesson 01's simulator)

Generated from `course/data/physiology.toml` by `python -m course.authoring.physiology_doc`;
do not edit by hand. Training material, not medical advice.

## 1. What the model is

A one-dimensional slab of skin, fat and muscle under one patch of skin surface (Pennes 1948
bioheat equation). The cold agent takes heat from the surface at a rate set by its heat
transfer (how it touches the skin); between touches of a moving applicator and after the cold,
the skin sits in room air. Skin blood flow narrows in the cold and rebounds after a brief cold
(illustrative teaching values tuned to the patterns of Hohenauer 2019 and Khoshnevis 2016).

The model is **calibrated and illustrative, not validated**: a few of its values were fitted to
published measurements, the rest are teaching values, and where it misses an independent
measurement it mostly errs on the unsafe side (section 6). Every verdict of the simulator says
which way the model is known to be wrong for its preset, and no marked question rests on an
illustrative value.

What this round added, so that the numbers the lessons use mean something:

* **Freezing takes heat.** Water in the skin gives off heat as it freezes and takes it back as
  it thaws (latent heat), between the freezing start and end temperatures below. Time below
  0 °C is now the time the skin is frozen, not a few seconds of overshoot. No blood flows
  through frozen skin.
* **Numbness is read at the nerves,** 0.2 mm under the surface, not on the surface, and the
  nerves come back slowly after the cold (fitted to Bugaj's numbness lasting about 3 minutes
  after a 10-minute ice massage).
* **The coldest spot under a nozzle.** One average surface cannot show it: for nitrogen vapour
  a second run with the faster heat transfer measured at the coldest point is drawn as a dashed
  curve.
* **Ice as used.** Wet ice, ice in a bag and crushed ice in a bag take heat at very different
  rates; each has its own heat transfer, fitted to a measurement.
* **Whose skin.** Each preset says whose skin it is (face, thigh, knee, ankle) and its resting
  temperature: a thigh in a cool room is cooler than a face.

Numerical method: finite volumes (25 µm cells at the surface), an exact exponential step where
nothing freezes and a backward-Euler enthalpy step with Newton iterations where skin can freeze
(see the docstring of `course/models/physiology.py`).
"""


SWAB_NOTE = """\
The swab's heat transfer (ln2_swab) stays illustrative. No published study has measured how fast
a swab dipped in liquid nitrogen takes heat from skin, held or moving. The faster value fitted to
Erdmann & Wokes 2023 (ln2_applied_pig_skin) is for liquid nitrogen applied for 5 s to pig skin in
a laboratory, by a method the abstract does not name; it is used only for that measurement. The
swab's chart is therefore milder than the measurement (rows erdmann_wokes2023_swab_depth and
erdmann_wokes2023_swab_thaw), and no marked question rests on either value."""


def _cell(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _table(header: tuple[str, ...], rows: list[tuple[object, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return lines


def render() -> str:
    """The whole document, as markdown."""
    data = load_physiology()
    lines = [INTRODUCTION, "## 2. Parameters added for freezing and numbness", ""]
    lines += _table(("parameter", "value", "meaning", "basis", "sources"), [
        (p.code, f"{p.value:g} {p.unit}", p.meaning, p.basis, sources_text(p.sources))
        for p in data.parameters.values()])
    lines += ["", "Tissue layers (typical published values; blood flow rates illustrative):", ""]
    lines += _table(("layer", "conductivity W/m·K", "density kg/m³", "heat capacity J/kg·K",
                     "water share", "source"), [
        (name, t.k_w_mk, t.rho_kg_m3, t.c_j_kgk, t.water_fraction, t.source)
        for name, t in TISSUES.items()])
    lines += ["", "## 3. Whose skin (tissue profiles)", ""]
    lines += _table(("profile", "whose skin", "skin / fat / muscle mm", "room", "at rest",
                     "basis", "note", "sources"), [
        (t.code, t.name, f"{t.skin_mm:g} / {t.fat_mm:g} / {t.muscle_mm:g}", f"{t.room_c:g} °C",
         "the model's own" if t.rest_surface_c is None else f"{t.rest_surface_c:g} °C",
         t.basis, t.note, sources_text(t.sources)) for t in data.tissues.values()])
    lines += ["", "## 4. How each agent takes heat", ""]
    lines += _table(("code", "agent and contact", "heat transfer W/m²·K", "basis",
                     "fitted to", "sources"), [
        (h.code, h.name, f"{h.h_w_m2k:g}", h.basis, h.calibration or "-",
         sources_text(h.sources)) for h in data.heat_transfers.values()])
    lines += ["", SWAB_NOTE]
    lines += ["", "## 5. Presets", ""]
    lines += _table(("preset", "whose skin", "agent", "cold for", "basis", "how chosen",
                     "what the chart cannot show", "known errors (the verdict's line)",
                     "sources"), [
        (p.label, p.tissue, f"{p.agent_temp_c:g} °C ({p.heat_transfer})", f"{p.duration_s:g} s",
         p.basis, p.note, p.caveat,
         known_errors_text(p.checked_against, p.basis == "illustrative"),
         sources_text(p.sources)) for p in data.presets.values()])
    lines += ["", "Basis words the trainee sees: " + "; ".join(
        f"**{word}** = {text}" for word, text in BASIS_WORDS.items()) + ".", ""]
    lines += ["## 6. Calibration and checks against published measurements", "",
              "The model is run for every published measurement in the data. *calibration*: "
              "the model was fitted to this row; *check*: an independent comparison. A row "
              "the model misses is a known limit (section 7), with the direction of the "
              "error. " + validation_summary(), ""]
    lines += _table(("measurement", "condition", "site", "published", "range", "model",
                     "role", "result", "sources"), [
        (c.measurement.code, c.measurement.condition, c.measurement.site,
         c.measurement.published, c.measurement.range_text, c.model_text, c.measurement.role,
         c.status if c.error is None else f"{c.status}: {c.error.text}",
         sources_text(c.measurement.sources)) for c in validation()])
    lines += ["", "## 7. Known limits (shown to the trainee in lesson 01)", ""]
    lines += [f"* **{c.measurement.code}** ({c.measurement.condition}; {c.measurement.site}; "
              f"{c.error.text}{', the unsafe direction' if c.error.unsafe else ''}): "
              f"{_cell(c.measurement.limit)}" for c in validation() if c.error is not None]
    lines += ["* **Moving liquid-nitrogen swab**: no study has measured skin under a moving "
              "swab; the model's curve is illustrative and is no evidence that a moving swab "
              "cannot freeze skin.",
              "* **Not from the model**: a claim that whole-body cryotherapy needs skin "
              "\"supercooled to −2 °C\" has no measurement behind it; no measurement in the "
              "table shows whole-body skin below about 12 °C.", ""]
    lines += ["## 8. Contested: rewarming after whole-body cold", "", data.rewarming.text,
              f"({sources_text(data.rewarming.sources)})", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Write the document (default docs/physiology-model.md, or the path given)."""
    return write_generated(render, DOCUMENT, argv)


if __name__ == "__main__":
    raise SystemExit(main())
