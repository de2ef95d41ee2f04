"""A worklist task as the start of an adverse-event form: the suggested type and site, the
check-in day as onset, and the patient's own words as the description. Nothing is saved
until a nurse or physician completes and submits the form."""

from __future__ import annotations

from typing import Any

from marrowtrack.recovery import adverse
from marrowtrack.recovery.models import NurseTask
from marrowtrack.recovery.profiles import profile_for


def initial_from_task(task: NurseTask) -> dict[str, Any]:
    checkin = task.checkin
    codes = [finding["code"] for finding in checkin.findings]
    harvest = bool((profile := profile_for(task.course.treatment)) and profile.harvest)
    suggested = adverse.suggest(codes, harvest=harvest)
    lines = [f"Day {checkin.day} check-in ({checkin.on:%Y-%m-%d}): {task.reason}."]
    if checkin.note:
        lines.append(f"Patient wrote: {checkin.note}")
    if task.resolution_note:
        lines.append(f"Nurse: {task.resolution_note}")
    initial: dict[str, Any] = {"onset_on": checkin.on, "description": "\n".join(lines)}
    if suggested:
        initial["event_type"], initial["site"] = suggested
    return initial
