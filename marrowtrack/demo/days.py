"""Demo procedure days behind plans treated in bulk (issue 9 item 10): every plan with outcome
surveys or a recovery course was treated on a recorded day, checked in and discharged.

`demo/history.py` writes a few dozen past days in full (harvest, lab, time-outs, injection);
the registry's thousands of treated plans get the day itself, in one insert per batch, so
`demo --patients 100000` stays fast (ADR 0029).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from random import Random
from zoneinfo import ZoneInfo

from marrowtrack.accounts.models import User
from marrowtrack.core.models import Clinic
from marrowtrack.demo.context import DemoContext
from marrowtrack.demo.intake import RULESET_JSON
from marrowtrack.demo.rows import insert as insert_rows
from marrowtrack.intake import rules
from marrowtrack.intake.models import Screening, TreatmentPlan
from marrowtrack.procedures.models import EncounterKind, ProcedureEncounter
from marrowtrack.procedures.states import ProcedureState

BMAC_MINUTES = (125, 200)  # arrival to discharge, as the history step's full days
COMPARATOR_MINUTES = (40, 70)
SCREENED_DAYS_BEFORE = 14  # as the history step's days
RULESET_SHA256 = rules.ruleset_sha256(rules.DEFAULT_RULESET)


def kind_of(plan: TreatmentPlan) -> str:
    """A BMAC day when the plan needs a harvest, else a comparator injection day."""
    return EncounterKind.BMAC if plan.treatment.startswith("bmac") else EncounterKind.COMPARATOR


def discharged_day(
    ctx: DemoContext, plan: TreatmentPlan, *, clinic: Clinic, rng: Random
) -> ProcedureEncounter:
    """The completed procedure day of a treated plan, on its treatment date (not saved)."""
    assert plan.treated_on is not None
    kind = kind_of(plan)
    bmac = kind == EncounterKind.BMAC
    tz = ZoneInfo(clinic.timezone)
    hour = rng.choice([7, 8, 9]) if bmac else rng.choice([14, 15, 16])
    arrival = datetime.combine(plan.treated_on, time(hour, rng.choice([0, 15, 30, 45])), tz)
    minutes = rng.randint(*(BMAC_MINUTES if bmac else COMPARATOR_MINUTES))
    staff: dict[str, User] = ctx.staff
    return ProcedureEncounter(
        public_id=uuid.UUID(int=rng.getrandbits(128), version=4),
        clinic=clinic,
        patient_id=plan.patient_id,
        plan=plan,
        day=plan.treated_on,
        kind=kind,
        state=ProcedureState.DISCHARGED,
        state_entered_at=arrival + timedelta(minutes=minutes),
        checked_in_at=arrival,
        finished_at=arrival + timedelta(minutes=minutes),
        planned_minutes=180 if bmac else 30,
        harvest_side=rng.choice(["l_pic", "r_pic"]) if bmac else "",
        physician=staff["doctor"],
        nurse=staff["nurse"],
    )


def screening_before(ctx: DemoContext, plan: TreatmentPlan, rng: Random) -> Screening:
    """The eligible screening the treatment rests on, two weeks before it (not saved)."""
    assert plan.treated_on is not None
    on = plan.treated_on - timedelta(days=SCREENED_DAYS_BEFORE)
    return Screening(
        public_id=uuid.UUID(int=rng.getrandbits(128), version=4),
        plan=plan,
        outcome="eligible",
        findings=[],
        ruleset_version=rules.DEFAULT_RULESET.version,
        ruleset_sha256=RULESET_SHA256,
        ruleset_json=RULESET_JSON,
        facts={"plan_fields": plan.consented_key},
        screened_on=on,
        reference_date=on,
        screened_by=ctx.staff["nurse"],
    )


def record_days(ctx: DemoContext, plans: Sequence[TreatmentPlan]) -> None:
    """Insert the screenings and procedure days of treated plans that have none (one batch)."""
    assert ctx.clinic is not None
    # A random source of their own, so adding the days left every other draw of the demo
    # (survey histories, effect sizes, loss to follow-up) as it was.
    rng = Random(f"procedure days {ctx.seed} {plans[0].pk if plans else 0}")
    insert_rows([screening_before(ctx, plan, rng) for plan in plans])
    insert_rows([discharged_day(ctx, plan, clinic=ctx.clinic, rng=rng) for plan in plans])
