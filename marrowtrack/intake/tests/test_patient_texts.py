"""Every patient-facing text intake renders passes the claims linter (issue 8 item 17):
the instructions of every treatment as a page, a PDF and a calendar file, and the consent
page and PDF."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from icalendar import Calendar
from pypdf import PdfReader

from marrowtrack.intake import documents
from marrowtrack.intake.contentlint import assert_no_claims, html_text
from marrowtrack.intake.services import booking
from marrowtrack.intake.services import consent as consent_svc
from marrowtrack.intake.tests.conftest import MONDAY, at
from marrowtrack.testing.factories import PASSWORD, MedicationFactory

pytestmark = pytest.mark.django_db
COMPARATOR = {"injectate_drug": "Drug", "dose_mg": 40, "volume_ml": 5, "guidance": "us"}
TREATMENTS = ["bmac", "bmac_prp", "csi", "nerve_block", "prp", "ha", "exercise"]


def _booked(make_plan, facility, treatment: str):
    harvest = treatment.startswith("bmac")
    extra = {} if harvest else {**COMPARATOR, "harvest_side": ""}
    plan = make_plan(status="approved", treatment=treatment, **extra)
    MedicationFactory(patient=plan.patient, name="Naproxen", drug_class="nsaid")
    team = (
        facility.team()
        if harvest
        else facility.team(room=facility.plain_room, centrifuge=None, lab_tech=None)
    )
    booking.appointment_book(
        plan=plan, by=facility.nurse, starts_at=at(MONDAY + timedelta(days=14), 9), team=team
    )
    return plan


@pytest.mark.parametrize("treatment", TREATMENTS)
def test_the_instructions_of_every_treatment_make_no_banned_claim(
    make_plan, facility, client_for, staff, treatment
) -> None:
    plan = _booked(make_plan, facility, treatment)
    data = documents.plan_instructions(plan)
    page = client_for(staff["nurse"]).get(reverse("intake:instructions", args=[plan.public_id]))
    pdf = documents.instructions_pdf(data)
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    calendar = Calendar.from_ical(documents.instructions_ics(data))
    ics_text = " ".join(
        f"{event.get('summary')} {event.get('description')}" for event in calendar.walk("VEVENT")
    )
    assert_no_claims(
        [("page", html_text(page.content.decode())), ("pdf", pdf_text), ("ics", ics_text)]
    )
    if treatment != "exercise":
        assert "Call your emergency number" in pdf_text


@pytest.mark.parametrize("treatment", ["bmac", "csi"])
def test_the_consent_page_and_pdf_make_no_banned_claim(
    make_plan, client_for, staff, treatment
) -> None:
    extra = {} if treatment == "bmac" else {**COMPARATOR, "harvest_side": ""}
    plan = make_plan(status="approved", treatment=treatment, **extra)
    consent = consent_svc.consent_start(plan=plan, by=staff["nurse"])
    page = client_for(staff["nurse"]).get(consent.get_absolute_url()).content.decode()
    consent = consent_svc.consent_patient_sign(
        consent=consent, by=staff["nurse"], typed_name="Rosa Núñez", signature="click"
    )
    consent = consent_svc.consent_witness(consent=consent, by=staff["physician"], password=PASSWORD)
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(bytes(consent.pdf))).pages)
    assert_no_claims([("consent page", html_text(page)), ("consent pdf", pdf_text)])
    assert "The treatment this consent is for" in pdf_text


PACKAGE = Path(__file__).resolve().parents[2]
# What patients read outside intake: the survey portal and any e-mail sent to them.
PORTAL_TEMPLATES = sorted(
    [*PACKAGE.glob("*/templates/*/portal/*.html"), *PACKAGE.glob("*/templates/*/emails/**/*")]
)


def test_there_are_portal_texts_to_check() -> None:
    assert PORTAL_TEMPLATES


@pytest.mark.parametrize("path", PORTAL_TEMPLATES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_portal_and_email_template_passes_the_linter(path: Path) -> None:
    assert_no_claims([(str(path.relative_to(PACKAGE)), path.read_text())])
