"""Survey responses: scoring on submit, assignment to windows, portal pages, staff
transcription and verification.

Scores are derived from the stored raw answers with the instrument's scoring rules
(MarrowTrack instrument spec, docs/outcomes.md) and stored with the rule versions used, so
they can be recomputed. Invariants kept here, whatever the entry point:
- an answer given through a link belongs to that link's time point only when it falls inside
  its window; otherwise it is stored "out of window" (no time point, `asked_for` kept);
- a paper or imported answer is assigned to the window that holds its date and time;
- the baseline window closes when the procedure starts;
- PGIC (change since treatment) is never asked or stored before the treatment;
- every response records the wording it was collected on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import IntegrityError, transaction

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.outcomes import catalogue, scoring, selectors
from marrowtrack.outcomes.models import FollowUp, SurveyLink, SurveyResponse, TextPack

Status = SurveyResponse.Status
Wording = SurveyResponse.Wording
PAPER_NOON = time(12, 0)


@dataclass(frozen=True)
class FormWording:
    """The wording a paper form was printed with: a pack, a licensed form version, or ours."""

    wording: str
    text_pack: TextPack | None = None
    form_version: str = ""


def clean_answers(instrument: str, answers: Mapping[str, object]) -> dict[str, object]:
    """Validated raw answers (values, never labels); ValidationFailed naming the item."""
    try:
        entry = scoring.instrument(instrument)
        scoring.validate_answers(entry, answers)  # type: ignore[arg-type]
    except scoring.UnknownInstrumentError as exc:
        raise ValidationFailed({"instrument": [str(exc)]}) from exc
    except scoring.AnswerError as exc:
        raise ValidationFailed({exc.item_code: [exc.message]}) from exc
    return dict(answers)


def _apply_scores(response: SurveyResponse) -> None:
    response.scores, response.rule_version = scoring.score_json(
        response.instrument, response.answers
    )


def _taken(followup: FollowUp, response: SurveyResponse) -> bool:
    others = followup.responses.filter(instrument=response.instrument).exclude(pk=response.pk)
    return others.exists()


def _allowed_at(followup: FollowUp | None, instrument: str) -> bool:
    never = followup is not None and followup.timepoint == "baseline"
    return not (never and instrument in catalogue.NEVER_AT_BASELINE)


def _place(response: SurveyResponse, followup: FollowUp | None, asked_for: str) -> None:
    """Assign to the follow-up, or store out of window when it is None, taken or not allowed."""
    if followup is not None and (
        _taken(followup, response) or not _allowed_at(followup, response.instrument)
    ):
        followup = None
    response.followup = followup
    response.timepoint = followup.timepoint if followup else None
    response.asked_for = asked_for


def _assign(response: SurveyResponse) -> None:
    """A link's answer belongs to its own time point or is out of window; others go by date."""
    assert response.answered_at is not None
    if response.link_id is not None:
        asked = response.link.followup
        inside = selectors.followup_holds(asked, response.answered_at)
        _place(response, asked if inside else None, asked.timepoint)
        return
    found = selectors.followup_holding(response.plan, response.answered_at)
    _place(response, found, response.asked_for)


def followup_complete_if_done(followup: FollowUp | None, *, at: datetime) -> bool:
    """Mark an open follow-up completed once every instrument of its time point is in."""
    if followup is None or followup.status != FollowUp.Status.OPEN:
        return False
    every, later = selectors.instruments_for_plan(followup.plan)
    expected = set(catalogue.instruments_at(every, later, followup.timepoint))
    done = set(
        followup.responses.filter(status=Status.SUBMITTED).values_list("instrument", flat=True)
    )
    if not expected <= done:
        return False
    followup.status, followup.completed_at = FollowUp.Status.COMPLETED, at
    followup.save(update_fields=["status", "completed_at", "updated_at"])
    return True


def _audit(response: SurveyResponse, *, by: User | None, action: str, reason: str, **changes):
    event_record(
        actor=by,
        action=action,
        target=response,
        changes=changes,
        clinic=response.patient.clinic,
        patient_public_id=response.patient.public_id,
        reason=reason,
        actor_label=None if by else "patient (survey link)",
    )


def response_finalise(response: SurveyResponse, *, at: datetime, by: User | None) -> None:
    """Score, assign and submit one response (inside the caller's transaction)."""
    response.answered_at = response.answered_at or at
    _apply_scores(response)
    _assign(response)
    response.status = Status.SUBMITTED
    response.save()
    followup_complete_if_done(response.followup, at=at)
    _audit(
        response,
        by=by,
        action=AuditAction.UPDATE,
        reason="Survey submitted" if response.timepoint else "Survey submitted (out of window)",
        status=[None, Status.SUBMITTED],
        scores=[None, response.scores],
        timepoint=[None, response.timepoint],
        wording=[None, response.form_version],
    )


