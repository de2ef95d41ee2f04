"""Intake permissions per role, merged into the role groups after migrate."""

from __future__ import annotations

_VIEW = [
    "intake.view_treatmentplan",
    "intake.view_appointment",
]
_CLINICAL = [
    "intake.add_treatmentplan",
    "intake.change_treatmentplan",
    "intake.add_labvalue",
    "intake.run_screening",
    "intake.view_consent",
    "intake.take_consent",
    "intake.witness_consent",
]
_BOOK = ["intake.book_appointment"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "front_desk": [*_VIEW, *_BOOK],
    "nurse": [*_VIEW, *_CLINICAL, *_BOOK],
    # A hold plan lets a needle procedure go ahead inside a hold: a physician signs it.
    "physician": [
        *_VIEW,
        *_CLINICAL,
        *_BOOK,
        "intake.decide_eligibility",
        "intake.add_medicationhold",
    ],
    "lab_tech": [*_VIEW],
    "clinic_admin": [
        *_VIEW,
        "intake.view_consent",
        "intake.add_clinicruleset",
        "intake.add_consentdocument",
        "intake.change_workinghours",
        "intake.add_resourceexception",
        "intake.change_intakesettings",
    ],
}
