"""Booking, rescheduling and cancelling appointments; resource hours and exceptions.

A date that leaves less than the required hold for the patient's current NSAIDs (treatments
that rely on the healing response) or blood thinners (every needle, by the target's
bleeding-risk class) is refused unless the prescriber's hold plan for that medicine is
recorded and signed (issue 9 item 3); the refusal is audited.

One needle procedure per patient and clinic-local day (ADR 0024): booking or rescheduling
onto a day on which the patient already has another needle procedure booked (a BMAC day or
an injected comparator, of any of their plans) is refused with the other appointment named,
unless a physician confirms it with a written reason (kept on the appointment, audited).
The patient's row is locked first so two bookings of two plans cannot both pass.

No double booking, even under concurrent requests: inside one transaction the service
locks the rows of every resource the appointment needs (rooms, then equipment, then staff,
each by primary key, so two bookings never wait on each other in opposite orders), then
re-reads the calendar and checks it. On SQLite the transaction itself is BEGIN IMMEDIATE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction

from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.refusals import audited_refusals
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.core.models import Clinic
from marrowtrack.facilities.models import Equipment, Room
from marrowtrack.intake import availability, checks, holds, resources, selectors
from marrowtrack.intake.clinictime import clinic_tz
from marrowtrack.intake.facts import DrugClass, Medication, Treatment
from marrowtrack.intake.instructions import long_date
from marrowtrack.intake.models import (
    INJECTED_COMPARATORS,
    Appointment,
    BookingSettings,
    TreatmentPlan,
)
from marrowtrack.intake.services.common import audit, audit_create, required_text
from marrowtrack.patients.models import Patient


class BookingRefused(DomainError):
    """The slot cannot be booked; the message gives every reason."""


class HoldTooShort(BookingRefused, SafetyRefusal):
    """The date leaves less than a medication hold needs; audited as a safety refusal."""


class SecondNeedleSameDay(BookingRefused, SafetyRefusal):
    """The patient already has a needle procedure that day; a physician's reason is needed."""


@dataclass(frozen=True)
class Team:
    room: Room
    physician: User
    nurse: User | None = None
    centrifuge: Equipment | None = None
    lab_tech: User | None = None


def booking_settings(clinic: Clinic) -> BookingSettings:
    found = BookingSettings.objects.filter(clinic=clinic).first()
    return found or BookingSettings(clinic=clinic)


def appointment_minutes(plan: TreatmentPlan) -> int:
    settings = booking_settings(plan.patient.clinic)
    return settings.procedure_minutes if plan.needs_harvest else settings.comparator_minutes


def _check_team(plan: TreatmentPlan, team: Team) -> None:
    clinic, errors = plan.patient.clinic, {}
    if team.room.clinic_id != clinic.pk or not team.room.active:
        errors["room"] = ["Choose an active room of this clinic."]
    elif plan.needs_harvest and not team.room.has_fluoroscopy:
        errors["room"] = [f"{team.room} has no fluoroscopy; the marrow harvest needs it."]
    staff = {"physician": (team.physician, Role.PHYSICIAN), "nurse": (team.nurse, Role.NURSE)}
    if plan.needs_harvest:
        staff["lab_tech"] = (team.lab_tech, Role.LAB_TECH)
        if team.centrifuge is None or team.centrifuge.kind != Equipment.Kind.CENTRIFUGE:
            errors["centrifuge"] = ["A BMAC procedure needs a centrifuge."]
        elif team.centrifuge.clinic_id != clinic.pk or not team.centrifuge.active:
            errors["centrifuge"] = ["Choose an active centrifuge of this clinic."]
    for field, (user, role) in staff.items():
        if user is None or user.clinic_id != clinic.pk or not resources.has_role(user, role):
            errors[field] = [f"Choose a {Role(role).label.lower()} of this clinic."]
    if errors:
        raise ValidationFailed(errors)


def _check_plan(plan: TreatmentPlan) -> None:
    if plan.is_archived or plan.patient.is_archived:
        raise BookingRefused("The plan or the patient record is archived.")
    if plan.status != TreatmentPlan.Status.APPROVED:
        raise BookingRefused(
            f"The plan is '{plan.get_status_display()}': a physician must approve eligibility "
            "before a booking."
        )