def portal_wording(instrument: str, language: str) -> FormWording:
    """The licensed pack in the patient's language (else English), else our own labels."""
    pack = selectors.active_text_pack(instrument, language)
    if pack is not None:
        return FormWording(Wording.TEXT_PACK, pack, pack.label)
    return _product(instrument)


def portal_response_get_or_start(*, link: SurveyLink, instrument: str) -> SurveyResponse:
    """The link's follow-up response for one instrument, started on first use."""
    followup = link.followup
    found = followup.responses.filter(instrument=instrument).first()
    if found is not None:
        return found
    definition = scoring.instrument(instrument).definition
    patient = followup.plan.patient
    wording = portal_wording(instrument, patient.preferred_language)
    try:
        with transaction.atomic():
            return SurveyResponse.objects.create(
                plan=followup.plan,
                patient=patient,
                followup=followup,
                link=link,
                timepoint=followup.timepoint,
                asked_for=followup.timepoint,
                instrument=instrument,
                instrument_version=definition.version,
                recall_period=definition.recall_period or "",
                source=SurveyResponse.Source.PORTAL,
                wording=wording.wording,
                text_pack=wording.text_pack,
                form_version=wording.form_version,
            )
    except IntegrityError:  # a second tab started it at the same moment
        return followup.responses.get(instrument=instrument)


def response_save_page(
    *, response: SurveyResponse, answers: Mapping[str, object], page: int
) -> SurveyResponse:
    """Merge one page of answers into an in-progress response and remember the page."""
    if response.status != Status.IN_PROGRESS:
        raise DomainError("This survey was already submitted.")
    merged = clean_answers(response.instrument, {**response.answers, **answers})
    with transaction.atomic():
        old = dict(response.answers)
        response.answers = merged
        response.progress = max(response.progress, page + 1)
        response.save(update_fields=["answers", "progress", "updated_at"])
        _audit(
            response,
            by=None,
            action=AuditAction.UPDATE,
            reason="Survey page saved",
            answers=[old, merged],
        )
    return response


def portal_followup_submit(*, followup: FollowUp) -> list[SurveyResponse]:
    """Submit every response of the follow-up's survey and close its links."""
    at = clock.now()
    with transaction.atomic():
        responses = list(
            followup.responses.select_for_update(of=("self",))
            .select_related("link__followup__plan__patient__clinic")
            .filter(status=Status.IN_PROGRESS)
        )
        if not responses:
            raise DomainError("This survey was already submitted.")
        for response in responses:
            response_finalise(response, at=at, by=None)
        followup.links.filter(used_at__isnull=True).update(used_at=at)
    return responses


def _checked_wording(instrument: str, form: FormWording) -> FormWording:
    """The paper form's wording, or ValidationFailed naming what is missing."""
    if form.wording == Wording.TEXT_PACK:
        if form.text_pack is None or form.text_pack.instrument != instrument:
            raise ValidationFailed({"text_pack": [f"Choose an installed {instrument} text pack."]})
        return FormWording(Wording.TEXT_PACK, form.text_pack, form.text_pack.label)
    if form.wording == Wording.LICENSED_PAPER:
        version = form.form_version.strip()
        if not version:
            raise ValidationFailed({"form_version": ["Give the version printed on the form."]})
        return FormWording(Wording.LICENSED_PAPER, None, version[:120])
    if form.wording == Wording.PRODUCT_LABELS:
        return _product(instrument)
    raise ValidationFailed({"wording": ["Say which form was used."]})


def _product(instrument: str) -> FormWording:
    version = scoring.instrument(instrument).definition.version
    return FormWording(Wording.PRODUCT_LABELS, None, f"MarrowTrack product labels ({version})")


def _paper_instant(plan: TreatmentPlan, day: date, at_time: time | None) -> datetime:
    return datetime.combine(day, at_time or PAPER_NOON, tzinfo=clock.zone(plan.patient.clinic))


def _refuse_change_question_before_treatment(
    plan: TreatmentPlan, instrument: str, at: datetime
) -> None:
    if instrument not in catalogue.NEVER_AT_BASELINE:
        return
    started = selectors.procedure_started_at(plan)
    treated = plan.treated_on is not None and selectors.clinic_day(at, plan.patient.clinic) > (
        plan.treated_on
    )
    if not (treated or (started is not None and at >= started)):
        raise DomainError(
            f"{instrument} asks about change since the treatment: it cannot be answered "
            "before the treatment.",
            field="answered_on",
        )


