"""Local anaesthetic dose guard (issue 8 items 1-4; docs/decisions/0016).

Every entry is checked against the combined limit for the patient's clinic-local day, over
every encounter of that day (an aborted one, a second plan's), with a recent, plausible
weight; under a row lock on the patient, so two entries at once cannot both pass. An amide
allergy blocks amides unless a physician-signed alternative-agent plan lets the step
complete; an ester allergy does not block amides.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.conf import settings
from django.db import transaction

from marrowtrack.accounts.access import require_role, require_same_clinic
from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.refusals import audited_refusals
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import SafetyRefusal, ValidationFailed
from marrowtrack.esign.services import signature_sign
from marrowtrack.patients.models import Allergy, Patient
from marrowtrack.patients.selectors import DosingWeight, weight_for_dosing
from marrowtrack.procedures import dosing
from marrowtrack.procedures.models import (
    AlternativeAgentPlan,
    AnaestheticEntry,
    ProcedureEncounter,
)
from marrowtrack.procedures.states import ProcedureState

S = ProcedureState
ANAESTHESIA_STATES = frozenset(
    {
        S.TIMEOUT_1,
        S.LOCAL_ANESTHESIA,
        S.HARVESTING,
        S.IN_TRANSIT,
        S.PROCESSING,
        S.RELEASED,
        S.TIMEOUT_2,
        S.BEDSIDE_VERIFIED,
    }
)
DEFAULT_WEIGHT_MAX_AGE_DAYS = 30


def weight_max_age_days() -> int:
    """How old (days before today) the dosing weight may be: ``MARROWTRACK_DOSING_WEIGHT_
    MAX_AGE_DAYS``, default 30 (issue 8 item 2). 0 means weighed today."""
    return int(
        getattr(settings, "MARROWTRACK_DOSING_WEIGHT_MAX_AGE_DAYS", DEFAULT_WEIGHT_MAX_AGE_DAYS)
    )


@dataclass(frozen=True)
class AgentRow:
    """One agent on the dose panel: given today, its maxima for this weight, what remains."""

    code: str
    name: str
    strengths: str
    given_mg: Decimal
    plain_limit_mg: Decimal | None
    epi_limit_mg: Decimal | None
    remaining_plain_mg: Decimal | None
    remaining_epi_mg: Decimal | None


@dataclass(frozen=True)
class DoseStatus:
    """What the dose panel shows: the patient's day across every encounter, the weight with
    its date, the combined share used, and per agent what may still be given."""

    day: date
    weight: DosingWeight | None
    weight_problem: str
    total_mg: Decimal
    fraction_used: Decimal | None
    agents: tuple[AgentRow, ...]
    entries: tuple[AnaestheticEntry, ...]
    other_encounters_mg: Decimal
    allergy: Allergy | None
    allergy_class: str | None
    alternative_plans: tuple[AlternativeAgentPlan, ...]
    max_age_days: int

    @property
    def weight_kg(self) -> Decimal | None:
        return self.weight.kg if self.weight and not self.weight_problem else None

    def _lidocaine(self) -> AgentRow | None:
        return next((a for a in self.agents if a.code == dosing.LIDOCAINE), None)

    @property
    def plain_limit_mg(self) -> Decimal | None:
        row = self._lidocaine()
        return row.plain_limit_mg if row else None

    @property
    def epi_limit_mg(self) -> Decimal | None:
        row = self._lidocaine()
        return row.epi_limit_mg if row else None

    @property
    def remaining_plain_mg(self) -> Decimal | None:
        row = self._lidocaine()
        return row.remaining_plain_mg if row else None

    @property
    def remaining_epi_mg(self) -> Decimal | None:
        row = self._lidocaine()
        return row.remaining_epi_mg if row else None

    @property
    def remaining_plain_ml_1pct(self) -> Decimal | None:
        if self.remaining_plain_mg is None:
            return None
        return (self.remaining_plain_mg / 10).quantize(Decimal("0.1"), rounding=ROUND_DOWN)

    @property
    def percent_used(self) -> Decimal | None:
        if self.fraction_used is None:
            return None
        return (self.fraction_used * 100).quantize(Decimal("0.1"), rounding=ROUND_DOWN)

    @property
    def amide_blocked(self) -> bool:
        return self.allergy is not None and not any(
            p.kind == AlternativeAgentPlan.Kind.NO_AMIDE or p.agent for p in self.alternative_plans
        )


def _today(encounter: ProcedureEncounter) -> date:
    return clock.today(encounter.clinic)


def day_entries(patient: Patient, clinic: Any, day: date) -> list[AnaestheticEntry]:
    """Every entry for the patient on the clinic-local ``day``, in any encounter."""
    start, end = clock.day_bounds(day, clinic)
    return list(
        AnaestheticEntry.objects.filter(
            encounter__patient=patient, given_at__gte=start, given_at__lt=end
        )
        .select_related("encounter")
        .order_by("given_at", "created_at")
    )


def _pure(entries: list[AnaestheticEntry]) -> list[dosing.AnaestheticEntry]:
    return [
        dosing.AnaestheticEntry(e.percent, e.ml, e.with_epinephrine, e.site, e.agent)
        for e in entries
    ]


def weight_problem(weight: DosingWeight | None, today: date) -> str:
    """Why this weight cannot set a dose limit today; "" if it can."""
    max_age = weight_max_age_days()
    if weight is None:
        return "No weight on record: weigh the patient before any local anaesthetic."
    if weight.days_old > max_age:
        return (
            f"The latest weight, {weight.kg} kg, was measured on {weight.measured_on} "
            f"({weight.days_old} days ago), more than {max_age} days before today: weigh the "
            "patient again before any local anaesthetic."
        )
    if weight.needs_confirmation:
        return (
            f"The weight of {weight.kg} kg on {weight.measured_on} has not been confirmed: "
            + " ".join(weight.concerns)
            + " Re-enter it on the patient's record and confirm it."
        )
    return ""


def amide_allergy(patient: Patient) -> tuple[Allergy | None, str | None]:
    """The first live allergy that blocks amides (amide or an unnamed local anaesthetic),
    with its class; ester allergies do not block."""
    for allergy in patient.allergies.filter(archived_at__isnull=True):
        kind = dosing.allergy_class(
            local_anaesthetic_category=allergy.category == Allergy.Category.LOCAL_ANAESTHETIC,
            substance=allergy.substance,
        )
        if kind in ("amide", "unknown"):
            return allergy, kind
    return None, None


def _cent(value: Decimal) -> Decimal:
    return value.quantize(dosing.CENT)


def _tenth(value: Decimal | None) -> Decimal | None:
    """For the panel: to 0.1 mg, rounded down (what may still be given never rounds up)."""
    return None if value is None else value.quantize(Decimal("0.1"), rounding=ROUND_DOWN)


def _agent_row(
    code: str, weight: Decimal | None, entries: list[dosing.AnaestheticEntry]
) -> AgentRow:
    agent = dosing.AGENTS[code]
    given = _cent(sum((e.mg for e in entries if e.agent == code), Decimal(0)))
    if weight is None:
        return AgentRow(code, agent.name, dosing.strength_label(agent), given, *(None,) * 4)
    epi = agent.epinephrine is not None
    values = (
        dosing.max_dose_mg(weight, False, code),
        dosing.max_dose_mg(weight, True, code) if epi else None,
        dosing.remaining_mg(weight, entries, agent=code, with_epinephrine=False),
        dosing.remaining_mg(weight, entries, agent=code, with_epinephrine=True) if epi else None,
    )
    return AgentRow(
        code, agent.name, dosing.strength_label(agent), given, *(_tenth(v) for v in values)
    )


def dose_status(encounter: ProcedureEncounter) -> DoseStatus:
    today = _today(encounter)
    rows = day_entries(encounter.patient, encounter.clinic, today)
    entries = _pure(rows)
    weight = weight_for_dosing(encounter.patient, on=today)
    problem = weight_problem(weight, today)
    kg = weight.kg if weight and not problem else None
    allergy, allergy_kind = amide_allergy(encounter.patient)
    return DoseStatus(
        day=today,
        weight=weight,
        weight_problem=problem,
        total_mg=_cent(sum((e.mg for e in entries), Decimal(0))),
        fraction_used=dosing.day_fraction(kg, entries) if kg is not None else None,
        agents=tuple(_agent_row(code, kg, entries) for code in dosing.AGENTS),
        entries=tuple(rows),
        other_encounters_mg=_cent(
            sum((e.mg for e in rows if e.encounter_id != encounter.pk), Decimal(0))
        ),
        allergy=allergy,
        allergy_class=allergy_kind,
        alternative_plans=tuple(encounter.alternative_agent_plans.all()),
        max_age_days=weight_max_age_days(),
    )


def _check_allergy(encounter: ProcedureEncounter, agent: str) -> None:
    allergy, kind = amide_allergy(encounter.patient)
    if allergy is None:
        return
    plans = encounter.alternative_agent_plans.all()
    if any(p.kind == AlternativeAgentPlan.Kind.CLEARED_AMIDE and p.agent == agent for p in plans):
        return
    what = "an amide" if kind == "amide" else "a local anaesthetic (class not recorded)"
    name = dosing.AGENTS[agent].name
    raise SafetyRefusal(
        f"STOP: {what} allergy on record ({allergy.substance}); {name} is an amide. "
        "A physician can record a signed alternative-agent plan on this page: a named amide "
        "the patient tolerates, or no amide today."
    )


def anaesthetic_add(
    *,
    encounter: ProcedureEncounter,
    by: User,
    agent: str = dosing.LIDOCAINE,
    percent: Decimal,
    ml: Decimal,
    with_epinephrine: bool,
    site: str,
    mixed_into_injectate: bool = False,
) -> tuple[AnaestheticEntry, dosing.DoseCheck]:
    """Check and store one entry inside the caller's transaction; raise ``SafetyRefusal``.

    Locks the patient row first: every entry of the patient's day is read and checked under
    that lock, so two entries given at once are checked one after the other."""
    if encounter.current not in ANAESTHESIA_STATES:
        raise ValidationFailed(
            {"ml": [f"Local anaesthetic cannot be recorded at {encounter.current.label}."]}
        )
    with transaction.atomic():
        Patient.objects.select_for_update().filter(pk=encounter.patient_id).first()
        try:
            dosing.check_strength(agent, percent, with_epinephrine)
            new = dosing.AnaestheticEntry(
                Decimal(percent), Decimal(ml), with_epinephrine, site, agent
            )
            new.mg  # noqa: B018 - validates the volume before anything else
        except dosing.InvalidDoseEntry as exc:
            raise ValidationFailed({"percent": [str(exc)]}) from exc
        _check_allergy(encounter, agent)
        today = _today(encounter)
        weight = weight_for_dosing(encounter.patient, on=today)
        problem = weight_problem(weight, today)
        if problem or weight is None:
            raise SafetyRefusal(problem)
        previous = _pure(day_entries(encounter.patient, encounter.clinic, today))
        try:
            check = dosing.check_entry(weight.kg, previous, new)
        except (dosing.DoseLimitExceeded, dosing.WeightRequired) as exc:
            raise SafetyRefusal(str(exc)) from exc
        check = replace(check, total_mg=_cent(check.total_mg))
        entry = AnaestheticEntry.objects.create(
            encounter=encounter,
            agent=agent,
            percent=percent,
            ml=ml,
            with_epinephrine=with_epinephrine,
            site=site,
            mixed_into_injectate=mixed_into_injectate,
            mg=new.mg,
            given_at=clock.now(),
            given_by=by,
        )
        event_record(
            actor=by,
            action=AuditAction.CREATE,
            target=entry,
            changes={
                "agent": agent,
                "mg": str(new.mg),
                "total_mg": str(check.total_mg),
                "fraction_used": str(check.fraction_used),
                "weight_kg": str(weight.kg),
                "weight_measured_on": weight.measured_on.isoformat(),
                "site": site,
            },
            patient_public_id=encounter.patient.public_id,
        )
    return entry, check


def lidocaine_add(**kwargs: Any) -> tuple[AnaestheticEntry, dosing.DoseCheck]:
    """``anaesthetic_add`` for lidocaine (the bedside's injectate entry)."""
    return anaesthetic_add(agent=dosing.LIDOCAINE, **kwargs)


def anaesthetic_give(
    *,
    encounter: ProcedureEncounter,
    by: User,
    agent: str = dosing.LIDOCAINE,
    percent: Decimal,
    ml: Decimal,
    with_epinephrine: bool,
    site: str,
    mixed_into_injectate: bool = False,
) -> dosing.DoseCheck:
    """Record a local anaesthetic if the patient's day stays within the combined limit:
    the sum over agents of mg / that agent's maximum for this weight at most 1; lidocaine
    alone min(4.5 mg/kg, 300 mg) plain or min(7 mg/kg, 500 mg) with epinephrine (US label).

    Refused and audited as REFUSED: above the limit, without a recent and confirmed weight,
    or an amide with an amide allergy and no alternative-agent plan that allows it.
    """
    require_same_clinic(by, encounter.clinic_id)
    require_role(by, {Role.PHYSICIAN}, "give local anaesthetic")
    changes = {
        "agent": agent,
        "percent": str(percent),
        "ml": str(ml),
        "with_epinephrine": with_epinephrine,
    }
    with audited_refusals(
        by=by, target=encounter, patient_public_id=encounter.patient.public_id, changes=changes
    ):
        _, check = anaesthetic_add(
            encounter=encounter,
            by=by,
            agent=agent,
            percent=percent,
            ml=ml,
            with_epinephrine=with_epinephrine,
            site=site,
            mixed_into_injectate=mixed_into_injectate,
        )
    return check


def lidocaine_give(**kwargs: Any) -> dosing.DoseCheck:
    """``anaesthetic_give`` with lidocaine unless another agent is named."""
    return anaesthetic_give(**{"agent": dosing.LIDOCAINE, **kwargs})


def alternative_agent_approve(
    *,
    encounter: ProcedureEncounter,
    by: User,
    kind: str,
    note: str,
    password: str,
    agent: str = "",
) -> AlternativeAgentPlan:
    """A physician signs (re-entering the password) the way through an amide allergy for
    this procedure day: a named amide the patient tolerates, or no amide today."""
    require_same_clinic(by, encounter.clinic_id)
    require_role(by, {Role.PHYSICIAN}, "approve an alternative local anaesthetic plan")
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    if kind not in AlternativeAgentPlan.Kind.values:
        errors["kind"] = ["Choose a named amide the patient tolerates, or no amide today."]
    if kind == AlternativeAgentPlan.Kind.CLEARED_AMIDE and agent not in dosing.AGENTS:
        errors["agent"] = ["Name the amide the patient tolerates."]
    if kind == AlternativeAgentPlan.Kind.NO_AMIDE:
        agent = ""
    if len(note) < 10:
        errors["note"] = ["Say what is used instead and why (at least 10 characters)."]
    if not encounter.is_open:
        errors["kind"] = ["This procedure day has ended."]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        plan = AlternativeAgentPlan(
            encounter=encounter,
            kind=kind,
            agent=agent,
            note=note[:500],
            approved_by=by,
            approved_at=clock.now(),
        )
        content = {
            "encounter": str(encounter.public_id),
            "kind": kind,
            "agent": agent,
            "note": plan.note,
        }
        plan.signature = signature_sign(
            user=by,
            password=password,
            meaning="approved",
            record=encounter,
            content=content,
            statement="Alternative local anaesthetic plan for a local anaesthetic allergy.",
            patient_public_id=encounter.patient.public_id,
        )
        plan.save()
        event_record(
            actor=by,
            action=AuditAction.CREATE,
            target=plan,
            changes=content,
            patient_public_id=encounter.patient.public_id,
        )
    return plan