def _nsaid_needs(plan: TreatmentPlan, ctx: checks.Context) -> list[holds.RequiredHold]:
    rule = selectors.clinic_ruleset(plan.patient.clinic).rule("nsaid_hold")
    day = ctx.plan.planned_date
    if rule is None or day is None or Treatment(plan.treatment) not in rule.applies_to:
        return []
    days = int(rule.params["hold_days_before"])
    found = (
        holds.required_hold(
            m, days=days, procedure_on=day, holds=ctx.plan.holds, basis=f"{days} NSAID-free days"
        )
        for m in ctx.patient.medications
        if m.drug_class == DrugClass.NSAID
    )
    return [need for need in found if need is not None]


def _thinner_needs(plan: TreatmentPlan, ctx: checks.Context) -> list[holds.RequiredHold]:
    rule = selectors.clinic_ruleset(plan.patient.clinic).rule("blood_thinner_hold")
    if rule is None or Treatment(plan.treatment) not in rule.applies_to:
        return []
    return list(checks.blood_thinner_holds(rule.params, ctx))


def _earliest(need: holds.RequiredHold, today: date) -> date:
    last = need.last_dose_on if need.last_dose_on is not None else today
    return max(last, today) + timedelta(days=need.days + 1)


def _hold_problem(need: holds.RequiredHold, today: date) -> str:
    """Why this medicine's hold cannot be met by the date, or "" when it can (a signed hold
    plan is the prescriber's decision and is accepted)."""
    if need.hold is not None or need.status == holds.HoldStatus.PLANNED:
        return ""
    if need.status == holds.HoldStatus.UNPLANNED and need.last_dose_by >= today:
        return ""
    medicine: Medication = need.medication
    return (
        f"{medicine.name} needs {need.basis} (last dose by "
        f"{long_date(need.last_dose_by)}); the earliest date that allows it is "
        f"{long_date(_earliest(need, today))}, or record the prescriber's signed hold plan."
    )


def hold_problems(plan: TreatmentPlan, day: date) -> list[str]:
    """Every medication hold a procedure on ``day`` would leave too short, in words."""
    today = clock.now().astimezone(clinic_tz(plan.patient.clinic)).date()
    ctx = checks.Context(
        selectors.patient_facts(plan.patient, on=today),
        selectors.plan_facts(plan, planned_on=day),
        today,
    )
    needs = _nsaid_needs(plan, ctx) + _thinner_needs(plan, ctx)
    return [problem for need in needs if (problem := _hold_problem(need, today))]


def _check_holds(plan: TreatmentPlan, start: datetime) -> None:
    day = start.astimezone(clinic_tz(plan.patient.clinic)).date()
    problems = hold_problems(plan, day)
    if problems:
        raise HoldTooShort("Cannot book inside a medication hold: " + " ".join(problems))


def is_needle_plan(plan: TreatmentPlan) -> bool:
    """A BMAC day (harvest and injection) or a comparator the clinic injects."""
    return plan.needs_harvest or plan.treatment in INJECTED_COMPARATORS


def _appointment_words(appointment: Appointment) -> str:
    starts = clock.localtime(appointment.starts_at, appointment.clinic)
    return (
        f"{appointment.plan.get_treatment_display()} ({appointment.plan.target_label}) "
        f"at {starts:%H:%M} on {long_date(starts.date())}"
    )


