"""A content linter for patient-facing text: blocks the claims the clinic must not make.

docs/reference.md §6 lists what it blocks at least: "no risk", "risk-free", "no side
effects", "safe and effective", "cure", "guarantee(d)", "proven" / "clinically proven",
"regrows / regenerates / repairs / rebuilds cartilage" (and tissue), "FDA-approved" /
"FDA-cleared" about the treatment, "stem cell treatment/therapy", "your own stem cells"
(BMAC is a mixed-cell product), "100 % success" and "permanent results". docs/reference.md §8 names
the clinic's own "no risk of ... adverse reactions" and "proven effective".

The same claims in Spanish (patient texts are in English and Spanish): "sin riesgo",
"sin efectos secundarios", "seguro y eficaz", "cura", "garantizado", "probado",
"regenera el cartílago" (and tejido, articulación, disco), "aprobado por la FDA", "terapia con
células madre", "sus propias células madre", "100 % de éxito", "resultados permanentes".
Spanish denies twice ("no tiene ningún riesgo" claims no risk), so "sin / ningún riesgo" and
"sin efectos secundarios" are always blocked, like their English kin (an honest text says
"todo procedimiento tiene riesgos"). "Probado" after "ha / han / he / hemos / has" means
"tried" ("¿ha probado otros tratamientos?") and passes. "Curación" is blocked too: for the
care of a wound write "apósito" or "vendaje".

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

# Spanish (\w and \b know accented letters: Python's patterns are Unicode by default).
_TEJIDO = r"(?:cartílagos?|tejidos?|articulaci(?:ón|ones)|discos?)"
_CELULAS_MADRE = r"células[\s-]+madre"
ALWAYS_ES: dict[str, re.Pattern[str]] = {
    "sin riesgo": re.compile(r"\b(?:sin|ningún|ninguna|cero|libres?\s+de)\s+riesgos?\b", _I),
    "sin efectos secundarios": re.compile(
        r"\b(?:(?:sin|libres?\s+de)\s+(?:ningún\s+)?efectos?|ningún\s+efecto)"
        r"\s+(?:secundarios?|adversos?)\b",
        _I,
    ),
    "100 % de éxito": re.compile(r"\b100\s*(?:%|por\s*ciento)\s+(?:de\s+)?éxito", _I),
    "sus propias células madre": re.compile(
        rf"\b(?:sus|su|tus|tu)\s+(?:propias\s+)?{_CELULAS_MADRE}\b|\b{_CELULAS_MADRE}\s+propias\b",
        _I,
    ),
}
NEGATABLE_ES: dict[str, re.Pattern[str]] = {
    "seguro y eficaz": re.compile(
        r"\b(?:segur[oa]s?\s+y\s+(?:eficaz|eficaces|efectiv[oa]s?)"
        r"|(?:eficaz|eficaces|efectiv[oa]s?)\s+y\s+segur[oa]s?)\b",
        _I,
    ),
    "cura": re.compile(r"\bcur(?:a|an|ar|ará|arán|aría|arían|ó|en|ación|aciones|ativ[oa]s?)\b", _I),
    "garantizado": re.compile(r"\bgarantiz\w*|\bgarantías?\b", _I),
    "probado": re.compile(
        r"(?<!\bha\s)(?<!\bhan\s)(?<!\bhe\s)(?<!\bhas\s)(?<!\bhemos\s)"
        r"\b(?:clínicamente\s+)?(?:com)?probad[oa]s?\b",
        _I,
    ),
    "regenera el cartílago": re.compile(
        rf"\b(?:regener|repar|reconstru|rehac)\w*\s+(?:\w+\s+){{0,2}}{_TEJIDO}\b"
        rf"|\b(?:hace|hacen|hará|harán|vuelve\s+a|vuelven\s+a)\s+crecer\s+(?:\w+\s+){{0,2}}{_TEJIDO}\b"
        rf"|\b{_TEJIDO}\s+(?:\w+\s+){{0,2}}se\s+(?:regener|repar|reconstru)\w*",
        _I,
    ),
    "aprobado por la FDA": re.compile(
        r"\b(?:aprobad|autorizad)[oa]s?\s+por\s+la\s+(?:FDA|Administración\s+de\s+Alimentos"
        r"\s+y\s+Medicamentos)\b",
        _I,
    ),
    "terapia con células madre": re.compile(
        rf"\b(?:terapias?|tratamientos?)\s+(?:con|de)\s+{_CELULAS_MADRE}\b", _I
    ),
    "resultados permanentes": re.compile(r"\b(?:resultados?|alivio|solución)\s+permanentes?\b", _I),
}
# A Spanish negation earlier in the same sentence ("no es una cura", "nunca se ha probado",
# "no está aprobado por la FDA", "sin pruebas de que regenere el cartílago").
_NEGATION_ES = re.compile(
    r"(?:\bno\b|\bnunca\b|\bjamás\b|\bni\b|\btampoco\b|\bnadie\b"
    r"|\bsin\s+(?:pruebas|evidencia|datos)\b)[^.!?;:]{0,40}$",
    _I,
)


@dataclass(frozen=True)
class Problem:
    phrase: str
    excerpt: str


def _negated(text: str, start: int, negation: re.Pattern[str] = _NEGATION) -> bool:
    return bool(negation.search(text[max(0, start - 60) : start]))


def _excerpt(text: str, match: re.Match[str]) -> str:
    start, end = max(0, match.start() - 30), match.end() + 30
    return " ".join(text[start:end].split())


def lint(text: str) -> list[Problem]:
    """Every banned claim in ``text``, with the words around it."""
    problems = [
        Problem(phrase, _excerpt(text, match))
        for phrase, pattern in (ALWAYS | ALWAYS_ES).items()
        for match in pattern.finditer(text)
    ]
    for patterns, negation in ((NEGATABLE, _NEGATION), (NEGATABLE_ES, _NEGATION_ES)):
        problems += [
            Problem(phrase, _excerpt(text, match))
            for phrase, pattern in patterns.items()
            for match in pattern.finditer(text)
            if not _negated(text, match.start(), negation)
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
