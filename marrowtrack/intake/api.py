"""Intake endpoints: plans, screening, decisions, consents, appointments. Each parses,
checks access and calls the same service as the web pages."""

from __future__ import annotations

from uuid import UUID

from ninja import Query, Router, Schema
from pydantic import Field

from marrowtrack.accounts.access import require_perm
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.accounts.models import User
from marrowtrack.core.exceptions import ValidationFailed
from marrowtrack.core.pagination import Page, PageQuery, api_page
from marrowtrack.core.versioning import ConflictOut
from marrowtrack.facilities.models import Equipment, Room
from marrowtrack.intake import rules, schemas, selectors
from marrowtrack.intake.access import appointment_for_user, consent_for_user, plan_for_user
from marrowtrack.intake.services import booking, consent, holds, plans, screening
from marrowtrack.patients.access import patient_for_user
from marrowtrack.patients.models import Medication

router = Router(tags=["intake"])
CHANGE = "intake.change_treatmentplan"
BOOK = "intake.book_appointment"


def _plan_data(request: AuthenticatedHttpRequest, data: dict) -> dict:
    previous = data.pop("previous_plan", None)
    if previous:
        data["previous_plan"] = plan_for_user(request.user, previous)
    return data


class PlanQuery(Schema):
    q: str = Field(default="", max_length=100, description="MRN, name or date of birth")
    status: str = Field(default="", max_length=20)
    treatment: str = Field(default="", max_length=20)
    target: str = Field(default="", max_length=20)
    overridden: bool = False


@router.get("/plans", response=Page[schemas.PlanOut])
def plan_list(request: AuthenticatedHttpRequest, query: Query[PlanQuery], page: Query[PageQuery]):
    """Plans of the caller's clinic, newest first, one keyset page at a time."""
    require_perm(request.user, "intake.view_treatmentplan")
    filters = selectors.PlanFilters(
        q=query.q,
        status=query.status,
        treatment=query.treatment,
        target=query.target,
        overridden=query.overridden,
    )
    plans = selectors.plans_for_clinic_ordered(clinic=request.user.clinic, filters=filters)
    return api_page(plans, page)


@router.post("/patients/{uuid:patient_id}/plans", response={201: schemas.PlanOut})
def plan_create(request: AuthenticatedHttpRequest, patient_id: UUID, payload: schemas.PlanIn):
    patient = patient_for_user(request.user, patient_id)
    require_perm(request.user, "intake.add_treatmentplan")
    data = _plan_data(request, payload.dict())
    return 201, plans.plan_create(patient=patient, by=request.user, data=data)


@router.get("/plans/{uuid:public_id}", response=schemas.PlanOut)
def plan_read(request: AuthenticatedHttpRequest, public_id: UUID):
    return plan_for_user(request.user, public_id)


@router.patch("/plans/{uuid:public_id}", response={200: schemas.PlanOut, 409: ConflictOut})
def plan_patch(request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.PlanPatch):
    """Change the fields sent, as the plan's edit page does. `version` is the one read: an
    older one is refused (409) with the plan as it is now."""
    plan = plan_for_user(request.user, public_id, CHANGE)
    data = _plan_data(request, payload.dict(exclude_unset=True))
    version = data.pop("version")
    return plans.plan_update(plan=plan, by=request.user, data=data, version=version)


@router.post("/plans/{uuid:public_id}/prior", response={201: schemas.PriorOut})
def prior_create(request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.PriorIn):
    plan = plan_for_user(request.user, public_id, CHANGE)
    prior = plans.prior_treatment_add(plan=plan, by=request.user, data=payload.dict())
    return 201, prior


@router.post("/plans/{uuid:public_id}/treated", response=schemas.PlanOut)
def plan_treated(request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.TreatedIn):
    """Record a comparator treatment as given; this schedules the follow-up surveys."""
    plan = plan_for_user(request.user, public_id, CHANGE)
    return plans.plan_mark_treated(plan=plan, by=request.user, **payload.dict())


