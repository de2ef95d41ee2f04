"""Run inside `marrowtrack shell` by test_worker_crash.py: set up one queued text message,
and report what became of it. Not a test module (no test_ prefix)."""

from __future__ import annotations

import json
from datetime import date, timedelta

from marrowtrack.core.models import Clinic
from marrowtrack.notifications.models import Message
from marrowtrack.notifications.services.links import access_link_create
from marrowtrack.notifications.services.messages import message_enqueue
from marrowtrack.patients.models import Patient


def setup() -> None:
    clinic = Clinic.objects.create(name="Crash Clinic", code="crash", facility_code="C0001")
    patient = Patient.objects.create(
        clinic=clinic,
        mrn="MT0000001",
        family_name="Vega",
        given_name="Ana",
        date_of_birth=date(1961, 4, 2),
        phone="555-010-3344",
    )
    link = access_link_create(
        patient=patient, purpose="sign_in", target="/portal/", lifetime=timedelta(hours=1)
    )
    message = message_enqueue(
        patient=patient,
        purpose="portal.sign_in",
        about="crash-test",
        template="portal/messages/sign_in",
        context={"minutes": 60},
        link=link,
        quiet_hours=False,  # the test runs at any hour
    )
    print(json.dumps({"message": str(message.public_id)}))


def report() -> None:
    message = Message.objects.get(about="crash-test")
    outcomes = list(message.log.values_list("outcome", flat=True))
    print(json.dumps({"status": message.status, "attempts": message.attempts, "log": outcomes}))
