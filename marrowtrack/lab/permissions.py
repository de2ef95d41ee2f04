"""Lab permissions per role (merged into the role groups after migrate)."""

VIEW = "lab.view_container"
PROCESS = "lab.process_specimen"
CUSTODY = "lab.scan_custody"
TRACE = "lab.view_traceability"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "nurse": [VIEW, CUSTODY],
    "physician": [VIEW, CUSTODY, TRACE],
    "lab_tech": [VIEW, PROCESS, CUSTODY, TRACE],
    "clinic_admin": [VIEW, TRACE],
}
