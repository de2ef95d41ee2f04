"""Health for monitors and the proxy, and Prometheus metrics for the scraper."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from marrowtrack.ops.health import health_checks
from marrowtrack.ops.metrics import exposition


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """200 when every database answers and the worker beat recently, else 503.

    Names the checks and nothing else (no versions, no counts), so it may be public."""
    checks = health_checks(now=timezone.now())
    healthy = all(check.ok for check in checks)
    body = {
        "status": "ok" if healthy else "failing",
        "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in checks},
    }
    return JsonResponse(body, status=200 if healthy else 503)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format, only to the scraper's addresses (MARROWTRACK_METRICS_FROM)."""
    if not _from_scraper(request.META.get("REMOTE_ADDR", "")):
        raise Http404
    body, content_type = exposition()
    return HttpResponse(body, content_type=content_type)


def _from_scraper(address: str) -> bool:
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(client in ipaddress.ip_network(net) for net in settings.MARROWTRACK_METRICS_FROM)
