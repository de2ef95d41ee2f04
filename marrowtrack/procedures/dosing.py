"""Local anaesthetic dose limits on the procedure day: pure functions, no ORM.

Sources (docs/decisions/0016-local-anaesthetic-dosing.md has the table with its sources):
docs/reference.md §0 and §4 "Lidocaine" (US Xylocaine label): plain ≤ 4.5 mg/kg and ≤ 300 mg; with
epinephrine ≤ 7 mg/kg and ≤ 500 mg; all sites for the day count together; mg/mL = % × 10.
Bupivacaine, ropivacaine and mepivacaine have their own label maxima (``AGENTS``). The
toxic effects of local anaesthetics are additive (US Carbocaine label, "Dosage and
administration"), so on a day with more than one agent each agent's milligrams are taken
as a fraction of that agent's maximum for this weight and the fractions are summed: the
sum may reach 1 and never exceed it. With lidocaine alone that is exactly the old rule.

Concentrations are the strengths the products come in (``Agent.strengths``), never a free
number: 0.1 % typed for 1 % would undercount tenfold (issue 8 item 3).

Mixed plain and epinephrine entries (the labels give no combined rule). MarrowTrack takes
the safe reading: the day's total must stay within the epinephrine maxima, and, as soon as
any plain entry is (or would be) given that day, within the plain maxima. Because a plain
maximum is never above the epinephrine one, the plain maxima apply whenever a plain entry
exists. The labels also ask for lower doses in the elderly and in cardiac or hepatic
disease: that is the physician's call and is not automated here.

Numbers are ``Decimal`` (exact boundaries: exactly at the limit is allowed, 0.01 mg over is
refused; fractions are summed exactly with ``fractions.Fraction``); ``int``, ``str`` and
``float`` (via ``str``) inputs are converted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from fractions import Fraction

Number = Decimal | int | str | float

MG_PER_ML_PER_PERCENT = Decimal(10)  # 1 % = 10 mg/mL
PLAIN_MG_PER_KG = Decimal("4.5")
PLAIN_CAP_MG = Decimal(300)
EPI_MG_PER_KG = Decimal(7)
EPI_CAP_MG = Decimal(500)
MAX_PERCENT = Decimal(10)
LIDOCAINE = "lidocaine"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Maximum:
    """A label maximum: ``min(mg_per_kg × weight, cap_mg)``."""

    mg_per_kg: Decimal
    cap_mg: Decimal


@dataclass(frozen=True)
class Agent:
    """An amide local anaesthetic MarrowTrack records, with its label maxima and the
    strengths (%) it comes in. ``epinephrine`` is None where no epinephrine preparation is
    offered for infiltration."""

    code: str
    name: str
    strengths: tuple[Decimal, ...]
    plain: Maximum
    epinephrine: Maximum | None
    source: str
    amide: bool = True


def _d(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


AGENTS: dict[str, Agent] = {
    agent.code: agent
    for agent in (
        Agent(
            LIDOCAINE,
            "Lidocaine",
            _d("0.5", "1", "1.5", "2"),
            Maximum(PLAIN_MG_PER_KG, PLAIN_CAP_MG),
            Maximum(EPI_MG_PER_KG, EPI_CAP_MG),
            "US Xylocaine label; docs/reference.md §0 and §4",
        ),
        Agent(
            "bupivacaine",
            "Bupivacaine",
            _d("0.25", "0.5"),
            Maximum(Decimal(2), Decimal(175)),
            Maximum(Decimal(3), Decimal(225)),
            "US bupivacaine label (Marcaine/Sensorcaine): 175 mg plain, 225 mg with "
            "epinephrine 1:200,000; mg/kg from standard references",
        ),
        Agent(
            "ropivacaine",
            "Ropivacaine",
            _d("0.2", "0.5", "0.75"),
            Maximum(Decimal(3), Decimal(200)),
            None,
            "US Naropin label: local infiltration up to 200 mg; mg/kg from standard "
            "references; no epinephrine preparation",
        ),
        Agent(
            "mepivacaine",
            "Mepivacaine",
            _d("1", "1.5", "2"),
            Maximum(Decimal(5), Decimal(400)),
            None,
            "US Carbocaine label: a single adult dose should not usually exceed 400 mg; "
            "mg/kg ours, below the label's exceptional 7 mg/kg; no epinephrine preparation "
            "outside dentistry",
        ),
    )
}


class WeightRequired(ValueError):
    """The patient's weight (kg) is missing or not positive, so no limit can be computed."""


class InvalidDoseEntry(ValueError):
    """An entry has an unknown agent, a strength the agent does not come in, or an
    impossible volume."""


