"""Clinic time everywhere (issue 12 item 3, issue 9 item 9; docs/decisions/0025-clinic-time.md).

A procedure day in a clinic in Dubai (UTC+04:00 in November) while the server runs on New
York time (UTC-05:00): nine hours apart. The day is recorded at 22:30 on Wednesday 25 November
by the server's clock, which is 07:30 on Thursday 26 November at the clinic. Every date and
time its pages, labels, reminders, documents and the API show must be the clinic's: the
26th, 07:30 and the offset "(UTC+04:00)", never the 25th or 22:30.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from marrowtrack.accounts.middleware import ClinicTimeMiddleware
from marrowtrack.accounts.services import api_token_issue
from marrowtrack.core import clock
from marrowtrack.facilities.models import Room
from marrowtrack.intake.models import Appointment
from marrowtrack.lab.labels import label_html
from marrowtrack.lab.selectors import label_data
from marrowtrack.outcomes.models import FollowUp
from marrowtrack.outcomes.services.reminders import reminders_enqueue_due
from marrowtrack.procedures import selectors
from marrowtrack.procedures.note import note_html
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db

SERVER_ZONE = "America/New_York"
CLINIC_ZONE = "Asia/Dubai"
# 22:30 on the 25th in New York is 03:30 UTC and 07:30 on the 26th in Dubai.
SERVER_EVENING = datetime(2026, 11, 25, 22, 30, tzinfo=ZoneInfo(SERVER_ZONE))
CLINIC_DAY = date(2026, 11, 26)
SERVER_DAY = date(2026, 11, 25)
OFFSET = "(UTC+04:00)"


@pytest.fixture
def dubai(settings: Any, clinic: Any) -> Any:
    """The test clinic moved to Dubai, the server kept on New York time."""
    settings.TIME_ZONE = SERVER_ZONE
    clinic.timezone = CLINIC_ZONE
    clinic.save(update_fields=["timezone"])
    return clinic


@pytest.fixture
def evening() -> Any:
    with time_machine.travel(SERVER_EVENING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def day(dubai: Any, evening: Any, patient: Any, staff: Any) -> Any:
    """A BMAC day from check-in to discharge at the server's 22:30, the clinic's 07:30."""
    assert clock.localdate(clock.now(), None) == SERVER_DAY  # the server's zone says the 25th
    plan = scenario.approved_plan(patient, by=staff["physician"])
    encounter = scenario.check_in(plan, staff["nurse"])
    scenario.walk_to(encounter, S.DISCHARGED, staff, PASSWORD)
    return encounter


def test_the_days_own_dates_are_the_clinics(day: Any) -> None:
    assert clock.today(day.clinic) == CLINIC_DAY
    assert day.day == CLINIC_DAY
    day.plan.refresh_from_db()
    assert day.plan.treated_on == CLINIC_DAY
    evidence = selectors.evidence_summary(day)
    assert evidence["harvest_day"] == evidence["injection_day"] == CLINIC_DAY
    assert evidence["same_day"] is True


def test_board_encounter_and_audit_pages_show_clinic_time(
    day: Any, client_for: Any, staff: Any
) -> None:
    client = client_for(staff["nurse"])
    board = client.get("/procedures/").content.decode()
    assert "Thursday 26 November 2026" in board
    assert day.patient.mrn in board

    page = client.get(day.get_absolute_url()).content.decode()
    check_in_step = day.steps.order_by("at").first()
    clinic_hhmm = clock.localtime(check_in_step.at, day.clinic).strftime("%H:%M")
    server_hhmm = check_in_step.at.astimezone(ZoneInfo(SERVER_ZONE)).strftime("%H:%M")
    assert clinic_hhmm.startswith(("06", "07"))  # the clinic's morning
    assert f"{clinic_hhmm}" in page
    assert f"{server_hhmm}" not in page

    audit = client_for(staff["clinic_admin"]).get("/audit/").content.decode()
    assert f"26 Nov 2026 07:30:00 {OFFSET}" in audit
    assert "25 Nov 2026" not in audit and "2026-11-25" not in audit


def test_the_schedule_shows_the_clinics_wall_clock(
    dubai: Any, evening: Any, patient: Any, staff: Any, client_for: Any
) -> None:
    plan = scenario.approved_plan(patient, by=staff["physician"])
    room = Room.objects.create(clinic=dubai, name="Room D", kind="procedure")
    starts = datetime(2026, 11, 26, 9, 0, tzinfo=ZoneInfo(CLINIC_ZONE))  # 01:00 in New York
    Appointment.objects.create(
        clinic=dubai,
        plan=plan,
        kind=Appointment.Kind.PROCEDURE,
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        room=room,
        physician=staff["physician"],
        booked_by=staff["front_desk"],
    )
    page = client_for(staff["front_desk"]).get(reverse("intake:schedule")).content.decode()
    assert "Thursday 26 November 2026" in page  # today at the clinic, the default day
    assert "09:00–12:00" in page
    assert "01:00" not in page


def test_labels_and_the_procedure_note_print_clinic_time_with_its_offset(day: Any) -> None:
    container = day.containers.order_by("collected_at").first()
    label = label_html(label_data(container))
    collected = clock.stamp(container.collected_at, day.clinic)
    assert collected.startswith("26 Nov 2026 ") and collected.endswith(OFFSET)
    assert collected in label
    assert "25 Nov 2026" not in label

    note = note_html(day)
    assert f"procedure day {CLINIC_DAY:%Y-%m-%d}" in note
    assert OFFSET in note
    assert f"{SERVER_DAY:%Y-%m-%d}" not in note


def test_reminders_fall_due_on_the_clinics_day(dubai: Any, evening: Any, patient: Any, staff: Any):
    """At 22:30 on the 25th (server) it is the 26th at the clinic: a follow-up due on the 26th
    gets its reminder now, dated the 26th."""
    plan = scenario.approved_plan(patient, by=staff["physician"])
    patient.email = "rosa@example.org"
    patient.save(update_fields=["email"])
    followup = FollowUp.objects.create(
        plan=plan,
        timepoint="6w",
        target_on=CLINIC_DAY,
        opens_on=CLINIC_DAY - timedelta(days=7),
        closes_on=CLINIC_DAY + timedelta(days=14),
        schedule_version="test",
    )
    queued: list[Any] = []
    assert reminders_enqueue_due(enqueue=queued.append) == 1
    assert queued[0].followup == followup
    assert queued[0].scheduled_for == CLINIC_DAY


def test_the_api_lists_the_clinics_day_with_iso_offsets(day: Any, staff: Any) -> None:
    _, secret = api_token_issue(user=staff["nurse"])
    response = Client().get(
        "/api/v1/procedures/encounters", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200
    body = response.json()
    rows = body["items"] if isinstance(body, dict) else body
    assert [row["day"] for row in rows] == [CLINIC_DAY.isoformat()]
    checked_in = datetime.fromisoformat(rows[0]["checked_in_at"])
    assert checked_in.utcoffset() is not None  # ISO 8601 with its offset
    assert clock.localdate(checked_in, day.clinic) == CLINIC_DAY


def test_a_staff_request_runs_in_the_users_clinic_zone(dubai: Any, staff: Any) -> None:
    """The middleware: during a staff request the active zone is the user's clinic's (so
    `|date`, `|time` and `clock.today()` without a clinic are the clinic's); after it, and for
    a request without a signed-in user, the server's."""
    seen: list[str] = []

    def view(request: Any) -> HttpResponse:
        seen.append(timezone.get_current_timezone_name())
        return HttpResponse()

    middleware = ClinicTimeMiddleware(view)
    middleware(_as(staff["nurse"]))
    middleware(_as(AnonymousUser()))
    assert seen == [CLINIC_ZONE, SERVER_ZONE]
    assert timezone.get_current_timezone_name() == SERVER_ZONE


def _as(user: Any) -> Any:
    request = RequestFactory().get("/")
    request.user = user
    return request


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Asia/Dubai", "26 Nov 2026 07:30 (UTC+04:00)"),
        ("America/New_York", "25 Nov 2026 22:30 (UTC-05:00)"),
        ("Asia/Kolkata", "26 Nov 2026 09:00 (UTC+05:30)"),
        ("Europe/London", "26 Nov 2026 03:30 (UTC+00:00)"),
    ],
)
def test_stamp_writes_the_wall_clock_with_its_offset(zone: str, expected: str) -> None:
    at = datetime(2026, 11, 26, 3, 30, tzinfo=UTC)
    assert clock.stamp(at, SimpleNamespace(timezone=zone)) == expected
    with timezone.override(zone):
        rendered = Template("{{ at|clinic_time }}|{{ at|clinic_time:'time' }}").render(
            Context({"at": at})
        )
    assert rendered == f"{expected}|{expected[12:]}"


