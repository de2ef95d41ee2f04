"""Reads for the bedside: each syringe of the day with its check and injection, and the
cells, platelets and CD34+ cells each target received."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from marrowtrack.lab import calculations as calc
from marrowtrack.lab.models import Container
from marrowtrack.lab.procedure_day import Site, plan_sites, site_display
from marrowtrack.procedures.models import BedsideCheck, Injection, ProcedureEncounter

SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def scientific(value: Decimal | None) -> str:
    """A cell count as people read it: 1.25 × 10⁹."""
    if value is None:
        return "—"
    if value == 0:
        return "0"
    exponent = value.adjusted()
    mantissa = value.scaleb(-exponent).quantize(Decimal("0.01"))
    return f"{mantissa} × 10{str(exponent).translate(SUPERSCRIPTS)}"


@dataclass(frozen=True)
class SyringeRow:
    container: Container
    verified: BedsideCheck | None
    injection: Injection | None

    @property
    def state(self) -> str:
        if self.injection is not None:
            return "Injected"
        if self.container.status != Container.Status.RELEASED:
            return self.container.get_status_display()
        if self.verified is not None:
            return "Verified, ready to inject"
        return f"Released · {self.container.get_location_display()}"


def bedside_syringes(encounter: ProcedureEncounter) -> list[SyringeRow]:
    syringes = list(
        encounter.containers.filter(kind=Container.Kind.CONCENTRATE).order_by("product_code")
    )
    injections = {i.container_id: i for i in encounter.injections.all()}
    verified: dict[int, BedsideCheck] = {}
    for check in encounter.bedside_checks.filter(accepted=True).order_by("at"):
        if check.container_id is not None:
            verified[check.container_id] = check
    return [SyringeRow(c, verified.get(c.pk), injections.get(c.pk)) for c in syringes]


@dataclass(frozen=True)
class Delivered:
    site: str
    syringes: int
    volume_ml: Decimal
    tnc: str
    platelets: str
    cd34: str


def delivered_per_target(encounter: ProcedureEncounter) -> list[Delivered]:
    """What each site received, from the mL injected there and the concentrate's counts
    (cells/µL × 1,000 × mL, docs/reference.md §2). Sites of the plan not injected show zero."""
    run = getattr(encounter, "run", None)
    volumes: dict[Site, list[Decimal]] = defaultdict(list)
    for injection in encounter.injections.all():
        volumes[(injection.target, injection.laterality)].append(injection.volume_ml)
    sites = [
        *plan_sites(encounter.plan),
        *(s for s in volumes if s not in plan_sites(encounter.plan)),
    ]
    rows = []
    for site in sites:
        total = sum(volumes.get(site, []), Decimal(0))
        amounts = (
            calc.delivered(
                volume_ml=total,
                tnc_per_ul=run.post_tnc_per_ul,
                platelets_per_ul=run.post_plt_per_ul,
                cd34_per_ul=run.post_cd34_per_ul,
            )
            if run is not None
            else {}
        )
        rows.append(
            Delivered(
                site=site_display(site),
                syringes=len(volumes.get(site, [])),
                volume_ml=total,
                tnc=scientific(amounts.get("tnc")),
                platelets=scientific(amounts.get("platelets")),
                cd34=scientific(amounts.get("cd34")),
            )
        )
    return rows
