"""What discharge needs beyond its checklist (issue 9, item 7): a minimum time in recovery,
measured from the server-recorded time the patient entered recovery (never a typed time),
vital signs taken at discharge, and the blood-thinner restart date on the checklist.

The minimum is ``MARROWTRACK_MIN_RECOVERY_MINUTES`` (default 30 minutes,
docs/decisions/0018-harvest-side-safety-summary-procedure-note.md). Called by the
discharge gate (``gates.discharged``) inside the transition's transaction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings

from marrowtrack.core import clock
from marrowtrack.core.exceptions import SafetyRefusal, ValidationFailed
from marrowtrack.procedures.models import ProcedureEncounter
from marrowtrack.procedures.safety import encounter_safety
from marrowtrack.procedures.states import ProcedureState

DEFAULT_MIN_RECOVERY_MINUTES = 30
RESTART_ITEM = {
    "anticoagulant_restart_given": (
        "Blood-thinner restart date given to the patient (or not on a blood thinner)"
    ),
}
BLOOD_PRESSURE = re.compile(r"^\s*(\d{2,3})\s*/\s*(\d{2,3})\s*$")


def min_recovery_minutes() -> int:
    return int(getattr(settings, "MARROWTRACK_MIN_RECOVERY_MINUTES", DEFAULT_MIN_RECOVERY_MINUTES))


def recovery_started_at(encounter: ProcedureEncounter) -> datetime | None:
    step = encounter.steps.filter(to_state=ProcedureState.RECOVERY.value).order_by("-at").first()
    return step.at if step else None


def discharge_earliest(encounter: ProcedureEncounter) -> datetime | None:
    started = recovery_started_at(encounter)
    return started + timedelta(minutes=min_recovery_minutes()) if started else None


def _vitals(data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    bp = str(data.get("blood_pressure") or "")
    match = BLOOD_PRESSURE.match(bp)
    if not match:
        errors["blood_pressure"] = ["Blood pressure at discharge, as systolic/diastolic (120/80)."]
    elif not (60 <= int(match[1]) <= 260 and 30 <= int(match[2]) <= 160):
        errors["blood_pressure"] = [f"Blood pressure {bp} is not plausible."]
    pulse = data.get("pulse")
    if pulse in (None, ""):
        errors["pulse"] = ["Pulse at discharge (/min)."]
    elif not str(pulse).isdigit() or not 20 <= int(pulse) <= 250:
        errors["pulse"] = [f"Pulse {pulse} is not plausible (20-250 /min)."]
    if errors:
        raise ValidationFailed(errors)
    return {"blood_pressure": f"{match[1]}/{match[2]}", "pulse": int(str(pulse))}  # type: ignore[index]


def _restart(encounter: ProcedureEncounter, data: Mapping[str, Any]) -> dict[str, Any]:
    thinners = encounter_safety(encounter).blood_thinners
    if not thinners:
        return {"anticoagulant_restart_on": "not on a blood thinner"}
    lines, missing = [], []
    typed = data.get("anticoagulant_restart_on")
    for line in thinners:
        restart = line.restart_on or (typed if isinstance(typed, date) else None)
        if restart is None:
            missing.append(line.name)
        else:
            lines.append(f"{line.name}: restart {restart:%Y-%m-%d}")
    if missing:
        raise ValidationFailed(
            {
                "anticoagulant_restart_on": [
                    "Record the restart date the prescriber gave for " + ", ".join(missing) + "."
                ]
            }
        )
    return {"anticoagulant_restart_on": "; ".join(lines)}


def discharge_check(encounter: ProcedureEncounter, data: Mapping[str, Any]) -> dict[str, Any]:
    """The discharge facts to keep on the step, or a refusal naming what is missing."""
    earliest = discharge_earliest(encounter)
    now = clock.now()
    if earliest is not None and now < earliest:
        started = recovery_started_at(encounter)
        spent = int((now - started).total_seconds() // 60)  # type: ignore[operator]
        raise SafetyRefusal(
            f"Discharge refused: {spent} min in recovery; the minimum is "
            f"{min_recovery_minutes()} min (recovery began "
            f"{clock.stamp(started, encounter.clinic, 'time')}). "  # type: ignore[arg-type]
            f"Discharge from {clock.stamp(earliest, encounter.clinic, 'time')}."
        )
    facts = {**_vitals(data), **_restart(encounter, data)}
    if earliest is not None:
        facts["recovery_minutes"] = int(
            (now - recovery_started_at(encounter)).total_seconds() // 60
        )  # type: ignore[operator]
    return facts
