"""Issue 9's "Done when" journey in a real browser, one patient from plan to discharge: a
right-knee BMAC for a patient on apixaban and ibuprofen with a chlorhexidine allergy. The
booking inside the hold is refused (the page says why), the one after it accepted; the harvest
side edited after consent voids the consent, so the check-in is refused until the patient
consents again; on the day the time-out offers povidone-iodine, a harvest on the left (the
plan says right) is refused, the patient is discharged; then a cortisone injection into the
other knee is recorded as an encounter of its own.

Steps the other browser tests already walk (pre-assessment, lab processing, bedside check,
injection) go through ``marrowtrack.testing.scenario``, which uses the same services.
Screenshots go to $MARROWTRACK_SCREENSHOTS (as in the other browser tests), prefix
``journey-``."""

from __future__ import annotations

import os
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from playwright.sync_api import Page, ViewportSize, expect

from marrowtrack.accounts.roles import Role, roles_sync
from marrowtrack.core import clock
from marrowtrack.facilities.models import Equipment, Room
from marrowtrack.intake.models import Appointment, Consent, TreatmentPlan, WorkingHours
from marrowtrack.intake.tests.factories import LabValueFactory
from marrowtrack.procedures import services
from marrowtrack.procedures.models import ComparatorInjection, HarvestRecord, ProcedureEncounter
from marrowtrack.procedures.services.gates import CONSENT
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.testing import scenario
from marrowtrack.testing.browser import fill_harvest_form, login
from marrowtrack.testing.factories import (
    PASSWORD,
    AllergyFactory,
    ClinicFactory,
    MedicationFactory,
    PatientFactory,
    UserFactory,
    WeightFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("MARROWTRACK_SCREENSHOTS", "")
LAPTOP: ViewportSize = {"width": 1366, "height": 900}


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"journey-{name}.png"), full_page=True)


@pytest.fixture
def world(transactional_db):
    # A transactional test flushes the data migrations' rows: publish them again.
    import_module("marrowtrack.intake.migrations.0003_consent_documents_v1").publish_v1(apps, None)
    import_module("marrowtrack.intake.migrations.0005_consent_documents_v2").publish_v2(apps, None)
    roles_sync()
    clinic = ClinicFactory(name="Journey Clinic", phone="555 0100")
    for weekday in range(7):
        WorkingHours.objects.create(clinic=clinic, weekday=weekday, starts="07:00", ends="20:00")
    Room.objects.create(clinic=clinic, name="Fluoro Room", kind="procedure", has_fluoroscopy=True)
    Equipment.objects.create(
        clinic=clinic,
        name="Spinner",
        kind="centrifuge",
        rotor_radius_cm=Decimal("10"),
        calibration_due=date.today() + timedelta(days=365),
    )
    staff = {
        role.value: UserFactory(
            clinic=clinic, role=role, username=role.value, display_name=f"{role.label} person"
        )
        for role in (Role.PHYSICIAN, Role.NURSE, Role.LAB_TECH)
    }
    patient = PatientFactory(
        clinic=clinic, family_name="Ibsen", given_name="Marta", height_cm=Decimal("170")
    )
    WeightFactory(patient=patient, measured_on=date.today(), weight_kg=Decimal("74"))
    LabValueFactory(patient=patient, value=240, taken_on=date.today())
    MedicationFactory(
        patient=patient, name="Apixaban", drug_class="anticoagulant", agent="apixaban"
    )
    MedicationFactory(patient=patient, name="Ibuprofen", drug_class="nsaid")
    AllergyFactory(patient=patient, category="antiseptic", substance="Chlorhexidine")
    return {"clinic": clinic, "patient": patient, "staff": staff}


def _plan_page(page: Page, url: str, plan: TreatmentPlan) -> None:
    page.goto(f"{url}{plan.get_absolute_url()}")


def _screen_and_approve(page: Page) -> None:
    page.get_by_role("button", name="Run screening").click()
    page.get_by_text("Screening result: Needs review.").wait_for()
    page.get_by_role("link", name="Record decision").click()
    page.get_by_label("Approved for treatment").check()
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign decision").click()
    page.get_by_text("Decision signed.").wait_for()


