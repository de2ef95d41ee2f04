"""Recording a processing run: spin programme, kit lot, counts (``lab.run_values``), and
the syringes labelled for each site of the plan (not yet released).

The procedure day calls these (``procedures.services.processing``): it checks the day is
at the Processing step before ``run_record``, and wraps ``run_release`` and the RELEASED
step in one transaction. The lab never moves the day itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db import IntegrityError, transaction

from marrowtrack.accounts.access import require_role, require_same_clinic
from marrowtrack.accounts.models import User
from marrowtrack.accounts.roles import Role
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.refusals import audited_refusals
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.facilities.models import Equipment, KitLot
from marrowtrack.facilities.services import kit_lot_use
from marrowtrack.lab import calculations as calc
from marrowtrack.lab.isbt128 import division_code, local_product, product_code
from marrowtrack.lab.models import Container, Location, ProcessingRun
from marrowtrack.lab.procedure_day import Encounter, Site, plan_sites
from marrowtrack.lab.run_values import (
    COUNT_FIELDS,
    DIFFERENTIALS,
    counts_in_cells_per_ul,
    lab_values,
)
from marrowtrack.lab.services.containers import container_create, is_expired
from marrowtrack.lab.services.custody import require_at

LAB = frozenset({Role.LAB_TECH})
MAX_SYRINGES_PER_SITE = 4
RUN_FIELDS = (
    "device",
    "rpm",
    "spin_minutes",
    "spins",
    "brake",
    "aspirate_ml",
    "anticoagulant_ml",
    "concentrate_ml",
    "qc_sample_ml",
    "count_unit",
    *COUNT_FIELDS,
    "pre_rbc_10e6_per_ul",
    "post_rbc_10e6_per_ul",
    "pre_hct_pct",
    "post_hct_pct",
    *DIFFERENTIALS["pre_"],
    *DIFFERENTIALS["post_"],
    "pre_cd34_per_ul",
    "post_cd34_per_ul",
    "viability_pct",
    "started_at",
    "ended_at",
)


def _minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def times_check(started: datetime | None, ended: datetime | None, *, after: datetime) -> None:
    """Times a person enters lie between the step before (``after``, a server-recorded
    time, to the minute a form can express) and the server's clock (issue 11, item 2)."""
    now = clock.now()
    if started is None or ended is None or ended < started:
        raise ValidationFailed({"ended_at": ["Processing must end after it started."]})
    if started < _minute(after):
        raise ValidationFailed(
            {"started_at": ["Processing cannot start before the aspirate reached the lab."]}
        )
    if ended > now:
        raise ValidationFailed({"ended_at": ["Processing cannot end in the future."]})


# --- Recording a run ---------------------------------------------------------------------


def _centrifuge(clinic_id: int, centrifuge: Equipment | None) -> Equipment:
    if centrifuge is None or centrifuge.clinic_id != clinic_id:
        raise ValidationFailed({"centrifuge": ["Choose a centrifuge of this clinic."]})
    if centrifuge.kind != Equipment.Kind.CENTRIFUGE or not centrifuge.active:
        raise ValidationFailed({"centrifuge": ["Choose a centrifuge in use."]})
    due = centrifuge.calibration_due
    if due is None or due < clock.today(centrifuge.clinic):
        when = f"was due {due:%Y-%m-%d}" if due else "has no calibration date"
        raise SafetyRefusal(f"{centrifuge.name} calibration {when}: use a calibrated centrifuge.")
    return centrifuge


def _rcf(centrifuge: Equipment, rpm: int | None, rcf: Decimal | None) -> Decimal:
    if rpm:
        if centrifuge.rotor_radius_cm is None:
            raise ValidationFailed({"rpm": ["The centrifuge has no rotor radius: enter RCF."]})
        return calc.rcf_from_rpm(radius_cm=centrifuge.rotor_radius_cm, rpm=rpm)
    if not rcf:
        raise ValidationFailed({"rcf_g": ["Enter rpm (RCF is computed) or RCF (×g)."]})
    return Decimal(rcf)


def _syringes_per_site(data: Mapping[str, Any]) -> int:
    count = data.get("syringes") or 1
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count:
        raise ValidationFailed({"syringes": ["Give the number of syringes for each site."]})
    if count > MAX_SYRINGES_PER_SITE:
        raise ValidationFailed(
            {"syringes": [f"At most {MAX_SYRINGES_PER_SITE} syringes for each site."]}
        )
    return count


def _received_in_lab(aspirate: Container) -> datetime:
    event = aspirate.custody.filter(to_location=Location.LAB).order_by("-at").first()
    return event.at if event else aspirate.collected_at


