"""Adverse events: recorded by a nurse or physician (from scratch or from a worklist task),
reviewed and signed by a physician, then locked; later information is an addendum.

The rules a record must satisfy as a whole are in the pure ``recovery.adverse`` module;
every entry point (page, API) goes through these services.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import transaction

from marrowtrack.accounts.access import require_role, require_same_clinic
from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.refusals import audited_refusals
from marrowtrack.audit.versions import version_check, version_save
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.esign.models import Signature
from marrowtrack.esign.services import signature_sign
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.recovery import adverse
from marrowtrack.recovery.models import AdverseEvent, AdverseEventAddendum, NurseTask
from marrowtrack.recovery.profiles import profile_for
from marrowtrack.recovery.services.common import audit

FIELDS = (
    "event_type",
    "event_type_other",
    "site",
    "onset_on",
    "grade",
    "serious",
    "serious_criteria",
    "relatedness",
    "actions",
    "actions_detail",
    "outcome",
    "resolved_on",
    "description",
)
RECORDERS = frozenset({Role.NURSE, Role.PHYSICIAN})
SIGN_STATEMENT = "I have reviewed this adverse event: its grade, seriousness and relatedness."


class RecordLocked(SafetyRefusal):
    """A signed adverse event cannot change; the attempt is audited. Add an addendum."""


def _values(data: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise ValidationFailed({name: ["This field is not accepted here."] for name in unknown})
    values = {name: data.get(name) for name in FIELDS}
    for name in ("event_type_other", "actions_detail", "description"):
        values[name] = str(values[name] or "").strip()
    values["serious"] = bool(values["serious"])
    values["serious_criteria"] = sorted(set(values["serious_criteria"] or []))
    values["actions"] = sorted(set(values["actions"] or []))
    return values


def _check(values: Mapping[str, Any], plan: TreatmentPlan) -> None:
    problems: dict[str, list[str]] = {}
    for name in ("event_type", "site", "onset_on", "grade", "relatedness", "outcome"):
        if values.get(name) in (None, ""):
            problems[name] = ["This field is required."]
    if not values["description"]:
        problems["description"] = ["Describe what happened and what was found."]
    if problems:
        raise ValidationFailed(problems)
    profile = profile_for(plan.treatment)
    facts = adverse.EventFacts(
        event_type=values["event_type"],
        event_type_other=values["event_type_other"],
        site=values["site"],
        onset_on=values["onset_on"],
        grade=int(values["grade"]),
        serious=values["serious"],
        serious_criteria=frozenset(values["serious_criteria"]),
        relatedness=values["relatedness"],
        actions=frozenset(values["actions"]),
        outcome=values["outcome"],
        resolved_on=values["resolved_on"],
    )
    setting = adverse.Setting(
        today=clock.today(plan.patient.clinic),
        treated_on=plan.treated_on,
        harvest=bool(profile and profile.harvest),
    )
    problems = adverse.event_problems(facts, setting)
    if problems:
        raise ValidationFailed(problems)


def adverse_event_record(
    *, plan: TreatmentPlan, by: User, data: Mapping[str, Any], task: NurseTask | None = None
) -> AdverseEvent:
    """Record a new adverse event (awaiting physician review); from a task, it links it."""
    require_same_clinic(by, plan.patient.clinic_id)
    require_role(by, RECORDERS, "record adverse events")
    values = _values(data)
    _check(values, plan)
    with transaction.atomic():
        if task is not None:
            task = NurseTask.objects.select_for_update().select_related("course").get(pk=task.pk)
            if task.course.plan_id != plan.pk:
                raise DomainError("The task belongs to another treatment plan.")
            if AdverseEvent.objects.filter(source_task=task).exists():
                raise DomainError("This task already has an adverse event.")
        event = AdverseEvent.objects.create(
            clinic=plan.patient.clinic,
            patient=plan.patient,
            plan=plan,
            source_task=task,
            recorded_by=by,
            **values,
        )
        audit(
            by=by,
            patient=plan.patient,
            target=event,
            action=AuditAction.CREATE,
            changes={name: [None, values[name]] for name in FIELDS},
            extra={"task": str(task.public_id) if task else None},
            name="adverse_event.record",
        )
    return event


def _refuse_if_signed(event: AdverseEvent) -> None:
    if event.is_locked:
        raise RecordLocked(
            "This adverse event is signed and locked; add an addendum with the new information."
        )


def adverse_event_update(
    *, event: AdverseEvent, by: User, data: Mapping[str, Any], version: int
) -> AdverseEvent:
    """Correct an event before it is signed, made from `version` of it; a signed event is
    refused (and audited), a stale edit refused with who changed it (decision 0021)."""
    require_same_clinic(by, event.clinic_id)
    require_role(by, RECORDERS, "edit adverse events")
    values = _values(data)
    with audited_refusals(by=by, target=event, patient_public_id=event.patient.public_id):
        with transaction.atomic():
            event = (
                AdverseEvent.objects.select_for_update()
                .select_related("plan__patient")
                .get(pk=event.pk)
            )
            _refuse_if_signed(event)
            version_check(event, read=version, fields=FIELDS)
            _check(values, event.plan)
            changes: dict[str, Any] = {
                name: [getattr(event, name), value]
                for name, value in values.items()
                if getattr(event, name) != value
            }
            for name, value in values.items():
                setattr(event, name, value)
            version_save(event, read=version, fields=list(values), shown=FIELDS)
            changes["version"] = [version, event.version]
            audit(
                by=by,
                patient=event.patient,
                target=event,
                changes=changes,
                name="adverse_event.correct",
            )
    return event


def signed_content(event: AdverseEvent) -> dict[str, Any]:
    """What the physician's signature covers (its hash is stored with the signature)."""
    content = {name: getattr(event, name) for name in FIELDS}
    content["patient"] = str(event.patient.public_id)
    content["plan"] = str(event.plan.public_id)
    content["event"] = str(event.public_id)
    return content


