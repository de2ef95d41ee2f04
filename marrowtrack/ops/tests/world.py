"""A clinic with one record of every kind the pages and endpoints take in their addresses.

Built through the real services (the scenario builder) so that a request for any route
reaches its view: the authorisation matrix and the API fuzzing use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import time_machine
from django.contrib.auth.models import Group

from marrowtrack.accounts.models import ApiToken, User
from marrowtrack.accounts.roles import Role
from marrowtrack.accounts.services import api_token_issue
from marrowtrack.core import clock
from marrowtrack.core.models import Clinic
from marrowtrack.intake.models import Appointment, Consent, TreatmentPlan
from marrowtrack.intake.tests.factories import RoomFactory
from marrowtrack.interop.services import exports, reads
from marrowtrack.lab.models import Container, ProcessingRun
from marrowtrack.notifications.links import link_token
from marrowtrack.outcomes.models import FollowUp, SurveyResponse
from marrowtrack.outcomes.services.links import survey_link_create
from marrowtrack.outcomes.services.responses import response_transcribe
from marrowtrack.outcomes.tests.factories import PAPER, koos_answers, make_plan
from marrowtrack.patients.models import Allergy, Condition, Medication, Patient
from marrowtrack.portal.services import link_send, link_use
from marrowtrack.procedures.models import ProcedureEncounter
from marrowtrack.procedures.states import ProcedureState
from marrowtrack.recovery.models import NurseTask
from marrowtrack.recovery.services.adverse_events import adverse_event_record
from marrowtrack.recovery.services.checkins import checkin_submit
from marrowtrack.recovery.tests.factories import treated_course
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import (
    PASSWORD,
    AllergyFactory,
    ClinicFactory,
    ConditionFactory,
    MedicationFactory,
    PatientFactory,
    UserFactory,
    WeightFactory,
)

ROLES = [str(role) for role in Role]


@dataclass
class World:
    clinic: Clinic
    staff: dict[str, User]
    outsider: User  # every role, another clinic
    colleague: User  # a nurse the administrator's staff pages act on
    patient: Patient
    allergy: Allergy
    medication: Medication
    condition: Condition
    weight: Any
    plan: TreatmentPlan  # approved, witnessed consent, booked
    consent: Consent
    appointment: Appointment
    encounter: ProcedureEncounter  # released: containers and a run
    run: ProcessingRun
    aspirate: Container
    treated_plan: TreatmentPlan  # follow-ups scheduled, one transcribed response
    followup: FollowUp
    response: SurveyResponse
    link_token: str
    nurse_token: ApiToken
    api_secrets: dict[str, str]
    course: Any  # recovery: a treated plan's course, with check-ins
    task: Any  # a nurse task from a worrying check-in
    adverse_event: Any
    portal_key: str  # the patient's portal session cookie
    portal_link: str  # an unused portal sign-in link token
    fhir_ids: dict[str, str]  # resource type -> the id of one of this patient's resources
    export: Any  # a finished FHIR bulk export (interop)
    export_to_cancel: Any


def world_build() -> World:
    clinic = ClinicFactory(name="Matrix Clinic", phone="555-010-1000")
    staff = {role: UserFactory(clinic=clinic, role=role, username=role) for role in ROLES}
    outsider = UserFactory(clinic=ClinicFactory(name="Elsewhere"), username="outsider")
    outsider.groups.set(Group.objects.filter(name__in=ROLES))
    # An MRN outside the clinic's counter: the API registers patients during the checks.
    patient = PatientFactory(clinic=clinic, family_name="Matrixova", given_name="Ilse", mrn="MX1")
    plan = scenario.approved_plan(patient, by=staff[Role.PHYSICIAN])
    encounter = scenario.walk_to(
        scenario.check_in(plan, staff[Role.NURSE]), ProcedureState.RELEASED, staff, PASSWORD
    )
    treated = make_plan(patient, staff[Role.PHYSICIAN], target="shoulder", laterality="right")
    course = treated_course(patient, staff[Role.PHYSICIAN], target="hip")
    task = _task(course)
    return World(
        clinic=clinic,
        staff=staff,
        outsider=outsider,
        colleague=UserFactory(clinic=clinic, role=Role.NURSE, username="colleague"),
        patient=patient,
        allergy=AllergyFactory(patient=patient),
        medication=MedicationFactory(patient=patient),
        condition=ConditionFactory(patient=patient),
        weight=WeightFactory(patient=patient),
        plan=plan,
        consent=plan.consents.get(),
        appointment=_appointment(plan, staff),
        encounter=encounter,
        run=encounter.run,
        aspirate=encounter.containers.get(kind="aspirate"),
        treated_plan=treated,
        followup=treated.followups.order_by("position").first(),
        response=_transcribed(treated, staff[Role.FRONT_DESK]),
        link_token=survey_link_create(
            followup=treated.followups.order_by("position").first(), by=staff[Role.NURSE]
        ).token,
        nurse_token=api_token_issue(user=staff[Role.NURSE])[0],
        api_secrets={
            name: api_token_issue(user=user)[1]
            for name, user in {**staff, "outsider": outsider}.items()
        },
        course=course,
        task=task,
        adverse_event=_adverse_event(task, staff[Role.NURSE]),
        portal_key=link_use(token=link_token(link_send(patient=patient, by=None))).key,
        portal_link=link_token(link_send(patient=patient, by=None)),
        fhir_ids=_fhir_ids(patient, staff[Role.NURSE]),
        export=_export(staff[Role.CLINIC_ADMIN], run=True),
        export_to_cancel=_export(staff[Role.CLINIC_ADMIN], run=False),
    )


def _task(course: Any) -> Any:
    with time_machine.travel("2026-03-04 10:00-05:00", tick=False):
        checkin_submit(
            checkin=course.checkins.get(day=2),
            data={"treated_pain": "6", "harvest_pain": "2", "temperature": "38.4"},
        )
    return NurseTask.objects.get(course=course)


def _adverse_event(task: Any, nurse: User) -> Any:
    data = {
        "event_type": "infection",
        "site": "target",
        "onset_on": date(2026, 3, 4),
        "grade": 2,
        "relatedness": "possible",
        "outcome": "recovering",
        "description": "Redness at the injection site.",
    }
    with time_machine.travel("2026-03-05 11:00-05:00", tick=False):
        return adverse_event_record(plan=task.course.plan, by=nurse, task=task, data=data)


def _fhir_ids(patient: Patient, reader: User) -> dict[str, str]:
    found = reads.patient_everything(user=reader, patient_id=str(patient.public_id))
    ids: dict[str, str] = {}
    for resource in found:
        ids.setdefault(resource["resourceType"], resource["id"])
    return ids


def _export(admin: User, *, run: bool) -> Any:
    export = exports.bulk_export_request(user=admin, request=exports.ExportRequest("system"))
    if run:
        exports.bulk_export_run(public_id=str(export.public_id))
        export.refresh_from_db()
    return export


def _appointment(plan: TreatmentPlan, staff: dict[str, User]) -> Appointment:
    starts = clock.now() + timedelta(days=7)
    return Appointment.objects.create(
        clinic=plan.patient.clinic,
        plan=plan,
        kind=Appointment.Kind.PROCEDURE,
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        room=RoomFactory(clinic=plan.patient.clinic),
        physician=staff[Role.PHYSICIAN],
        booked_by=staff[Role.FRONT_DESK],
    )


def _transcribed(plan: TreatmentPlan, by: User) -> SurveyResponse:
    day = plan.followups.order_by("position").first().target_on
    return response_transcribe(
        plan=plan, instrument="KOOS", answers=koos_answers(), answered_on=day, form=PAPER, by=by
    )