def _locked_aspirate(encounter: Encounter) -> Container:
    aspirate = (
        Container.objects.select_for_update()
        .select_related("patient")
        .filter(encounter=encounter, kind=Container.Kind.ASPIRATE)
        .first()
    )
    if aspirate is None:
        raise DomainError("There is no aspirate for this procedure day.")
    # Checked under the lock: two concurrent submissions cannot both pass (issue 11, item 6).
    if ProcessingRun.objects.filter(encounter=encounter).exists():
        raise DomainError("This product already has a processing run.")
    require_at(aspirate, Location.LAB, "process it")
    if is_expired(aspirate):
        local = clock.localtime(aspirate.expires_at, encounter.clinic)
        raise SafetyRefusal(f"STOP: aspirate {aspirate.din_display} expired at {local:%H:%M}.")
    return aspirate


def run_record(*, encounter: Encounter, by: User, data: Mapping[str, Any]) -> ProcessingRun:
    """Record the processing run and label one syringe (or several) for each site of the
    plan (not yet released). A hard stop (expired aspirate, expired or recalled kit lot,
    uncalibrated centrifuge) is audited as REFUSED."""
    require_same_clinic(by, encounter.clinic_id)
    require_role(by, LAB, "record processing")
    d = counts_in_cells_per_ul(data)
    computed, flags = lab_values(d)
    per_site = _syringes_per_site(d)
    with audited_refusals(by=by, target=encounter, patient_public_id=encounter.patient.public_id):
        try:
            with transaction.atomic():
                return _run_create(encounter, by, d, computed, flags, per_site)
        except IntegrityError as exc:  # the encounter's one run, taken by a concurrent write
            raise DomainError("This product already has a processing run.") from exc


def _run_create(
    encounter: Encounter,
    by: User,
    d: Mapping[str, Any],
    computed: dict[str, Any],
    flags: list[str],
    per_site: int,
) -> ProcessingRun:
    aspirate = _locked_aspirate(encounter)
    times_check(d.get("started_at"), d.get("ended_at"), after=_received_in_lab(aspirate))
    centrifuge = _centrifuge(encounter.clinic_id, d.get("centrifuge"))
    kit = _kit_take(d.get("kit_lot"), by, encounter)
    rcf = _rcf(centrifuge, d.get("rpm"), d.get("rcf_g"))
    values = {name: d.get(name) for name in RUN_FIELDS if name in d}
    values["device"] = values.get("device") or kit.device
    run = ProcessingRun.objects.create(
        encounter=encounter,
        aspirate=aspirate,
        centrifuge=centrifuge,
        kit=kit,
        kit_lot=kit.lot_number,
        kit_expires_on=kit.expires_on,
        rcf_g=rcf.quantize(Decimal("0.1")),
        computed=computed,
        qc_flags=flags,
        performed_by=by,
        **values,
    )
    event_record(
        actor=by,
        action=AuditAction.CREATE,
        target=run,
        changes={"kit_lot": (None, run.kit_lot), "count_unit": (None, run.count_unit)},
        extra={"computed": computed, "qc_flags": flags},
        patient_public_id=encounter.patient.public_id,
    )
    _syringes_create(run, aspirate, by, plan_sites(encounter.plan), per_site)
    aspirate.status = Container.Status.PROCESSED
    aspirate.save(update_fields=["status", "updated_at"])
    return run


def _kit_take(kit: KitLot | None, by: User, encounter: Encounter) -> KitLot:
    if not isinstance(kit, KitLot):
        raise ValidationFailed({"kit_lot": ["Choose the kit lot used."]})
    return kit_lot_use(lot=kit, by=by, today=clock.today(encounter.clinic))


def _syringes_create(
    run: ProcessingRun, aspirate: Container, by: User, sites: list[Site], per_site: int
) -> None:
    """One DIN for the collection: each syringe gets the concentrate's product code and its
    own division (A0, B0, ...; 00 when there is only one), and the site it is for."""
    usable = run.concentrate_ml - (run.qc_sample_ml or 0)
    if usable <= 0:
        raise ValidationFailed({"qc_sample_ml": ["The QC sample leaves no product."]})
    count = len(sites) * per_site
    each = (usable / count).quantize(Decimal("0.1"), rounding=ROUND_DOWN)
    if each <= 0:
        raise ValidationFailed({"syringes": ["Too many syringes for the concentrate volume."]})
    description = local_product(Container.Kind.CONCENTRATE, _anticoagulant_of(aspirate))
    slots = [site for site in sites for _ in range(per_site)]
    for index, (target, laterality) in enumerate(slots):
        container_create(
            encounter=run.encounter,
            kind=Container.Kind.CONCENTRATE,
            din=aspirate.din,
            code=product_code(description.code, division_code(index, count)),
            volume_ml=each,
            collected_at=aspirate.collected_at,
            by=by,
            location=Location.LAB,
            status=Container.Status.PROCESSED,
            parent=aspirate,
            run=run,
            target=target,
            laterality=laterality,
            collected_from=aspirate.collected_from,
        )


def _anticoagulant_of(aspirate: Container) -> str:
    product = aspirate.product
    names = {"ACD-A": "acd_a", "Heparin": "heparin"}
    if product is None or product.anticoagulant not in names:
        raise DomainError(f"{aspirate.din_display} has no known product code.")
    return names[product.anticoagulant]