def adverse_event_sign(
    *, event: AdverseEvent, by: User, password: str, totp: str | None = None
) -> AdverseEvent:
    """A physician reviews and signs (re-entering the password); the event is then locked."""
    require_same_clinic(by, event.clinic_id)
    require_role(by, {Role.PHYSICIAN}, "sign adverse events")
    with audited_refusals(by=by, target=event, patient_public_id=event.patient.public_id):
        with transaction.atomic():
            event = (
                AdverseEvent.objects.select_for_update()
                .select_related("plan__patient")
                .get(pk=event.pk)
            )
            _refuse_if_signed(event)
            signature = signature_sign(
                user=by,
                password=password,
                totp=totp,
                meaning=Signature.Meaning.REVIEWED,
                record=event,
                content=signed_content(event),
                statement=SIGN_STATEMENT,
                patient_public_id=event.patient.public_id,
            )
            event.status, event.signature = AdverseEvent.Status.SIGNED, signature
            event.save(update_fields=["status", "signature", "updated_at"])
            audit(
                by=by,
                patient=event.patient,
                target=event,
                changes={"status": ["draft", "signed"]},
                name="adverse_event.sign",
            )
    return event


def _check_addendum(event: AdverseEvent, outcome: str, resolved_on: date | None) -> None:
    problems: dict[str, list[str]] = {}
    if outcome and outcome not in adverse.OUTCOMES:
        problems["outcome"] = ["Choose one of the listed outcomes."]
    elif outcome == "fatal":
        problems["outcome"] = [
            "A death changes the grade to 5: record it as a new grade 5 event and refer to it."
        ]
    elif outcome in adverse.RESOLVED_OUTCOMES and resolved_on is None:
        problems["resolved_on"] = ["Give the date it resolved."]
    if resolved_on is not None and outcome not in adverse.RESOLVED_OUTCOMES:
        problems["resolved_on"] = ["Only a recovered or resolved outcome has a resolution date."]
    elif resolved_on is not None and not event.onset_on <= resolved_on <= clock.today(event.clinic):
        problems["resolved_on"] = ["The date must be between the onset and today."]
    if problems:
        raise ValidationFailed(problems)


def adverse_event_addendum_add(
    *, event: AdverseEvent, by: User, text: str, outcome: str = "", resolved_on: date | None = None
) -> AdverseEventAddendum:
    """Later information about a signed event, optionally a new outcome and its date."""
    require_same_clinic(by, event.clinic_id)
    require_role(by, RECORDERS, "add to adverse events")
    text = (text or "").strip()
    if len(text) < 3:
        raise ValidationFailed({"text": ["Write the new information."]})
    with transaction.atomic():
        event = (
            AdverseEvent.objects.select_for_update()
            .select_related("patient__clinic")
            .get(pk=event.pk)
        )
        if not event.is_locked:
            raise DomainError("This event is not signed yet: correct the record itself.")
        _check_addendum(event, outcome, resolved_on)
        addendum = AdverseEventAddendum.objects.create(
            event=event, text=text, outcome=outcome, resolved_on=resolved_on, by=by, at=clock.now()
        )
        audit(
            by=by,
            patient=event.patient,
            target=event,
            action=AuditAction.UPDATE,
            changes={},
            extra={
                "addendum": str(addendum.public_id),
                "outcome": outcome,
                "resolved_on": resolved_on,
            },
            name="adverse_event.addendum",
            reason=text,
        )
    return addendum
