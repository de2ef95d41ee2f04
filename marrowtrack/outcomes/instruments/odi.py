"""ODI: Oswestry Disability Index v2.1a, 10 sections of six statements scored 0-5.

Source: Fairbank JCT & Pynsent PB, Spine 2000;25:2940-2953. Score (%) = sum / (5 x sections
answered) x 100. MarrowTrack policy (AO/Mapi convention; the authors set no cap): at most one
section missing. Each section has its own six statements; the labels below are MarrowTrack's
own short summaries of each level, never the licensed wording (a text pack supplies that).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from .base import Computation, Definition, Instrument, Item, ScoreKey, answered_values, scale

# (section title, its six levels from 0 = no limitation to 5 = the most severe), own words.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Pain intensity now",
        ("No pain now", "Very mild pain", "Moderate pain", "Fairly severe pain",
         "Very severe pain", "Worst pain imaginable"),
    ),
    (
        "Personal care (washing, dressing)",
        ("Normal, no extra pain", "Normal, but very painful", "Painful, slow and careful",
         "Need some help, manage most", "Need help every day", "Cannot dress; stay in bed"),
    ),
    (
        "Lifting",
        ("Heavy weights, no extra pain", "Heavy weights, extra pain",
         "Heavy weights only from a table", "Light to medium weights only",
         "Very light weights only", "Cannot lift or carry"),
    ),
    (
        "Walking",
        ("Any distance", "Less than about a mile", "Less than a few hundred metres",
         "Less than about 100 metres", "Only with a stick or crutches", "In bed most of the time"),
    ),
    (
        "Sitting",
        ("Any chair, as long as I like", "My favourite chair only", "Up to one hour",
         "Up to half an hour", "Up to ten minutes", "Cannot sit"),
    ),
    (
        "Standing",
        ("As long as I like, no extra pain", "As long as I like, extra pain", "Up to one hour",
         "Up to half an hour", "Up to ten minutes", "Cannot stand"),
    ),
    (
        "Sleeping",
        ("Never disturbed by pain", "Occasionally disturbed", "Less than six hours",
         "Less than four hours", "Less than two hours", "Pain prevents sleep"),
    ),
    (
        "Sex life (if it applies)",
        ("Normal, no extra pain", "Normal, some extra pain", "Nearly normal, very painful",
         "Severely restricted", "Nearly absent", "Prevented by pain"),
    ),
    (
        "Social life",
        ("Normal, no extra pain", "Normal, more pain", "Only energetic interests limited",
         "Go out less often", "Restricted to home", "No social life"),
    ),
    (
        "Travelling",
        ("Anywhere, no pain", "Anywhere, extra pain", "Manage over two hours",
         "Less than one hour", "Short necessary trips only", "Only to get treatment"),
    ),
)  # fmt: skip
ITEMS = tuple(
    Item(f"ODI{number}", title, 0, 5, "total", scale(*levels))
    for number, (title, levels) in enumerate(SECTIONS, start=1)
)
CODES = tuple(item.code for item in ITEMS)

DEFINITION = Definition(
    code="ODI",
    name="Oswestry Disability Index",
    version="2.1a",
    licence="Copyright J. Fairbank; licensed through Mapi Research Trust. "
    "Texts here are MarrowTrack's own short labels, never the licensed wording.",
    recall_period="Today (current state)",
    items=ITEMS,
    score_keys=(ScoreKey("total", higher_is_better=False, label="Back-related disability (%)"),),
    rule_version="ODI-2.1a.1",
    source="Fairbank & Pynsent 2000",
    missing_rule="Policy: at most 1 section missing; the denominator drops by 5 per section.",
    plain_name="Back disability questionnaire (ODI)",
)


def compute(answers: Mapping[str, Fraction]) -> Computation:
    """Percentage of the maximum over the answered sections."""
    reasons: list[str] = []
    values = answered_values(answers, key="total", codes=CODES, needed=9, reasons=reasons)
    total = None if values is None else Fraction(sum(values)) / (5 * len(values)) * 100
    return {"total": total}, reasons


INSTRUMENT = Instrument(DEFINITION, compute)
