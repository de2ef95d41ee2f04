"""Registry of the outcome instruments MarrowTrack scores (see each module for its source)."""

from __future__ import annotations

from . import (
    ases,
    eq5d5l,
    hoos,
    hoos_jr,
    koos,
    koos_jr,
    lefs,
    nprs,
    odi,
    pga,
    pgic,
    promis_pi_4a,
    quickdash,
    spadi,
    womac,
)
from .base import Definition, Derivation, Instrument, Item, ScoreKey

INSTRUMENTS: dict[str, Instrument] = {
    module.INSTRUMENT.definition.code: module.INSTRUMENT
    for module in (
        nprs,
        koos,
        koos_jr,
        hoos,
        hoos_jr,
        womac,
        odi,
        quickdash,
        spadi,
        ases,
        lefs,
        promis_pi_4a,
        eq5d5l,
        pga,
        pgic,
    )
}

__all__ = ["INSTRUMENTS", "Definition", "Derivation", "Instrument", "Item", "ScoreKey"]
