"""Intake pages: role checks, the outsider's 404, and each flow through the HTML forms."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marrowtrack.audit.models import AuditEvent
from marrowtrack.intake.models import Appointment, Consent, TreatmentPlan
from marrowtrack.intake.services import booking, consent, screening
from marrowtrack.intake.tests.conftest import MONDAY, at
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_nurse_starts_a_plan_from_the_patient(client_for, clean_patient, staff):
    url = reverse("intake:plan-create", args=[clean_patient.public_id])
    data = {
        "condition": "knee_oa",
        "target": "knee",
        "laterality": "left",
        "treatment": "bmac",
        "harvest_side": "right",
        "harvest_anticoagulant": "acd_a",
    }
    response = client_for(staff["nurse"]).post(url, data)
    plan = TreatmentPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == plan.get_absolute_url()


def test_the_plan_form_shows_service_errors_on_the_fields(client_for, clean_patient, staff):
    url = reverse("intake:plan-create", args=[clean_patient.public_id])
    data = {"condition": "knee_oa", "target": "knee", "laterality": "left", "treatment": "csi"}
    response = client_for(staff["nurse"]).post(url, data)
    assert response.status_code == 200
    assert "Record this for a comparator injection" in response.content.decode()


def test_the_front_desk_cannot_start_a_plan(client_for, clean_patient, staff):
    url = reverse("intake:plan-create", args=[clean_patient.public_id])
    assert client_for(staff["front_desk"]).get(url).status_code == 403


def test_an_outsider_gets_404_on_every_plan_page(client_for, approved_plan, outsider):
    client = client_for(outsider)
    for name in ("plan-detail", "plan-edit", "decision", "instructions", "appointment-book"):
        assert client.get(
            reverse(f"intake:{name}", args=[approved_plan.public_id])
        ).status_code in (
            403,
            404,
        )
    assert client.get(approved_plan.get_absolute_url()).status_code == 404


def test_the_plan_list_shows_the_override_badge_within_a_query_budget(
    client_for, make_plan, staff, django_assert_max_num_queries
):
    for _ in range(5):
        make_plan(status="approved", hard_stop_overridden=True)
    client = client_for(staff["front_desk"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("intake:plan-list"))
    assert response.content.decode().count("Hard stop overridden") == 5


def test_the_physician_signs_a_decision_and_the_page_shows_the_rule_set(
    client_for, make_plan, staff
):
    plan = make_plan()
    client = client_for(staff["physician"])
    client.post(reverse("intake:screening-run", args=[plan.public_id]))
    response = client.post(
        reverse("intake:decision", args=[plan.public_id]),
        {"verdict": "approve", "password": PASSWORD},
    )
    assert response.status_code == 302
    page = client.get(plan.get_absolute_url()).content.decode()
    assert "rule set <strong>2026.3</strong>" in page
    assert "Approved for treatment" in page


def test_a_wrong_password_is_shown_on_the_decision_form(client_for, make_plan, staff):
    plan = make_plan()
    screening.screening_run(plan=plan, by=staff["nurse"])
    response = client_for(staff["physician"]).post(
        reverse("intake:decision", args=[plan.public_id]),
        {"verdict": "approve", "password": "wrong"},
    )
    assert "password or 6-digit code is not correct" in response.content.decode()


def test_the_nurse_cannot_open_the_decision_page(client_for, make_plan, staff):
    url = reverse("intake:decision", args=[make_plan().public_id])
    assert client_for(staff["nurse"]).get(url).status_code == 403


def test_consent_on_the_tablet_then_witness_then_pdf(client_for, approved_plan, staff):
    client = client_for(staff["nurse"])
    response = client.post(reverse("intake:consent-start", args=[approved_plan.public_id]))
    item = Consent.objects.get()
    assert response["Location"] == item.get_absolute_url()
    page = client.get(item.get_absolute_url()).content.decode()
    assert "signature.js" in page and "<script>" not in page
    client.post(
        reverse("intake:consent-sign", args=[item.public_id]),
        {"typed_name": "Rosa Núñez", "click_to_sign": "on"},
    )
    # The patient signed in patient mode; the nurse takes the tablet back, a colleague
    # witnesses with their own password.
    client.post(reverse("patient-mode:leave"), {"password": PASSWORD})
    client.post(
        reverse("intake:consent-witness", args=[item.public_id]),
        {"username": staff["physician"].username, "password": PASSWORD},
    )
    item.refresh_from_db()
    assert item.status == Consent.Status.WITNESSED
    pdf = client.get(reverse("intake:consent-pdf", args=[item.public_id]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    printed = AuditEvent.objects.filter(action="print", entity="intake.consent").get()
    assert printed.patient_id == str(approved_plan.patient.public_id)


def test_an_outsider_gets_404_for_a_consent(client_for, approved_plan, staff, outsider):
    item = consent.consent_start(plan=approved_plan, by=staff["nurse"])
    assert client_for(outsider).get(item.get_absolute_url()).status_code == 404


def test_the_booking_page_lists_free_slots_and_books_one(client_for, approved_plan, facility):
    client = client_for(facility.nurse)
    url = reverse("intake:appointment-book", args=[approved_plan.public_id])
    page = client.get(url, {"day": MONDAY.isoformat()}).content.decode()
    assert "Book 08:00" in page and "Book 14:00" in page and "Book 14:30" not in page
    data = {
        "day": MONDAY.isoformat(),
        "time": "09:00",
        "room": facility.fluoro_room.pk,
        "physician": facility.physician.pk,
        "nurse": facility.nurse.pk,
        "centrifuge": facility.centrifuge.pk,
        "lab_tech": facility.lab_tech.pk,
    }
    assert client.post(url, data).status_code == 302
    assert Appointment.objects.get().starts_at == at(MONDAY, 9)
    refused = client.post(url, data).content.decode()
    assert "already booked" in refused


def test_schedule_day_and_week_views_per_resource(client_for, approved_plan, facility, staff):
    booking.appointment_book(
        plan=approved_plan, by=facility.nurse, starts_at=at(MONDAY, 9), team=facility.team()
    )
    client = client_for(staff["lab_tech"])
    resource = f"room:{facility.fluoro_room.public_id}"
    day = client.get(reverse("intake:schedule"), {"day": MONDAY.isoformat(), "resource": resource})
    assert "NÚÑEZ" in day.content.decode()
    week = client.get(reverse("intake:schedule"), {"day": MONDAY.isoformat(), "view": "week"})
    assert week.content.decode().count("<h2>") == 7
    other = f"room:{facility.plain_room.public_id}"
    empty = client.get(reverse("intake:schedule"), {"day": MONDAY.isoformat(), "resource": other})
    assert "NÚÑEZ" not in empty.content.decode()


def test_the_front_desk_sees_free_slots(client_for, facility, staff):
    response = client_for(staff["front_desk"]).get(
        reverse("intake:free-slots"), {"day": MONDAY.isoformat()}
    )
    assert response.status_code == 200
    assert "Fluoro room" in response.content.decode()


def test_instructions_downloads_need_a_booking_and_give_pdf_and_ics(
    client_for, approved_plan, facility, staff
):
    client = client_for(staff["front_desk"])
    pdf_url = reverse("intake:instructions-pdf", args=[approved_plan.public_id])
    assert client.get(pdf_url).status_code == 404
    booking.appointment_book(
        plan=approved_plan, by=facility.nurse, starts_at=at(MONDAY, 9), team=facility.team()
    )
    assert client.get(pdf_url).content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="print", actor=staff["front_desk"]).count() == 1
    ics = client.get(reverse("intake:instructions-ics", args=[approved_plan.public_id]))
    assert ics["Content-Type"] == "text/calendar"
    assert b"BEGIN:VCALENDAR" in ics.content


def test_an_outsider_cannot_cancel_an_appointment(client_for, approved_plan, facility, outsider):
    appointment = booking.appointment_book(
        plan=approved_plan, by=facility.nurse, starts_at=at(MONDAY, 9), team=facility.team()
    )
    url = reverse("intake:appointment-cancel", args=[appointment.public_id])
    assert client_for(outsider).post(url, {"reason": "x"}).status_code == 404
