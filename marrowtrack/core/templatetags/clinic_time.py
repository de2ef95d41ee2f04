"""`{{ value|clinic_time }}`: a time a person reads, as the clinic's wall clock with its offset
("26 Nov 2026 09:15 (UTC+04:00)"); `{{ value|clinic_time:"time" }}` without the date,
`{{ value|clinic_time:"seconds" }}` to the second (the audit trail).

Loaded everywhere (a template builtin, config/settings.py). The instant is shown in the active
zone, which on a staff page is the user's clinic's (accounts.middleware.ClinicTimeMiddleware)
and in the portal the patient's clinic's (portal.access); a date (no time) is shown as is.
"""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone

from marrowtrack.core import clock

register = template.Library()


@register.filter
def clinic_time(value: datetime | date | None, part: str = "") -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, datetime):
        return value.strftime("%d %b %Y")  # a calendar day: never converted through a zone
    if timezone.is_naive(value):
        raise ValueError("clinic_time needs an aware datetime.")
    return clock.wall_clock(timezone.localtime(value), part)
