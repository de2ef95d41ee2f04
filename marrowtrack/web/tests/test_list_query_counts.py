"""Every list page and list endpoint runs the same number of queries at two data sizes
(issue 18 item 4, ADR 0030): nothing is fetched per row. Each case requests the list,
grows the clinic's data, and requests it again under the same count."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from marrowtrack.accounts.models import User
from marrowtrack.accounts.services import api_token_issue
from marrowtrack.audit.models import AuditEvent
from marrowtrack.core.models import Clinic
from marrowtrack.intake.tests.factories import PlanFactory
from marrowtrack.patients.models import Patient
from marrowtrack.patients.services import patient_record_viewed
from marrowtrack.procedures.states import ProcedureState
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD, PatientFactory

pytestmark = pytest.mark.django_db


class Counted:
    """The SQL a block runs, seen through an execute wrapper (Django clears its query log
    as each request starts, which makes the log's slice unreliable across requests)."""

    def __init__(self) -> None:
        self.sql: list[str] = []

    def __call__(self, execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        self.sql.append(sql)
        return execute(sql, *args)


def _queries(client: Client, path: str) -> int:
    counted = Counted()
    with connection.execute_wrapper(counted):
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    assert counted.sql, "no queries seen: the counter is not counting"
    return len(counted.sql)


def _grow(clinic: Clinic, staff: dict[str, User], patients: int) -> None:
    """More patients, each with a plan and a record view in the trail."""
    for _ in range(patients):
        patient = PatientFactory(clinic=clinic)
        PlanFactory(patient=patient, created_by=staff["nurse"])
        patient_record_viewed(patient=patient, by=staff["physician"])


def _web(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user: User) -> Client:
    _, secret = api_token_issue(user=user)
    return Client(headers={"Authorization": f"Bearer {secret}"})


def _assert_flat(client: Client, path: str, grow: Callable[[], Any]) -> None:
    client.get(path)  # first request: sessions, caches and content types settle
    before = _queries(client, path)
    grow()
    after = _queries(client, path)
    assert after == before, f"{path}: {before} queries, then {after} with more data"


PAGES = [
    ("front_desk", "/patients/"),
    ("front_desk", "/patients/?q=a"),
    ("clinic_admin", "/audit/"),
    ("nurse", "/plans/"),
    ("nurse", "/plans/?q=a"),
    ("nurse", "/plans/schedule/"),
    ("nurse", "/procedures/"),
    ("nurse", "/recovery/"),
]

ENDPOINTS = [
    ("front_desk", "/api/v1/patients/"),
    ("front_desk", "/api/v1/patients/?q=a"),
    ("clinic_admin", "/api/v1/audit/events"),
    ("nurse", "/api/v1/intake/plans"),
    ("lab_tech", "/api/v1/lab/products"),
    ("lab_tech", "/api/v1/facilities/equipment"),
    ("lab_tech", "/api/v1/facilities/kit-lots"),
    ("nurse", "/api/v1/procedures/encounters"),
    ("nurse", "/api/v1/recovery/tasks"),
    ("nurse", "/api/v1/outcomes/instruments"),
    ("nurse", "/api/v1/outcomes/completeness"),
    ("nurse", "/api/v1/auth/tokens"),
]


@pytest.mark.parametrize(("role", "path"), PAGES)
def test_a_list_page_runs_as_many_queries_with_more_data(clinic, staff, role, path) -> None:
    _grow(clinic, staff, 1)
    _assert_flat(_web(staff[role]), path, lambda: _grow(clinic, staff, 3))


@pytest.mark.parametrize(("role", "path"), ENDPOINTS)
def test_a_list_endpoint_runs_as_many_queries_with_more_data(clinic, staff, role, path) -> None:
    _grow(clinic, staff, 1)
    _assert_flat(_api(staff[role]), path, lambda: _grow(clinic, staff, 3))


PLAN_LISTS = [
    "screenings",
    "holds",
    "decisions",
    "appointments",
    "followups",
    "responses",
    "responders",
    "reinterventions",
]


@pytest.mark.parametrize("kind", PLAN_LISTS)
def test_a_plans_lists_run_as_many_queries_when_the_plan_has_more(clinic, staff, kind) -> None:
    patient = PatientFactory(clinic=clinic)
    plan = scenario.approved_plan(patient, by=staff["physician"])
    prefix = "/api/v1/outcomes" if kind in PLAN_LISTS[4:] else "/api/v1/intake"
    path = f"{prefix}/plans/{plan.public_id}/{kind}"

    def more_screenings_and_decisions() -> None:
        for _ in range(2):
            scenario.approve(plan, by=staff["physician"])
        _grow(clinic, staff, 2)

    _assert_flat(_api(staff["physician"]), path, more_screenings_and_decisions)


def _released_encounter(clinic: Clinic, staff: dict[str, User]) -> None:
    patient = PatientFactory(clinic=clinic)
    plan = scenario.approved_plan(patient, by=staff["physician"])
    encounter = scenario.check_in(plan, staff["nurse"])
    scenario.walk_to(encounter, ProcedureState.RELEASED, staff, PASSWORD)


def test_the_board_runs_as_many_queries_with_more_released_days(clinic, staff) -> None:
    """It used to ask the lab once per released encounter whether its syringe was back."""
    _released_encounter(clinic, staff)
    client = _web(staff["nurse"])
    _assert_flat(client, "/procedures/", lambda: _released_encounter(clinic, staff))
    assert "RELEASED" in client.get("/procedures/").content.decode().upper()


def test_the_schedule_asks_for_the_user_once(clinic, staff) -> None:
    """The schedule page read the staff table four times: the signed-in user, then once
    per role for its filter. Now the user, then one read of every role."""
    client = _web(staff["nurse"])
    client.get("/plans/schedule/")
    counted = Counted()
    with connection.execute_wrapper(counted):
        client.get("/plans/schedule/")
    user_reads = [sql for sql in counted.sql if 'FROM "accounts_user"' in sql]
    assert len(user_reads) == 2, "\n".join(sql[-300:] for sql in user_reads)


def test_audit_pages_follow_the_cursor_to_the_oldest_entry(clinic, staff) -> None:
    _grow(clinic, staff, 3)
    client = _web(staff["clinic_admin"])
    seen: list[str] = []
    path = "/audit/"
    while path:
        response = client.get(path)
        page = response.context["page"]
        seen += [str(e.pk) for e in page.items]
        path = f"/audit/?after={page.next_cursor}" if page.next_cursor else ""
        assert len(seen) < 10_000
    expected = AuditEvent.objects.filter(clinic=clinic).order_by("-occurred_at", "-id")
    assert seen == [str(pk) for pk in expected.values_list("pk", flat=True)]


def test_patient_pages_follow_the_cursor_without_repeats_or_gaps(clinic, staff) -> None:
    for _ in range(7):
        PatientFactory(clinic=clinic, family_name="Abbott")
    api = _api(staff["front_desk"])
    seen: list[str] = []
    cursor = ""
    while True:
        body = api.get("/api/v1/patients/", {"q": "abb", "limit": 3, "cursor": cursor}).json()
        seen += [p["id"] for p in body["items"]]
        if body["next"] is None:
            break
        assert body["count"] is None  # not counted unless asked
        cursor = body["next"]
    assert len(seen) == len(set(seen)) == 7
    ids = Patient.objects.filter(clinic=clinic, family_name="Abbott").values_list("public_id")
    assert set(seen) == {str(row[0]) for row in ids}
    counted = api.get("/api/v1/patients/", {"q": "abb", "limit": 3, "count": "true"}).json()
    assert counted["count"] == 7


def test_a_cursor_that_is_not_ours_is_a_422_naming_the_field(staff) -> None:
    response = _api(staff["front_desk"]).get("/api/v1/patients/", {"cursor": "bm90IG91cnM"})
    assert response.status_code == 422
    assert "cursor" in response.json()["errors"]


def test_every_list_endpoint_answers_in_the_one_envelope(staff) -> None:
    """No GET operation of the API returns a bare array: lists are `Page` envelopes."""
    schema = _web(staff["nurse"]).get("/api/v1/openapi.json").json()
    bare = []
    for path, operations in schema["paths"].items():
        ok = operations.get("get", {}).get("responses", {}).get("200", {})
        body = ok.get("content", {}).get("application/json", {}).get("schema", {})
        if body.get("type") == "array":
            bare.append(path)
        if "$ref" in body and body["$ref"].split("/")[-1].startswith("Page"):
            page = schema["components"]["schemas"][body["$ref"].split("/")[-1]]
            assert {"items", "count", "next"} <= set(page["properties"]), path
    assert bare == []
