"""Structured logs: one JSON object a line, with the request id, and no patient data.

What keeps patient data out (issue 16; HIPAA's identifiers, 45 CFR 164.514(b)(2)):
- the request log names the route pattern (``patients/<uuid:public_id>/``), never the path or
  query string, where a search term, a name typed into an address or a survey link's secret
  would be;
- Django's own request records (``Not Found: /path``) get the route instead of the path, and
  the request object Django attaches is never serialised (its repr holds the query string);
- only the fields below reach the output, whatever a caller passes in ``extra``;
- tracebacks keep the exception's type and every frame but never its message: PostgreSQL
  repeats the offending values there (``DETAIL: Key (mrn)=(...) already exists``), and so do
  ``ValueError``, ``KeyError`` and validation errors (``'<input>' is not a valid ...``).
`ops/tests/test_phi_in_logs.py` loads the demo, tours the pages and searches the captured log
for every demo patient's name and MRN.
"""

from __future__ import annotations

import logging
import traceback
from types import TracebackType
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.encoding import escape_uri_path
from pythonjsonlogger.json import JsonFormatter

# Fields a log line may carry; anything else a caller attaches is dropped.
ALLOWED_FIELDS = frozenset(
    {
        "timestamp",
        "level",
        "logger",
        "message",
        "request_id",
        "exc_info",
        "status_code",
        # the request log (ops.middleware)
        "method",
        "route",
        "view",
        "status",
        "duration_ms",
        "user_id",
        # commands (backup, restore, bench)
        "event",
        "seconds",
    }
)
WITHHELD = "[message withheld: may contain patient data]"


class SafeJsonFormatter(JsonFormatter):
    """python-json-logger with an allow-list of fields and database messages withheld."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("timestamp", True)
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        super().__init__("{levelname}{name}{message}", *args, style="{", **kwargs)

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in log_data.items() if key in ALLOWED_FIELDS}

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
        exc_type, exc, tb = ei
        chain = []
        while exc is not None:  # the causes too: a DB error is often wrapped
            chain.append(_frames_without_message(type(exc), exc.__traceback__))
            exc = exc.__cause__ or exc.__context__
        return "\n\nwhile handling:\n".join(reversed(chain))


def _frames_without_message(exc_type: type[BaseException], tb: TracebackType | None) -> str:
    frames = "".join(traceback.format_tb(tb))
    name = f"{exc_type.__module__}.{exc_type.__qualname__}"
    return f"Traceback (most recent call last):\n{frames}{name}: {WITHHELD}"


class PathWithheldFilter(logging.Filter):
    """Django's request records name the path (``Not Found: /patients/Garcia``): use the
    route pattern instead, or a placeholder when nothing matched."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if request is None or not isinstance(record.args, tuple):
            return True
        match = getattr(request, "resolver_match", None)
        shown = match.route if match is not None else "[unmatched path]"
        path = getattr(request, "path", "")
        paths = {path, escape_uri_path(path), request.get_full_path()}
        record.args = tuple(shown if arg in paths else arg for arg in record.args)
        return True


class PermissionDeniedOneLineFilter(logging.Filter):
    """A 403 is an expected answer, not a fault: Django logs ``Forbidden (Permission denied)``
    with the PermissionDenied attached, which prints a traceback for every refused page. Keep
    the one line; the refusal itself is on the audit trail (``access.denied``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], PermissionDenied):
            record.exc_info = None
            record.exc_text = None
        return True
