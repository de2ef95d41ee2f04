"""A content linter for patient-facing text: blocks the claims the clinic must not make.

MISSION.md ("What the clinic's marketing gets wrong") and domain.md §6 "Encode as": a
content linter blocks "no risk", "cure", "regrows cartilage", "FDA-approved stem cells"
and "guaranteed". Variants (plural, hyphenated, "risk-free", "proven effective") are
caught too. Applied when a consent document is published and, in tests, to every consent
document and patient-facing template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BANNED: dict[str, re.Pattern[str]] = {
    "no risk": re.compile(r"\bno\s+risks?\b", re.IGNORECASE),
    "risk-free": re.compile(r"\brisk[\s-]*free\b", re.IGNORECASE),
    "cure": re.compile(r"\bcur(?:e|es|ed|ing|ative)\b", re.IGNORECASE),
    "regrows cartilage": re.compile(
        r"\b(?:re-?grow|regenerat|rebuild)\w*\s+(?:\w+\s+)?cartilage\b", re.IGNORECASE
    ),
    "FDA-approved stem cells": re.compile(
        r"\bFDA[\s-]*(?:approved|cleared)\s+stem[\s-]*cells?\b", re.IGNORECASE
    ),
    "guaranteed": re.compile(r"\bguarantee(?:d|s)?\b", re.IGNORECASE),
    "proven effective": re.compile(r"\bproven\s+(?:effective|to\s+work)\b", re.IGNORECASE),
}
# Honest sentences that must stay allowed although they name a banned idea.
ALLOWED = [
    re.compile(r"\bnot\s+known\s+to\s+rebuild\s+cartilage\b", re.IGNORECASE),
]


@dataclass(frozen=True)
class Problem:
    phrase: str
    excerpt: str


def lint(text: str) -> list[Problem]:
    """Every banned claim in ``text``, with the words around it."""
    cleaned = text
    for pattern in ALLOWED:
        cleaned = pattern.sub(" ", cleaned)
    problems = []
    for phrase, pattern in BANNED.items():
        for match in pattern.finditer(cleaned):
            start, end = max(0, match.start() - 30), match.end() + 30
            problems.append(Problem(phrase, cleaned[start:end].strip()))
    return problems
