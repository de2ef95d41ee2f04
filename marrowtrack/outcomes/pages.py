"""Splitting a time point's instruments into short portal screens (pure).

A few items per screen keeps the form usable on a phone and lets a patient leave and resume;
a screen never mixes two instruments, so each instrument's recall period heads its screens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from marrowtrack.outcomes.instruments import INSTRUMENTS, Item

ITEMS_PER_SCREEN = 6


@dataclass(frozen=True)
class Screen:
    number: int  # 0-based position in the whole survey
    instrument: str
    page: int  # 0-based page within the instrument
    pages_in_instrument: int
    items: tuple[Item, ...]


def screens_for(instruments: Sequence[str], per_screen: int = ITEMS_PER_SCREEN) -> list[Screen]:
    """Every screen of the survey, in order."""
    screens: list[Screen] = []
    for code in instruments:
        items = INSTRUMENTS[code].definition.items
        chunks = [items[i : i + per_screen] for i in range(0, len(items), per_screen)]
        for page, chunk in enumerate(chunks):
            screens.append(Screen(len(screens), code, page, len(chunks), tuple(chunk)))
    return screens


def resume_screen(screens: Sequence[Screen], progress: dict[str, int]) -> int:
    """The first screen not yet saved (progress: instrument -> pages saved); len if all done."""
    for screen in screens:
        if screen.page >= progress.get(screen.instrument, 0):
            return screen.number
    return len(screens)
