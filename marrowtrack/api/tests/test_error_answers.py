"""Every error status the API answers is JSON in the shape its OpenAPI document states
(`ErrorOut`), never an HTML page: checked against the document itself, one case per status."""

from __future__ import annotations

from typing import Any
from unittest import mock

import jsonschema
import pytest
from django.core.cache import cache
from django.test import Client

from marrowtrack.accounts.models import User
from marrowtrack.api.api import api
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    cache.clear()  # throttle counters


def _error_schema() -> dict[str, Any]:
    document = api.get_openapi_schema()
    return {**document["components"]["schemas"]["ErrorOut"], "$defs": {}}


def _bearer(user: User) -> Client:
    answer = Client().post(
        TOKEN_URL, {"username": user.username, "password": PASSWORD}, "application/json"
    )
    return Client(
        headers={"Authorization": f"Bearer {answer.json()['token']}"},
        raise_request_exception=False,
    )


def _assert_documented_error(response, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    jsonschema.validate(body, _error_schema())
    assert body["message"]
    return body


def test_malformed_json_is_400(staff) -> None:
    response = _bearer(staff["nurse"]).post(
        "/api/v1/patients/", b'{"family_name": ', content_type="application/json"
    )
    body = _assert_documented_error(response, 400)
    assert "request" in body["errors"]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_a_body_that_is_not_json_in_another_content_type_is_refused_in_the_shape(
    staff, content_type
) -> None:
    response = _bearer(staff["nurse"]).post(
        "/api/v1/patients/", "family_name=Okoye&given_name=Ada", content_type=content_type
    )
    assert response.status_code in (400, 422)
    _assert_documented_error(response, response.status_code)


def test_no_token_is_401(db) -> None:
    _assert_documented_error(Client().get("/api/v1/patients/"), 401)


def test_a_revoked_or_made_up_token_is_401(db) -> None:
    client = Client(headers={"Authorization": "Bearer not-a-token"})
    _assert_documented_error(client.get("/api/v1/patients/"), 401)


def test_a_role_that_may_not_is_403(staff) -> None:
    _assert_documented_error(_bearer(staff["researcher"]).get("/api/v1/audit/events"), 403)


def test_an_unknown_id_is_404(staff) -> None:
    response = _bearer(staff["nurse"]).get(f"/api/v1/patients/{UNKNOWN_ID}")
    _assert_documented_error(response, 404)


def test_an_unknown_id_in_the_body_is_404(staff) -> None:
    response = _bearer(staff["nurse"]).post(
        "/api/v1/procedures/encounters",
        {
            "plan_id": UNKNOWN_ID,
            "typed_name": "Ada Okoye",
            "typed_dob": "1958-03-09",
            "temperature_c": "36.6",
        },
        "application/json",
    )
    _assert_documented_error(response, 404)


def test_a_wrong_method_is_405(staff) -> None:
    response = _bearer(staff["nurse"]).put(f"/api/v1/patients/{UNKNOWN_ID}/archive")
    body = _assert_documented_error(response, 405)
    assert "POST" in body["message"]


def test_invalid_fields_are_422_naming_each(staff) -> None:
    response = _bearer(staff["nurse"]).post(
        "/api/v1/patients/", {"family_name": "Okoye"}, "application/json"
    )
    body = _assert_documented_error(response, 422)
    assert {"given_name", "date_of_birth"} <= set(body["errors"])


def test_throttled_token_requests_are_429_with_retry_after(db, settings) -> None:
    settings.MARROWTRACK_TOKEN_RATE = "1/m"
    Client().post(TOKEN_URL, {"username": "nobody", "password": "x"}, "application/json")
    response = Client().post(TOKEN_URL, {"username": "nobody", "password": "x"}, "application/json")
    _assert_documented_error(response, 429)
    assert int(response["Retry-After"]) >= 1


def test_a_server_error_is_500_in_the_shape_without_the_traceback(staff) -> None:
    client = _bearer(staff["nurse"])
    with mock.patch(
        "marrowtrack.patients.selectors.patient_search_ordered", side_effect=RuntimeError("boom")
    ):
        response = client.get("/api/v1/patients/")
    body = _assert_documented_error(response, 500)
    assert "boom" not in response.content.decode()
    assert body["message"].startswith("Server error")


# --- a list that needs a filter says so ----------------------------------------------------


def test_a_recall_search_without_a_filter_is_422_not_an_empty_list(staff) -> None:
    response = _bearer(staff["lab_tech"]).get("/api/v1/lab/traceability")
    body = _assert_documented_error(response, 422)
    assert set(body["errors"]) == {"kit_lot", "anticoagulant_lot", "centrifuge"}
    blank = _bearer(staff["lab_tech"]).get("/api/v1/lab/traceability", {"kit_lot": "  "})
    assert blank.status_code == 422


def test_a_recall_search_with_a_filter_answers_a_list(staff) -> None:
    response = _bearer(staff["lab_tech"]).get("/api/v1/lab/traceability", {"kit_lot": "K1"})
    assert response.status_code == 200
    body = response.json()
    assert (body["items"] if isinstance(body, dict) else body) == []  # a list, or a page of one


def test_products_of_an_unknown_status_are_422_not_an_empty_list(staff) -> None:
    response = _bearer(staff["lab_tech"]).get("/api/v1/lab/products", {"status": "relased"})
    body = _assert_documented_error(response, 422)
    assert "released" in body["errors"]["status"][0]
    assert _bearer(staff["lab_tech"]).get("/api/v1/lab/products").status_code == 200
