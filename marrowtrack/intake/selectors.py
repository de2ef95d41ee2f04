"""Reads for intake: the ORM -> facts adapter the eligibility engine needs, and lists."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import F, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.models import Clinic
from marrowtrack.core.pagination import keyset_page
from marrowtrack.core.scope import ExportScope
from marrowtrack.intake import checks, holds, rules
from marrowtrack.intake import facts as f
from marrowtrack.intake.models import (
    Appointment,
    ClinicRuleSet,
    Consent,
    EligibilityDecision,
    IntakeSettings,
    LabValue,
    MedicationHold,
    PriorTreatment,
    Screening,
    TreatmentPlan,
)
from marrowtrack.patients.models import Condition, Medication, Patient

_INJECTED = {d.value for d in f.InjectedDrug}
# A nerve block's injectate names its steroid when it has one (docs/reference.md §7 records
# the drug).
_STEROID = re.compile(
    r"triamcinolone|methylprednisolone|dexamethasone|betamethasone|cortisone|steroid", re.I
)


def _latest_lab(patient: Patient, test: str, on: date) -> LabValue | None:
    return (
        LabValue.objects.filter(patient=patient, test=test, archived_at=None, taken_on__lte=on)
        # The id breaks a tie of two values entered in the same instant: the later entry wins
        # (without it PostgreSQL may return either).
        .order_by("-taken_on", "-created_at", "-pk")
        .first()
    )


def _latest_platelets(patient: Patient, on: date) -> f.PlateletCount | None:
    lab = _latest_lab(patient, LabValue.Test.PLATELETS, on)
    return f.PlateletCount(int(lab.value), lab.taken_on) if lab else None


def _latest_inr(patient: Patient, on: date) -> f.Inr | None:
    lab = _latest_lab(patient, LabValue.Test.INR, on)
    return f.Inr(Decimal(lab.value), lab.taken_on) if lab else None


def _latest_weight(patient: Patient, on: date) -> f.Weight | None:
    weight = patient.weights.filter(archived_at=None, measured_on__lte=on).first()
    return f.Weight(Decimal(weight.weight_kg), weight.measured_on) if weight else None


def _agent(m: Medication) -> f.Agent | None:
    if m.drug_class not in (Medication.DrugClass.ANTICOAGULANT, Medication.DrugClass.ANTIPLATELET):
        return None
    if m.agent and m.agent != Medication.Agent.OTHER:
        return f.Agent(m.agent)
    return None  # holds.agent_of reads an unrecorded agent as "other" of its class


def medication_facts(medications: Iterable[Medication]) -> tuple[f.Medication, ...]:
    return tuple(
        f.Medication(
            m.name,
            f.DrugClass(m.drug_class),
            m.started_on,
            m.stopped_on,
            agent=_agent(m),
            steroid_mg_per_day=m.steroid_mg_per_day,
            ref=str(m.public_id),
        )
        for m in medications
    )


def _condition_facts(condition: Condition) -> f.Condition:
    return f.Condition(
        f.ConditionKind(condition.kind),
        condition.diagnosed_on,
        condition.resolved_on,
        f.BodySite(condition.site) if condition.site else None,
        condition.cleared_by_haematology,
        condition.detail,
        f.Laterality(condition.side) if condition.side else None,
    )


def patient_facts(
    patient: Patient, *, on: date, temperature_c: Decimal | None = None
) -> f.PatientFacts:
    """The patient's record as the eligibility engine sees it on ``on`` (archived rows out);
    ``temperature_c`` is today's, given only on the procedure day."""
    return f.PatientFacts(
        date_of_birth=patient.date_of_birth,
        sex=f.Sex(patient.sex),
        weight=_latest_weight(patient, on),
        platelets=_latest_platelets(patient, on),
        allergies=tuple(
            f.Allergy(f.AllergyCategory(a.category), a.substance)
            for a in patient.allergies.filter(archived_at=None)
        ),
        medications=medication_facts(patient.medications.filter(archived_at=None)),
        conditions=tuple(_condition_facts(c) for c in patient.conditions.filter(archived_at=None)),
        height_cm=patient.height_cm,
        inr=_latest_inr(patient, on),
        temperature_c=temperature_c,
    )


