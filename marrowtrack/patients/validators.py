from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError

from marrowtrack.core import clock


def not_in_future(value: date) -> None:
    if value > clock.today():
        raise ValidationError("This date is in the future.")


def plausible_birth_date(value: date) -> None:
    not_in_future(value)
    if value.year < 1900:
        raise ValidationError("Birth dates before 1900 are not accepted; check the year.")
