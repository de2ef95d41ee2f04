"""The patient evidence card: what this clinic measured in patients like this one.

Every sentence is built from the registry's numbers (no stored prose, no claim): how many
similar patients the clinic treated, how many answered the follow-up survey, the share with a
meaningful improvement in pain at 6 and 12 months (Wilson 95 % CI), the typical change, the
adverse-event and serious adverse-event rates per 100 procedures, and how many later had
surgery or a joint replacement; the comparator's figures beside them when its group is large
enough. Below `MIN_GROUP` patients a group's figures are hidden and the card says why.
Only valid data count (readmodel.py). Pain is the NPRS (0-10), asked for every condition.

Every sentence is translated (gettext, with the language's plural forms) and its numbers
formatted for the language active when the card is built: the portal builds it in the
patient's `preferred_language`, staff pages in the site's English. The Spanish is in
analytics/locale/es.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, npgettext, pgettext, pgettext_lazy

from marrowtrack.analytics.dashboard import (
    Filters,
    TimepointFigures,
    TreatmentFigures,
    dashboard_compute,
)
from marrowtrack.analytics.presenters import condition_label as stored_condition_label
from marrowtrack.analytics.presenters import treatment_label as stored_treatment_label
from marrowtrack.analytics.readmodel import (
    HARVEST,
    OUT_OF_WINDOW,
    UNVALIDATED,
    UNVERIFIED,
    Registry,
)

MIN_GROUP = 20
# The card's time points: (code, months after the treatment).
CARD_TIMEPOINTS = (("6m", 6), ("12m", 12))

# The models' choice labels are English words shown on staff pages; the card, which a patient
# reads in their own language, carries a translatable copy of the ones it names (a test keeps
# the English equal to the models').
CONDITION_LABELS = {
    "knee_oa": pgettext_lazy("condition", "Knee osteoarthritis"),
    "facet": pgettext_lazy("condition", "Spinal facet arthritis / low back pain"),
    "shoulder": pgettext_lazy("condition", "Shoulder bursitis / rotator cuff"),
    "si_joint": pgettext_lazy("condition", "Sacroiliac joint pain"),
    "ra": pgettext_lazy("condition", "Rheumatoid arthritis"),
    "other": pgettext_lazy("condition", "Other musculoskeletal condition"),
}
TREATMENT_LABELS = {
    "bmac": pgettext_lazy("treatment", "Bone marrow concentrate (BMAC)"),
    "bmac_prp": pgettext_lazy("treatment", "BMAC with platelet-rich plasma"),
    "csi": pgettext_lazy("treatment", "Corticosteroid injection"),
    "nerve_block": pgettext_lazy("treatment", "Nerve block"),
    "prp": pgettext_lazy("treatment", "Platelet-rich plasma (PRP)"),
    "ha": pgettext_lazy("treatment", "Hyaluronic acid"),
    "exercise": pgettext_lazy("treatment", "Exercise / physiotherapy"),
}


def card_condition_label(code: str) -> str:
    label = CONDITION_LABELS.get(code)
    return str(label) if label is not None else stored_condition_label(code)


def card_treatment_label(code: str) -> str:
    label = TREATMENT_LABELS.get(code)
    return str(label) if label is not None else stored_treatment_label(code)


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


# Numbers as the reader's language writes them: Spanish has a decimal comma, groups
# thousands with a point and puts a space before the percent sign.
def _count(n: int) -> str:
    return number_format(n, 0, force_grouping=True)


def _decimal(value: float, places: int) -> str:
    return number_format(round(value, places), places, force_grouping=True)


def _pct(value: float) -> str:
    return pgettext("percentage", "%(value)s%%") % {"value": _decimal(100 * value, 0)}


def _hidden_sentence(treated: int, min_group: int) -> str:
    so_far = ngettext(
        "This clinic has treated %(n)s patient like you with this treatment so far.",
        "This clinic has treated %(n)s patients like you with this treatment so far.",
        treated,
    ) % {"n": _count(treated)}
    why = ngettext(
        "Figures are shown from %(n)s patient on, because smaller groups give numbers that "
        "can mislead.",
        "Figures are shown from %(n)s patients on, because smaller groups give numbers that "
        "can mislead.",
        min_group,
    ) % {"n": _count(min_group)}
    return f"{so_far} {why}"


def _followed_up(due: int, answered: int, lost: int, months: int) -> str:
    # Each count governs the words next to it, so each picks its own plural form.
    answered_words = ngettext("%(n)s answered it", "%(n)s answered it", answered) % {
        "n": _count(answered)
    }
    said = ngettext(
        "Of the %(due)s patient due a %(months)s-month survey, %(answered)s",
        "Of the %(due)s patients due a %(months)s-month survey, %(answered)s",
        due,
    ) % {"due": _count(due), "months": months, "answered": answered_words}
    if lost == 0:
        return f"{said}."
    return ngettext(
        "%(said)s; we do not know how the other patient is doing.",
        "%(said)s; we do not know how the other %(n)s are doing.",
        lost,
    ) % {"said": said, "n": _count(lost)}


def _meaningful(tp: TimepointFigures, months: int) -> str:
    return ngettext(
        "At %(months)s months, %(k)s of %(n)s (%(pct)s) reported an improvement in pain large "
        "enough to notice (the range that fits our data: %(low)s to %(high)s).",
        "At %(months)s months, %(k)s of %(n)s (%(pct)s) reported an improvement in pain large "
        "enough to notice (the range that fits our data: %(low)s to %(high)s).",
        tp.mcid.k,
    ) % {
        "months": months,
        "k": _count(tp.mcid.k),
        "n": _count(tp.mcid.n),
        "pct": _pct(tp.mcid.p),
        "low": _pct(tp.mcid.low),
        "high": _pct(tp.mcid.high),
    }


def _typical_change(median: float, q1: float, q3: float) -> str:
    # Points are written with one decimal: a plural in English and Spanish whatever the value.
    words = {"points": _decimal(abs(median), 1), "q1": _decimal(q1, 1), "q3": _decimal(q3, 1)}
    if median >= 0:
        text = _(
            "The typical pain score went down by %(points)s points on the 0 to 10 scale (half "
            "of the patients between %(q1)s and %(q3)s points)."
        )
    else:
        text = _(
            "The typical pain score went up by %(points)s points on the 0 to 10 scale (half "
            "of the patients between %(q1)s and %(q3)s points)."
        )
    return text % words


def _timepoint_sentences(figures: TreatmentFigures, code: str, months: int) -> list[str]:
    tp = next(t for t in figures.timepoints if t.timepoint == code)
    if not tp.due:
        return [_("None of them has reached the %(months)s-month survey yet.") % {"months": months}]
    found = [_followed_up(tp.due, tp.followed_up, tp.lost, months)]
    if tp.mcid.n == 0:
        return found
    found.append(_meaningful(tp, months))
    if tp.median.median is not None:
        found.append(_typical_change(tp.median.median, tp.median.q1, tp.median.q3))
    return found


def _safety_sentences(figures: TreatmentFigures) -> list[str]:
    treated = figures.treated
    any_ae, serious = figures.adverse_any, figures.adverse_serious
    operated = sum(c.events for c in figures.survival if c.kind in ("surgery", "arthroplasty"))
    return [
        ngettext(
            "Side effects or complications were recorded %(events)s time in %(procedures)s "
            "procedures: about %(rate)s per 100 (range that fits our data %(low)s to %(high)s).",
            "Side effects or complications were recorded %(events)s times in %(procedures)s "
            "procedures: about %(rate)s per 100 (range that fits our data %(low)s to %(high)s).",
            any_ae.events,
        )
        % {
            "events": _count(any_ae.events),
            "procedures": _count(treated),
            "rate": _decimal(any_ae.rate, 0),
            "low": _decimal(any_ae.low, 0),
            "high": _decimal(any_ae.high, 0),
        },
        npgettext(
            "serious side effects",
            "Serious ones: %(events)s in %(procedures)s procedure, about %(rate)s per 100 "
            "(up to %(high)s).",
            "Serious ones: %(events)s in %(procedures)s procedures, about %(rate)s per 100 "
            "(up to %(high)s).",
            treated,
        )
        % {
            "events": _count(serious.events),
            "procedures": _count(treated),
            "rate": _decimal(serious.rate, 1),
            "high": _decimal(serious.high, 1),
        },
        ngettext(
            "%(k)s of the %(n)s later had surgery or a joint replacement that we know of.",
            "%(k)s of the %(n)s later had surgery or a joint replacement that we know of.",
            operated,
        )
        % {"k": _count(operated), "n": _count(treated)},
    ]


def _section(figures: TreatmentFigures | None, treatment: str, min_group: int) -> CardSection:
    section = CardSection(treatment, card_treatment_label(treatment))
    treated = figures.treated if figures else 0
    if figures is None or treated < min_group:
        section.hidden = True
        section.sentences.append(_hidden_sentence(treated, min_group))
        return section
    s = section.sentences
    s.append(
        ngettext(
            "This clinic has treated %(n)s patient with a condition like yours this way.",
            "This clinic has treated %(n)s patients with a condition like yours this way.",
            treated,
        )
        % {"n": _count(treated)}
    )
    for code, months in CARD_TIMEPOINTS:
        s.extend(_timepoint_sentences(figures, code, months))
    s.extend(_safety_sentences(figures))
    return section


def _left_out_reason(reason: str, n: int) -> str:
    if reason == UNVERIFIED:
        text = ngettext(
            "%(n)s was typed in from paper and not yet checked by a second person",
            "%(n)s were typed in from paper and not yet checked by a second person",
            n,
        )
    elif reason == UNVALIDATED:
        text = ngettext(
            "%(n)s was answered on a wording that is not the validated one",
            "%(n)s were answered on a wording that is not the validated one",
            n,
        )
    else:
        text = ngettext(
            "%(n)s was answered too early or too late for a survey time",
            "%(n)s were answered too early or too late for a survey time",
            n,
        )
    return text % {"n": _count(n)}


def _left_out_note(excluded: dict[str, int]) -> str:
    total = sum(excluded.values())
    if not total:
        return _(
            "The figures count only pain scores answered on the validated questionnaires, in "
            "time and checked; none had to be left out."
        )
    parts = [
        _left_out_reason(reason, n)
        for reason, n in excluded.items()
        if n and reason in (UNVERIFIED, UNVALIDATED, OUT_OF_WINDOW)
    ]
    return ngettext(
        "%(n)s pain score was left out of these figures: %(reasons)s.",
        "%(n)s pain scores were left out of these figures: %(reasons)s.",
        total,
    ) % {"n": _count(total), "reasons": "; ".join(parts)}


def evidence_card(
    registry: Registry,
    *,
    condition: str,
    condition_label: str | None = None,
    treatment: str = "bmac",
    comparator: str = "csi",
    min_group: int = MIN_GROUP,
) -> EvidenceCard:
    """The card in the active language; `condition_label` defaults to the card's own
    translated label of `condition`."""
    board = dashboard_compute(registry, Filters(condition=condition))
    by_code = {t.treatment: t for t in board.treatments}
    sections = [_section(by_code.get(treatment), treatment, min_group)]
    if comparator and comparator != treatment:
        compared = _section(by_code.get(comparator), comparator, min_group)
        if not compared.hidden:
            sections.append(compared)
    notes = [
        _(
            "These are this clinic's own measurements, not a promise: patients often improve "
            "after any injection, including a placebo, and results differ from person to person."
        ),
        _left_out_note(board.excluded),
    ]
    if treatment in HARVEST:
        notes.append(
            _(
                "Treatments were chosen by patients and their doctors, not assigned at random, "
                "so a difference between the two columns may have other causes."
            )
        )
    label = condition_label if condition_label is not None else card_condition_label(condition)
    return EvidenceCard(label, sections, notes)
