"""Colour-blind-safe palette (Okabe-Ito) with one fixed colour per screening outcome.

All views take their colours from here; importing this module changes no global state.
"""

from __future__ import annotations

from types import MappingProxyType

OKABE_ITO = MappingProxyType({
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
})

CATEGORY_COLOURS = MappingProxyType({
    "refuse": OKABE_ITO["vermillion"],
    "refer": OKABE_ITO["reddish_purple"],
    "clearance": OKABE_ITO["orange"],
    "defer": OKABE_ITO["yellow"],
    "modify": OKABE_ITO["sky_blue"],
    "proceed": OKABE_ITO["bluish_green"],
})
"""Fixed colour for each treatment-today decision (most restrictive first); "refer" colours
the referral part."""

CATEGORY_TEXT_COLOURS = MappingProxyType({
    "refuse": "#FFFFFF",
    "refer": "#000000",
    "clearance": "#000000",
    "defer": "#000000",
    "modify": "#000000",
    "proceed": "#FFFFFF",
})
"""Readable text colour on each category colour."""