def same_day_needle_appointments(
    patient: Patient, day: date, *, exclude_plan: TreatmentPlan | None = None
) -> list[Appointment]:
    """The patient's booked (or done) needle appointments on this clinic-local day, except
    those of ``exclude_plan``."""
    start, end = clock.day_bounds(day, patient.clinic)
    found = (
        Appointment.objects.filter(
            plan__patient=patient,
            status__in=Appointment.HOLDS_TIME,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .exclude(plan=exclude_plan)
        .select_related("plan", "clinic")
        .order_by("starts_at")
    )
    return [a for a in found if is_needle_plan(a.plan)]


def same_day_confirmed(patient: Patient, day: date) -> bool:
    """Whether a physician confirmed, with a reason, more than one needle procedure for
    this patient on this day (on any of that day's appointments)."""
    start, end = clock.day_bounds(day, patient.clinic)
    return (
        Appointment.objects.filter(
            plan__patient=patient,
            status__in=Appointment.HOLDS_TIME,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .exclude(same_day_reason="")
        .exists()
    )


def _check_same_day(
    plan: TreatmentPlan, start: datetime, by: User, reason: str
) -> Appointment | None:
    """Refuse a second needle procedure on the patient's day unless a physician gives the
    reason; returns the other appointment the reason is about (None: nothing to confirm)."""
    if not is_needle_plan(plan):
        return None
    day = clock.localdate(start, plan.patient.clinic)
    others = same_day_needle_appointments(plan.patient, day, exclude_plan=plan)
    if not others:
        return None
    named = "; ".join(_appointment_words(a) for a in others)
    if not reason:
        raise SecondNeedleSameDay(
            f"The patient already has a needle procedure that day: {named}. Choose another "
            "day, or a physician confirms both with a written reason."
        )
    if not resources.has_role(by, Role.PHYSICIAN):
        raise PermissionDenied("Only a physician may confirm two needle procedures on one day.")
    return others[0]


def _team_members(team: Team) -> list[object]:
    return [m for m in (team.room, team.centrifuge, team.physician, team.nurse, team.lab_tech) if m]


def _lock(team: Team) -> None:
    """Lock resource rows in one global order: rooms, equipment, staff; each by pk."""
    Room.objects.select_for_update().filter(pk=team.room.pk).get()
    if team.centrifuge:
        Equipment.objects.select_for_update().filter(pk=team.centrifuge.pk).get()
    staff = sorted({u.pk for u in (team.physician, team.nurse, team.lab_tech) if u})
    list(User.objects.select_for_update().filter(pk__in=staff).order_by("pk"))


def _conflicts(
    plan: TreatmentPlan, team: Team, start: datetime, end: datetime, ignore: Appointment | None
) -> list[str]:
    members = [resources.candidate(m) for m in _team_members(team)]  # type: ignore[arg-type]
    calendar = resources.calendar_for(
        plan.patient.clinic, start=start, end=end, keys=[c.key for c in members], ignore=ignore
    )
    found = [p for c in members for p in availability.problems(calendar, c, start, end)]
    clash = Appointment.objects.filter(
        plan__patient=plan.patient,
        status__in=Appointment.HOLDS_TIME,
        starts_at__lt=end,
        ends_at__gt=start,
    ).exclude(pk=ignore.pk if ignore else None)
    if clash.exists():
        found.append("The patient already has an appointment at that time.")
    return found


def _create(
    plan: TreatmentPlan, team: Team, start: datetime, by: User, same_day_reason: str
) -> Appointment:
    kind = Appointment.Kind.PROCEDURE if plan.needs_harvest else Appointment.Kind.COMPARATOR
    return Appointment.objects.create(
        same_day_reason=same_day_reason,
        same_day_confirmed_by=by if same_day_reason else None,
        clinic=plan.patient.clinic,
        plan=plan,
        kind=kind,
        starts_at=start,
        ends_at=start + timedelta(minutes=appointment_minutes(plan)),
        room=team.room,
        centrifuge=team.centrifuge if plan.needs_harvest else None,
        physician=team.physician,
        nurse=team.nurse,
        lab_tech=team.lab_tech if plan.needs_harvest else None,
        booked_by=by,
    )


def _book(
    plan: TreatmentPlan,
    team: Team,
    start: datetime,
    by: User,
    ignore: Appointment | None,
    same_day_reason: str = "",
) -> Appointment:
    """Runs inside the caller's transaction: check, lock, re-check, insert, audit."""
    if start.tzinfo is None:
        raise ValidationFailed({"starts_at": ["Give the time with its timezone."]})
    if start < clock.now():
        raise ValidationFailed({"starts_at": ["The time is in the past."]})
    plan = (
        TreatmentPlan.objects.select_for_update().select_related("patient__clinic").get(pk=plan.pk)
    )
    # The patient's row queues bookings of the patient's other plans (one needle a day).
    Patient.objects.select_for_update().filter(pk=plan.patient_id).first()
    _check_plan(plan)
    _check_holds(plan, start)
    reason = (same_day_reason or "").strip()[:300]
    other = _check_same_day(plan, start, by, reason)
    _check_team(plan, team)
    _lock(team)
    end = start + timedelta(minutes=appointment_minutes(plan))
    problems = _conflicts(plan, team, start, end, ignore)
    if problems:
        raise BookingRefused("Cannot book: " + " ".join(dict.fromkeys(problems)))
    appointment = _create(plan, team, start, by, reason if other else "")
    audit_create(
        by=by,
        instance=appointment,
        patient=plan.patient,
        fields=(
            "kind",
            "starts_at",
            "ends_at",
            "room",
            "centrifuge",
            "physician",
            "nurse",
            "lab_tech",
        ),
    )
    if other is not None:
        audit(
            by=by,
            action=AuditAction.UPDATE,
            instance=appointment,
            patient=plan.patient,
            changes={
                "same_day_reason": [None, appointment.same_day_reason],
                "same_day_confirmed_with": [None, str(other.public_id)],
            },
            reason=appointment.same_day_reason,
        )
    return appointment


def appointment_book(
    *, plan: TreatmentPlan, by: User, starts_at: datetime, team: Team, same_day_reason: str = ""
) -> Appointment:
    """Book the plan's appointment (procedure or comparator), refusing with every reason;
    ``same_day_reason``: a physician's reason for a second needle procedure that day."""
    with audited_refusals(
        by=by, target=plan, patient_public_id=plan.patient.public_id, changes=_when(starts_at)
    ):
        with transaction.atomic():
            plan = TreatmentPlan.objects.select_related("patient__clinic").get(pk=plan.pk)
            return _book(plan, team, starts_at, by, None, same_day_reason)


def _when(starts_at: datetime) -> dict[str, str]:
    return {"starts_at": starts_at.isoformat() if isinstance(starts_at, datetime) else ""}


def _close(appointment: Appointment, by: User, status: str, reason: str) -> None:
    old = appointment.status
    appointment.status = status
    appointment.status_reason = reason
    appointment.save(update_fields=["status", "status_reason", "rescheduled_to", "updated_at"])
    audit(
        by=by,
        action=AuditAction.UPDATE,
        instance=appointment,
        patient=appointment.plan.patient,
        changes={"status": [old, status]},
        reason=reason,
    )


def _locked_active(appointment: Appointment) -> Appointment:
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("plan__patient__clinic", "room", "centrifuge")
        .get(pk=appointment.pk)
    )
    if appointment.status != Appointment.Status.BOOKED:
        raise DomainError(
            f"This appointment is already {appointment.get_status_display().lower()}."
        )
    return appointment


def appointment_cancel(*, appointment: Appointment, by: User, reason: str) -> Appointment:
    reason = required_text(reason, "reason", "Give a reason for cancelling.")
    with transaction.atomic():
        appointment = _locked_active(appointment)
        _close(appointment, by, Appointment.Status.CANCELLED, reason)
    return appointment


def team_of(appointment: Appointment) -> Team:
    return Team(
        room=appointment.room,
        physician=appointment.physician,
        nurse=appointment.nurse,
        centrifuge=appointment.centrifuge,
        lab_tech=appointment.lab_tech,
    )


def appointment_reschedule(
    *,
    appointment: Appointment,
    by: User,
    starts_at: datetime,
    reason: str,
    team: Team | None = None,
    same_day_reason: str = "",
) -> Appointment:
    """Move an appointment: the new one is booked with every check, the old one keeps its
    history as RESCHEDULED with the reason and a link to the new one."""
    reason = required_text(reason, "reason", "Give a reason for rescheduling.")
    plan = appointment.plan
    with audited_refusals(
        by=by, target=plan, patient_public_id=plan.patient.public_id, changes=_when(starts_at)
    ):
        with transaction.atomic():
            old = _locked_active(appointment)
            new = _book(old.plan, team or team_of(old), starts_at, by, old, same_day_reason)
            old.rescheduled_to = new
            _close(old, by, Appointment.Status.RESCHEDULED, reason)
    return new
