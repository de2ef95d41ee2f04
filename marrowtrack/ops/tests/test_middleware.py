"""Every response carries a request id; the request log names the route, never the path."""

from __future__ import annotations

import json
import logging

import pytest

from marrowtrack.accounts.roles import Role
from marrowtrack.ops.logs import SafeJsonFormatter
from marrowtrack.ops.requestid import RequestIdFilter


@pytest.fixture
def request_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="marrowtrack.request")
    return caplog


def _json_lines(caplog: pytest.LogCaptureFixture) -> list[dict]:
    formatter, stamp = SafeJsonFormatter(), RequestIdFilter()
    lines = []
    for record in caplog.records:
        stamp.filter(record)
        lines.append(json.loads(formatter.format(record)))
    return lines


def test_a_response_carries_a_new_request_id(client, db) -> None:
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_a_proxy_id_is_kept_and_a_malformed_one_replaced(client, db) -> None:
    kept = client.get("/healthz", headers={"X-Request-ID": "edge-1234abcd"})
    replaced = client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert kept["X-Request-ID"] == "edge-1234abcd"
    assert replaced["X-Request-ID"] != "<script>" and len(replaced["X-Request-ID"]) == 32


def test_an_api_error_carries_the_request_id_too(client, db) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response["X-Request-ID"]


def test_the_request_log_names_the_route_not_the_search_term(
    client_for, staff, patient, request_log
) -> None:
    response = client_for(staff[Role.FRONT_DESK]).get("/patients/", {"q": patient.family_name})
    assert response.status_code == 200
    (line,) = [line for line in _json_lines(request_log) if line["message"] == "request"]
    assert line["route"] == "patients/" and line["view"] == "patients:list"
    assert line["status"] == 200 and line["method"] == "GET" and line["duration_ms"] >= 0
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user_id"] == staff[Role.FRONT_DESK].pk
    assert patient.family_name not in json.dumps(line)


def test_a_record_page_is_logged_by_its_pattern_not_its_id(
    client_for, staff, patient, request_log
) -> None:
    client_for(staff[Role.NURSE]).get(f"/patients/{patient.public_id}/")
    (line,) = [line for line in _json_lines(request_log) if line["message"] == "request"]
    assert line["route"] == "patients/<uuid:public_id>/"
    assert str(patient.public_id) not in json.dumps(line)
