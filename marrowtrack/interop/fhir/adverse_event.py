"""AdverseEvent: the seam for the recovery app (docs/fhir.md, "Adverse events").

The recovery app owns adverse events. When it lands, its selector yields rows that satisfy
`AdverseEventRecord`; `sources.py` then adds one section that calls `adverse_event` for each.
Nothing here imports recovery, so interop works the same before and after it exists.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from marrowtrack.interop.fhir.base import Resource, instant, pruned, ref, uuid_identifier


class AdverseEventRecord(Protocol):
    """What the mapper reads of an adverse event, whatever model holds it."""

    public_id: Any
    description: str  # what happened, in the clinician's words
    onset_at: datetime | None
    recorded_at: datetime
    serious: bool
    grade: str  # the recovery app's grading, e.g. "Grade 2 (moderate)"
    outcome: str  # e.g. "Resolved", "Ongoing"


def adverse_event(event: AdverseEventRecord, *, ids: dict[str, Any]) -> Resource:
    """An actual adverse event of a patient, linked to the procedures it may follow from."""
    suspects = [{"instance": ref(kind, ident)} for kind, ident in ids.get("suspects", [])]
    return pruned(
        {
            "resourceType": "AdverseEvent",
            "id": str(event.public_id),
            "identifier": uuid_identifier(event.public_id),
            "actuality": "actual",
            "event": {"text": event.description},
            "subject": ref("Patient", ids["patient"]),
            "encounter": ref("Encounter", ids["encounter"]) if ids.get("encounter") else None,
            "date": instant(event.onset_at),
            "recordedDate": instant(event.recorded_at),
            "recorder": ref("Practitioner", ids["recorder"]) if ids.get("recorder") else None,
            "seriousness": {"text": "Serious" if event.serious else "Non-serious"},
            "severity": {"text": event.grade} if event.grade else None,
            "outcome": {"text": event.outcome} if event.outcome else None,
            "suspectEntity": suspects,
        }
    )
