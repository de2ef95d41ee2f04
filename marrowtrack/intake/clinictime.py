"""Clinic-local time: working hours and appointment days are in the clinic's own zone."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from marrowtrack.core.models import Clinic


def clinic_tz(clinic: Clinic) -> ZoneInfo:
    return ZoneInfo(clinic.timezone)


def local(moment: datetime, clinic: Clinic) -> datetime:
    return moment.astimezone(clinic_tz(clinic))


def at(day: date, clock_time: time, clinic: Clinic) -> datetime:
    """An aware datetime for a wall-clock time on a day at the clinic."""
    return datetime.combine(day, clock_time, tzinfo=clinic_tz(clinic))