def test_a_calendar_date_is_never_moved_through_a_zone() -> None:
    """A version in effect from 1 January stays 1 January in every zone."""
    new_year = date(2027, 1, 1)
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago", SERVER_ZONE):
        with timezone.override(zone):
            shown = Template("{{ d|clinic_time }}|{{ d|date:'Y-m-d' }}").render(
                Context({"d": new_year})
            )
        assert shown == "01 Jan 2027|2027-01-01"


def test_a_consent_version_of_1_january_at_the_clinic_stays_1_january(
    dubai: Any, patient: Any, staff: Any, client_for: Any
) -> None:
    """Published at 02:00 on 1 January in Dubai (17:00 on 31 December in New York): the
    consent page says in effect from 2027-01-01 and the patient's signature is clinic time."""
    new_year = datetime(2027, 1, 1, 2, 0, tzinfo=ZoneInfo(CLINIC_ZONE))
    with time_machine.travel(new_year, tick=False):
        document = scenario.consent_document()
        document.effective_from = new_year
        document.save(update_fields=["effective_from"])
        plan = scenario.approved_plan(patient, by=staff["physician"])
        consent = plan.consents.get()
        page = client_for(staff["nurse"]).get(
            reverse("intake:consent-detail", args=[consent.public_id])
        )
    text = page.content.decode()
    assert "in effect from 2027-01-01" in text
    assert "2026-12-31" not in text
    assert f"01 Jan 2027 02:00 {OFFSET}" in text  # the patient's signature
