"""Signing in: single-use, expiring links; rate limits; optional password; the portal
session is separate from staff sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from marrowtrack.audit.models import AuditEvent
from marrowtrack.notifications.links import link_token
from marrowtrack.notifications.models import AccessLink, Message
from marrowtrack.portal.access import COOKIE
from marrowtrack.portal.models import PortalSession
from marrowtrack.portal.services import link_send

pytestmark = pytest.mark.django_db


@pytest.fixture
def rosa(patient):
    patient.email = "rosa@example.org"
    patient.save()
    return patient


def url(link: AccessLink) -> str:
    return f"/portal/l/{link_token(link)}/"


def test_opening_a_link_shows_a_button_and_spends_nothing(rosa):
    link = link_send(patient=rosa, by=None)
    page = Client().get(url(link))
    assert page.status_code == 200 and "Rosa" in page.content.decode()
    link.refresh_from_db()
    assert link.used_at is None


def test_the_link_signs_in_once_and_then_stops_working(rosa):
    link = link_send(patient=rosa, by=None)
    client = Client()
    done = client.post(url(link))
    assert done.status_code == 302 and done["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200
    assert PortalSession.objects.get().patient == rosa
    again = Client().post(url(link))
    assert again.status_code == 410
    assert Client().get(url(link)).status_code == 410
    login = AuditEvent.objects.get(action="login")
    assert "via portal" in login.actor_label and login.patient_id == str(rosa.public_id)


def test_a_requested_link_expires_after_30_minutes(rosa):
    with time_machine.travel("2026-03-04 10:00-05:00", tick=False) as traveller:
        link = link_send(patient=rosa, by=None)
        traveller.shift(timedelta(minutes=30))
        assert Client().post(url(link)).status_code == 410
    assert PortalSession.objects.count() == 0


def test_a_link_sent_by_staff_lasts_72_hours(rosa, staff):
    with time_machine.travel("2026-03-04 10:00-05:00", tick=False) as traveller:
        link = link_send(patient=rosa, by=staff["nurse"])
        traveller.shift(timedelta(hours=71, minutes=59))
        assert Client().post(url(link)).status_code == 302


def test_a_forged_or_altered_token_is_refused(rosa):
    link = link_send(patient=rosa, by=None)
    token = link_token(link)
    assert Client().get(f"/portal/l/{token[:-2]}xx/").status_code == 410
    assert Client().get(f"/portal/l/{link.public_id.hex}/").status_code == 410


def test_asking_for_a_link_sends_one_and_answers_the_same_for_strangers(rosa):
    client = Client()
    known = client.post("/portal/sign-in/", {"identifier": "ROSA@example.org", "request_link": "1"})
    unknown = client.post(
        "/portal/sign-in/", {"identifier": "nobody@example.org", "request_link": "1"}
    )
    assert known.status_code == unknown.status_code == 200
    assert "Check your messages" in known.content.decode()
    assert "Check your messages" in unknown.content.decode()
    assert Message.objects.filter(purpose="portal.sign_in", patient=rosa).count() == 1


def test_link_requests_are_rate_limited_per_identifier(rosa):
    client = Client()
    for _ in range(3):
        client.post("/portal/sign-in/", {"identifier": "rosa@example.org", "request_link": "1"})
    limited = client.post(
        "/portal/sign-in/", {"identifier": "rosa@example.org", "request_link": "1"}
    )
    assert limited.status_code == 429
    assert Message.objects.filter(purpose="portal.sign_in").count() == 3


def test_link_requests_are_rate_limited_per_network_address(rosa):
    client = Client()
    for n in range(10):
        client.post("/portal/sign-in/", {"identifier": f"p{n}@example.org", "request_link": "1"})
    limited = client.post(
        "/portal/sign-in/", {"identifier": "rosa@example.org", "request_link": "1"}
    )
    assert limited.status_code == 429


def test_a_mobile_number_finds_the_patient_whatever_the_format(rosa):
    rosa.phone = "(555) 010-2233"
    rosa.save()
    Client().post("/portal/sign-in/", {"identifier": "+1 555 010 2233", "request_link": "1"})
    assert Message.objects.filter(patient=rosa).count() == 1


def test_a_password_can_be_set_and_used_and_wrong_ones_lock_it(rosa, portal_client):
    client = portal_client(rosa)
    short = client.post("/portal/password/", {"password": "short", "confirm": "short"})
    assert "at least 10" in short.content.decode()
    client.post(
        "/portal/password/", {"password": "a-long-passphrase", "confirm": "a-long-passphrase"}
    )
    ok = Client().post(
        "/portal/sign-in/", {"identifier": "rosa@example.org", "password": "a-long-passphrase"}
    )
    assert ok.status_code == 302
    for _ in range(5):
        bad = Client().post(
            "/portal/sign-in/", {"identifier": "rosa@example.org", "password": "wrong-password"}
        )
        assert bad.status_code == 200 and "do not match" in bad.content.decode()
    locked = Client().post(
        "/portal/sign-in/", {"identifier": "rosa@example.org", "password": "a-long-passphrase"}
    )
    assert locked.status_code == 429


def test_without_a_session_the_portal_asks_to_sign_in(rosa):
    page = Client().get("/portal/check-ins/")
    assert page.status_code == 302 and page["Location"].startswith("/portal/sign-in/")


def test_a_staff_session_does_not_open_the_portal_and_the_portal_cookie_opens_no_staff_page(
    rosa, staff, client_for, portal_client
):
    assert client_for(staff["nurse"]).get("/portal/").status_code == 302
    patient_client = portal_client(rosa)
    staff_page = patient_client.get(f"/patients/{rosa.public_id}/")
    assert staff_page.status_code == 302 and "/accounts/login/" in staff_page["Location"]
    assert patient_client.get("/recovery/").status_code == 302


def test_the_session_ends_after_30_idle_minutes_and_on_sign_out(rosa, portal_client):
    with time_machine.travel("2026-03-04 10:00-05:00", tick=False) as traveller:
        client = portal_client(rosa)
        traveller.shift(timedelta(minutes=29))
        assert client.get("/portal/").status_code == 200
        traveller.shift(timedelta(minutes=31))
        assert client.get("/portal/").status_code == 302
    client = portal_client(rosa)
    client.post("/portal/sign-out/")
    assert client.get("/portal/").status_code == 302
    assert AuditEvent.objects.filter(action="logout").count() == 1


def test_portal_pages_are_never_cached_and_have_no_staff_navigation(rosa, portal_client):
    page = portal_client(rosa).get("/portal/")
    assert "no-store" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]
    html = page.content.decode()
    assert 'aria-label="Main"' not in html and "Audit trail" not in html
    assert f'name="{COOKIE}"' not in html
