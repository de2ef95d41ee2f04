"""The patient evidence card: what this clinic measured in patients like this one.

Every sentence is built from the registry's numbers (no stored prose, no claim): how many
similar patients the clinic treated, how many answered the follow-up survey, the share with a
meaningful improvement in pain at 6 and 12 months (Wilson 95 % CI), the typical change, the
adverse-event and serious adverse-event rates per 100 procedures, and how many later had
surgery or a joint replacement; the comparator's figures beside them when its group is large
enough. Below `MIN_GROUP` patients a group's figures are hidden and the card says why.
Only valid data count (readmodel.py). Pain is the NPRS (0-10), asked for every condition.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from marrowtrack.analytics.dashboard import Filters, TreatmentFigures, dashboard_compute
from marrowtrack.analytics.presenters import treatment_label
from marrowtrack.analytics.readmodel import (
    HARVEST,
    OUT_OF_WINDOW,
    UNVALIDATED,
    UNVERIFIED,
    Registry,
)

MIN_GROUP = 20
# (time point, "at ..." words, the survey's name)
CARD_TIMEPOINTS = (("6m", "6 months", "6-month"), ("12m", "12 months", "12-month"))


@dataclass
class CardSection:
    treatment: str
    title: str
    sentences: list[str] = field(default_factory=list)
    hidden: bool = False


@dataclass
class EvidenceCard:
    condition_label: str
    sections: list[CardSection]
    notes: list[str]

    def texts(self) -> list[str]:
        found = [s.title for s in self.sections] + list(self.notes)
        for section in self.sections:
            found.extend(section.sentences)
        return found


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def _followed_up(due: int, answered: int, lost: int, survey: str) -> str:
    said = f"Of the {due} patients due a {survey} survey, {answered} answered it"
    if lost == 0:
        return f"{said}."
    if lost == 1:
        return f"{said}; we do not know how the other patient is doing."
    return f"{said}; we do not know how the other {lost} are doing."


def _section(figures: TreatmentFigures | None, treatment: str, min_group: int) -> CardSection:
    label = treatment_label(treatment)
    section = CardSection(treatment, label)
    treated = figures.treated if figures else 0
    if treated < min_group:
        section.hidden = True
        section.sentences.append(
            f"This clinic has treated {treated} patient{'s' if treated != 1 else ''} like you "
            f"with this treatment so far. Figures are shown from {min_group} patients on, "
            f"because smaller groups give numbers that can mislead."
        )
        return section
    s = section.sentences
    s.append(f"This clinic has treated {treated} patients with a condition like yours this way.")
    for code, words, survey in CARD_TIMEPOINTS:
        tp = next(t for t in figures.timepoints if t.timepoint == code)
        if not tp.due:
            s.append(f"None of them has reached the {survey} survey yet.")
            continue
        s.append(_followed_up(tp.due, tp.followed_up, tp.lost, survey))
        if tp.mcid.n == 0:
            continue
        s.append(
            f"At {words}, {tp.mcid.k} of {tp.mcid.n} ({_pct(tp.mcid.p)}) reported an improvement "
            f"in pain large enough to notice (the range that fits our data: "
            f"{_pct(tp.mcid.low)} to {_pct(tp.mcid.high)})."
        )
        if tp.median.median is not None:
            direction = "went down" if tp.median.median >= 0 else "went up"
            s.append(
                f"The typical pain score {direction} by {abs(tp.median.median):.1f} points on "
                f"the 0 to 10 scale (half of the patients between {tp.median.q1:.1f} and "
                f"{tp.median.q3:.1f} points)."
            )
    any_ae, serious = figures.adverse_any, figures.adverse_serious
    s.append(
        f"Side effects or complications were recorded {any_ae.events} "
        f"time{'' if any_ae.events == 1 else 's'} in {treated} "
        f"procedures: about {any_ae.rate:.0f} per 100 (range that fits our data "
        f"{any_ae.low:.0f} to {any_ae.high:.0f})."
    )
    s.append(
        f"Serious ones: {serious.events} in {treated} procedures, about {serious.rate:.1f} "
        f"per 100 (up to {serious.high:.1f})."
    )
    operated = sum(c.events for c in figures.survival if c.kind in ("surgery", "arthroplasty"))
    s.append(
        f"{operated} of the {treated} later had surgery or a joint replacement that we know of."
    )
    return section


def _left_out_note(excluded: dict[str, int]) -> str:
    total = sum(excluded.values())
    if not total:
        return (
            "The figures count only pain scores answered on the validated questionnaires, in "
            "time and checked; none had to be left out."
        )
    reasons = {
        UNVERIFIED: "typed in from paper and not yet checked by a second person",
        UNVALIDATED: "answered on a wording that is not the validated one",
        OUT_OF_WINDOW: "answered too early or too late for a survey time",
    }
    parts = [
        f"{n} {'was' if n == 1 else 'were'} {reasons[reason]}"
        for reason, n in excluded.items()
        if n and reason in reasons
    ]
    return (
        f"{total} pain score{'s were' if total != 1 else ' was'} left out of these figures: "
        + "; ".join(parts)
        + "."
    )


def evidence_card(
    registry: Registry,
    *,
    condition: str,
    condition_label: str,
    treatment: str = "bmac",
    comparator: str = "csi",
    min_group: int = MIN_GROUP,
) -> EvidenceCard:
    board = dashboard_compute(registry, Filters(condition=condition))
    by_code = {t.treatment: t for t in board.treatments}
    sections = [_section(by_code.get(treatment), treatment, min_group)]
    if comparator and comparator != treatment:
        compared = _section(by_code.get(comparator), comparator, min_group)
        if not compared.hidden:
            sections.append(compared)
    notes = [
        "These are this clinic's own measurements, not a promise: patients often improve "
        "after any injection, including a placebo, and results differ from person to person.",
        _left_out_note(board.excluded),
    ]
    if treatment in HARVEST:
        notes.append(
            "Treatments were chosen by patients and their doctors, not assigned at random, so "
            "a difference between the two columns may have other causes."
        )
    return EvidenceCard(condition_label, sections, notes)
