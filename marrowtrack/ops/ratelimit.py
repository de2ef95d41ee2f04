"""Rate limits for doors a stranger can knock on: log-in, API tokens, patient links.

A fixed-window counter per (scope, client address) in Django's cache, answered with 429 and
``Retry-After``. django-ratelimit refuses every cache but memcached and Redis at check time,
and ninja's throttles serve only the API, hence these few lines
(docs/decisions/0014-operations.md). With several app processes the cache must be shared
(``MARROWTRACK_CACHE=database``, docs/deploy.md), or each process counts on its own.

The client address is the peer's, or, behind ``MARROWTRACK_TRUSTED_PROXIES`` proxies, the
address the nearest of them saw (the n-th ``X-Forwarded-For`` entry from the right): a
client cannot pick its own address by sending the header. django-axes and ninja's throttle
use the same answer (settings ``AXES_CLIENT_IP_CALLABLE``, ``NINJA_NUM_PROXIES``).

For a new door (the patient portal's link and log-in pages)::

    @rate_limited("portal-link", "MARROWTRACK_PORTAL_LINK_RATE", methods=("GET", "POST"))
    def portal_start(request, token): ...
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

_RATE = re.compile(r"^(\d+)/(\d*)([smh])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def rate_parse(text: str) -> Rate:
    """``"10/m"``: 10 a minute; ``"5/15m"``: 5 per 15 minutes; units s, m, h."""
    match = _RATE.match(text.strip())
    if match is None or int(match[1]) < 1:
        raise ImproperlyConfigured(f"A rate looks like 10/m or 5/15m, not {text!r}")
    return Rate(int(match[1]), int(match[2] or 1) * _UNIT_SECONDS[match[3]])


def client_address(request: HttpRequest) -> str:
    """The client's address as the nearest trusted proxy saw it (or the peer's)."""
    peer = request.META.get("REMOTE_ADDR", "")
    proxies = settings.MARROWTRACK_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies == 0 or not forwarded:
        return peer
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-min(proxies, len(hops))] if hops else peer


def rate_exceeded(*, scope: str, key: str, rate: Rate, now: float | None = None) -> int:
    """Counts one attempt; the seconds until the window ends when over the rate, else 0."""
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"ratelimit:{scope}:{window}:{digest}"
    cache.add(cache_key, 0, timeout=rate.seconds + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr: this attempt opens a new window
        cache.set(cache_key, 1, timeout=rate.seconds + 1)
        count = 1
    if count <= rate.count:
        return 0
    return max(1, int((window + 1) * rate.seconds - now))


def rate_limited(
    scope: str, setting: str, *, methods: Iterable[str] = ("POST",)
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Answer 429 once a client address exceeds ``settings.<setting>`` for these methods."""
    limited = {method.upper() for method in methods}

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in limited:
                rate = rate_parse(getattr(settings, setting))
                wait = rate_exceeded(scope=scope, key=client_address(request), rate=rate)
                if wait:
                    return too_many_requests(request, wait)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def too_many_requests(request: HttpRequest, wait: int) -> HttpResponse:
    body = render_to_string("ops/rate_limited.html", {"wait": wait}, request=request)
    response = HttpResponse(body, status=429)
    response["Retry-After"] = str(wait)
    return response
