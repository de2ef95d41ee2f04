"""Outcomes permissions per role (merged into the role groups after migrate)."""

from __future__ import annotations

_READ = ["outcomes.view_surveyresponse", "outcomes.view_followup"]
_CLINICAL = [
    *_READ,
    "outcomes.add_surveyresponse",
    "outcomes.verify_surveyresponse",
    "outcomes.add_surveylink",
    "outcomes.censor_followup",
    "outcomes.score_answers",
    "outcomes.add_reintervention",
    "outcomes.view_reintervention",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    # Front desk sends survey links and types in paper forms; a clinician verifies them.
    "front_desk": [*_READ, "outcomes.add_surveyresponse", "outcomes.add_surveylink"],
    "nurse": _CLINICAL,
    "physician": _CLINICAL,
    "clinic_admin": [
        *_READ,
        "outcomes.manage_schedule",
        "outcomes.exchange_redcap",
        "outcomes.score_answers",
        "outcomes.add_reintervention",
        "outcomes.view_reintervention",
    ],
    "researcher": ["outcomes.score_answers"],
}
