"""Registry of the outcome instruments MarrowTrack scores (see each module for its source)."""

from __future__ import annotations

from . import (
    ases,
    eq5d5l,
    koos,
    koos_jr,
    lefs,
    nprs,
    odi,
    pgic,
    promis_pi_4a,
    quickdash,
    spadi,
    womac,
)
from .base import Definition, Instrument, Item, ScoreKey

INSTRUMENTS: dict[str, Instrument] = {
    module.INSTRUMENT.definition.code: module.INSTRUMENT
    for module in (
        nprs,
        koos,
        koos_jr,
        womac,
        odi,
        quickdash,
        spadi,
        ases,
        lefs,
        promis_pi_4a,
        eq5d5l,
        pgic,
    )
}

__all__ = ["INSTRUMENTS", "Definition", "Instrument", "Item", "ScoreKey"]
