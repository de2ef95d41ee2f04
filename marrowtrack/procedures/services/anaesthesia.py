"""Local anaesthetic dose guard: every lidocaine entry is checked against the day's
cumulative limit with the weight on record (spec §4, ``procedures.dosing``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.db import transaction

from marrowtrack.accounts.access import require_role, require_same_clinic
from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.refusals import audited_refusals
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import SafetyRefusal, ValidationFailed
from marrowtrack.patients.models import Allergy
from marrowtrack.patients.selectors import latest_weight
from marrowtrack.procedures import dosing
from marrowtrack.procedures.models import LidocaineEntry, ProcedureEncounter
from marrowtrack.procedures.states import ProcedureState

S = ProcedureState
ANAESTHESIA_STATES = frozenset(
    {
        S.TIMEOUT_1,
        S.LOCAL_ANESTHESIA,
        S.HARVESTING,
        S.IN_TRANSIT,
        S.PROCESSING,
        S.RELEASED,
        S.TIMEOUT_2,
        S.BEDSIDE_VERIFIED,
    }
)


@dataclass(frozen=True)
class DoseStatus:
    """What the page shows: the day's total, the limits and what may still be given."""

    weight_kg: Decimal | None
    total_mg: Decimal
    plain_limit_mg: Decimal | None
    epi_limit_mg: Decimal | None
    remaining_plain_mg: Decimal | None
    remaining_epi_mg: Decimal | None

    @property
    def remaining_plain_ml_1pct(self) -> Decimal | None:
        if self.remaining_plain_mg is None:
            return None
        return (self.remaining_plain_mg / 10).quantize(Decimal("0.1"), rounding=ROUND_DOWN)


def _entries(encounter: ProcedureEncounter) -> list[dosing.LidocaineEntry]:
    return [
        dosing.LidocaineEntry(e.percent, e.ml, e.with_epinephrine, e.site)
        for e in encounter.lidocaine.all()
    ]


def dose_status(encounter: ProcedureEncounter) -> DoseStatus:
    weight = latest_weight(encounter.patient)
    entries = _entries(encounter)
    total = sum((entry.mg for entry in entries), Decimal(0))
    if weight is None:
        return DoseStatus(None, total, None, None, None, None)
    plain = dosing.max_dose_mg(weight.weight_kg, with_epinephrine=False)
    epi = dosing.max_dose_mg(weight.weight_kg, with_epinephrine=True)
    any_plain = any(not entry.with_epinephrine for entry in entries)
    remaining_epi = max((plain if any_plain else epi) - total, Decimal(0))
    values = (total, plain, epi, max(plain - total, Decimal(0)), remaining_epi)
    return DoseStatus(weight.weight_kg, *(v.quantize(Decimal("0.1")) for v in values))


def _anaesthetic_allergy(encounter: ProcedureEncounter) -> Allergy | None:
    return encounter.patient.allergies.filter(
        archived_at__isnull=True, category=Allergy.Category.LOCAL_ANAESTHETIC
    ).first()


def lidocaine_add(
    *,
    encounter: ProcedureEncounter,
    by: User,
    percent: Decimal,
    ml: Decimal,
    with_epinephrine: bool,
    site: str,
    mixed_into_injectate: bool = False,
) -> tuple[LidocaineEntry, dosing.DoseCheck]:
    """Check and store one entry inside the caller's transaction; raise ``SafetyRefusal``."""
    if encounter.current not in ANAESTHESIA_STATES:
        raise ValidationFailed(
            {"ml": [f"Lidocaine cannot be recorded at {encounter.current.label}."]}
        )
    allergy = _anaesthetic_allergy(encounter)
    if allergy is not None:
        raise SafetyRefusal(f"STOP: local anaesthetic allergy on record ({allergy.substance}).")
    weight = latest_weight(encounter.patient)
    new = dosing.LidocaineEntry(Decimal(percent), Decimal(ml), with_epinephrine, site)
    try:
        check = dosing.check_entry(weight and weight.weight_kg, _entries(encounter), new)
    except dosing.InvalidDoseEntry as exc:
        raise ValidationFailed({"ml": [str(exc)]}) from exc
    except (dosing.DoseLimitExceeded, dosing.WeightRequired) as exc:
        raise SafetyRefusal(str(exc)) from exc
    entry = LidocaineEntry.objects.create(
        encounter=encounter,
        percent=percent,
        ml=ml,
        with_epinephrine=with_epinephrine,
        site=site,
        mixed_into_injectate=mixed_into_injectate,
        mg=new.mg,
        given_at=clock.now(),
        given_by=by,
    )
    event_record(
        actor=by,
        action=AuditAction.CREATE,
        target=entry,
        changes={"mg": str(new.mg), "total_mg": str(check.total_mg), "site": site},
        patient_public_id=encounter.patient.public_id,
    )
    return entry, check


def lidocaine_give(
    *,
    encounter: ProcedureEncounter,
    by: User,
    percent: Decimal,
    ml: Decimal,
    with_epinephrine: bool,
    site: str,
    mixed_into_injectate: bool = False,
) -> dosing.DoseCheck:
    """Record lidocaine if the day's cumulative dose stays within
    min(4.5 mg/kg, 300 mg) plain or min(7 mg/kg, 500 mg) with epinephrine (US label).

    An entry above the limit, without a weight on record or with a local anaesthetic
    allergy is refused and audited as REFUSED.
    """
    require_same_clinic(by, encounter.clinic_id)
    require_role(by, {Role.PHYSICIAN}, "give local anaesthetic")
    changes = {"percent": str(percent), "ml": str(ml), "with_epinephrine": with_epinephrine}
    patient_public_id = encounter.patient.public_id
    with audited_refusals(
        by=by, target=encounter, patient_public_id=patient_public_id, changes=changes
    ):
        with transaction.atomic():
            _, check = lidocaine_add(
                encounter=encounter,
                by=by,
                percent=percent,
                ml=ml,
                with_epinephrine=with_epinephrine,
                site=site,
                mixed_into_injectate=mixed_into_injectate,
            )
    return check
