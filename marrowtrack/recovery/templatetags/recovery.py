"""Dates as patients read them, in the active language."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import get_language

register = template.Library()
FORMATS = {"en": "l j F Y", "es": r"l j \d\e F \d\e Y"}
TIME_FORMATS = {"en": "H:i", "es": "H:i"}


def _language() -> str:
    return (get_language() or "en")[:2]


@register.filter
def long_date(value: date | datetime | None) -> str:
    """'Monday 2 March 2026' / 'lunes 2 de marzo de 2026'."""
    if value is None:
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)  # the active zone: the clinic's in the portal
    return date_format(value, FORMATS.get(_language(), FORMATS["en"]))


@register.filter
def long_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    clock_time = date_format(value, TIME_FORMATS.get(_language(), "H:i"))
    return f"{long_date(value)}, {clock_time}"