@router.post("/plans/{uuid:public_id}/lab-values", response={201: schemas.LabValueOut})
def lab_value_create(
    request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.LabValueIn
):
    plan = plan_for_user(request.user, public_id, "intake.add_labvalue")
    lab = plans.lab_value_record(patient=plan.patient, by=request.user, **payload.dict())
    return 201, lab


@router.post("/plans/{uuid:public_id}/screenings", response={201: schemas.ScreeningOut})
def screening_create(request: AuthenticatedHttpRequest, public_id: UUID):
    plan = plan_for_user(request.user, public_id, "intake.run_screening")
    return 201, screening.screening_run(plan=plan, by=request.user)


@router.get("/plans/{uuid:public_id}/screenings", response=Page[schemas.ScreeningOut])
def screening_list(request: AuthenticatedHttpRequest, public_id: UUID, page: Query[PageQuery]):
    return api_page(list(plan_for_user(request.user, public_id).screenings.all()), page)


@router.post("/plans/{uuid:public_id}/decisions", response={201: schemas.DecisionOut})
def decision_create(
    request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.DecisionIn
):
    plan = plan_for_user(request.user, public_id, "intake.decide_eligibility")
    decision = screening.eligibility_decide(plan=plan, by=request.user, **payload.dict())
    return 201, decision


@router.post("/plans/{uuid:public_id}/day-checks", response={201: schemas.ScreeningOut})
def day_check_create(
    request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.DayCheckIn
):
    """Re-screen on the procedure day with today's temperature; 409 lists what stops it."""
    plan = plan_for_user(request.user, public_id, "intake.run_screening")
    return 201, screening.screening_day_check_audited(
        plan=plan, by=request.user, temperature_c=payload.temperature_c
    )


@router.post("/plans/{uuid:public_id}/holds", response={201: schemas.HoldOut})
def hold_create(request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.HoldIn):
    """Record and sign the prescriber's hold of a blood thinner or NSAID for the patient's
    needle procedures on one day (``procedure_on``, default the plan's booked day)."""
    plan = plan_for_user(request.user, public_id, "intake.add_medicationhold")
    data = payload.dict()
    data["medication"] = _medication(request, data["medication"])
    return 201, holds.medication_hold_record(plan=plan, by=request.user, **data)


@router.get("/plans/{uuid:public_id}/holds", response=Page[schemas.HoldOut])
def hold_list(request: AuthenticatedHttpRequest, public_id: UUID, page: Query[PageQuery]):
    return api_page(list(selectors.active_holds(plan_for_user(request.user, public_id))), page)


def _medication(request: AuthenticatedHttpRequest, public_id: UUID) -> Medication:
    found = Medication.objects.filter(
        public_id=public_id, patient__clinic_id=request.user.clinic_id
    ).first()
    if found is None:
        raise ValidationFailed({"medication": ["Not found in your clinic."]})
    return found


@router.get("/plans/{uuid:public_id}/decisions", response=Page[schemas.DecisionOut])
def decision_list(request: AuthenticatedHttpRequest, public_id: UUID, page: Query[PageQuery]):
    plan = plan_for_user(request.user, public_id)
    return api_page(list(plan.decisions.select_related("signature", "screening")), page)


@router.post("/plans/{uuid:public_id}/consents", response={201: schemas.ConsentOut})
def consent_create(request: AuthenticatedHttpRequest, public_id: UUID):
    plan = plan_for_user(request.user, public_id, "intake.take_consent")
    return 201, consent.consent_start(plan=plan, by=request.user)


@router.get("/consents/{uuid:public_id}", response=schemas.ConsentOut)
def consent_read(request: AuthenticatedHttpRequest, public_id: UUID):
    return consent_for_user(request.user, public_id, "intake.view_consent")


