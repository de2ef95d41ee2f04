"""The harvest side: the plan's side (intake ``HarvestSide``) as the procedure day's site
(docs/reference.md §1 ``Site``), and the side the day must use (issue 9, item 1)."""

from __future__ import annotations

from marrowtrack.procedures.models import HarvestSite, ProcedureEncounter

PLAN_SIDES = {
    "left": HarvestSite.L_PIC,
    "right": HarvestSite.R_PIC,
    "bilateral": HarvestSite.BILATERAL,
}


def side_label(side: str) -> str:
    return str(dict(HarvestSite.choices).get(side, side or "not chosen"))


def planned_harvest_side(encounter: ProcedureEncounter) -> str:
    """The side the plan (and so its consent) names; the side confirmed at consent when the
    plan leaves it open."""
    return str(PLAN_SIDES.get(encounter.plan.harvest_side, "") or encounter.harvest_side)
