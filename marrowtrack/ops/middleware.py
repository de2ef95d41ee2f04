"""One middleware, first in the chain: request id, the request log line and the metrics."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from marrowtrack.ops.metrics import request_observe
from marrowtrack.ops.requestid import (
    HEADER,
    request_id,
    request_id_from,
    request_id_set,
)

logger = logging.getLogger("marrowtrack.request")


class RequestObservabilityMiddleware:
    """Tags the request with an id (log lines, ``X-Request-ID``), then logs and counts it.

    The log line names the route pattern, never the path or query (see ``ops.logs``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id_set(request_id_from(request.META))  # cleared on request_finished
        started = time.perf_counter()
        response = self.get_response(request)
        response[HEADER] = request_id()
        _record(request, response.status_code, time.perf_counter() - started)
        return response


def _record(request: HttpRequest, status: int, seconds: float) -> None:
    match = request.resolver_match
    view = match.view_name if match is not None else "unmatched"
    request_observe(view=view, method=request.method or "", status=status, seconds=seconds)
    user = getattr(request, "user", None)
    logger.info(
        "request",
        extra={
            "request_id": request_id(),
            "method": request.method,
            "route": match.route if match is not None else None,
            "view": view,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "user_id": user.pk if user is not None and user.is_authenticated else None,
        },
    )
