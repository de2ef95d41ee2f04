"""Survey responses: scoring on submit, portal pages, staff transcription and verification.

Scores are derived from the stored raw answers with the instrument's scoring rules
(MarrowTrack instrument spec) and stored with the rule versions used, so they can be
recomputed. A response is assigned to the time point whose window holds its answer date;
outside every window it is stored unassigned.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, ValidationFailed
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.outcomes import catalogue, scoring
from marrowtrack.outcomes.models import FollowUp, SurveyResponse
from marrowtrack.outcomes.services.followups import instruments_for_plan

Status = SurveyResponse.Status


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


def compute_scores(instrument: str, answers: Mapping[str, object]) -> tuple[dict, str]:
    """Scores of the instrument and those derived from it (KOOS -> KOOS JR), rule versions."""
    results = scoring.score_with_derived(instrument, answers)  # type: ignore[arg-type]
    scores = {result.instrument: result.to_json() for result in results}
    return scores, "; ".join(result.rule_version for result in results)


def _answer_day(at: datetime) -> date:
    return timezone.localdate(at)


def followup_for(plan: TreatmentPlan, day: date) -> FollowUp | None:
    """The plan's follow-up whose window holds the day (None outside every window)."""
    return plan.followups.filter(opens_on__lte=day, closes_on__gte=day).order_by("position").first()


def _apply_scores(response: SurveyResponse) -> None:
    response.scores, response.rule_version = compute_scores(response.instrument, response.answers)


def _assign(response: SurveyResponse) -> None:
    assert response.answered_at is not None
    followup = followup_for(response.plan, _answer_day(response.answered_at))
    taken = followup and followup.responses.filter(instrument=response.instrument).exclude(
        pk=response.pk
    )
    if taken and taken.exists():
        followup = None  # already answered for that time point: keep, but unassigned
    response.followup = followup
    response.timepoint = followup.timepoint if followup else None


def followup_complete_if_done(followup: FollowUp | None, *, at: datetime) -> bool:
    """Mark an open follow-up completed once every instrument of its time point is in."""
    if followup is None or followup.status != FollowUp.Status.OPEN:
        return False
    every, later = instruments_for_plan(followup.plan)
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
        reason="Survey submitted",
        status=[None, Status.SUBMITTED],
        scores=[None, response.scores],
        timepoint=[None, response.timepoint],
    )


def portal_response_get_or_start(*, followup: FollowUp, instrument: str) -> SurveyResponse:
    """The follow-up's response for one instrument, started on first use."""
    found = followup.responses.filter(instrument=instrument).first()
    if found is not None:
        return found
    definition = scoring.instrument(instrument).definition
    try:
        with transaction.atomic():
            return SurveyResponse.objects.create(
                plan=followup.plan,
                patient=followup.plan.patient,
                followup=followup,
                timepoint=followup.timepoint,
                instrument=instrument,
                instrument_version=definition.version,
                recall_period=definition.recall_period or "",
                source=SurveyResponse.Source.PORTAL,
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
        responses = list(followup.responses.select_for_update().filter(status=Status.IN_PROGRESS))
        if not responses:
            raise DomainError("This survey was already submitted.")
        for response in responses:
            response_finalise(response, at=at, by=None)
        followup.links.filter(used_at__isnull=True).update(used_at=at)
    return responses


def response_transcribe(
    *,
    plan: TreatmentPlan,
    instrument: str,
    answers: Mapping[str, object],
    answered_on: date,
    by: User,
) -> SurveyResponse:
    """Store a paper form typed in by staff; it counts once a second check verifies it."""
    cleaned = clean_answers(instrument, answers)
    if answered_on > clock.today():
        raise ValidationFailed({"answered_on": ["The form cannot be dated in the future."]})
    definition = scoring.instrument(instrument).definition
    at = timezone.make_aware(datetime.combine(answered_on, datetime.min.time().replace(hour=12)))
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
    )
    _apply_scores(response)
    followup = followup_for(plan, answered_on)
    if followup and followup.responses.filter(instrument=definition.code).exists():
        raise DomainError(f"The {followup.timepoint} follow-up already has a {instrument} survey.")
    response.followup, response.timepoint = followup, followup.timepoint if followup else None
    with transaction.atomic():
        response.save()
        _audit(
            response,
            by=by,
            action=AuditAction.CREATE,
            reason="Paper form transcribed",
            answers=[None, cleaned],
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
    """(Re)assign the plan's unassigned submitted responses to time points by answer date."""
    count = 0
    for response in plan.responses.filter(followup__isnull=True, answered_at__isnull=False):
        _assign(response)
        if response.followup is None:
            continue
        response.save(update_fields=["followup", "timepoint", "updated_at"])
        followup_complete_if_done(response.followup, at=clock.now())
        count += 1
    return count


def responses_rescore(*, by: User | None, batch: int = 2000) -> dict[str, int]:
    """Recompute every submitted response's scores from its raw answers (bulk path)."""
    from marrowtrack.outcomes.services.rescore import rescore_all

    return rescore_all(by=by, batch=batch)
