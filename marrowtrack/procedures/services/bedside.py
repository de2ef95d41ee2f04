"""Bedside verification and the injection, one syringe at a time: the last line of the
chain of identity.

Invariant over the whole day: every injection is of a released syringe of this patient's
own collection, labelled for the site it goes into, inside its hold limit by the server's
clock, verified at the bedside by two clinicians before it was injected, and injected at
most once. Bilateral and multi-target days have several syringes; each is verified and
injected on its own.

Hard stops live here, not in the UI: a product of another patient, the aspirate tube, a
product not released, expired, not in the procedure room, or labelled for another site is
refused loudly; every refused scan is kept as a ``BedsideCheck`` row and audited as
REFUSED in its own committed transaction. Times a person types are bounded by the server's
clock and by the bedside check before them (issue 11, item 2).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from marrowtrack.accounts.access import require_role, require_same_clinic, user_roles
from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.refusals import audited_refusals, refusal_record
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.esign.services import signature_sign
from marrowtrack.intake.services.plans import plan_mark_treated
from marrowtrack.lab.isbt128 import LabelRead
from marrowtrack.lab.models import Container, Location
from marrowtrack.lab.procedure_day import plan_sites, site_display
from marrowtrack.lab.services import container_for_label, is_expired, label_read
from marrowtrack.patients.models import Patient
from marrowtrack.procedures.models import BedsideCheck, Guidance, Injection, ProcedureEncounter
from marrowtrack.procedures.services.anaesthesia import lidocaine_add
from marrowtrack.procedures.services.encounter import transition_apply
from marrowtrack.procedures.states import ProcedureState

S = ProcedureState
CLINICIANS = {Role.NURSE, Role.PHYSICIAN}
VERIFY_STATES = frozenset({S.RELEASED, S.TIMEOUT_2, S.BEDSIDE_VERIFIED, S.INJECTED})
INJECT_STATES = frozenset({S.BEDSIDE_VERIFIED, S.INJECTED})


def wristband_matches(patient: Patient, scan: str) -> bool:
    """A wristband carries the MRN or the patient's public id."""
    text = scan.strip()
    return text.upper() == patient.mrn.upper() or text.lower() == str(patient.public_id)


def syringe_read(syringe_scan: str, product_scan: str) -> LabelRead:
    """The syringe's label as entered. A malformed entry (e.g. a typed 13-character DIN
    without its check character) is a field error; the product code is required because
    the aspirate and every syringe share the collection's DIN."""
    read = label_read(syringe_scan, product_scan, field="syringe_scan")
    if read.product_code is None:
        raise ValidationFailed(
            {
                "product_scan": [
                    "Scan the syringe's product code too: the aspirate tube and every syringe "
                    "of a harvest carry the same DIN."
                ]
            }
        )
    return read


def _scanned_container(encounter: ProcedureEncounter, read: LabelRead) -> Container:
    try:
        return container_for_label(clinic_id=encounter.clinic_id, read=read, field="syringe_scan")
    except DomainError as exc:
        raise SafetyRefusal(f"STOP: syringe not recognised. {exc.message}") from exc


def product_checks(
    encounter: ProcedureEncounter, container: Container, target: str, laterality: str
) -> None:
    """Every hard stop between a syringe and this patient, identity first. The hold limit
    is checked against the server's clock, never a time typed into a form."""
    patient = encounter.patient
    if container.patient_id != patient.pk or container.encounter_id != encounter.pk:
        raise SafetyRefusal(
            f"STOP — DO NOT INJECT. Syringe {container.din_display} belongs to ANOTHER PATIENT, "
            f"not to this patient (MRN {patient.mrn}). Return it to the lab."
        )
    if container.kind != Container.Kind.CONCENTRATE:
        raise SafetyRefusal(
            f"STOP: {container.din_display} {container.product_code} is the aspirate tube, "
            "not a product syringe."
        )
    if container.status != Container.Status.RELEASED:
        raise SafetyRefusal(
            f"STOP: {container.din_display} {container.product_code} is "
            f"{container.get_status_display().lower()}: not released for injection."
        )
    if is_expired(container):
        local = clock.localtime(container.expires_at, encounter.clinic)
        raise SafetyRefusal(
            f"STOP: {container.din_display} EXPIRED at {local:%H:%M} "
            "(hold limit after harvest). Do not inject."
        )
    if container.location != Location.PROCEDURE_ROOM:
        raise SafetyRefusal(
            f"STOP: {container.din_display} is recorded at '{container.get_location_display()}'. "
            "Scan the hand-off from the lab first."
        )
    site_checks(encounter, container, target, laterality)