@router.post("/consents/{uuid:public_id}/patient-signature", response=schemas.ConsentOut)
def consent_sign(
    request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.PatientSignIn
):
    item = consent_for_user(request.user, public_id, "intake.take_consent")
    return consent.consent_patient_sign(consent=item, by=request.user, **payload.dict())


@router.post("/consents/{uuid:public_id}/witness", response=schemas.ConsentOut)
def consent_witness(request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.WitnessIn):
    item = consent_for_user(request.user, public_id, "intake.witness_consent")
    return consent.consent_witness(consent=item, by=request.user, **payload.dict())


def _in_clinic(model: type, public_id: UUID | None, clinic_id: int, field: str) -> object:
    if public_id is None:
        return None
    found = model.objects.filter(public_id=public_id, clinic_id=clinic_id).first()
    if found is None:
        raise ValidationFailed({field: ["Not found in your clinic."]})
    return found


def _team(request: AuthenticatedHttpRequest, payload: schemas.AppointmentIn) -> booking.Team:
    clinic_id = request.user.clinic_id
    return booking.Team(
        room=_in_clinic(Room, payload.room, clinic_id, "room"),
        physician=_in_clinic(User, payload.physician, clinic_id, "physician"),
        nurse=_in_clinic(User, payload.nurse, clinic_id, "nurse"),
        centrifuge=_in_clinic(Equipment, payload.centrifuge, clinic_id, "centrifuge"),
        lab_tech=_in_clinic(User, payload.lab_tech, clinic_id, "lab_tech"),
    )  # type: ignore[arg-type]


@router.post("/plans/{uuid:public_id}/appointments", response={201: schemas.AppointmentOut})
def appointment_create(
    request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.AppointmentIn
):
    plan = plan_for_user(request.user, public_id, BOOK)
    team = _team(request, payload)
    return 201, booking.appointment_book(
        plan=plan,
        by=request.user,
        starts_at=payload.starts_at,
        team=team,
        same_day_reason=payload.same_day_reason,
    )


@router.get("/plans/{uuid:public_id}/appointments", response=Page[schemas.AppointmentOut])
def appointment_list(request: AuthenticatedHttpRequest, public_id: UUID, page: Query[PageQuery]):
    plan = plan_for_user(request.user, public_id, "intake.view_appointment")
    return api_page(list(plan.appointments.select_related("room", "plan")), page)


@router.post("/appointments/{uuid:public_id}/reschedule", response=schemas.AppointmentOut)
def appointment_reschedule(
    request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.RescheduleIn
):
    item = appointment_for_user(request.user, public_id, BOOK)
    return booking.appointment_reschedule(
        appointment=item,
        by=request.user,
        starts_at=payload.starts_at,
        reason=payload.reason,
        team=_team(request, payload),
        same_day_reason=payload.same_day_reason,
    )


@router.post("/appointments/{uuid:public_id}/cancel", response=schemas.AppointmentOut)
def appointment_cancel(
    request: AuthenticatedHttpRequest, public_id: UUID, payload: schemas.CancelIn
):
    item = appointment_for_user(request.user, public_id, BOOK)
    return booking.appointment_cancel(appointment=item, by=request.user, reason=payload.reason)


@router.get("/ruleset", response=schemas.RuleSetOut)
def ruleset_read(request: AuthenticatedHttpRequest):
    require_perm(request.user, "intake.view_treatmentplan")
    ruleset = screening.clinic_ruleset(request.user.clinic)
    text = rules.ruleset_to_json(ruleset)
    return {"version": ruleset.version, "sha256": rules.ruleset_sha256(ruleset), "json": text}


@router.put("/ruleset", response={201: schemas.RuleSetOut})
def ruleset_publish(request: AuthenticatedHttpRequest, payload: schemas.RuleSetIn):
    require_perm(request.user, "intake.add_clinicruleset")
    stored = screening.clinic_ruleset_publish(
        clinic=request.user.clinic, by=request.user, text=payload.json_text
    )
    return 201, stored
