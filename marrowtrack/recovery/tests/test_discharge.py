"""Discharge instructions for every treatment: the facts, the PDF read back, English and
Spanish, and no marketing claim anywhere (intake's content linter)."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from marrowtrack.core.exceptions import DomainError
from marrowtrack.intake.contentlint import lint
from marrowtrack.recovery.discharge import discharge_plan, nsaid_dates
from marrowtrack.recovery.documents import discharge_pdf, render_discharge
from marrowtrack.recovery.tests.factories import treated_course

BODY = "recovery/_discharge_body.html"
TREATMENTS = ("bmac", "bmac_prp", "prp", "csi", "ha", "nerve_block")


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_nsaid_dates_follow_the_configured_window():
    assert nsaid_dates(date(2026, 3, 2), 7) == (date(2026, 3, 9), date(2026, 3, 10))
    assert nsaid_dates(date(2026, 3, 2), 0) == (None, None)


def test_the_plan_computes_every_date_from_the_treatment_day():
    plan = discharge_plan(
        treatment="bmac",
        treatment_label="BMAC",
        treated_on=date(2026, 3, 2),
        target_label="knee",
        harvest_side_label="left hip",
        nsaid_avoid_days=7,
        clinic_name="C",
        clinic_phone="555",
        emergency_number="911",
    )
    assert (plan.flare_until, plan.rest_until, plan.no_soaking_until) == (
        date(2026, 3, 7),
        date(2026, 3, 4),
        date(2026, 3, 5),
    )
    assert (plan.checkins_from, plan.checkins_until, plan.two_week_checkin_on) == (
        date(2026, 3, 3),
        date(2026, 3, 9),
        date(2026, 3, 16),
    )


def test_no_instructions_without_an_injection_or_without_the_clinics_phone():
    args = {
        "treatment_label": "x",
        "treated_on": date(2026, 3, 2),
        "target_label": "knee",
        "harvest_side_label": "",
        "nsaid_avoid_days": 7,
        "clinic_name": "C",
        "emergency_number": "911",
    }
    with pytest.raises(ValueError, match="no injection"):
        discharge_plan(treatment="exercise", clinic_phone="555", **args)
    with pytest.raises(ValueError, match="phone"):
        discharge_plan(treatment="csi", clinic_phone=" ", **args)


@pytest.mark.django_db
def test_the_pdf_states_the_dates_and_the_nsaid_date(course):
    reader = PdfReader(io.BytesIO(discharge_pdf(course, language="en")))
    pdf = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert course.patient.mrn in pdf
    assert "On Monday 2 March 2026 you had an injection of bone marrow concentrate" in pdf
    assert (
        "Take no anti-inflammatory medicines (NSAIDs) up to and including Monday 9 March 2026"
        in pdf
    )
    assert "You may take them again from Tuesday 10 March 2026" in pdf
    assert "should be easing by Saturday 7 March 2026" in pdf
    assert "Call Riverside Test Clinic: 555-010-1000" in pdf
    assert "38.0 °C (100.4 °F)" in pdf
    assert "Each day from Tuesday 3 March 2026 to Monday 9 March 2026" in pdf
    assert "Monday 16 March 2026" in pdf  # the 2-week check-in


@pytest.mark.django_db
def test_the_pdf_in_spanish_states_the_same_dates(course):
    reader = PdfReader(io.BytesIO(discharge_pdf(course, language="es")))
    pdf = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "No tome antiinflamatorios (AINE) hasta el lunes 9 de marzo de 2026 incluido" in pdf
    assert "a partir del martes 10 de marzo de 2026" in pdf
    assert "Llame a Riverside Test Clinic: 555-010-1000" in pdf


@pytest.mark.django_db
@pytest.mark.parametrize("treatment", TREATMENTS)
@pytest.mark.parametrize("language", ["en", "es"])
def test_every_treatment_has_instructions_in_both_languages_without_claims(
    patient, staff, treatment, language
):
    course = treated_course(patient, staff["physician"], treatment=treatment)
    body = text(render_discharge(course, language=language, template=BODY))
    assert lint(body) == []
    harvest = treatment.startswith("bmac")
    hip_ice = "15 to 20 minutes" if language == "en" else "15 a 20 minutos"
    assert (hip_ice in body) or not harvest
    nsaid_stop = "Take no anti-inflammatory" if language == "en" else "No tome antiinflamatorios"
    assert (nsaid_stop in body) == (treatment in {"bmac", "bmac_prp", "prp"})
    assert "555-010-1000" in body


@pytest.mark.django_db
def test_a_clinic_without_a_phone_number_gets_no_instructions(course):
    course.clinic.phone = ""
    course.clinic.save()
    with pytest.raises(DomainError, match="phone"):
        render_discharge(course, language="en", template=BODY)


@pytest.mark.django_db
def test_the_steroid_and_nerve_block_notes_appear_only_for_their_treatments(patient, staff):
    csi = text(
        render_discharge(
            treated_course(patient, staff["physician"], treatment="csi"),
            language="en",
            template=BODY,
        )
    )
    block = text(
        render_discharge(
            treated_course(patient, staff["physician"], treatment="nerve_block"),
            language="en",
            template=BODY,
        )
    )
    assert "blood sugar" in csi and "blood sugar" not in block
    assert "numb" in block and "numbness wears off" not in csi


@pytest.mark.django_db
def test_the_clinics_after_hours_phone_is_printed_when_set(course):
    from marrowtrack.intake.models import IntakeSettings

    IntakeSettings.objects.create(clinic=course.clinic, after_hours_phone="555-010-9999")
    body = text(render_discharge(course, language="en", template=BODY))
    assert "Outside opening hours: 555-010-9999." in body
    spanish = text(render_discharge(course, language="es", template=BODY))
    assert "Fuera del horario de atención: 555-010-9999." in spanish
