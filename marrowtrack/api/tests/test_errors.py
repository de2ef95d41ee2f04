"""Every API error is JSON in one shape; bad bytes and huge numbers are 422, never 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditEvent
from marrowtrack.patients.models import Patient
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"


def _client(user: User) -> Client:
    response = Client().post(
        TOKEN_URL, {"username": user.username, "password": PASSWORD}, "application/json"
    )
    return Client(headers={"Authorization": f"Bearer {response.json()['token']}"})


def _is_error_shape(response) -> bool:
    body = response.json()
    return response["Content-Type"].startswith("application/json") and isinstance(
        body.get("message"), str
    )


NEW_PATIENT = {"family_name": "Okoye", "given_name": "Ada", "date_of_birth": "1958-03-09"}


@pytest.mark.parametrize(
    "body",
    [
        b'{"username": "a\\u0000b", "password": "x"}',
        b'{"username": "a", "password": "x\\ud800"}',
        b'{"username\\u0000": "a", "password": "x"}',
    ],
    ids=["nul-in-value", "lone-surrogate", "nul-in-key"],
)
def test_unstorable_characters_in_an_unauthenticated_token_request_are_422(body) -> None:
    response = Client().post(TOKEN_URL, body, content_type="application/json")
    assert response.status_code == 422
    assert _is_error_shape(response)
    assert response.json()["errors"]


@pytest.mark.parametrize("value", ["Ok\u0000oye", "Ok\udfffoye"], ids=["nul", "surrogate"])
def test_unstorable_characters_in_a_patient_are_422_naming_the_field(staff, value) -> None:
    response = _client(staff["nurse"]).post(
        "/api/v1/patients/",
        json.dumps({**NEW_PATIENT, "family_name": value}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "family_name" in response.json()["errors"]
    assert not Patient.objects.exists()


def test_a_nul_in_a_query_string_is_422(staff) -> None:
    response = _client(staff["nurse"]).get("/api/v1/patients/", {"q": "ok\x00oye"})
    assert response.status_code == 422
    assert "q" in response.json()["errors"]


@pytest.mark.parametrize(
    "name",
    ["Ok\u202eeyo", "Ok\u200boye", "Ok\u0007oye", "Ok\u2066oye"],
    ids=["bidi-override", "zero-width", "control", "bidi-isolate"],
)
def test_invisible_and_control_characters_in_a_name_are_refused(staff, name) -> None:
    response = _client(staff["nurse"]).post(
        "/api/v1/patients/", {**NEW_PATIENT, "given_name": name}, "application/json"
    )
    assert response.status_code == 422
    assert "invisible or control characters" in response.json()["errors"]["given_name"][0]


@pytest.mark.parametrize("year", ["0001", "1268", "2999"])
def test_an_absurd_year_is_refused(staff, year) -> None:
    response = _client(staff["nurse"]).post(
        "/api/v1/patients/", {**NEW_PATIENT, "date_of_birth": f"{year}-01-01"}, "application/json"
    )
    assert response.status_code == 422
    assert "date_of_birth" in response.json()["errors"]


def test_malformed_json_is_a_400_in_the_error_shape(staff) -> None:
    response = _client(staff["nurse"]).post(
        "/api/v1/patients/", b'{"family_name": ', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["message"] == "The request body is not valid JSON."


@pytest.mark.parametrize(
    "path",
    ["/api/v1/patients/not-a-uuid", "/api/v1/no-such-endpoint", "/api/v1/patients/%00"],
)
def test_an_unknown_path_or_malformed_id_is_a_json_404(staff, path) -> None:
    response = _client(staff["nurse"]).get(path)
    assert response.status_code == 404
    assert _is_error_shape(response)


def test_an_unknown_id_is_a_json_404(staff) -> None:
    response = _client(staff["nurse"]).get("/api/v1/patients/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404
    assert response.json() == {"message": "Not found."}


def test_a_wrong_method_is_a_json_405(staff) -> None:
    response = _client(staff["nurse"]).delete(TOKEN_URL)
    assert response.status_code == 405
    assert _is_error_shape(response)


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "x" * 601},
        {"limit": 10**30},
        {"cursor": "bm90IG91cnM"},
        {"limit": 0},
        {"limit": 501},
    ],
)
def test_huge_or_negative_paging_numbers_are_422(staff, params) -> None:
    response = _client(staff["clinic_admin"]).get("/api/v1/audit/events", params)
    assert response.status_code == 422
    assert _is_error_shape(response)


def test_a_403_is_audited_as_access_denied(staff) -> None:
    researcher = staff["researcher"]
    response = _client(researcher).get("/api/v1/audit/events")
    denied = AuditEvent.objects.get(actor=researcher, name="access.denied")
    assert response.status_code == 403
    assert denied.extra["path"] == "/api/v1/audit/events"


def test_the_api_documentation_needs_a_log_in(db) -> None:
    for path in ("/api/v1/docs", "/api/v1/openapi.json"):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
