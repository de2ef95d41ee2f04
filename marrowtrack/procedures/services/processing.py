"""The lab's part of the procedure day, called from here: the day decides when the lab
acts and moves on once it has (docs/decisions/0006-one-way-app-layers.md).

Receiving the aspirate is the PROCESSING step (its gate records the custody scan); the
run is recorded while the day is at that step; releasing the product and the RELEASED
step are one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from marrowtrack.accounts.access import require_role, require_same_clinic
from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.audit.refusals import audited_refusals
from marrowtrack.core.exceptions import DomainError
from marrowtrack.lab import services as lab
from marrowtrack.lab.models import ProcessingRun
from marrowtrack.procedures.models import ProcedureEncounter
from marrowtrack.procedures.services.encounter import transition_apply
from marrowtrack.procedures.states import ProcedureState

S = ProcedureState
LAB = frozenset({Role.LAB_TECH})


def processing_record(
    *, encounter: ProcedureEncounter, by: User, data: Mapping[str, Any]
) -> ProcessingRun:
    """Record the processing run (``lab.run_record``) at the Processing step only."""
    require_same_clinic(by, encounter.clinic_id)
    require_role(by, LAB, "record processing")
    if encounter.current != S.PROCESSING:
        raise DomainError(
            f"Processing is recorded at the Processing step, not {encounter.current.label}."
        )
    return lab.run_record(encounter=encounter, by=by, data=data)


def product_release(
    *,
    run: ProcessingRun,
    by: User,
    password: str,
    verifier: User | None,
    verifier_password: str,
    scans: str | Sequence[str],
    totp: str | None = None,
    verifier_totp: str | None = None,
) -> ProcessingRun:
    """The lab releases the product (``lab.run_release``: signed by the technologist,
    verified by a second person who scans every label) and the day moves to RELEASED, in
    one transaction; a hard stop is audited as REFUSED after it."""
    encounter = run.encounter
    require_same_clinic(by, encounter.clinic_id)
    with audited_refusals(by=by, target=run, patient_public_id=encounter.patient.public_id):
        with transaction.atomic():
            lab.run_release(
                run=run,
                by=by,
                password=password,
                verifier=verifier,
                verifier_password=verifier_password,
                scans=scans,
                totp=totp,
                verifier_totp=verifier_totp,
            )
            transition_apply(encounter=encounter, to=S.RELEASED, by=by)
    return run