def site_checks(
    encounter: ProcedureEncounter, container: Container, target: str, laterality: str
) -> None:
    """The site chosen is one the plan treats, and the one this syringe is labelled for."""
    sites = plan_sites(encounter.plan)
    chosen = (target, laterality)
    if chosen not in sites:
        planned = " and ".join(site_display(site) for site in sites)
        raise SafetyRefusal(
            f"STOP: WRONG SITE. The plan treats {planned}; you selected {site_display(chosen)}."
            if target and laterality
            else f"STOP: choose the site this syringe goes into ({planned})."
        )
    if (container.target, container.laterality) != chosen:
        raise SafetyRefusal(
            f"STOP: WRONG SIDE. Syringe {container.din_display} {container.product_code} is "
            f"labelled for {container.site_display.upper()}, not {site_display(chosen).upper()}."
            " Return it to the lab or take the syringe labelled for this site."
        )


def _second_person(encounter: ProcedureEncounter, by: User, second: User | None) -> User:
    if second is None:
        raise ValidationFailed({"second_person": ["A second clinician verifies with you."]})
    if second.pk == by.pk:
        raise ValidationFailed({"second_person": ["The second person must be someone else."]})
    if second.clinic_id != encounter.clinic_id or not user_roles(second) & CLINICIANS:
        raise ValidationFailed({"second_person": ["The second person must be a clinician here."]})
    return second


def bedside_verify(
    *,
    encounter: ProcedureEncounter,
    by: User,
    password: str,
    second_person: User | None,
    second_password: str,
    wristband_scan: str,
    syringe_scan: str,
    target: str,
    laterality: str,
    patient_confirmed_identity: bool,
    product_scan: str = "",
    totp: str | None = None,
    second_totp: str | None = None,
) -> BedsideCheck:
    """Syringe ID = wristband = record, the site = the syringe's label, the patient states
    name and date of birth, and two clinicians sign (docs/reference.md §1, bedside
    verification). One check verifies one syringe; a refusal is kept and audited."""
    require_same_clinic(by, encounter.clinic_id)
    require_role(by, CLINICIANS, "verify a product at the bedside")
    read = syringe_read(syringe_scan, product_scan)
    scans = {"wristband": wristband_scan, "syringe": syringe_scan, "product": product_scan}
    container: Container | None = None
    try:
        if not wristband_matches(encounter.patient, wristband_scan):
            raise SafetyRefusal(
                "STOP: WRONG WRISTBAND. The wristband scanned is not this procedure's patient "
                f"(MRN {encounter.patient.mrn}). Check the patient's identity."
            )
        container = _scanned_container(encounter, read)
        product_checks(encounter, container, target, laterality)
        if not patient_confirmed_identity:
            raise ValidationFailed(
                {"patient_confirmed_identity": ["The patient must state name and date of birth."]}
            )
        if encounter.current not in VERIFY_STATES:
            raise DomainError(f"Bedside verification is not possible at {encounter.current.label}.")
        second = _second_person(encounter, by, second_person)
        with transaction.atomic():
            return _accept(
                encounter,
                container,
                read,
                signers=((by, password, totp), (second, second_password, second_totp)),
                site=(target, laterality),
                scans=scans,
            )
    except SafetyRefusal as exc:
        _refuse(encounter, by, container, read, scans, (target, laterality), exc.message)
        raise