def _target(value: str) -> f.Target:
    try:
        return f.Target(value)
    except ValueError:
        return f.Target.OTHER  # a target added to the model before the engine knows it


def _prior_injection(prior: PriorTreatment) -> f.PriorInjection | None:
    plan = prior.plan
    if prior.kind != PriorTreatment.Kind.INJECTION or not prior.given_on:
        return None
    drug = prior.drug if prior.drug in _INJECTED else f.InjectedDrug.OTHER
    return f.PriorInjection(
        given_on=prior.given_on,
        drug=f.InjectedDrug(drug),
        target=_target(prior.target or plan.target),
        laterality=f.Laterality(prior.laterality or plan.laterality),
    )


def _given_here(plan: TreatmentPlan) -> f.PriorInjection | None:
    """A steroid the clinic injected under an earlier plan (issue 8 item 8)."""
    steroid = plan.treatment == "csi" or (
        plan.treatment == "nerve_block" and bool(_STEROID.search(plan.injectate_drug))
    )
    if not steroid or plan.treated_on is None:
        return None
    return f.PriorInjection(
        given_on=plan.treated_on,
        drug=f.InjectedDrug.CORTICOSTEROID,
        target=_target(plan.target),
        laterality=f.Laterality(plan.laterality),
        given_here=True,
    )


def prior_injections(plan: TreatmentPlan) -> tuple[f.PriorInjection, ...]:
    """Every injection known for the patient: recorded on any of their plans, and steroids
    the clinic gave under other treated plans; duplicates (same day, drug, place) once."""
    patient = plan.patient
    recorded = PriorTreatment.objects.filter(plan__patient=patient).select_related("plan")
    given = patient.plans.filter(archived_at=None, status=TreatmentPlan.Status.TREATED).exclude(
        pk=plan.pk
    )
    found = [_prior_injection(p) for p in recorded] + [_given_here(p) for p in given]
    unique: dict[tuple[object, ...], f.PriorInjection] = {}
    for item in found:
        if item is not None:
            key = (item.given_on, item.drug, item.target, item.laterality)
            unique[key] = item if item.given_here else unique.get(key, item)
    return tuple(sorted(unique.values(), key=lambda i: i.given_on))


def active_holds(plan: TreatmentPlan) -> QuerySet[MedicationHold]:
    return plan.holds.filter(archived_at=None).select_related("medication", "signature")


def day_holds(patient: Patient, day: date) -> QuerySet[MedicationHold]:
    """The signed hold plans for this patient's needle procedures on this clinic-local day,
    whichever of the patient's plans they were recorded on (ADR 0024)."""
    return MedicationHold.objects.filter(
        plan__patient=patient, procedure_on=day, archived_at=None
    ).select_related("medication", "signature")


def hold_facts(plan: TreatmentPlan, day: date | None) -> tuple[f.MedicationHold, ...]:
    """The hold plans that count for a procedure of this plan on ``day``: the patient's
    plans for that day only; a hold signed for another day counts for none. With no day
    yet (screened before booking), the plan's own current hold plans are what it has."""
    found = day_holds(plan.patient, day) if day is not None else active_holds(plan)
    return tuple(
        f.MedicationHold(str(h.medication.public_id), h.last_dose_on, h.restart_on, h.prescriber)
        for h in found
    )


def plan_encounters(plan: TreatmentPlan) -> list[Any]:
    """The plan's procedure days (the procedures app's rows, through the reverse relation:
    intake does not import it), newest first, reachable after their day (issue 9 item 6)."""
    return list(plan.encounters.order_by("-day", "-checked_in_at"))


@dataclass(frozen=True)
class SupersededDecision:
    """A decision the plan has left behind: edited after it, the plan went back to draft."""

    at: datetime | None
    by: str
    changed: tuple[str, ...]


