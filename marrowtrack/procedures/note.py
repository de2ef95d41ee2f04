"""The procedure note (issue 9, item 7): one page per encounter, and the PDF a physician
signs. ``note_context`` is the one read of everything the day recorded; the page and the
PDF render the same include, so they say the same thing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from marrowtrack.core import clock
from marrowtrack.lab.models import Container
from marrowtrack.procedures.models import ProcedureEncounter
from marrowtrack.procedures.safety import PREP_CHOICES, encounter_safety
from marrowtrack.procedures.sides import planned_harvest_side, side_label
from marrowtrack.procedures.states import ProcedureState as S

VITAL_KEYS = {
    "blood_pressure": "BP",
    "pulse": "pulse /min",
    "temperature_c": "temperature °C",
    "pain_score": "pain 0-10",
}


@dataclass(frozen=True)
class VitalsLine:
    when: str
    at: Any
    values: list[tuple[str, Any]]


def _vitals(steps: list[Any]) -> list[VitalsLine]:
    lines = []
    for step in steps:
        values = [
            (label, step.checklist[key])
            for key, label in VITAL_KEYS.items()
            if step.checklist.get(key) not in (None, "")
        ]
        if values:
            lines.append(VitalsLine(step.get_to_state_display(), step.at, values))
    return lines


def _step(steps: list[Any], state: S) -> Any:
    return next((s for s in reversed(steps) if s.to_state == state.value), None)


def note_context(encounter: ProcedureEncounter) -> dict[str, Any]:
    """Everything the procedure day recorded, in the order the note prints it."""
    steps = list(encounter.steps.select_related("by").prefetch_related("participants"))
    harvest = getattr(encounter, "harvest", None)
    run = getattr(encounter, "run", None)
    labels = dict(PREP_CHOICES)
    timeouts = [
        (t, labels.get(t.checklist.get("prep_agent", ""), ""))
        for t in encounter.timeouts.prefetch_related("signatures")
    ]
    return {
        "encounter": encounter,
        "patient": encounter.patient,
        "plan": encounter.plan,
        "zone": clock.zone(encounter.clinic),
        "safety": encounter_safety(encounter),
        "steps": steps,
        "vitals": _vitals(steps),
        "timeouts": timeouts,
        "lidocaine": list(encounter.anaesthetics.select_related("given_by")),
        "harvest": harvest,
        "planned_harvest_label": side_label(planned_harvest_side(encounter)),
        "amendments": list(harvest.amendments.select_related("amended_by")) if harvest else [],
        "run": run,
        "late_results": list(run.late_results.all()) if run else [],
        "products": list(
            encounter.containers.filter(kind=Container.Kind.CONCENTRATE).order_by("din")
        ),
        "injections": list(encounter.injections.select_related("container", "performed_by")),
        # A comparator day (cortisone, HA, PRP, nerve block): one injection, no harvest or lab.
        "comparator": getattr(encounter, "comparator_injection", None),
        "recovery": _step(steps, S.RECOVERY),
        "discharge": _step(steps, S.DISCHARGED),
        "note": getattr(encounter, "note", None),
    }


def note_html(encounter: ProcedureEncounter, **extra: Any) -> str:
    """The note as a standalone HTML document (what the PDF is made from), every time in
    the clinic's zone whoever renders it (a page, the API, a command)."""
    with timezone.override(clock.zone(encounter.clinic)):
        return render_to_string("procedures/note_print.html", {**note_context(encounter), **extra})


def note_pdf(html: str) -> bytes:
    return HTML(string=html).write_pdf()


def content_sha256(html: str) -> str:
    return hashlib.sha256(html.encode("utf-8")).hexdigest()