def _check_row(
    encounter: ProcedureEncounter,
    by: User,
    container: Container | None,
    read: LabelRead,
    scans: Mapping[str, str],
    site: tuple[str, str],
    **fields: Any,
) -> BedsideCheck:
    return BedsideCheck.objects.create(
        encounter=encounter,
        container=container,
        wristband_scan=scans["wristband"][:80],
        syringe_scan=scans["syringe"][:120],
        product_scan=scans["product"][:40],
        entry_method=read.method.value,
        target=site[0] or "",
        laterality=site[1] or "",
        at=clock.now(),
        by=by,
        **fields,
    )


def _accept(
    encounter: ProcedureEncounter,
    container: Container,
    read: LabelRead,
    *,
    signers: tuple[tuple[User, str, str | None], tuple[User, str, str | None]],
    site: tuple[str, str],
    scans: Mapping[str, str],
) -> BedsideCheck:
    (by, _, _), (second, _, _) = signers
    check = _check_row(
        encounter, by, container, read, scans, site, accepted=True, second_person=second
    )
    content = {
        "din": container.din,
        "product_code": container.product_code,
        "site": list(site),
        "mrn": encounter.patient.mrn,
        "check": str(check.public_id),
        "entry": read.method.value,
    }
    for user, password, code in signers:
        check.signatures.add(
            signature_sign(
                user=user,
                password=password,
                totp=code,
                meaning="verified",
                record=check,
                content=content,
                statement="Syringe = wristband = record, for this site; patient stated name "
                "and date of birth.",
                patient_public_id=encounter.patient.public_id,
            )
        )
    if encounter.current in (S.RELEASED, S.TIMEOUT_2):
        transition_apply(encounter=encounter, to=S.BEDSIDE_VERIFIED, by=by)
    return check


def _refuse(
    encounter: ProcedureEncounter,
    by: User,
    container: Container | None,
    read: LabelRead,
    scans: Mapping[str, str],
    site: tuple[str, str],
    message: str,
) -> None:
    with transaction.atomic():
        _check_row(
            encounter, by, container, read, scans, site, accepted=False, refusal=message[:400]
        )
    refusal_record(
        by=by,
        target=encounter,
        patient_public_id=encounter.patient.public_id,
        reason=message,
        changes={
            "scans": dict(scans),
            "din": container.din if container else None,
            "product_code": container.product_code if container else None,
        },
    )


INJECTION_FIELDS = (
    "target",
    "laterality",
    "target_level",
    "guidance",
    "volume_ml",
    "co_injectate",
    "started_at",
    "ended_at",
)


def injection_record(
    *,
    encounter: ProcedureEncounter,
    by: User,
    syringe_scan: str,
    data: Mapping[str, Any],
    product_scan: str = "",
) -> Injection:
    """Record the injection of one syringe verified at the bedside (scanned again). The
    first injection of the day moves it to INJECTED and marks the plan treated; the other
    syringes of a bilateral or multi-target day follow at INJECTED.

    Lidocaine mixed into the injectate is recorded and counts towards the day's limit.
    """
    require_same_clinic(by, encounter.clinic_id)
    require_role(by, {Role.PHYSICIAN}, "record the injection")
    read = syringe_read(syringe_scan, product_scan)
    _injection_input_checks(data)
    with audited_refusals(
        by=by,
        target=encounter,
        patient_public_id=encounter.patient.public_id,
        changes={"syringe_scan": syringe_scan, "product_scan": product_scan},
    ):
        container = _scanned_container(encounter, read)
        product_checks(encounter, container, data["target"], data["laterality"])
        try:
            with transaction.atomic():
                return _injection_save(encounter, by, container, data)
        except IntegrityError as exc:  # a concurrent request injected this syringe first
            raise DomainError(f"{container.din_display} is already recorded as injected.") from exc