def _consent_on_the_tablet(page: Page) -> None:
    """The patient signs in patient mode; the presenter takes the tablet back with their
    password and a colleague witnesses."""
    page.get_by_role("button", name="Take consent on the tablet").click()
    page.locator("#id_typed_name").fill("Marta Ibsen")
    page.get_by_label("sign by clicking here instead").check()
    page.get_by_role("button", name="Sign consent").click()
    page.get_by_role("link", name="Staff: take the tablet back").first.click()
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Leave patient mode").click()
    page.locator("#id_username").fill("nurse")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign as witness").click()
    page.get_by_text("Consent witnessed").wait_for()


def _check_in(page: Page, url: str, plan: TreatmentPlan) -> None:
    patient = plan.patient
    page.goto(f"{url}/procedures/check-in/")
    page.locator("#id_plan").select_option(str(plan.public_id))
    page.locator("#id_typed_name").fill(patient.full_name)
    page.locator("#id_typed_dob").fill(patient.date_of_birth.isoformat())
    page.locator("#id_temperature_c").fill("36.8")
    page.get_by_role("button", name="Check in").click()


def _checked_in(page: Page) -> None:
    refusal, done = page.locator("#refusal"), page.get_by_text("is checked in.")
    refusal.or_(done).first.wait_for()
    assert refusal.count() == 0, refusal.inner_text()


def _relogin(page: Page, url: str, username: str) -> None:
    page.wait_for_load_state("networkidle")  # no htmx request of the last user in flight
    page.context.clear_cookies()
    login(page, url, username, PASSWORD)