def decision_superseded(
    plan: TreatmentPlan, decision: EligibilityDecision | None
) -> SupersededDecision | None:
    """When and by whom the plan was sent back to draft after `decision` (issue 9 item 2),
    from the audit trail; None while the decision still holds."""
    if decision is None or plan.status != TreatmentPlan.Status.DRAFT:
        return None
    edit = (
        AuditEvent.objects.filter(
            entity="intake.treatmentplan",
            entity_id=str(plan.public_id),
            changes__status__new=TreatmentPlan.Status.DRAFT,
            occurred_at__gte=decision.created_at,
        )
        .order_by("occurred_at", "id")
        .first()
    )
    if edit is None:  # sent back before the trail named it: still not the current decision
        return SupersededDecision(at=None, by="", changed=())
    bookkeeping = {"status", "version", "hard_stop_overridden"}
    fields = {f.name: str(f.verbose_name) for f in TreatmentPlan._meta.concrete_fields}
    changed = tuple(fields[n] for n in edit.changes if n in fields and n not in bookkeeping)
    return SupersededDecision(at=edit.occurred_at, by=edit.actor_label, changed=changed)


def next_appointment(plan: TreatmentPlan) -> Appointment | None:
    return (
        plan.appointments.filter(status=Appointment.Status.BOOKED)
        .select_related("room", "centrifuge", "physician", "nurse", "lab_tech")
        .order_by("starts_at")
        .first()
    )


def planned_date(plan: TreatmentPlan) -> date | None:
    """The day of the next booked appointment, in the clinic's own time zone."""
    from marrowtrack.intake.clinictime import clinic_tz

    appointment = next_appointment(plan)
    if appointment is None:
        return None
    return timezone.localtime(appointment.starts_at, clinic_tz(plan.patient.clinic)).date()


def plan_facts(
    plan: TreatmentPlan, *, planned_on: date | None = None, with_holds: bool = True
) -> f.PlanFacts:
    """The plan as the engine sees it; the planned date is the next booked appointment
    unless ``planned_on`` is given (a date being booked)."""
    planned = planned_on or planned_date(plan)
    return f.PlanFacts(
        condition=plan.condition,
        target=_target(plan.target),
        laterality=f.Laterality(plan.laterality),
        treatment=f.Treatment(plan.treatment),
        planned_date=planned,
        prior_injections=prior_injections(plan),
        harvest_side=f.Laterality(plan.harvest_side) if plan.harvest_side else None,
        harvest_anticoagulant=plan.harvest_anticoagulant,
        guidance=plan.guidance,
        kellgren_lawrence_grade=plan.kellgren_lawrence_grade,
        holds=hold_facts(plan, planned) if with_holds else (),
    )


def clinic_ruleset(clinic: Clinic) -> rules.RuleSet:
    """The clinic's newest published rule set, else the shipped default (docs/reference.md §0)."""
    stored = ClinicRuleSet.objects.filter(clinic=clinic).order_by("-created_at", "-pk").first()
    return rules.ruleset_from_json(stored.json) if stored else rules.DEFAULT_RULESET


def intake_settings(clinic: Clinic) -> IntakeSettings:
    """The clinic's settings, or the defaults (unsaved) when it has none."""
    return IntakeSettings.objects.filter(clinic=clinic).first() or IntakeSettings(clinic=clinic)


@dataclass(frozen=True)
class PlanFilters:
    """What the plans list can be narrowed by; empty values mean "any"."""

    q: str = ""  # MRN, name prefix or date of birth, as the patient search reads it
    status: str = ""
    treatment: str = ""
    target: str = ""
    overridden: bool = False


@dataclass(frozen=True)
class PlanPage:
    plans: list[TreatmentPlan]
    next_cursor: str  # "" on the last page


def _filtered(clinic: Clinic, filters: PlanFilters) -> QuerySet[TreatmentPlan]:
    from marrowtrack.patients.selectors import patient_matches

    plans = TreatmentPlan.objects.filter(patient__clinic=clinic, archived_at=None)
    if filters.q.strip():
        matching = patient_matches(clinic=clinic, query=filters.q, include_archived=True)
        plans = plans.filter(patient__in=matching.values("pk"))
    for name in ("status", "treatment", "target"):
        if value := getattr(filters, name):
            plans = plans.filter(**{name: value})
    if filters.overridden:
        plans = plans.filter(hard_stop_overridden=True)
    return plans


def plans_for_clinic(
    *, clinic: Clinic, filters: PlanFilters | None = None, after: str = "", limit: int = 50
) -> PlanPage:
    """One page of a clinic's plans, newest first, by keyset (``after`` is the previous
    page's ``next_cursor``), so every page costs the same at any depth (ADR 0030). Raises
    ValidationFailed for a cursor that is not one of ours."""
    ordered = plans_for_clinic_ordered(clinic=clinic, filters=filters)
    page = keyset_page(ordered, cursor=after, limit=limit)
    return PlanPage(page.items, page.next_cursor)