class DoseLimitExceeded(ValueError):
    """The entry would take the day's local anaesthetic above the applicable limit."""

    def __init__(self, message: str, *, total_mg: Decimal, limit_mg: Decimal) -> None:
        super().__init__(message)
        self.message = message
        self.total_mg = total_mg
        self.limit_mg = limit_mg


@dataclass(frozen=True)
class AnaestheticEntry:
    """One administration: concentration (%), volume (mL), epinephrine, site, agent."""

    percent: Decimal
    ml: Decimal
    with_epinephrine: bool
    site: str = ""
    agent: str = LIDOCAINE

    @property
    def mg(self) -> Decimal:
        return mg_from_ml(self.percent, self.ml)


LidocaineEntry = AnaestheticEntry  # the name before other agents could be recorded


@dataclass(frozen=True)
class DoseCheck:
    """Result of an accepted entry for its agent: the agent's day total, the most that agent
    may reach today given the other agents, what remains, and the share of the combined
    maximum used (1 = all of it).

    ``remaining_ml`` is at the new entry's concentration; round it *down* for display.
    """

    total_mg: Decimal
    limit_mg: Decimal
    remaining_mg: Decimal
    remaining_ml: Decimal
    formula: str
    agent: str = LIDOCAINE
    fraction_used: Decimal = Decimal(0)


def _dec(value: Number, name: str) -> Decimal:
    if isinstance(value, bool):
        raise InvalidDoseEntry(f"{name} must be a number, got {value!r}")
    try:
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise InvalidDoseEntry(f"{name} must be a number, got {value!r}") from exc
    if not number.is_finite():
        raise InvalidDoseEntry(f"{name} must be a finite number, got {value!r}")
    return number


def _down(value: Fraction | Decimal) -> Decimal:
    """A Fraction as a Decimal rounded down to 0.01 (what may still be given never rounds up)."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return value.quantize(CENT, rounding=ROUND_DOWN)


def fmt(value: Decimal) -> str:
    """Format a Decimal without exponent or trailing zeros (``270``, ``270.01``)."""
    return format(value.normalize(), "f")


def agent_for(code: str) -> Agent:
    try:
        return AGENTS[code]
    except KeyError as exc:
        names = ", ".join(AGENTS)
        raise InvalidDoseEntry(f"Unknown local anaesthetic {code!r}: choose {names}.") from exc


def strength_label(agent: Agent) -> str:
    return " / ".join(f"{fmt(s)} %" for s in agent.strengths)


def check_strength(agent_code: str, percent: Number, with_epinephrine: bool) -> Agent:
    """The agent, if it comes in ``percent`` (with epinephrine if asked); else refuse."""
    agent = agent_for(agent_code)
    pct = _dec(percent, "percent")
    if pct not in agent.strengths:
        raise InvalidDoseEntry(
            f"{agent.name} comes as {strength_label(agent)}; {fmt(pct)} % is not one of "
            "them. Choose the strength printed on the vial."
        )
    if with_epinephrine and agent.epinephrine is None:
        raise InvalidDoseEntry(f"{agent.name} is not offered with epinephrine.")
    return agent


def mg_per_ml(percent: Number) -> Decimal:
    """Concentration in mg/mL for a percentage: % × 10 (docs/reference.md §4)."""
    pct = _dec(percent, "percent")
    if not 0 < pct <= MAX_PERCENT:
        raise InvalidDoseEntry(
            f"Local anaesthetic concentration must be above 0 and at most 10 %, got {pct} %"
        )
    return pct * MG_PER_ML_PER_PERCENT


def mg_from_ml(percent: Number, ml: Number) -> Decimal:
    """Milligrams in ``ml`` of a ``percent`` solution (1 % = 10 mg/mL)."""
    volume = _dec(ml, "ml")
    if volume <= 0:
        raise InvalidDoseEntry(f"Volume must be greater than 0 mL, got {volume} mL")
    return mg_per_ml(percent) * volume


def ml_from_mg(percent: Number, mg: Number) -> Decimal:
    """Millilitres of a ``percent`` solution that contain ``mg``."""
    return _dec(mg, "mg") / mg_per_ml(percent)


def _weight(weight_kg: Number | None) -> Decimal:
    if weight_kg is None:
        raise WeightRequired("Record the patient's weight (kg) before giving local anaesthetic.")
    weight = _dec(weight_kg, "weight_kg")
    if weight <= 0:
        raise WeightRequired(f"Patient weight must be greater than 0 kg, got {weight} kg.")
    return weight


def _maximum(agent: Agent, with_epinephrine: bool) -> Maximum:
    # An agent without an epinephrine preparation only ever has its plain maximum.
    return (agent.epinephrine if with_epinephrine else None) or agent.plain


def max_dose_mg(
    weight_kg: Number | None, with_epinephrine: bool, agent: str = LIDOCAINE
) -> Decimal:
    """Maximum cumulative mg of one agent for the day, alone (label maxima, ``AGENTS``).

    Lidocaine: ``min(kg × 7, 500)`` with epinephrine; ``min(kg × 4.5, 300)`` plain.
    """
    weight = _weight(weight_kg)
    maximum = _maximum(agent_for(agent), with_epinephrine)
    return min(weight * maximum.mg_per_kg, maximum.cap_mg)


def limit_formula(weight_kg: Number | None, with_epinephrine: bool, agent: str = LIDOCAINE) -> str:
    """Explain the limit, e.g. ``plain: min(4.5 mg/kg × 60 kg = 270 mg, 300 mg) = 270 mg``."""
    weight = _weight(weight_kg)
    info = agent_for(agent)
    maximum = _maximum(info, with_epinephrine)
    kind = "with epinephrine" if with_epinephrine and info.epinephrine else "plain"
    prefix = "" if agent == LIDOCAINE else f"{info.name} "
    by_weight = weight * maximum.mg_per_kg
    return (
        f"{prefix}{kind}: min({fmt(maximum.mg_per_kg)} mg/kg × {fmt(weight)} kg = "
        f"{fmt(by_weight)} mg, {fmt(maximum.cap_mg)} mg) = "
        f"{fmt(min(by_weight, maximum.cap_mg))} mg"
    )


def _totals(entries: Sequence[AnaestheticEntry]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for entry in entries:
        totals[entry.agent] = totals.get(entry.agent, Decimal(0)) + entry.mg
    return totals


def _fraction(weight: Decimal, totals: dict[str, Decimal], with_epinephrine: bool) -> Fraction:
    return sum(
        (
            Fraction(mg) / Fraction(max_dose_mg(weight, with_epinephrine, agent))
            for agent, mg in totals.items()
        ),
        Fraction(0),
    )


def day_fraction(weight_kg: Number | None, entries: Sequence[AnaestheticEntry]) -> Decimal:
    """Share of the combined maximum the day's entries use (1 = all of it), rounded down."""
    weight = _weight(weight_kg)
    use_epi = bool(entries) and all(entry.with_epinephrine for entry in entries)
    fraction = _fraction(weight, _totals(entries), use_epi)
    return (Decimal(fraction.numerator) / Decimal(fraction.denominator)).quantize(
        Decimal("0.001"), rounding=ROUND_DOWN
    )


