"""Who may reach each page and API operation: the table the authorisation matrix checks.

Deny by default: a route missing here fails `test_authorisation_matrix.py`, so a new page or
endpoint needs an entry, and the entry is the decision. Principals: the six staff roles, a
patient holding a survey link (the portal), an anonymous visitor. A staff member of another
clinic (every role) is denied every route that names a record.

`args` builds the address's parameters from the world (`world.py`) so the request reaches the
view; `allow` names who gets past the access check (any answer but 401, 403, 404, 410 or a
redirect to log in).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from marrowtrack.ops.tests.world import World
from marrowtrack.testing.factories import PASSWORD

ANON, PATIENT = "anonymous", "patient"
DESK, NURSE, DOC, LAB, ADMIN, RESEARCH = (
    "front_desk",
    "nurse",
    "physician",
    "lab_tech",
    "clinic_admin",
    "researcher",
)
STAFF = frozenset({DESK, NURSE, DOC, LAB, ADMIN, RESEARCH})
EVERYONE = STAFF | {ANON, PATIENT}
NOBODY: frozenset[str] = frozenset()
PATIENT_RECORD = frozenset({DESK, NURSE, DOC, LAB, ADMIN})  # patients.view_patient
CLINICAL_WRITE = frozenset({DESK, NURSE, DOC})
PLANS = frozenset({DESK, NURSE, DOC, LAB, ADMIN})  # intake.view_treatmentplan
CLINICIANS = frozenset({NURSE, DOC})
ENCOUNTERS = frozenset({DESK, NURSE, DOC, LAB, ADMIN})
STEPPERS = frozenset({DESK, NURSE, DOC, LAB})
LAB_VIEW = frozenset({NURSE, DOC, LAB, ADMIN})
TRACE = frozenset({DOC, LAB, ADMIN})
OUTCOMES_READ = frozenset({DESK, NURSE, DOC, ADMIN})
REGISTRY = OUTCOMES_READ | {RESEARCH}


@dataclass(frozen=True)
class Rule:
    allow: frozenset[str]
    args: Callable[[World], dict[str, Any]] | None = None
    note: str = ""  # why, where the table alone would surprise a reader
    # API fields that replace the schema's smallest body (or query) so the request passes
    # validation and names real records.
    fields: Callable[[World], dict[str, Any]] | None = None
    query: Callable[[World], dict[str, Any]] | None = None
    # Whether the address names a clinic's record (then another clinic's staff get 404).
    record: bool = True
    # Ask from a new session: opening a survey link puts the patient's survey in the session.
    fresh_session: bool = False
    # The patient too (signing out or in again ends the portal session it is given).
    fresh_patient: bool = False


def _id(attr: str, name: str = "public_id") -> Callable[[World], dict[str, Any]]:
    def build(world: World) -> dict[str, Any]:
        return {name: getattr(world, attr).public_id}

    return build


def _with(build: Callable[[World], dict[str, Any]], **more: Any) -> Callable[[World], dict]:
    return lambda world: {**build(world), **more}


# The page lets any role that records steps post the form; the service then refuses anyone
# but a physician (the API rows, where a valid body reaches the service, show it: 403).
PHYSICIAN_STEP = "form first; the service allows physicians only"

PAGES: dict[str, Rule] = {
    "web:home": Rule(STAFF),
    "web:health": Rule(EVERYONE),
    "ops:health": Rule(EVERYONE),
    "ops:metrics": Rule(EVERYONE, note="by address: the scraper's network only"),
    "accounts:login": Rule(EVERYONE),
    "accounts:logout": Rule(EVERYONE, note="logging out asks nothing"),
    "accounts:two-factor": Rule(STAFF),
    "patient-mode:leave": Rule(
        STAFF, record=False, note="outside patient mode it sends the person home"
    ),
    "accounts:password-change": Rule(STAFF),
    "accounts:tokens": Rule(STAFF),
    "accounts:token-revoke": Rule(frozenset({NURSE}), _id("nurse_token"), "the nurse's own"),
    "accounts:staff-list": Rule(frozenset({ADMIN})),
    "accounts:staff-new": Rule(frozenset({ADMIN})),
    "accounts:staff-edit": Rule(frozenset({ADMIN}), lambda w: _staff(w)),
    "accounts:staff-reset": Rule(frozenset({ADMIN}), lambda w: _staff(w)),
    "accounts:staff-unlock": Rule(frozenset({ADMIN}), lambda w: _staff(w)),
    "accounts:staff-tokens-revoke": Rule(frozenset({ADMIN}), lambda w: _staff(w)),
    "patients:list": Rule(PATIENT_RECORD),
    "patients:register": Rule(CLINICAL_WRITE),
    "patients:detail": Rule(PATIENT_RECORD, _id("patient")),
    "patients:edit": Rule(CLINICAL_WRITE, _id("patient")),
    "patients:archive": Rule(frozenset({DESK, NURSE, DOC, ADMIN}), _id("patient")),
    "patients:entry-add": Rule(CLINICAL_WRITE, _with(_id("patient"), kind="allergies")),
    "patients:entry-edit": Rule(CLINICAL_WRITE, _with(_id("medication"), kind="medications")),
    "patients:entry-archive": Rule(CLINICAL_WRITE, _with(_id("allergy"), kind="allergies")),
    "audit:list": Rule(frozenset({ADMIN})),
    "intake:plan-list": Rule(PLANS),
    "intake:availability": Rule(frozenset({ADMIN})),
    "intake:ruleset": Rule(PLANS),
    "intake:settings": Rule(frozenset({ADMIN})),
    "intake:hold-add": Rule(CLINICIANS, _id("plan")),
    "intake:day-check": Rule(CLINICIANS, _id("plan")),
    "intake:plan-create": Rule(CLINICIANS, _id("patient", "patient_id")),
    "intake:plan-detail": Rule(PLANS, _id("plan")),
    "intake:plan-edit": Rule(CLINICIANS, _id("plan")),
    "intake:plan-cancel": Rule(CLINICIANS, _id("plan")),
    "intake:plan-treated": Rule(CLINICIANS, _id("plan")),
    "intake:prior-add": Rule(CLINICIANS, _id("plan")),
    "intake:labvalue-add": Rule(CLINICIANS, _id("plan")),
    "intake:screening-run": Rule(CLINICIANS, _id("plan")),
    "intake:decision": Rule(frozenset({DOC}), _id("plan")),
    "intake:instructions": Rule(PLANS, _id("plan")),
    "intake:instructions-pdf": Rule(PLANS, _id("plan")),
    "intake:instructions-ics": Rule(PLANS, _id("plan")),
    # Starting a consent hands the tablet to the patient (patient mode): a session of its own.
    "intake:consent-start": Rule(CLINICIANS, _id("plan"), fresh_session=True),
    "intake:consent-detail": Rule(frozenset({NURSE, DOC, ADMIN}), _id("consent")),
    "intake:consent-sign": Rule(CLINICIANS, _id("consent")),
    "intake:consent-witness": Rule(CLINICIANS, _id("consent")),
    "intake:consent-pdf": Rule(frozenset({NURSE, DOC, ADMIN}), _id("consent")),
    "intake:appointment-book": Rule(CLINICAL_WRITE, _id("plan")),
    "intake:appointment-reschedule": Rule(CLINICAL_WRITE, _id("appointment")),
    "intake:appointment-cancel": Rule(CLINICAL_WRITE, _id("appointment")),
    "intake:schedule": Rule(PLANS),
    "intake:free-slots": Rule(CLINICAL_WRITE),
    "procedures:board": Rule(ENCOUNTERS),
    "procedures:check-in": Rule(STEPPERS),
    "procedures:encounter": Rule(ENCOUNTERS, _id("encounter")),
    "procedures:step": Rule(STEPPERS, _with(_id("encounter"), to="pre_assessed")),
    "procedures:lidocaine": Rule(STEPPERS, _id("encounter"), note=PHYSICIAN_STEP),
    "procedures:alternative-agent": Rule(STEPPERS, _id("encounter"), note=PHYSICIAN_STEP),
    "procedures:harvest": Rule(STEPPERS, _id("encounter"), note=PHYSICIAN_STEP),
    "procedures:harvest-amend": Rule(STEPPERS, _id("encounter"), note=PHYSICIAN_STEP),
    "procedures:note": Rule(ENCOUNTERS, _id("encounter")),
    "procedures:note-sign": Rule(frozenset({DOC}), _id("encounter")),
    "procedures:note-pdf": Rule(ENCOUNTERS, _id("encounter")),
    "procedures:bedside": Rule(STEPPERS, _id("encounter")),
    "procedures:bedside-verify": Rule(STEPPERS, _id("encounter")),
    "procedures:bedside-return": Rule(STEPPERS, _id("encounter")),
    "procedures:inject": Rule(STEPPERS, _id("encounter"), note=PHYSICIAN_STEP),
    "procedures:comparator-injection": Rule(STEPPERS, _id("encounter"), note=PHYSICIAN_STEP),
    "procedures:evidence": Rule(frozenset({NURSE, DOC, ADMIN}), _id("encounter")),
    "lab:queue": Rule(LAB_VIEW),
    "lab:trace": Rule(TRACE),
    "lab:receive": Rule(frozenset({LAB}), _id("encounter")),
    "lab:run-new": Rule(frozenset({LAB}), _id("encounter")),
    "lab:labels": Rule(LAB_VIEW, _id("encounter")),
    "lab:run-release": Rule(frozenset({LAB}), _id("run")),
    "lab:handoff": Rule(frozenset({NURSE, DOC, LAB})),
    "lab:receive-returned": Rule(frozenset({LAB})),
    "lab:run": Rule(LAB_VIEW, _id("run")),
    "lab:late-result": Rule(frozenset({LAB}), _id("run")),
    "lab:container": Rule(LAB_VIEW, _id("aspirate")),
    "lab:discard": Rule(frozenset({NURSE, DOC, LAB}), _id("aspirate")),
    "outcomes:dashboard": Rule(OUTCOMES_READ),
    "outcomes:plan-detail": Rule(OUTCOMES_READ, _id("treated_plan")),
    "outcomes:plan-censor": Rule(CLINICIANS, _id("treated_plan")),
    "outcomes:plan-reinterventions": Rule(OUTCOMES_READ, _id("treated_plan")),
    # Registry figures are aggregates of the user's own clinic; the researcher sees them
    # too (no identifiers on these pages), and alone takes the de-identified export.
    "analytics:dashboard": Rule(REGISTRY, record=False),
    "analytics:dashboard-csv": Rule(REGISTRY, record=False),
    "analytics:dashboard-parquet": Rule(REGISTRY, record=False),
    "analytics:compare": Rule(REGISTRY, record=False),
    "analytics:dose": Rule(REGISTRY, record=False),
    "analytics:dose-csv": Rule(REGISTRY, record=False),
    "analytics:report-pdf": Rule(REGISTRY, record=False),
    "analytics:evidence": Rule(OUTCOMES_READ, _id("treated_plan")),
    "analytics:research-home": Rule(frozenset({RESEARCH}), record=False),
    "analytics:research-export": Rule(frozenset({RESEARCH}), record=False),
    "analytics:research-export-parquet": Rule(frozenset({RESEARCH}), record=False),
    "outcomes:transcribe": Rule(CLINICAL_WRITE, _with(_id("treated_plan"), instrument="KOOS")),
    "outcomes:followup-link": Rule(CLINICAL_WRITE, _id("followup")),
    "outcomes:response-verify": Rule(CLINICIANS, _id("response")),
    "outcomes:patient-chart": Rule(OUTCOMES_READ, _id("patient")),
    "outcomes:redcap": Rule(frozenset({ADMIN})),
    "outcomes:redcap-file": Rule(
        frozenset({ADMIN}), lambda w: {"name": "records.csv"}, record=False
    ),
    "outcomes:schedule-yearly": Rule(frozenset({ADMIN})),
    # A survey link is bound to the first browser that opens it (the patient's): any other
    # browser, signed in or not, gets 410.
    "outcomes:portal-start": Rule(
        frozenset({PATIENT}), lambda w: {"token": w.link_token}, "the link", fresh_session=True
    ),
    "outcomes:portal-survey": Rule(frozenset({PATIENT})),
    "outcomes:portal-submit": Rule(frozenset({PATIENT})),
    "outcomes:portal-results": Rule(frozenset({PATIENT})),
    # Rooms, equipment and kit lots: the administrator keeps them; the lab reads equipment
    # and kit lots (a run needs a calibrated centrifuge and a usable lot).
    "facilities:overview": Rule(frozenset({ADMIN, LAB})),
    "facilities:room-new": Rule(frozenset({ADMIN})),
    "facilities:room-edit": Rule(frozenset({ADMIN}), lambda w: _facility(w, "room")),
    "facilities:equipment-new": Rule(frozenset({ADMIN})),
    "facilities:equipment-edit": Rule(frozenset({ADMIN}), lambda w: _facility(w, "equipment")),
    "facilities:kitlot-new": Rule(frozenset({ADMIN})),
    "facilities:kitlot-edit": Rule(frozenset({ADMIN}), lambda w: _facility(w, "kitlot")),
    "facilities:kitlot-status": Rule(frozenset({ADMIN}), lambda w: _facility(w, "kitlot")),
    # Recovery: nurses and physicians work the check-ins, tasks and adverse events; the
    # front desk sees who is in recovery; the administrator reads adverse events.
    "recovery:worklist": Rule(CLINICIANS),
    "recovery:task": Rule(CLINICIANS, _id("task")),
    "recovery:task-ack": Rule(CLINICIANS, _id("task")),
    "recovery:task-resolve": Rule(CLINICIANS, _id("task")),
    "recovery:task-ae": Rule(CLINICIANS, _id("task")),
    "recovery:courses": Rule(frozenset({DESK, NURSE, DOC, ADMIN})),
    "recovery:course": Rule(frozenset({DESK, NURSE, DOC, ADMIN}), _id("course")),
    "recovery:course-stop": Rule(CLINICIANS, _id("course")),
    "recovery:course-contact": Rule(CLINICIANS, _id("course")),
    "recovery:discharge": Rule(frozenset({DESK, NURSE, DOC, ADMIN}), _id("course")),
    "recovery:discharge-pdf": Rule(frozenset({DESK, NURSE, DOC, ADMIN}), _id("course")),
    "recovery:checkin-phone": Rule(CLINICIANS, lambda w: {"public_id": _checkin(w)}),
    "recovery:ae-list": Rule(frozenset({NURSE, DOC, ADMIN})),
    "recovery:ae-new": Rule(CLINICIANS, lambda w: {"public_id": w.course.plan.public_id}),
    "recovery:ae": Rule(frozenset({NURSE, DOC, ADMIN}), _id("adverse_event")),
    "recovery:ae-edit": Rule(CLINICIANS, _id("adverse_event")),
    "recovery:ae-sign": Rule(frozenset({DOC}), _id("adverse_event")),
    "recovery:ae-addendum": Rule(CLINICIANS, _id("adverse_event")),
    # The patient portal: the signed-in patient's own records only.
    "portal:home": Rule(frozenset({PATIENT})),
    "portal:sign-in": Rule(EVERYONE),
    "portal:link": Rule(
        EVERYONE, lambda w: {"token": w.portal_link}, record=False, fresh_patient=True
    ),
    "portal:sign-out": Rule(EVERYONE, fresh_session=True, fresh_patient=True),
    "portal:password": Rule(frozenset({PATIENT})),
    "portal:contact": Rule(frozenset({PATIENT})),
    "portal:appointments": Rule(frozenset({PATIENT})),
    "portal:instructions": Rule(frozenset({PATIENT})),
    "portal:discharge": Rule(frozenset({PATIENT}), _id("course"), record=False),
    "portal:discharge-pdf": Rule(frozenset({PATIENT}), _id("course"), record=False),
    "portal:consents": Rule(frozenset({PATIENT})),
    "portal:consent-pdf": Rule(frozenset({PATIENT}), _id("consent"), record=False),
    "portal:checkins": Rule(frozenset({PATIENT})),
    "portal:checkin": Rule(
        frozenset({PATIENT}), lambda w: {"public_id": _checkin(w)}, record=False
    ),
    "portal:surveys": Rule(frozenset({PATIENT})),
    "portal:survey-start": Rule(frozenset({PATIENT}), _id("followup"), record=False),
    "portal:results": Rule(frozenset({PATIENT})),
    "portal:evidence": Rule(frozenset({PATIENT})),
    "portal:send-link": Rule(CLINICAL_WRITE, _id("patient")),
    # The API's pages: the schema and docs list every endpoint (staff only, decision 0008).
    "api:openapi-json": Rule(STAFF),
    "api:openapi-view": Rule(STAFF),
    "api:api-root": Rule(NOBODY, note="answers 404 to everyone"),
    "fhir:api-root": Rule(NOBODY, note="answers 404 to everyone"),
}


def _facility(world: World, kind: str) -> dict[str, Any]:
    from marrowtrack.facilities.models import Equipment, KitLot, Room

    model = {"room": Room, "equipment": Equipment, "kitlot": KitLot}[kind]
    return {"public_id": model.objects.filter(clinic=world.clinic).first().public_id}


def _checkin(world: World) -> Any:
    return world.course.checkins.order_by("day").last().public_id


def _staff(world: World) -> dict[str, Any]:
    return {"public_id": world.colleague.public_id}


def _api_id(attr: str, name: str = "public_id") -> Callable[[World], dict[str, Any]]:
    return _id(attr, name)


# API operations, "METHOD /path" as in the OpenAPI document. Anonymous visitors and patients
# have no token: every operation but the token exchange answers them 401.
API: dict[str, Rule] = {
    "POST /api/v1/auth/token": Rule(
        EVERYONE, fields=lambda w: {"username": "nurse", "password": PASSWORD}
    ),
    "POST /api/v1/auth/logout": Rule(STAFF),
    "GET /api/v1/auth/tokens": Rule(STAFF),
    "POST /api/v1/auth/tokens/{public_id}/revoke": Rule(
        frozenset({NURSE, ADMIN}), _id("nurse_token"), note="an administrator revokes any"
    ),
    "POST /api/v1/auth/password": Rule(STAFF),
    "GET /api/v1/patients/": Rule(PATIENT_RECORD),
    "POST /api/v1/patients/": Rule(CLINICAL_WRITE),
    "GET /api/v1/patients/{public_id}": Rule(PATIENT_RECORD, _id("patient")),
    "PATCH /api/v1/patients/{public_id}": Rule(CLINICAL_WRITE, _id("patient")),
    "POST /api/v1/patients/{public_id}/archive": Rule(
        frozenset({DESK, NURSE, DOC, ADMIN}), _id("patient")
    ),
    "POST /api/v1/patients/{public_id}/weights": Rule(CLINICAL_WRITE, _id("patient")),
    "POST /api/v1/patients/{public_id}/allergies": Rule(CLINICAL_WRITE, _id("patient")),
    "POST /api/v1/patients/{public_id}/medications": Rule(CLINICAL_WRITE, _id("patient")),
    "PATCH /api/v1/patients/medications/{public_id}": Rule(CLINICAL_WRITE, _id("medication")),
    "POST /api/v1/patients/{public_id}/conditions": Rule(CLINICAL_WRITE, _id("patient")),
    "GET /api/v1/audit/events": Rule(frozenset({ADMIN})),
    "GET /api/v1/intake/plans": Rule(PLANS),
    "POST /api/v1/intake/patients/{patient_id}/plans": Rule(
        CLINICIANS, _id("patient", "patient_id")
    ),
    "GET /api/v1/intake/plans/{public_id}": Rule(PLANS, _id("plan")),
    "PATCH /api/v1/intake/plans/{public_id}": Rule(CLINICIANS, _id("plan")),
    "POST /api/v1/intake/plans/{public_id}/prior": Rule(CLINICIANS, _id("plan")),
    "POST /api/v1/intake/plans/{public_id}/treated": Rule(CLINICIANS, _id("plan")),
    "POST /api/v1/intake/plans/{public_id}/lab-values": Rule(CLINICIANS, _id("plan")),
    "POST /api/v1/intake/plans/{public_id}/screenings": Rule(CLINICIANS, _id("plan")),
    "GET /api/v1/intake/plans/{public_id}/screenings": Rule(PLANS, _id("plan")),
    "POST /api/v1/intake/plans/{public_id}/decisions": Rule(frozenset({DOC}), _id("plan")),
    "GET /api/v1/intake/plans/{public_id}/decisions": Rule(PLANS, _id("plan")),
    "POST /api/v1/intake/plans/{public_id}/consents": Rule(CLINICIANS, _id("plan")),
    "GET /api/v1/intake/consents/{public_id}": Rule(frozenset({NURSE, DOC, ADMIN}), _id("consent")),
    "POST /api/v1/intake/consents/{public_id}/patient-signature": Rule(CLINICIANS, _id("consent")),
    "POST /api/v1/intake/consents/{public_id}/witness": Rule(CLINICIANS, _id("consent")),
    "POST /api/v1/intake/plans/{public_id}/appointments": Rule(CLINICAL_WRITE, _id("plan")),
    "GET /api/v1/intake/plans/{public_id}/appointments": Rule(PLANS, _id("plan")),
    "POST /api/v1/intake/appointments/{public_id}/reschedule": Rule(
        CLINICAL_WRITE, _id("appointment")
    ),
    "POST /api/v1/intake/appointments/{public_id}/cancel": Rule(CLINICAL_WRITE, _id("appointment")),
    "POST /api/v1/intake/plans/{public_id}/day-checks": Rule(CLINICIANS, _id("plan")),
    "POST /api/v1/intake/plans/{public_id}/holds": Rule(CLINICIANS, _id("plan")),
    "GET /api/v1/intake/plans/{public_id}/holds": Rule(PLANS, _id("plan")),
    "GET /api/v1/intake/ruleset": Rule(PLANS),
    "PUT /api/v1/intake/ruleset": Rule(frozenset({ADMIN})),
    "GET /api/v1/procedures/encounters": Rule(ENCOUNTERS),
    "POST /api/v1/procedures/encounters": Rule(
        frozenset({DESK, NURSE}),
        fields=lambda w: {
            "plan_id": w.plan.public_id,
            "typed_name": w.patient.full_name,
            "typed_dob": w.patient.date_of_birth,
            "temperature_c": "36.8",
        },
    ),
    "GET /api/v1/procedures/encounters/{public_id}": Rule(ENCOUNTERS, _id("encounter")),
    "POST /api/v1/procedures/encounters/{public_id}/transitions": Rule(
        STEPPERS, _id("encounter"), fields=lambda w: {"to": "pre_assessed"}
    ),
    "POST /api/v1/procedures/encounters/{public_id}/lidocaine": Rule(
        frozenset({DOC}), _id("encounter")
    ),
    "POST /api/v1/procedures/encounters/{public_id}/harvest": Rule(
        frozenset({DOC}), _id("encounter")
    ),
    "POST /api/v1/procedures/encounters/{public_id}/harvest/amendments": Rule(
        frozenset({DOC}), _id("encounter")
    ),
    "POST /api/v1/procedures/encounters/{public_id}/note/signature": Rule(
        frozenset({DOC}), _id("encounter")
    ),
    "POST /api/v1/procedures/encounters/{public_id}/bedside-verifications": Rule(
        STEPPERS, _id("encounter")
    ),
    "POST /api/v1/procedures/encounters/{public_id}/injections": Rule(
        frozenset({DOC}), _id("encounter")
    ),
    "GET /api/v1/procedures/encounters/{public_id}/delivered": Rule(ENCOUNTERS, _id("encounter")),
    "POST /api/v1/procedures/encounters/{public_id}/comparator-injection": Rule(
        frozenset({DOC}), _id("encounter")
    ),
    "POST /api/v1/lab/containers/{public_id}/return": Rule(
        CLINICIANS,
        lambda w: {
            "public_id": w.encounter.containers.filter(kind="concentrate").first().public_id
        },
    ),  # fmt: skip
    "GET /api/v1/facilities/equipment": Rule(frozenset({ADMIN, LAB})),
    "GET /api/v1/facilities/kit-lots": Rule(frozenset({ADMIN, LAB})),
    "GET /api/v1/procedures/encounters/{public_id}/evidence": Rule(
        frozenset({NURSE, DOC, ADMIN}), _id("encounter")
    ),
    "GET /api/v1/lab/specimens/{din}": Rule(LAB_VIEW, lambda w: {"din": w.aspirate.din}),
    "GET /api/v1/lab/products": Rule(LAB_VIEW),
    "POST /api/v1/lab/custody-scans": Rule(frozenset({NURSE, DOC, LAB})),
    "GET /api/v1/lab/processing-runs/{public_id}": Rule(LAB_VIEW, _id("run")),
    "POST /api/v1/lab/processing-runs/{public_id}/late-results": Rule(frozenset({LAB}), _id("run")),
    "GET /api/v1/lab/specimens": Rule(
        LAB_VIEW, query=lambda w: {"encounter_id": w.encounter.public_id}
    ),
    "POST /api/v1/lab/processing-runs": Rule(
        frozenset({LAB}),
        fields=lambda w: {
            "encounter_id": w.encounter.public_id,
            "centrifuge_id": w.run.centrifuge.public_id,
            "kit_lot_id": _facility(w, "kitlot")["public_id"],
        },
    ),
    "POST /api/v1/lab/processing-runs/{public_id}/release": Rule(frozenset({LAB}), _id("run")),
    "GET /api/v1/lab/traceability": Rule(TRACE),
    "GET /api/v1/outcomes/instruments": Rule(STAFF),
    "POST /api/v1/outcomes/score/{instrument}": Rule(
        frozenset({NURSE, DOC, ADMIN, RESEARCH}), lambda w: {"instrument": "KOOS"}, record=False
    ),
    "GET /api/v1/outcomes/plans/{plan_id}/followups": Rule(
        OUTCOMES_READ, _id("treated_plan", "plan_id")
    ),
    "GET /api/v1/outcomes/plans/{plan_id}/responses": Rule(
        OUTCOMES_READ, _id("treated_plan", "plan_id")
    ),
    "POST /api/v1/outcomes/plans/{plan_id}/responses": Rule(
        CLINICAL_WRITE, _id("treated_plan", "plan_id")
    ),
    "POST /api/v1/outcomes/responses/{public_id}/verify": Rule(CLINICIANS, _id("response")),
    "POST /api/v1/outcomes/responses/{public_id}/double-entry": Rule(
        CLINICAL_WRITE, _id("response")
    ),
    "GET /api/v1/outcomes/plans/{plan_id}/responders": Rule(
        OUTCOMES_READ, _id("treated_plan", "plan_id")
    ),
    "GET /api/v1/outcomes/completeness": Rule(OUTCOMES_READ),
    "GET /api/v1/outcomes/plans/{plan_id}/reinterventions": Rule(
        OUTCOMES_READ, _id("treated_plan", "plan_id")
    ),
    "POST /api/v1/outcomes/plans/{plan_id}/reinterventions": Rule(
        frozenset({NURSE, DOC, ADMIN}),
        _id("treated_plan", "plan_id"),
        fields=lambda w: {"kind": "surgery", "source": "staff"},
    ),
    "GET /api/v1/recovery/tasks": Rule(CLINICIANS),
    "GET /api/v1/recovery/tasks/{public_id}": Rule(CLINICIANS, _id("task")),
    "POST /api/v1/recovery/tasks/{public_id}/acknowledge": Rule(CLINICIANS, _id("task")),
    "POST /api/v1/recovery/tasks/{public_id}/resolve": Rule(CLINICIANS, _id("task")),
    "GET /api/v1/recovery/courses/{public_id}/checkins": Rule(CLINICIANS, _id("course")),
    "POST /api/v1/recovery/plans/{public_id}/adverse-events": Rule(
        CLINICIANS, lambda w: {"public_id": w.course.plan.public_id}
    ),
    "GET /api/v1/recovery/adverse-events/{public_id}": Rule(
        frozenset({NURSE, DOC, ADMIN}), _id("adverse_event")
    ),
    "PUT /api/v1/recovery/adverse-events/{public_id}": Rule(CLINICIANS, _id("adverse_event")),
    "POST /api/v1/recovery/adverse-events/{public_id}/sign": Rule(
        frozenset({DOC}), _id("adverse_event")
    ),
    "POST /api/v1/recovery/adverse-events/{public_id}/addenda": Rule(
        CLINICIANS, _id("adverse_event")
    ),
    # The portal's API: the patient's portal cookie (CSRF-checked for writes), no token.
    "GET /api/v1/portal/me": Rule(frozenset({PATIENT})),
    "GET /api/v1/portal/checkins": Rule(frozenset({PATIENT})),
    "GET /api/v1/portal/checkins/{public_id}": Rule(
        frozenset({PATIENT}), lambda w: {"public_id": _checkin(w)}, record=False
    ),
    "POST /api/v1/portal/checkins/{public_id}": Rule(
        frozenset({PATIENT}), lambda w: {"public_id": _checkin(w)}, record=False
    ),
}


# The FHIR R4 server (interop): its operations, "METHOD /path" as ninja describes them.
# Nurses, physicians and the clinic administrator read; the administrator exports; the front
# desk and the administrator import (interop/permissions.py). Researchers and the lab: none.
FHIR_READ = frozenset({NURSE, DOC, ADMIN})
FHIR_TYPES = ("Patient", "Procedure", "Observation", "QuestionnaireResponse")
FHIR: dict[str, Rule] = {
    "GET /fhir/r4/metadata": Rule(EVERYONE, note="the capability statement is public"),
    "GET /fhir/r4/Patient/{patient_id}/$everything": Rule(
        FHIR_READ, lambda w: {"patient_id": w.fhir_ids["Patient"]}
    ),
    "POST /fhir/r4/Patient/$import": Rule(frozenset({DESK, ADMIN})),
    "GET /fhir/r4/$export": Rule(frozenset({ADMIN})),
    "GET /fhir/r4/Patient/$export": Rule(frozenset({ADMIN})),
    "GET /fhir/r4/bulk/{export_id}": Rule(
        frozenset({ADMIN}), lambda w: {"export_id": w.export.public_id}
    ),
    "DELETE /fhir/r4/bulk/{export_id}": Rule(
        frozenset({ADMIN}), lambda w: {"export_id": w.export_to_cancel.public_id}
    ),
    "GET /fhir/r4/bulk/{export_id}/{file_name}": Rule(
        frozenset({ADMIN}),
        lambda w: {"export_id": w.export.public_id, "file_name": "Patient.ndjson"},
    ),
    **{
        f"GET /fhir/r4/{kind}/{{resource_id}}": Rule(
            FHIR_READ, lambda w, kind=kind: {"resource_id": w.fhir_ids[kind]}
        )
        for kind in FHIR_TYPES
    },
    **{f"GET /fhir/r4/{kind}": Rule(FHIR_READ) for kind in FHIR_TYPES},
}
# Every other method on those paths answers 405 to anyone, and any other path 404.
FHIR_UNKNOWN_PATH = Rule(
    NOBODY, lambda w: {"rest": "Specimen/1"}, "404 for every path the server does not know",
    record=False,
)  # fmt: skip
FHIR_PATHS = {key.split(" ", 1)[1]: rule for key, rule in FHIR.items()}


def api_rule(key: str) -> Rule | None:
    """The policy of an API operation; None when it has none (the matrix then fails)."""
    if key in API:
        return API[key]
    if key in FHIR:
        return FHIR[key]
    path = key.split(" ", 1)[1]
    if path == "/fhir/r4/{rest}":
        return FHIR_UNKNOWN_PATH
    if path not in FHIR_PATHS:
        return None
    same_path = FHIR_PATHS[path]
    return Rule(EVERYONE, same_path.args, "405 before authentication", record=False)