def plans_for_clinic_ordered(
    *, clinic: Clinic, filters: PlanFilters | None = None
) -> QuerySet[TreatmentPlan]:
    """The clinic's plans, newest first, in the order of the `plan_list_keyset` index."""
    plans = _filtered(clinic, filters or PlanFilters())
    return plans.select_related("patient").order_by("-created_at", "-public_id")


def plans_awaiting_decision(*, clinic: Clinic) -> QuerySet[TreatmentPlan]:
    """Draft plans screened since their last decision (or never decided): the physician's
    worklist, oldest screening first."""
    return (
        TreatmentPlan.objects.filter(
            patient__clinic=clinic, archived_at=None, status=TreatmentPlan.Status.DRAFT
        )
        .annotate(
            last_screened=Max("screenings__created_at"),
            last_decided=Max("decisions__created_at"),
        )
        .filter(last_screened__isnull=False)
        .filter(Q(last_decided__isnull=True) | Q(last_decided__lt=F("last_screened")))
        .select_related("patient")
        .order_by("last_screened")
    )


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


@dataclass(frozen=True)
class HoldLine:
    """One medicine's hold before this plan's procedure, as the plan page shows it."""

    medication: str
    requirement: str
    last_dose_by: date | None
    status: str  # "planned", "short", "unplanned"
    hold: MedicationHold | None


@dataclass(frozen=True)
class PlanSafety:
    """The thresholds the clinic's rules apply to this plan, shown where the plan is worked
    on (issue 8: "each rule shown to the person at the point of work")."""

    risk: str
    platelet_floor: int | None
    inr_limit: Decimal | None
    nsaid_days: int | None
    holds: list[HoldLine]
    ruleset_version: str


def _param(ruleset: rules.RuleSet, code: str, name: str) -> Decimal | int | None:
    rule = ruleset.rule(code)
    return rule.params[name] if rule is not None else None


def _floor(ruleset: rules.RuleSet, plan: TreatmentPlan, risk: str) -> int | None:
    floors = [_param(ruleset, "platelets_below_needle_floor", f"floor_{risk}")]
    if plan.needs_harvest:
        floors.append(_param(ruleset, "platelets_below_floor", "floor_per_nl"))
    known = [int(floor) for floor in floors if floor is not None]
    return max(known) if known else None


def _hold_lines(
    params: Mapping[str, Any], ctx: checks.Context, plan: TreatmentPlan
) -> list[HoldLine]:
    """Each blood thinner's hold for this plan: the days always, the date once booked."""
    planned = {str(h.medication.public_id): h for h in active_holds(plan)}
    booked = {need.medication.ref: need for need in checks.blood_thinner_holds(params, ctx)}
    lines = []
    for medication in ctx.patient.medications:
        agent = holds.agent_of(medication)
        if agent is None:
            continue
        days = holds.hold_days(params, agent, risk=ctx.risk, harvest=ctx.has_harvest)
        need = booked.get(medication.ref)
        lines.append(
            HoldLine(
                medication.name,
                checks.hold_basis(days, ctx) if days else "no hold in the table for this plan",
                need.last_dose_by if need else None,
                need.status.value if need else "",
                planned.get(medication.ref),
            )
        )
    return lines


def plan_safety(plan: TreatmentPlan, *, today: date) -> PlanSafety:
    ruleset = clinic_ruleset(plan.patient.clinic)
    ctx = checks.Context(patient_facts(plan.patient, on=today), plan_facts(plan), today)
    risk = ctx.risk.value
    hold_rule = ruleset.rule("blood_thinner_hold")
    applies = hold_rule is not None and ctx.plan.treatment in hold_rule.applies_to
    nsaid = ruleset.rule("nsaid_hold")
    biologic = nsaid is not None and ctx.plan.treatment in nsaid.applies_to
    return PlanSafety(
        risk=risk,
        platelet_floor=_floor(ruleset, plan, risk),
        inr_limit=_param(ruleset, "inr_on_warfarin", f"max_{risk}"),  # type: ignore[arg-type]
        nsaid_days=int(nsaid.params["hold_days_before"]) if biologic and nsaid else None,
        holds=_hold_lines(hold_rule.params, ctx, plan) if applies and hold_rule else [],
        ruleset_version=ruleset.version,
    )


