"""A content linter for patient-facing text: blocks the claims the clinic must not make.

docs/reference.md §6 lists what it blocks at least: "no risk", "risk-free", "no side
effects", "safe and effective", "cure", "guarantee(d)", "proven" / "clinically proven",
"regrows / regenerates / repairs / rebuilds cartilage" (and tissue), "FDA-approved" /
"FDA-cleared" about the treatment, "stem cell treatment/therapy", "your own stem cells"
(BMAC is a mixed-cell product), "100 % success" and "permanent results". docs/reference.md §8 names
the clinic's own "no risk of ... adverse reactions" and "proven effective".

Honest sentences that deny a claim stay allowed ("this is not a cure", "has not been
proven", "is not approved by the FDA", "does not repair tissue", "we cannot guarantee"):
a claim preceded in its own sentence by a negation is not a claim. "No risk" and "no side
effects" carry their own "no" and are always blocked.

Reusable by every app: ``lint`` for one text, ``lint_html`` for a rendered page (tags,
scripts and styles dropped), ``assert_no_claims`` for tests over many texts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser

_I = re.IGNORECASE
_TISSUE = r"(?:cartilage|tissues?|joints?|discs?)"

# Claims that deny nothing however they are preceded.
ALWAYS: dict[str, re.Pattern[str]] = {
    "no risk": re.compile(r"\bno\s+risks?\b", _I),
    "no side effects": re.compile(
        r"\b(?:no|without(?:\s+any)?|free\s+of)\s+side[\s-]*effects?\b", _I
    ),
    "100 % success": re.compile(r"\b100\s*(?:%|percent|per\s+cent)\s+success", _I),
    "your own stem cells": re.compile(r"\byour\s+(?:own\s+)?stem[\s-]*cells?\b", _I),
}
# Claims an honest sentence may deny ("this is not a cure").
NEGATABLE: dict[str, re.Pattern[str]] = {
    "risk-free": re.compile(r"\brisk[\s-]*free\b", _I),
    "safe and effective": re.compile(r"\b(?:safe\s+and\s+effective|effective\s+and\s+safe)\b", _I),
    "cure": re.compile(r"\bcur(?:e|es|ed|ing|ative)\b", _I),
    "guaranteed": re.compile(r"\bguarantee(?:d|s)?\b", _I),
    "proven": re.compile(r"\b(?:clinically\s+)?proven\b", _I),
    "regrows cartilage": re.compile(
        rf"\b(?:re-?grow|regenerat|repair|rebuild)\w*\s+(?:\w+\s+){{0,2}}{_TISSUE}\b", _I
    ),
    "FDA-approved": re.compile(
        r"\bFDA[\s-]*(?:approved|cleared)\b|\b(?:approved|cleared)\s+by\s+the\s+(?:US\s+|U\.S\.\s+)?"
        r"(?:FDA|Food\s+and\s+Drug\s+Administration)\b",
        _I,
    ),
    "stem cell therapy": re.compile(r"\bstem[\s-]*cells?\s+(?:treatments?|therap(?:y|ies))\b", _I),
    "permanent results": re.compile(r"\bpermanent\s+(?:results?|relief|fix)\b", _I),
}
# A negation earlier in the same sentence, close enough to govern the claim.
_NEGATION = re.compile(
    r"(?:\bnot\b|\bnever\b|\bcannot\b|n't\b|\bno\s+evidence\b|\bno\s+\w+\s+(?:is|are)\b"
    r"|\bnor\b|\bwithout\s+(?:any\s+)?evidence\b)[^.!?;:]{0,40}$",
    _I,
)


@dataclass(frozen=True)
class Problem:
    phrase: str
    excerpt: str


def _negated(text: str, start: int) -> bool:
    return bool(_NEGATION.search(text[max(0, start - 60) : start]))


def _excerpt(text: str, match: re.Match[str]) -> str:
    start, end = max(0, match.start() - 30), match.end() + 30
    return " ".join(text[start:end].split())


def lint(text: str) -> list[Problem]:
    """Every banned claim in ``text``, with the words around it."""
    problems = [
        Problem(phrase, _excerpt(text, match))
        for phrase, pattern in ALWAYS.items()
        for match in pattern.finditer(text)
    ]
    problems += [
        Problem(phrase, _excerpt(text, match))
        for phrase, pattern in NEGATABLE.items()
        for match in pattern.finditer(text)
        if not _negated(text, match.start())
    ]
    return problems


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        elif tag in ("p", "li", "h1", "h2", "h3", "dd", "dt", "td", "div", "br"):
            self.parts.append(". ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(html: str) -> str:
    """The words a reader sees on a rendered page; block ends count as sentence ends."""
    parser = _Text()
    parser.feed(html)
    return " ".join("".join(parser.parts).split())


def lint_html(html: str) -> list[Problem]:
    return lint(html_text(html))


def assert_no_claims(texts: Iterable[tuple[str, str]]) -> None:
    """For tests: fail listing every (where, claim, excerpt) found in (where, text) pairs."""
    found = [(where, p.phrase, p.excerpt) for where, text in texts for p in lint(text)]
    assert not found, "Banned claims in patient-facing text: " + "; ".join(
        f"{where}: {phrase!r} in …{excerpt}…" for where, phrase, excerpt in found
    )