def remaining_mg(
    weight_kg: Number | None,
    entries: Sequence[AnaestheticEntry],
    *,
    agent: str = LIDOCAINE,
    with_epinephrine: bool = False,
) -> Decimal:
    """How many more mg of ``agent`` may be given today (rounded down to 0.01 mg)."""
    weight = _weight(weight_kg)
    use_epi = with_epinephrine and all(entry.with_epinephrine for entry in entries)
    limit = Fraction(max_dose_mg(weight, use_epi, agent))
    left = limit * (1 - _fraction(weight, _totals(entries), use_epi))
    return _down(max(left, Fraction(0)))


def check_entry(
    weight_kg: Number | None,
    previous_entries: Sequence[AnaestheticEntry],
    new_entry: AnaestheticEntry,
) -> DoseCheck:
    """Accept or refuse a new entry against the day's cumulative, combined limit.

    Counts every site and every encounter of the day (docs/reference.md §4; the caller passes them).
    Applies the plain maxima when any entry (previous or new) is plain, otherwise the
    epinephrine maxima (see the module docstring). The new entry's agent may reach its own
    maximum times the share the other agents leave. Raises ``WeightRequired`` without a
    weight, ``InvalidDoseEntry`` for a strength the agent does not come in, and
    ``DoseLimitExceeded`` above the limit; otherwise returns what remains in mg and in mL
    of the new entry's concentration.
    """
    check_strength(new_entry.agent, new_entry.percent, new_entry.with_epinephrine)
    weight = _weight(weight_kg)
    entries = [*previous_entries, new_entry]
    use_epi = all(entry.with_epinephrine for entry in entries)
    others = {a: mg for a, mg in _totals(previous_entries).items() if a != new_entry.agent}
    limit_alone = max_dose_mg(weight, use_epi, new_entry.agent)
    allowed = Fraction(limit_alone) * (1 - _fraction(weight, others, use_epi))
    so_far = _totals(previous_entries).get(new_entry.agent, Decimal(0))
    total = so_far + new_entry.mg
    formula = _formula(weight, use_epi, new_entry.agent, others)
    if Fraction(total) > allowed:
        message = _exceeded_message(weight, previous_entries, new_entry, allowed, formula)
        raise DoseLimitExceeded(message, total_mg=total, limit_mg=_down(max(allowed, Fraction(0))))
    remaining = _down(allowed - Fraction(total))
    return DoseCheck(
        total_mg=total,
        limit_mg=_down(allowed),
        remaining_mg=remaining,
        remaining_ml=ml_from_mg(new_entry.percent, remaining),
        formula=formula,
        agent=new_entry.agent,
        fraction_used=day_fraction(weight, entries),
    )


