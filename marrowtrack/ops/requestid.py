"""Request ids: one id per request, on every log line written while it is answered.

A proxy in front of the app processes may send its own ``X-Request-ID``; it is kept when it
looks like an id (so one request can be followed from the proxy's log to ours), otherwise a
new one is made. The id goes back in the response header of the same name.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

HEADER = "X-Request-ID"
_META_KEY = "HTTP_X_REQUEST_ID"
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_current: ContextVar[str] = ContextVar("request_id", default="-")


def request_id_from(meta: dict[str, object]) -> str:
    """The proxy's id when it is a plain token of 8-64 characters, else a new UUID."""
    offered = meta.get(_META_KEY)
    if isinstance(offered, str) and _ACCEPTABLE.match(offered):
        return offered
    return uuid.uuid4().hex


def request_id_set(value: str) -> None:
    _current.set(value)


def request_id() -> str:
    return _current.get()


def request_id_clear(**kwargs: object) -> None:
    """``request_finished``: Django logs a 4xx/5xx after the middleware returned, so the id
    stays set until the response is done."""
    _current.set("-")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (``-`` outside a request: commands, the worker)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current.get()
        return True
