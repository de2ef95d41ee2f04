"""FHIR permissions per role (merged into the role groups after migrate).

Researchers get none: every FHIR resource here identifies a patient (docs/fhir.md, "Access").
The lab reads identity for labels only, so it has no FHIR access either.
"""

READ = "interop.read_fhir"
EXPORT = "interop.export_fhir"
IMPORT = "interop.import_fhir"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "front_desk": [IMPORT],
    "nurse": [READ],
    "physician": [READ],
    "clinic_admin": [READ, EXPORT, IMPORT],
}