# FHIR export (interop): each selector narrows its rows to the scope (core/scope.py) and
# annotates the public ids the export refers to (`patient_uuid`, `plan_uuid`, ...).


def plans_for_export(scope: ExportScope) -> QuerySet[TreatmentPlan]:
    rows = TreatmentPlan.objects.annotate(
        patient_uuid=F("patient__public_id"), author_uuid=F("created_by__public_id")
    )
    return scope.narrow(rows, clinic_path="patient__clinic")


def lab_values_for_export(scope: ExportScope) -> QuerySet[LabValue]:
    rows = LabValue.objects.filter(archived_at=None).annotate(patient_uuid=F("patient__public_id"))
    return scope.narrow(rows, clinic_path="patient__clinic")


def consents_for_export(scope: ExportScope) -> QuerySet[Consent]:
    rows = Consent.objects.select_related("document", "witness_signature").annotate(
        patient_uuid=F("plan__patient__public_id"),
        witness_uuid=F("witness_signature__signer__public_id"),
    )
    return scope.narrow(rows, clinic_path="plan__patient__clinic", patient_path="plan__patient")


def appointments_for_export(scope: ExportScope) -> QuerySet[Appointment]:
    rows = Appointment.objects.annotate(
        patient_uuid=F("plan__patient__public_id"),
        plan_uuid=F("plan__public_id"),
        physician_uuid=F("physician__public_id"),
        nurse_uuid=F("nurse__public_id"),
        lab_tech_uuid=F("lab_tech__public_id"),
        room_uuid=F("room__public_id"),
    )
    return scope.narrow(rows, clinic_path="plan__patient__clinic", patient_path="plan__patient")


def decisions_for_export(scope: ExportScope) -> QuerySet[EligibilityDecision]:
    """Signed eligibility decisions (their signatures export as Provenance of the plan)."""
    rows = EligibilityDecision.objects.select_related("signature").annotate(
        plan_uuid=F("plan__public_id"), signer_uuid=F("signature__signer__public_id")
    )
    return scope.narrow(rows, clinic_path="plan__patient__clinic", patient_path="plan__patient")


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


# --- registry analytics (read by the analytics app; no identifiers beyond the row ids) -------

REGISTRY_PLAN_FIELDS = (
    "id",
    "patient_id",
    "condition",
    "target",
    "laterality",
    "treatment",
    "treated_on",
    "kellgren_lawrence_grade",
    "symptom_duration_months",
    "previous_plan_id",
    "sex",
    "date_of_birth",
    "height_cm",
    "prior_injections",
)


def _registry_plan_rows(clinic: Clinic) -> QuerySet:
    return TreatmentPlan.objects.filter(
        patient__clinic=clinic, treated_on__isnull=False, archived_at__isnull=True
    )


def registry_patient_ids(*, clinic: Clinic) -> QuerySet:
    """The patient ids of the registry's plans (as registry_plans), as a subquery: other
    apps' registry selectors read only these patients (a clinic has far more patients than
    treated ones)."""
    return _registry_plan_rows(clinic).values("patient_id")


def registry_plans(*, clinic: Clinic) -> QuerySet:
    """Every treated plan of the clinic as flat dicts: the plan, the patient covariates the
    registry adjusts for (sex, date of birth, height) and the count of prior injections."""
    from django.db.models import Count

    return (
        _registry_plan_rows(clinic)
        .annotate(
            sex=F("patient__sex"),
            date_of_birth=F("patient__date_of_birth"),
            height_cm=F("patient__height_cm"),
            prior_injections=Count("prior", filter=Q(prior__kind=PriorTreatment.Kind.INJECTION)),
        )
        .values(*REGISTRY_PLAN_FIELDS)
        .order_by("id")
    )


def plans_on_record(patient: Patient) -> list[TreatmentPlan]:
    """The patient's treatment plans, newest first (the patient record's panel)."""
    return list(patient.plans.filter(archived_at__isnull=True).order_by("-created_at"))
