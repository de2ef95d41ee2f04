"""Reads for intake: the ORM -> facts adapter the eligibility engine needs, and lists."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from marrowtrack.core.models import Clinic
from marrowtrack.intake import facts as f
from marrowtrack.intake.models import (
    Appointment,
    Consent,
    LabValue,
    PriorTreatment,
    Screening,
    TreatmentPlan,
)
from marrowtrack.patients.models import Patient

_INJECTED = {d.value for d in f.InjectedDrug}


def _latest_platelets(patient: Patient, on: date) -> f.PlateletCount | None:
    lab = (
        LabValue.objects.filter(
            patient=patient, test=LabValue.Test.PLATELETS, archived_at=None, taken_on__lte=on
        )
        .order_by("-taken_on", "-created_at")
        .first()
    )
    return f.PlateletCount(int(lab.value), lab.taken_on) if lab else None


def _latest_weight(patient: Patient, on: date) -> f.Weight | None:
    weight = patient.weights.filter(archived_at=None, measured_on__lte=on).first()
    return f.Weight(Decimal(weight.weight_kg), weight.measured_on) if weight else None


def patient_facts(patient: Patient, *, on: date) -> f.PatientFacts:
    """The patient's record as the eligibility engine sees it on ``on`` (archived rows out)."""
    return f.PatientFacts(
        date_of_birth=patient.date_of_birth,
        sex=f.Sex(patient.sex),
        weight=_latest_weight(patient, on),
        platelets=_latest_platelets(patient, on),
        allergies=tuple(
            f.Allergy(f.AllergyCategory(a.category), a.substance)
            for a in patient.allergies.filter(archived_at=None)
        ),
        medications=tuple(
            f.Medication(m.name, f.DrugClass(m.drug_class), m.started_on, m.stopped_on)
            for m in patient.medications.filter(archived_at=None)
        ),
        conditions=tuple(
            f.Condition(
                f.ConditionKind(c.kind),
                c.diagnosed_on,
                c.resolved_on,
                None,  # the record has no infection site: the engine treats it as both sites
                c.cleared_by_haematology,
                c.detail,
            )
            for c in patient.conditions.filter(archived_at=None)
        ),
    )


def _prior_injection(prior: PriorTreatment, plan: TreatmentPlan) -> f.PriorInjection | None:
    if prior.kind != PriorTreatment.Kind.INJECTION or not prior.given_on:
        return None
    drug = prior.drug if prior.drug in _INJECTED else f.InjectedDrug.OTHER
    return f.PriorInjection(
        given_on=prior.given_on,
        drug=f.InjectedDrug(drug),
        target=f.Target(prior.target or plan.target),
        laterality=f.Laterality(prior.laterality or plan.laterality),
    )


def next_appointment(plan: TreatmentPlan) -> Appointment | None:
    return (
        plan.appointments.filter(status=Appointment.Status.BOOKED)
        .select_related("room", "centrifuge", "physician", "nurse", "lab_tech")
        .order_by("starts_at")
        .first()
    )


def planned_date(plan: TreatmentPlan) -> date | None:
    from django.utils import timezone

    appointment = next_appointment(plan)
    return timezone.localdate(appointment.starts_at) if appointment else None


def plan_facts(plan: TreatmentPlan) -> f.PlanFacts:
    """The plan as the engine sees it; the planned date is the next booked appointment."""
    priors = (_prior_injection(p, plan) for p in plan.prior.all())
    return f.PlanFacts(
        condition=plan.condition,
        target=f.Target(plan.target),
        laterality=f.Laterality(plan.laterality),
        treatment=f.Treatment(plan.treatment),
        planned_date=planned_date(plan),
        prior_injections=tuple(p for p in priors if p is not None),
    )


def plans_for_clinic(*, clinic: Clinic, status: str = "") -> QuerySet[TreatmentPlan]:
    plans = TreatmentPlan.objects.filter(patient__clinic=clinic, archived_at=None)
    if status:
        plans = plans.filter(status=status)
    return plans.select_related("patient").order_by("-created_at")


def plans_for_patient(patient: Patient) -> QuerySet[TreatmentPlan]:
    return patient.plans.filter(archived_at=None).select_related("previous_plan")


def plan_with_detail(plan: TreatmentPlan) -> TreatmentPlan:
    """One plan with everything its page shows, in a fixed number of queries."""
    return (
        TreatmentPlan.objects.select_related("patient", "previous_plan", "created_by")
        .prefetch_related(
            "prior",
            Prefetch("screenings", queryset=Screening.objects.select_related("screened_by")),
            "decisions__signature",
            "decisions__screening",
            Prefetch("consents", queryset=Consent.objects.select_related("document")),
            Prefetch(
                "appointments",
                queryset=Appointment.objects.select_related("room", "physician"),
            ),
        )
        .get(pk=plan.pk)
    )


def lab_values_for(patient: Patient) -> QuerySet[LabValue]:
    return patient.lab_values.filter(archived_at=None)


def appointments_between(
    *, clinic: Clinic, start: datetime, end: datetime, active_only: bool = False
) -> QuerySet[Appointment]:
    appointments = Appointment.objects.filter(
        clinic=clinic, starts_at__lt=end, ends_at__gt=start
    ).select_related("plan__patient", "room", "centrifuge", "physician", "nurse", "lab_tech")
    if active_only:
        appointments = appointments.filter(status=Appointment.Status.BOOKED)
    return appointments.order_by("starts_at")


def appointments_for_patient(*, patient: Patient, since: datetime) -> QuerySet[Appointment]:
    """The patient's booked appointments from ``since`` on (the portal lists them)."""
    return (
        Appointment.objects.filter(
            plan__patient=patient, status=Appointment.Status.BOOKED, ends_at__gte=since
        )
        .select_related("plan")
        .order_by("starts_at")
    )


def consents_for_patient(*, patient: Patient) -> QuerySet[Consent]:
    """The patient's signed consents, newest first (the portal offers their PDFs)."""
    signed = (Consent.Status.SIGNED, Consent.Status.WITNESSED)
    return (
        Consent.objects.filter(plan__patient=patient, status__in=signed)
        .select_related("plan", "document")
        .order_by("-patient_signed_at")
    )
