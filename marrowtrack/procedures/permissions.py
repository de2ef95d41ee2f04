"""Procedure-day permissions per role (merged into the role groups after migrate)."""

VIEW = "procedures.view_procedureencounter"
STEP = "procedures.record_step"
EVIDENCE = "procedures.view_evidence"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "front_desk": [VIEW, STEP],
    "nurse": [VIEW, STEP, EVIDENCE],
    "physician": [VIEW, STEP, EVIDENCE],
    "lab_tech": [VIEW, STEP],
    "clinic_admin": [VIEW, EVIDENCE],
}