def response_transcribe(
    *,
    plan: TreatmentPlan,
    instrument: str,
    answers: Mapping[str, object],
    answered_on: date,
    form: FormWording,
    by: User,
    answered_time: time | None = None,
) -> SurveyResponse:
    """Store a paper form typed in by staff, with the form's wording; it counts once a second
    person verifies it. The date (and time, if written) places it in a window."""
    cleaned = clean_answers(instrument, answers)
    if answered_on > clock.today(plan.patient.clinic):
        raise ValidationFailed({"answered_on": ["The form cannot be dated in the future."]})
    definition = scoring.instrument(instrument).definition
    wording = _checked_wording(definition.code, form)
    at = _paper_instant(plan, answered_on, answered_time)
    _refuse_change_question_before_treatment(plan, definition.code, at)
    response = SurveyResponse(
        plan=plan,
        patient=plan.patient,
        instrument=definition.code,
        instrument_version=definition.version,
        recall_period=definition.recall_period or "",
        answers=cleaned,
        answered_at=at,
        source=SurveyResponse.Source.STAFF_TRANSCRIBED,
        entered_by=by,
        status=Status.AWAITING_VERIFICATION,
        wording=wording.wording,
        text_pack=wording.text_pack,
        form_version=wording.form_version,
    )
    _apply_scores(response)
    followup = selectors.followup_holding(plan, at)
    if followup and followup.responses.filter(instrument=definition.code).exists():
        raise DomainError(f"The {followup.timepoint} follow-up already has a {instrument} survey.")
    _place(response, followup, followup.timepoint if followup else "")
    with transaction.atomic():
        response.save()
        _audit(
            response,
            by=by,
            action=AuditAction.CREATE,
            reason="Paper form transcribed",
            answers=[None, cleaned],
            form_version=[None, response.form_version],
        )
    return response


def _require_awaiting(response: SurveyResponse) -> None:
    if response.status != Status.AWAITING_VERIFICATION:
        raise DomainError("This response is not awaiting verification.")


def response_verify(*, response: SurveyResponse, by: User) -> SurveyResponse:
    """A second person checks the transcription against the paper form."""
    _require_awaiting(response)
    if response.entered_by_id == by.pk:
        raise DomainError("A second person must verify a form you transcribed yourself.")
    with transaction.atomic():
        response.verified_by, response.verification = by, SurveyResponse.Verification.SECOND_PERSON
        response_finalise(response, at=clock.now(), by=by)
    return response


def response_double_entry(
    *, response: SurveyResponse, answers: Mapping[str, object], by: User
) -> SurveyResponse:
    """Blind second entry: it must match the first entry item by item, or nothing changes."""
    _require_awaiting(response)
    second = clean_answers(response.instrument, answers)
    codes = scoring.instrument(response.instrument).definition.item_codes
    errors = {
        code: [f"first entry {response.answers.get(code)}, second entry {second.get(code)}"]
        for code in codes
        if response.answers.get(code) != second.get(code)
    }
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        response.verified_by, response.verification = by, SurveyResponse.Verification.DOUBLE_ENTRY
        response_finalise(response, at=clock.now(), by=by)
    return response


def responses_assign_for_plan(*, plan: TreatmentPlan) -> int:
    """(Re)assign the plan's unassigned paper and imported responses to time points by date.

    Answers given through a link stay out of window: they belong to their link's time point.
    """
    count = 0
    unassigned = plan.responses.filter(
        followup__isnull=True, answered_at__isnull=False, link__isnull=True
    )
    for response in unassigned:
        _assign(response)
        if response.followup is None:
            continue
        response.save(update_fields=["followup", "timepoint", "asked_for", "updated_at"])
        followup_complete_if_done(response.followup, at=clock.now())
        count += 1
    return count


def responses_recheck_baseline(*, followup: FollowUp, by: User | None) -> int:
    """Once the procedure start is known, baseline answers given after it leave the baseline
    (stored out of window) and the follow-up reopens if it had counted them."""
    assert followup.closes_at is not None
    late = list(followup.responses.filter(answered_at__gte=followup.closes_at))
    for response in late:
        response.followup, response.timepoint, response.asked_for = None, None, "baseline"
        response.save(update_fields=["followup", "timepoint", "asked_for", "updated_at"])
        _audit(
            response,
            by=by,
            action=AuditAction.UPDATE,
            reason="Answered after the procedure started: not a baseline (out of window)",
            timepoint=["baseline", None],
        )
    if late and followup.status == FollowUp.Status.COMPLETED:
        followup.status, followup.completed_at = FollowUp.Status.OPEN, None
        followup.save(update_fields=["status", "completed_at", "updated_at"])
    return len(late)
