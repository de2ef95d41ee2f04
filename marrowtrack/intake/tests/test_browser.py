"""Browser walk: intake -> screening -> physician decision -> consent signature with
witness -> booking, then the instructions PDF and .ics downloads."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from icalendar import Calendar
from pypdf import PdfReader

from marrowtrack.accounts.roles import Role
from marrowtrack.facilities.models import Equipment, Room
from marrowtrack.intake.models import WorkingHours
from marrowtrack.testing.browser import login
from marrowtrack.testing.factories import (
    PASSWORD,
    ClinicFactory,
    PatientFactory,
    UserFactory,
    WeightFactory,
)


@pytest.fixture
def frozen_time():
    """Real time here: the live server runs in another thread."""
    yield


@pytest.fixture
def world(transactional_db):
    # A transactional test flushes the data migrations' rows: publish the versions again.
    import_module("marrowtrack.intake.migrations.0003_consent_documents_v1").publish_v1(apps, None)
    import_module("marrowtrack.intake.migrations.0005_consent_documents_v2").publish_v2(apps, None)
    from marrowtrack.accounts.roles import roles_sync

    roles_sync()
    clinic = ClinicFactory(name="Browser Clinic")
    for weekday in range(7):
        WorkingHours.objects.create(clinic=clinic, weekday=weekday, starts="07:00", ends="20:00")
    Room.objects.create(clinic=clinic, name="Fluoro Room", kind="procedure", has_fluoroscopy=True)
    Equipment.objects.create(clinic=clinic, name="Spinner", kind="centrifuge")
    staff = {
        role: UserFactory(clinic=clinic, role=role, username=role, display_name=f"{role} person")
        for role in (Role.PHYSICIAN, Role.NURSE, Role.LAB_TECH)
    }
    patient = PatientFactory(
        clinic=clinic, family_name="Ortega", given_name="Lucia", height_cm=Decimal("168")
    )
    WeightFactory(patient=patient, measured_on=date.today())
    return {"patient": patient, **staff}


@pytest.mark.browser
def test_intake_to_booking_with_downloads(live_server, page, world):
    url = live_server.url
    login(page, url, "physician", PASSWORD)
    patient = world["patient"]
    page.goto(f"{url}/plans/new/{patient.public_id}/")
    page.locator("#id_condition").select_option("knee_oa")
    page.locator("#id_target").select_option("knee")
    page.locator("#id_laterality").select_option("left")
    page.locator("#id_treatment").select_option("bmac")
    page.locator("#id_harvest_side").select_option("right")
    page.locator("#id_harvest_anticoagulant").select_option("acd_a")
    page.locator("#id_kellgren_lawrence_grade").fill("2")
    page.get_by_role("button", name="Start plan").click()
    page.get_by_text("Treatment plan started.").wait_for()

    page.get_by_role("link", name="Record lab value").click()
    page.locator("#id_test").select_option("platelets")
    page.locator("#id_value").fill("210")
    page.locator("#id_taken_on").fill(date.today().isoformat())
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Run screening").click()
    page.get_by_text("Screening result: Eligible.").wait_for()

    page.get_by_role("link", name="Record decision").click()
    page.get_by_label("Approved for treatment").check()
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign decision").click()
    page.get_by_text("Decision signed.").wait_for()
    assert page.get_by_text("rule set 2026.3").count() >= 1

    page.get_by_role("button", name="Take consent on the tablet").click()
    page.locator("#id_typed_name").fill("Lucia Ortega")
    pad = page.locator("canvas#signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 90)
    page.mouse.down()
    page.mouse.move(box["x"] + 150, box["y"] + 40, steps=8)
    page.mouse.move(box["x"] + 300, box["y"] + 120, steps=8)
    page.mouse.up()
    assert page.locator("#id_signature").input_value().startswith("data:image/png;base64,")
    page.get_by_role("button", name="Sign consent").click()
    # Patient mode: the presenter takes the tablet back, a colleague witnesses.
    page.get_by_role("link", name="Staff: take the tablet back").first.click()
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Leave patient mode").click()
    page.locator("#id_username").fill("nurse")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign as witness").click()
    page.get_by_text("Consent witnessed").wait_for()

    page.get_by_role("link", name=str(patient.plans.get())).first.click()
    page.get_by_role("link", name="Book appointment").click()
    tomorrow = date.today() + timedelta(days=1)
    page.locator("#slot-day").fill(tomorrow.isoformat())
    page.get_by_role("button", name="Show free slots").click()
    page.get_by_role("button", name="Book 09:00").click()
    page.get_by_text("Appointment booked.").wait_for()

    page.get_by_role("link", name="Patient instructions").click()
    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Download PDF").click()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(_read(pdf_download.value))).pages)
    assert "ORTEGA" in text and "NSAIDs" in text
    with page.expect_download() as ics_download:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    calendar = Calendar.from_ical(_read(ics_download.value))
    summaries = [str(e["summary"]) for e in calendar.walk("VEVENT")]
    assert any("BMAC procedure" in s for s in summaries)
    # Booked for tomorrow: the 7-day NSAID stop day has passed, so it is not put in the
    # calendar (the instructions say "from today" instead); the restart day is.
    assert not any("Stop NSAIDs" in s for s in summaries)
    assert any("restart NSAIDs" in s for s in summaries)
    assert "from today until" in text


def _read(download) -> bytes:
    with open(download.path(), "rb") as handle:
        return handle.read()