def _injection_input_checks(data: Mapping[str, Any]) -> None:
    volume = data.get("volume_ml")
    if volume is None or not Decimal(str(volume)) > 0:
        raise ValidationFailed({"volume_ml": ["Give the volume injected (mL)."]})
    if data.get("guidance") not in Guidance.values:
        raise ValidationFailed({"guidance": ["Choose ultrasound, fluoroscopy or landmark."]})
    started, ended = data.get("started_at"), data.get("ended_at")
    if not isinstance(started, datetime) or not isinstance(ended, datetime) or ended < started:
        raise ValidationFailed({"ended_at": ["The injection must end after it started."]})


def _verified_check(encounter: ProcedureEncounter, container: Container) -> BedsideCheck:
    check = (
        encounter.bedside_checks.filter(accepted=True, container=container, injection__isnull=True)
        .order_by("-at")
        .first()
    )
    if check is None:
        raise SafetyRefusal(f"STOP: {container.din_display} was not verified at the bedside.")
    return check


def _times_check(data: Mapping[str, Any], check: BedsideCheck, container: Container) -> None:
    """Between the bedside check (server time, to the minute a form can express) and now."""
    started, ended = data["started_at"], data["ended_at"]
    verified = check.at.replace(second=0, microsecond=0)
    if started < verified:
        raise ValidationFailed(
            {"started_at": ["The injection cannot start before the syringe was verified."]}
        )
    if ended > clock.now():
        raise ValidationFailed({"ended_at": ["The injection cannot end in the future."]})
    volume = Decimal(str(data["volume_ml"]))
    if volume > container.volume_ml:
        raise ValidationFailed(
            {"volume_ml": [f"At most the syringe's {container.volume_ml} mL can be injected."]}
        )


def _injection_save(
    encounter: ProcedureEncounter, by: User, container: Container, data: Mapping[str, Any]
) -> Injection:
    locked = ProcedureEncounter.objects.select_for_update().get(pk=encounter.pk)
    syringe = Container.objects.select_for_update().get(pk=container.pk)
    if syringe.status != Container.Status.RELEASED:
        raise DomainError(f"{syringe.din_display} is {syringe.get_status_display().lower()}.")
    if locked.current not in INJECT_STATES:
        raise DomainError(f"Inject only after bedside verification (now {locked.current.label}).")
    check = _verified_check(encounter, syringe)
    _times_check(data, check, syringe)
    if data.get("anaesthetic_ml"):
        lidocaine_add(
            encounter=encounter,
            by=by,
            percent=data["anaesthetic_percent"],
            ml=data["anaesthetic_ml"],
            with_epinephrine=bool(data.get("anaesthetic_epinephrine")),
            site="mixed into the injectate",
            mixed_into_injectate=True,
        )
    values = {name: data.get(name) or "" for name in INJECTION_FIELDS}
    injection = Injection.objects.create(
        encounter=encounter, container=syringe, bedside_check=check, performed_by=by, **values
    )
    syringe.status, syringe.location = Container.Status.ADMINISTERED, Location.ADMINISTERED
    syringe.save(update_fields=["status", "location", "updated_at"])
    event_record(
        actor=by,
        action=AuditAction.CREATE,
        target=injection,
        changes={name: (None, value) for name, value in values.items()},
        extra={"din": syringe.din, "product_code": syringe.product_code},
        patient_public_id=encounter.patient.public_id,
    )
    if locked.current == S.BEDSIDE_VERIFIED:
        _plan_treated(encounter, by, data["started_at"])
        transition_apply(encounter=encounter, to=S.INJECTED, by=by)
    return injection


def _plan_treated(encounter: ProcedureEncounter, by: User, at: datetime) -> None:
    # The outcome schedule is anchored on the clinic-local day the treatment was given.
    plan_mark_treated(
        plan=encounter.plan,
        by=by,
        on=clock.localdate(at, encounter.clinic),
        note="Injected",
        via_procedure=True,
    )


def syringes_not_given(encounter: ProcedureEncounter) -> list[Container]:
    """Released syringes of the day neither injected nor discarded (nor back in the lab)."""
    return list(
        Container.objects.filter(
            encounter=encounter,
            kind=Container.Kind.CONCENTRATE,
            status=Container.Status.RELEASED,
        ).order_by("product_code")
    )
