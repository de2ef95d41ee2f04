"""The JSON formatter keeps patient data out: allow-listed fields, paths and DB messages."""

from __future__ import annotations

import json
import logging
import sys

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.test import RequestFactory
from django.urls import reverse

from marrowtrack.ops.logs import (
    WITHHELD,
    PathWithheldFilter,
    PermissionDeniedOneLineFilter,
    SafeJsonFormatter,
)


def _record(msg: str, *args: object, exc_info=None, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, msg, args, exc_info)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_a_line_is_one_json_object_with_level_logger_and_time() -> None:
    line = json.loads(SafeJsonFormatter().format(_record("hello %s", "world")))
    assert line["message"] == "hello world" and line["level"] == "WARNING"
    assert line["logger"] == "django.request" and "timestamp" in line


def test_fields_outside_the_allow_list_are_dropped() -> None:
    request = RequestFactory().get("/patients/", {"q": "Garcia"})
    record = _record("x", request=request, patient_name="Garcia", status_code=404)
    line = json.loads(SafeJsonFormatter().format(record))
    assert "Garcia" not in json.dumps(line)
    assert line["status_code"] == 404


def test_a_database_error_message_is_withheld_but_its_traceback_kept() -> None:
    detail = "duplicate key value DETAIL: Key (mrn)=(MT0000042) already exists"
    try:
        raise IntegrityError(detail)
    except IntegrityError:
        record = _record("failed", exc_info=sys.exc_info())
    text = SafeJsonFormatter().format(record)
    assert "MT0000042" not in text
    assert WITHHELD in json.loads(text)["exc_info"] and "django.db.utils.IntegrityError" in text


def test_any_exception_keeps_its_type_and_frames_but_not_its_message() -> None:
    typed = "Garcia Lopez"
    try:
        try:
            int(typed)
        except ValueError as exc:
            raise RuntimeError(f"could not read {typed}") from exc
    except RuntimeError:
        record = _record("failed", exc_info=sys.exc_info())
    text = json.loads(SafeJsonFormatter().format(record))["exc_info"]
    assert "Garcia" not in text
    assert "builtins.ValueError" in text and "builtins.RuntimeError" in text
    assert "test_any_exception_keeps_its_type_and_frames" in text


def test_djangos_not_found_line_names_no_path() -> None:
    request = RequestFactory().get("/patients/Garcia-Rosa/")
    request.resolver_match = None
    record = _record("%s: %s", "Not Found", "/patients/Garcia-Rosa/", request=request)
    PathWithheldFilter().filter(record)
    assert record.getMessage() == "Not Found: [unmatched path]"


@pytest.mark.django_db
def test_a_refused_page_logs_one_line_and_no_traceback(staff, client_for, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client_for(staff["researcher"]).get(reverse("accounts:staff-list"))

    assert response.status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage().startswith("Forbidden (Permission denied): ")
    assert record.exc_info is None
    assert "Traceback" not in caplog.text


def test_other_errors_keep_their_traceback() -> None:
    try:
        raise IntegrityError("boom")
    except IntegrityError:
        record = _record("failed", exc_info=sys.exc_info())
    PermissionDeniedOneLineFilter().filter(record)
    assert record.exc_info is not None


def test_a_permission_denied_record_loses_only_its_traceback() -> None:
    try:
        raise PermissionDenied("Not your clinic.")
    except PermissionDenied:
        record = _record("Forbidden (Permission denied): %s", "/x", exc_info=sys.exc_info())
    assert PermissionDeniedOneLineFilter().filter(record)
    assert record.exc_info is None and record.getMessage() == "Forbidden (Permission denied): /x"