def test_issue_9_journey_from_plan_to_discharge_and_a_cortisone_day(
    live_server, page: Page, world
) -> None:
    url, patient, staff = live_server.url, world["patient"], world["staff"]
    page.set_viewport_size(LAPTOP)
    login(page, url, "physician", PASSWORD)

    # The plan: right knee, BMAC, harvest from the left crest at first; screened and approved.
    page.goto(f"{url}/plans/new/{patient.public_id}/")
    choices = {
        "condition": "knee_oa",
        "target": "knee",
        "laterality": "right",
        "treatment": "bmac",
        "harvest_side": "left",
        "harvest_anticoagulant": "acd_a",
        "kellgren_lawrence_grade": "3",
    }
    for field, value in choices.items():
        locator = page.locator(f"#id_{field}")
        if locator.evaluate("e => e.tagName") == "SELECT":
            locator.select_option(value)
        else:
            locator.fill(value)
    page.get_by_role("button", name="Start plan").click()
    page.get_by_text("Treatment plan started.").wait_for()
    _screen_and_approve(page)
    plan = TreatmentPlan.objects.get(patient=patient)
    expect(page.get_by_text("Antiseptic allergy (Chlorhexidine)").first).to_be_visible()
    expect(page.get_by_text("Apixaban (anticoagulant, ongoing)").first).to_be_visible()
    _shot(page, "01-plan-approved")

    # Booking three days ahead is inside the holds: refused, and the page says why.
    soon = clock.today(patient.clinic) + timedelta(days=3)
    page.get_by_role("link", name="Book appointment").click()
    page.locator("#id_day").fill(soon.isoformat())
    page.locator("#id_time").fill("09:00")
    for field in ("room", "physician", "nurse", "centrifuge", "lab_tech"):
        page.locator(f"#id_{field}").select_option(index=1)
    page.get_by_role("button", name="Book", exact=True).click()
    refusal = page.get_by_text("Cannot book inside a medication hold")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text("Ibuprofen")
    expect(refusal).to_contain_text("Apixaban")
    _shot(page, "02-booking-inside-hold-refused")
    assert not plan.appointments.exists()

    # Two weeks ahead leaves both holds: the slot is offered and the booking accepted.
    later = clock.today(patient.clinic) + timedelta(days=14)
    page.locator("#slot-day").fill(later.isoformat())
    page.get_by_role("button", name="Show free slots").click()
    page.get_by_role("button", name="Book 09:00").click()
    page.get_by_text("Appointment booked.").wait_for()
    booking = plan.appointments.get(status=Appointment.Status.BOOKED)
    assert clock.localdate(booking.starts_at, patient.clinic) == later
    _shot(page, "03-booked-after-hold")

    # The prescriber's hold for apixaban: last dose four days before, restart the day after.
    _plan_page(page, url, plan)
    page.get_by_role("link", name="Record a hold plan").click()
    page.locator("#id_medication").select_option(label="Apixaban (Anticoagulant)")
    page.locator("#id_last_dose_on").fill((later - timedelta(days=4)).isoformat())
    page.locator("#id_restart_on").fill((later + timedelta(days=1)).isoformat())
    page.locator("#id_prescriber").fill("Dr A. Mensah, cardiology")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign hold plan").click()
    page.get_by_text("Hold plan recorded and signed.").wait_for()

    # Consent; then the physician moves the harvest to the right crest: the consent is void.
    _consent_on_the_tablet(page)
    assert plan.consents.get().status == Consent.Status.WITNESSED
    _plan_page(page, url, plan)
    page.get_by_role("link", name="Edit plan").click()
    page.locator("#id_harvest_side").select_option("right")
    page.get_by_role("button", name="Save plan").click()
    page.get_by_text("Plan saved.").wait_for()
    expect(page.get_by_text("Harvest side changed from left to right").first).to_be_visible()
    _shot(page, "04-consent-voided-by-edit")
    assert plan.consents.get().status == Consent.Status.INVALIDATED
    plan.refresh_from_db()
    assert plan.status == TreatmentPlan.Status.DRAFT and plan.harvest_side == "right"
    _screen_and_approve(page)  # a new screening and decision

    # The procedure day, two weeks on (clinic time; the live server shares the clock).
    zone = ZoneInfo(patient.clinic.timezone)
    with time_machine.travel(datetime.combine(later, time(8, 30), tzinfo=zone), tick=True):
        # The patient stopped ibuprofen eight days ago as the instructions asked, and the
        # record says so: check-in refuses a hold that is not met on the day (ADR 0024).
        patient.medications.filter(name="Ibuprofen").update(stopped_on=later - timedelta(days=8))
        _relogin(page, url, "nurse")
        _check_in(page, url, plan)
        expect(page.locator("#refusal")).to_contain_text("no signed and witnessed consent")
        _shot(page, "05-check-in-refused-without-consent")
        assert not ProcedureEncounter.objects.filter(plan=plan).exists()

        _relogin(page, url, "physician")
        _plan_page(page, url, plan)
        _consent_on_the_tablet(page)
        _relogin(page, url, "nurse")
        _check_in(page, url, plan)
        _checked_in(page)
        encounter = ProcedureEncounter.objects.get(plan=plan)

        scenario.step(encounter, staff, PASSWORD)  # pre-assessed
        services.encounter_transition(
            encounter=encounter,
            to=S.CONSENTED,
            by=staff["physician"],
            data={**dict.fromkeys(CONSENT, True), "harvest_side": "r_pic"},
        )
        scenario.walk_to(encounter, S.SITE_MARKED, staff, PASSWORD)

        # The time-out: the allergy is there and the prep agent is povidone-iodine.
        _relogin(page, url, "physician")
        page.goto(f"{url}/procedures/{encounter.public_id}/")
        timeout_form = page.locator("form[action*='/step/timeout_1/']")
        expect(timeout_form.locator(".allergies")).to_contain_text("Chlorhexidine")
        expect(timeout_form.locator(".blood-thinners")).to_contain_text("Apixaban")
        prep = timeout_form.locator("[name='timeout_1-prep_agent']")
        expect(prep).to_have_value("povidone_iodine")
        expect(prep.locator("option:checked")).to_contain_text(re.compile("povidone", re.I))
        _shot(page, "06-timeout-povidone-iodine")

        scenario.walk_to(encounter, S.LOCAL_ANESTHESIA, staff, PASSWORD)
        assert encounter.timeouts.get().checklist["prep_agent"] == "povidone_iodine"
        services.encounter_transition(encounter=encounter, to=S.HARVESTING, by=staff["physician"])

        # A harvest from the left crest is refused: the plan and consent say right.
        page.goto(f"{url}/procedures/{encounter.public_id}/harvest/")
        fill_harvest_form(page, "l_pic")
        page.get_by_role("button", name="Record harvest").click()
        expect(page.get_by_text("is not the side the plan and consent name")).to_be_visible()
        _shot(page, "07-harvest-left-refused")
        assert not HarvestRecord.objects.filter(encounter=encounter).exists()
        fill_harvest_form(page, "r_pic")
        page.get_by_role("button", name="Record harvest").click()
        expect(page.get_by_text("Harvest: Right posterior iliac crest")).to_be_visible()
        assert HarvestRecord.objects.get(encounter=encounter).side == "r_pic"

        # Lab, bedside check and injection as the other tests walk them; then discharge.
        scenario.walk_to(encounter, S.RECOVERY, staff, PASSWORD)
        scenario.recovered(encounter)
        _relogin(page, url, "nurse")
        page.goto(f"{url}/procedures/{encounter.public_id}/")
        form = page.locator("form[action*='/step/discharged/']")
        for checkbox in form.locator("input[type=checkbox]").all():
            checkbox.check()
        form.get_by_label("Blood pressure at discharge (e.g. 120/80)").fill("124/78")
        form.get_by_label("Pulse at discharge (/min)").fill("72")
        form.locator("[name='discharged-anticoagulant_restart_on']").fill(
            (later + timedelta(days=1)).isoformat()
        )
        form.get_by_role("button").click()
        expect(page.locator(".banner-flags")).to_contain_text("Discharged")
        _shot(page, "08-discharged")
        encounter.refresh_from_db()
        assert encounter.state == S.DISCHARGED

        # The comparator: cortisone into the left knee, booked today, recorded as an encounter.
        cortisone = scenario.approved_comparator_plan(
            patient, by=staff["physician"], treatment="csi", laterality="left"
        )
        scenario.approve(cortisone, by=staff["physician"])
        # A second needle procedure of the patient today: the physician confirmed it on the
        # booking with a reason (ADR 0024), else the check-in refuses it.
        cortisone.appointments.update(
            same_day_reason="Cortisone to the other knee today, agreed with the patient",
            same_day_confirmed_by=staff["physician"],
        )
        _check_in(page, url, cortisone)
        _checked_in(page)
        day = ProcedureEncounter.objects.get(plan=cortisone)
        assert day.kind == "comparator"
        scenario.comparator_walk_to(day, S.TIMEOUT_1, staff, PASSWORD)
        _relogin(page, url, "physician")
        page.goto(f"{url}/procedures/{day.public_id}/")
        injection = page.locator("#comparator-injection form")
        injection.locator("[name=drug]").select_option("triamcinolone")
        injection.locator("[name=lot]").fill("LOT-4471")
        injection.locator("[name=lot_expires_on]").fill((later + timedelta(days=200)).isoformat())
        injection.get_by_role("button", name="Record the injection").click()
        page.get_by_text("Injection recorded").wait_for()
        facts = page.locator("section[aria-labelledby='h-comparator']")
        expect(facts).to_contain_text("Triamcinolone acetonide 40")
        expect(facts).to_contain_text("LOT-4471")
        expect(facts).to_contain_text("Left")
        _shot(page, "09-cortisone-injection-recorded")
        record = ComparatorInjection.objects.get(encounter=day)
        assert (record.drug, record.lot, record.laterality) == ("triamcinolone", "LOT-4471", "left")
        day.refresh_from_db()
        assert day.state == S.INJECTED  # then recovery and discharge, as after any injection
        scenario.comparator_walk_to(day, S.RECOVERY, staff, PASSWORD)
        scenario.discharge(day, staff, anticoagulant_restart_on=later + timedelta(days=1))
        day.refresh_from_db()
        assert day.state == S.DISCHARGED
