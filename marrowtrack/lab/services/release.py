"""Releasing a processing run: two people, every label scanned.

The technologist signs the release (RELEASED). A second person of a clinical or lab role
(physician, nurse, lab technologist), not the technologist, scans every syringe label —
barcodes, not typed DINs (a keyed entry is not a validated scan, issue 8 item 11) — and
signs (VERIFIED). Both re-authenticate. Labels are checked by two trained people or with a
validated system (FACT-JACIE, docs/reference.md §3); we require both (issue 11, item 4).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from marrowtrack.accounts.access import require_role, require_same_clinic, user_roles
from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.esign.services import signature_sign
from marrowtrack.lab.isbt128 import InvalidDIN, read_label_scans
from marrowtrack.lab.models import Container, ProcessingRun
from marrowtrack.lab.services.containers import is_expired

LAB = frozenset({Role.LAB_TECH})
VERIFIERS = frozenset({Role.PHYSICIAN, Role.NURSE, Role.LAB_TECH})


def run_content(run: ProcessingRun) -> dict[str, Any]:
    """What a release or verification signature covers."""
    return {
        "run": str(run.public_id),
        "kit_lot": run.kit_lot,
        "rcf_g": str(run.rcf_g),
        "computed": run.computed,
        "qc_flags": run.qc_flags,
        "syringes": sorted(f"{c.din} {c.product_code}" for c in run.syringes.all()),
    }


def _verifier_check(run: ProcessingRun, by: User, verifier: User | None) -> User:
    if verifier is None:
        raise ValidationFailed(
            {"verifier_username": ["A second person checks and scans every label."]}
        )
    if verifier.pk == by.pk:
        raise ValidationFailed(
            {"verifier_username": ["The verifier must be a second person, not you."]}
        )
    if verifier.clinic_id != run.encounter.clinic_id or not user_roles(verifier) & VERIFIERS:
        raise ValidationFailed(
            {"verifier_username": ["The verifier must be a physician, nurse or lab technologist."]}
        )
    return verifier


def _scanned_labels(run: ProcessingRun, scans: str) -> list[dict[str, str]]:
    """Every syringe label, scanned (not typed), and nothing else."""
    try:
        reads = read_label_scans(scans)
    except InvalidDIN as exc:
        raise ValidationFailed({"scans": [exc.message]}) from exc
    if not reads:
        raise ValidationFailed({"scans": ["Scan every syringe label (DIN and product code)."]})
    scanned = {(r.din, r.product_code) for r in reads}
    expected = {(c.din, c.product_code) for c in run.syringes.all()}
    if scanned != expected:
        missing = len(expected - scanned)
        raise SafetyRefusal(
            f"The scanned labels do not match this run's {len(expected)} syringe(s) "
            f"({missing} not scanned, {len(scanned - expected)} not of this run): do not release."
        )
    return [{"din": r.din, "product_code": r.product_code or "", "aim": r.symbology} for r in reads]


def run_release(
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
    """Release: the technologist signs (RELEASED); a second person of a clinical or lab role
    scans every syringe label and signs (VERIFIED); then the syringes become usable.

    Runs inside the caller's transaction: ``procedures.services.product_release`` moves the
    day to RELEASED in the same transaction and audits a ``SafetyRefusal`` after it.
    """
    encounter = run.encounter
    require_same_clinic(by, encounter.clinic_id)
    require_role(by, LAB, "release a product")
    checked = _verifier_check(run, by, verifier)
    text = scans if isinstance(scans, str) else "\n".join(scans)
    with transaction.atomic():
        locked = ProcessingRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != ProcessingRun.Status.RECORDED:
            raise DomainError("This run is already released.")
        if any(is_expired(c) for c in locked.syringes.all()):
            raise SafetyRefusal("STOP: the product is past its hold limit and cannot be released.")
        labels = _scanned_labels(locked, text)
        _sign_release(locked, by, password, totp, checked, verifier_password, verifier_totp)
        locked.verification = ProcessingRun.Verification.SECOND_PERSON_SCAN
        locked.verification_scans = labels
        locked.status, locked.released_at = ProcessingRun.Status.RELEASED, clock.now()
        locked.save(
            update_fields=[
                "release_signature",
                "verification",
                "verification_signature",
                "verification_scans",
                "status",
                "released_at",
                "updated_at",
            ]
        )
        locked.syringes.update(status=Container.Status.RELEASED)
    run.refresh_from_db()
    return run


def _sign_release(
    run: ProcessingRun,
    by: User,
    password: str,
    totp: str | None,
    verifier: User,
    verifier_password: str,
    verifier_totp: str | None,
) -> None:
    content = run_content(run)
    patient = run.encounter.patient.public_id
    run.release_signature = signature_sign(
        user=by,
        password=password,
        meaning="released",
        record=run,
        content=content,
        totp=totp,
        patient_public_id=patient,
    )
    run.verification_signature = signature_sign(
        user=verifier,
        password=verifier_password,
        meaning="verified",
        record=run,
        content=content,
        totp=verifier_totp,
        statement="I scanned every syringe label and checked it against the record.",
        patient_public_id=patient,
    )