def _formula(weight: Decimal, use_epi: bool, agent: str, others: dict[str, Decimal]) -> str:
    formula = limit_formula(weight, use_epi, agent)
    if not others:
        return formula
    shares = ", ".join(
        f"{AGENTS[a].name.lower()} {fmt(mg)} mg of {fmt(max_dose_mg(weight, use_epi, a))} mg"
        for a, mg in others.items()
    )
    return f"{formula}, less the share already used by {shares} (toxicity is additive)"


def _exceeded_message(
    weight: Decimal,
    previous: Sequence[AnaestheticEntry],
    entry: AnaestheticEntry,
    allowed: Fraction,
    formula: str,
) -> str:
    agent = AGENTS[entry.agent]
    kind = "with epinephrine" if entry.with_epinephrine else "plain"
    site = f" at {entry.site}" if entry.site else ""
    so_far = _totals(previous).get(entry.agent, Decimal(0))
    left = _down(max(allowed - Fraction(so_far), Fraction(0)))
    left_ml = _down(ml_from_mg(entry.percent, left))
    entries = [*previous, entry]
    use_epi = all(e.with_epinephrine for e in entries)
    exact = _fraction(weight, _totals(entries), use_epi) * 100
    # Rounded up: a refused day never reads as "100 %".
    share = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_UP
    )
    combined = len(_totals(entries)) > 1
    name = "" if entry.agent == LIDOCAINE else f"{agent.name.lower()} "
    head = "Combined local anaesthetic" if combined else agent.name
    limit = f"{fmt(_down(max(allowed, Fraction(0))))} mg"
    message = (
        f"{head} limit exceeded: {fmt(so_far)} mg given so far today "
        f"+ {fmt(entry.mg)} mg in this entry ({fmt(entry.ml)} mL of {fmt(entry.percent)} % "
        f"{name}{kind}{site}) = {fmt(so_far + entry.mg)} mg, above the {limit} limit ({formula})"
    )
    if combined:
        message += f"; the day would reach {share} % of the combined maximum"
    message += (
        f". At most {fmt(left)} mg ({fmt(left_ml)} mL of {fmt(entry.percent)} %) "
        "may still be given."
    )
    if len({e.with_epinephrine for e in entries}) > 1:
        message += " Plain and epinephrine entries were mixed, so the plain limit applies."
    return message


# Allergy classes: an allergy to an amide (or to "a local anaesthetic" without saying which)
# blocks every amide; an ester allergy (procaine-type) does not (issue 8 item 4). Brand
# names are the common US and UK ones. Names match anywhere in the text; the class words
# "amide" and "ester" only as whole words (so "sulfonamides" is not an amide anaesthetic).
AMIDE_NAMES = (
    "lidocaine",
    "lignocaine",
    "xylocaine",
    "bupivacaine",
    "marcaine",
    "marcain",
    "sensorcaine",
    "exparel",
    "ropivacaine",
    "naropin",
    "mepivacaine",
    "carbocaine",
    "polocaine",
    "prilocaine",
    "citanest",
    "emla",
    "articaine",
    "septocaine",
    "etidocaine",
    "dibucaine",
    "cinchocaine",
)
ESTER_NAMES = (
    "procaine",
    "novocain",
    "chloroprocaine",
    "nesacaine",
    "tetracaine",
    "amethocaine",
    "benzocaine",
    "cocaine",
    "oxybuprocaine",
    "proparacaine",
)
_AMIDE_WORD = re.compile(r"\bamides?\b")
_ESTER_WORD = re.compile(r"\besters?\b")


def allergy_class(*, local_anaesthetic_category: bool, substance: str) -> str | None:
    """``"amide"``, ``"ester"``, ``"unknown"`` (a local anaesthetic allergy that names
    neither class: treated as amide, the safe reading) or None (not a local anaesthetic).

    A class word counts only in the local anaesthetic category ("ester" alone elsewhere is
    some other medicine); a named agent counts in any category."""
    text = substance.lower()
    in_category = local_anaesthetic_category
    if any(name in text for name in AMIDE_NAMES) or (in_category and _AMIDE_WORD.search(text)):
        return "amide"
    if any(name in text for name in ESTER_NAMES) or (in_category and _ESTER_WORD.search(text)):
        return "ester"
    return "unknown" if in_category else None
