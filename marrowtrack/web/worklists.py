"""Each role's home page is its worklist (issue 9, item 12): what that role acts on next.

The home page shows one worklist per role the person holds, in the order of the procedure
day: front desk and nurse see today's check-ins, the lab technologist the lab queue, the
physician the plans awaiting a decision, clinicians the surveys to verify, the clinic
administrator staff and equipment, the researcher the registry pages they may open. Reads
only, through each app's selectors; the rows link to the pages where the work is done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse

from marrowtrack.accounts.access import staff_clinic, user_roles
from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.accounts.selectors import staff_of_clinic
from marrowtrack.core import clock
from marrowtrack.facilities.selectors import facilities_overview
from marrowtrack.intake.selectors import plans_awaiting_decision
from marrowtrack.outcomes.selectors import awaiting_verification
from marrowtrack.procedures.selectors import board_rows, lab_queue

LIMIT = 12


@dataclass(frozen=True)
class Row:
    label: str  # a patient as "FAMILY, Given · MRN", or a thing by its name
    url: str
    detail: str = ""


@dataclass(frozen=True)
class Worklist:
    key: str
    title: str
    empty: str
    rows: list[Row] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url)
    more: int = 0  # rows not shown


def _who(patient) -> str:
    return f"{patient.family_name.upper()}, {patient.given_name} · MRN {patient.mrn}"


def _name(user: User | None) -> str:
    return user.printed_name if user else "someone"


def _cut(key: str, title: str, empty: str, rows: list[Row], links: list) -> Worklist:
    return Worklist(key, title, empty, rows[:LIMIT], links, max(0, len(rows) - LIMIT))


def todays_check_ins(user: User) -> Worklist:
    rows = [
        Row(
            _who(r.encounter.patient),
            r.encounter.get_absolute_url(),
            r.encounter.get_state_display(),
        )
        for r in board_rows(clinic=staff_clinic(user))
    ]
    links = [
        ("Check a patient in", reverse("procedures:check-in")),
        ("Procedure day board", reverse("procedures:board")),
    ]
    return _cut("check-ins", "Today's check-ins", "Nobody is checked in yet today.", rows, links)


def lab_worklist(user: User) -> Worklist:
    groups = lab_queue(clinic=staff_clinic(user))
    words = {"in_transit": "to receive", "processing": "processing", "released": "released"}
    rows = [
        Row(_who(e.patient), reverse("lab:queue"), words[state])
        for state, encounters in groups.items()
        for e in encounters
    ]
    links = [("Lab queue", reverse("lab:queue"))]
    return _cut("lab", "Lab queue", "Nothing for the lab right now.", rows, links)


def plans_to_decide(user: User) -> Worklist:
    rows = [
        Row(_who(p.patient), p.get_absolute_url(), str(p))
        for p in plans_awaiting_decision(clinic=staff_clinic(user))[: LIMIT + 50]
    ]
    links = [("All plans", reverse("intake:plan-list"))]
    return _cut(
        "decisions", "Plans awaiting your decision", "No plan awaits a decision.", rows, links
    )


def surveys_to_verify(user: User) -> Worklist:
    rows = [
        Row(
            _who(r.patient),
            reverse("outcomes:plan-detail", args=[r.plan.public_id]),
            f"{r.instrument} typed in by {_name(r.entered_by)}",
        )
        for r in awaiting_verification(clinic=staff_clinic(user))[: LIMIT + 50]
    ]
    links = [("Outcomes", reverse("outcomes:dashboard"))]
    return _cut("surveys", "Surveys to verify", "No survey awaits verification.", rows, links)


def staff_and_equipment(user: User) -> Worklist:
    today = clock.today(staff_clinic(user))
    overview = facilities_overview(clinic_id=staff_clinic(user).pk, today=today)
    due = overview["calibration_overdue"] | overview["calibration_soon"]
    rows = [
        Row(
            e.name,
            reverse("facilities:equipment-edit", args=[e.public_id]),
            f"calibration due {e.calibration_due:%Y-%m-%d}",
        )
        for e in overview["equipment"]
        if e.pk in due
    ]
    rows += [
        Row(lot.lot_number, reverse("facilities:kitlot-edit", args=[lot.public_id]), reason)
        for lot, reason in overview["kit_lots"]
        if reason
    ][:LIMIT]
    count = staff_of_clinic(clinic=staff_clinic(user)).count()
    links = [
        (f"Staff ({count})", reverse("accounts:staff-list")),
        ("Rooms, equipment and kit lots", reverse("facilities:overview")),
    ]
    return _cut(
        "admin",
        "Staff and equipment",
        "No calibration is due and every kit lot is usable.",
        rows,
        links,
    )


def registry(user: User) -> Worklist:
    links = [
        ("Outcome instruments (API)", reverse("api:openapi-view")),
        ("Your API tokens", reverse("accounts:tokens")),
    ]
    return Worklist(
        "registry",
        "Registry",
        "You see de-identified registry data only: outcome instruments and their scoring, "
        "through the API with a token from your account page.",
        links=links,
    )


BY_ROLE: dict[Role, list[Callable[[User], Worklist]]] = {
    Role.FRONT_DESK: [todays_check_ins],
    Role.NURSE: [todays_check_ins, surveys_to_verify],
    Role.LAB_TECH: [lab_worklist],
    Role.PHYSICIAN: [plans_to_decide, surveys_to_verify],
    Role.CLINIC_ADMIN: [staff_and_equipment],
    Role.RESEARCHER: [registry],
}
ORDER = [
    Role.FRONT_DESK,
    Role.NURSE,
    Role.LAB_TECH,
    Role.PHYSICIAN,
    Role.CLINIC_ADMIN,
    Role.RESEARCHER,
]


def worklists_for(user: User) -> list[Worklist]:
    """The person's worklists, each once, in procedure-day order of their roles."""
    roles = user_roles(user)
    seen: list[Callable[[User], Worklist]] = []
    for role in ORDER:
        for build in BY_ROLE[role] if role in roles else []:
            if build not in seen:
                seen.append(build)
    return [build(user) for build in seen]
