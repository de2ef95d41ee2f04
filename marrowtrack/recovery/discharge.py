"""The facts of a patient's discharge instructions, from the treatment and its date. Pure.

The words are in the templates (English and Spanish, Django i18n); this module decides
which sections apply and computes every date they state, so the page, the PDF and the
portal say the same thing. Dates are clinic-local calendar dates.

NSAIDs: the window is the clinic's configured avoidance after the procedure (docs/reference.md §0,
7 days by default) with intake's date convention (``intake.instructions.nsaid_window``):
none up to and including day N, allowed again from day N + 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from marrowtrack.intake.instructions import nsaid_window
from marrowtrack.recovery.profiles import Profile, profile_for
from marrowtrack.recovery.schedule import CHECKIN_DAYS


@dataclass(frozen=True)
class FollowUpDate:
    label: str
    on: date


@dataclass(frozen=True)
class DischargePlan:
    treatment: str
    treatment_label: str
    target_label: str
    harvest_side_label: str  # "" when there was no harvest
    treated_on: date
    profile: Profile
    flare_until: date
    nsaid_days: int  # 0: no NSAID avoidance for this treatment
    nsaid_last_day: date | None
    nsaid_restart_on: date | None
    rest_until: date
    light_activity_until: date
    dressing_hours: int
    no_soaking_until: date
    checkins_from: date
    checkins_until: date
    two_week_checkin_on: date
    clinic_name: str
    clinic_phone: str
    after_hours_phone: str  # "" when the clinic has none
    emergency_number: str
    followups: tuple[FollowUpDate, ...]
    next_visit: datetime | None

    @property
    def harvest(self) -> bool:
        return self.profile.harvest


def nsaid_dates(treated_on: date, avoid_days: int) -> tuple[date | None, date | None]:
    """(last NSAID-free day, first day allowed again); (None, None) when none are avoided."""
    if avoid_days <= 0:
        return None, None
    restart = nsaid_window(treated_on, hold_days_before=0, avoid_days_after=avoid_days).restart_on
    return restart - timedelta(days=1), restart


def discharge_plan(
    *,
    treatment: str,
    treatment_label: str,
    treated_on: date,
    target_label: str,
    harvest_side_label: str,
    nsaid_avoid_days: int,
    clinic_name: str,
    clinic_phone: str,
    emergency_number: str,
    after_hours_phone: str = "",
    followups: Sequence[FollowUpDate] = (),
    next_visit: datetime | None = None,
) -> DischargePlan:
    """Raise ValueError for a treatment without an injection, or without a clinic phone."""
    profile = profile_for(treatment)
    if profile is None:
        raise ValueError(f"{treatment_label} has no injection and no discharge instructions")
    if not clinic_phone.strip():
        raise ValueError("the clinic has no phone number: patients must be able to call it")
    days = nsaid_avoid_days if profile.avoid_nsaids else 0
    last_day, restart = nsaid_dates(treated_on, days)
    after = lambda n: treated_on + timedelta(days=n)  # noqa: E731 - local shorthand
    return DischargePlan(
        treatment=treatment,
        treatment_label=treatment_label,
        target_label=target_label,
        harvest_side_label=harvest_side_label if profile.harvest else "",
        treated_on=treated_on,
        profile=profile,
        flare_until=after(profile.flare_days[1]),
        nsaid_days=days,
        nsaid_last_day=last_day,
        nsaid_restart_on=restart,
        rest_until=after(profile.rest_days),
        light_activity_until=after(profile.light_activity_days),
        dressing_hours=profile.dressing_hours,
        no_soaking_until=after(profile.no_soaking_days),
        checkins_from=after(CHECKIN_DAYS[0]),
        checkins_until=after(7),
        two_week_checkin_on=after(14),
        clinic_name=clinic_name,
        clinic_phone=clinic_phone,
        after_hours_phone=after_hours_phone.strip(),
        emergency_number=emergency_number,
        followups=tuple(followups),
        next_visit=next_visit,
    )
