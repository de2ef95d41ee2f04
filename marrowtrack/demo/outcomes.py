"""Demo step: two years of BMAC and cortisone plans with realistic survey histories.

Deterministic (ctx.rng) and bulk-inserted in batches of plans. The number of plans grows with
the demo's patients (1 in 10 patients, at least 120 or all of them), so `marrowtrack demo
--patients 100000` gives a registry large enough to measure `marrowtrack rescore` on.
Histories include missed time points, missing items, a few answers given outside their
window (stored, never a time point), patients censored by surgery or withdrawal, paper forms
awaiting verification, and the wording of each response: most on a licensed paper form, some
through the portal on MarrowTrack's own labels (unvalidated wording), since the demo ships no
licensed text.
Trajectories are synthetic: cortisone helps early and fades; BMAC responders improve slowly
and keep it. Scores are computed with the vectorised scorer (the same rules, row for row).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from marrowtrack.demo import days
from marrowtrack.demo.context import DemoContext
from marrowtrack.demo.intake import TARGETS as INTAKE_TARGETS
from marrowtrack.demo.rows import insert as insert_rows
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.outcomes import bulk, catalogue, scoring
from marrowtrack.outcomes.instruments import Item
from marrowtrack.outcomes.models import FollowUp, SurveyResponse
from marrowtrack.outcomes.schedules import DEFAULT_SCHEDULE, plan_schedule
from marrowtrack.patients.models import Patient

MIN_PLANS = 120
SHARE_TREATED = 0.1
PLAN_BATCH = 2000
TARGETS = {
    "knee_oa": ("knee",),
    "facet": ("facet",),
    "shoulder": ("subacromial", "rotator_cuff", "glenohumeral"),
    "si_joint": ("si_joint",),
    "ra": ("knee", "hip", "wrist_hand"),
    "other": ("hip", "hip", "ankle_foot", "elbow", "wrist_hand"),
}
ANSWER_RATE = {
    "baseline": 0.95,
    "2w": 0.85,
    "6w": 0.8,
    "3m": 0.75,
    "6m": 0.7,
    "12m": 0.6,
    "24m": 0.5,
}
MONTHS = {"baseline": 0, "2w": 0.5, "6w": 1.4, "3m": 3, "6m": 6, "12m": 12, "24m": 24}
HIGHER_IS_BETTER_ITEMS = (
    {"VAS"} | {f"L{i}" for i in range(1, 21)} | {f"ADL{i}" for i in range(1, 11)}
)
PAPER_FORM = "Licensed paper form (demo data)"
OUT_OF_WINDOW_RATE = 0.03


def referred_targets(condition: str) -> set[tuple[str, str]]:
    """(target, side) pairs a referral for this condition leads to: the intake step's
    table and this step's (issue 9 item 10: a plan treats a target of its referral)."""
    intake = {(target, side) for target, side, _ in INTAKE_TARGETS[condition]}
    sides = ("midline",) if condition == "facet" else ("left", "right")
    return intake | {(target, side) for target in TARGETS[condition] for side in sides}


def _improvement(treatment: str, responder: bool, months: float) -> float:
    """Fraction of baseline badness removed at a time after treatment."""
    if months == 0:
        return 0.0
    if treatment == "csi":  # quick relief, fading by six months
        peak = 0.5 if responder else 0.2
        return peak * max(0.0, 1 - max(0.0, months - 1.4) / 5)
    gain = 0.6 if responder else 0.12
    return gain * min(1.0, months / 6)


def _value(item: Item, badness: float, rng: random.Random) -> int | float | None:
    if rng.random() < 0.03:
        return None  # a skipped question
    level = min(1.0, max(0.0, badness + rng.gauss(0, 0.12)))
    if item.code in HIGHER_IS_BETTER_ITEMS:
        level = 1 - level
    raw = item.minimum + level * (item.maximum - item.minimum)
    return round(raw, item.decimals) if item.decimals else int(round(raw))


def _answers(code: str, badness: float, improvement: float, rng: random.Random) -> dict:
    items = scoring.instrument(code).definition.items
    if code == "PGIC":
        return {"PGIC": max(1, min(7, round(4 - improvement * 6 + rng.gauss(0, 0.7))))}
    answers = {item.code: _value(item, badness, rng) for item in items}
    if rng.random() < 0.03:  # a form returned half empty: some scores will be null
        for item in items[len(items) // 3 :]:
            answers[item.code] = None
    return answers


def _plans(ctx: DemoContext) -> list[TreatmentPlan]:
    """Treated plans of earlier demo steps that have no schedule yet, then new treated plans
    for patients who have none, so no demo patient gets a duplicate plan."""
    wanted = max(min(ctx.patients, MIN_PLANS), int(ctx.patients * SHARE_TREATED))
    existing = list(
        TreatmentPlan.objects.filter(
            patient__clinic=ctx.clinic,
            status=TreatmentPlan.Status.TREATED,
            treated_on__isnull=False,
            followups__isnull=True,
        ).order_by("pk")[:wanted]
    )
    free = ctx.clinic.patients.filter(plans__isnull=True).order_by("pk")
    plans = [_new_plan(ctx, patient) for patient in free[: wanted - len(existing)]]
    plans = TreatmentPlan.objects.bulk_create(plans, batch_size=2000)
    # Each new plan was treated on a recorded procedure day (issue 9 item 10).
    for start in range(0, len(plans), PLAN_BATCH):
        days.record_days(ctx, plans[start : start + PLAN_BATCH])
    ctx.counts["outcome_days"] = len(plans)
    return existing + plans


def _new_plan(ctx: DemoContext, patient: Patient) -> TreatmentPlan:
    condition = patient.referral_condition or "knee_oa"
    return TreatmentPlan(
        public_id=ctx.uuid(),
        patient=patient,
        patient_id=patient.pk,
        condition=condition,
        target=ctx.rng.choice(TARGETS[condition]),
        laterality="midline" if condition == "facet" else ctx.rng.choice(["left", "right"]),
        treatment="bmac" if ctx.rng.random() < 0.65 else "csi",
        status=TreatmentPlan.Status.TREATED,
        treated_on=ctx.today - timedelta(days=ctx.rng.randint(1, 730)),
        created_by=ctx.staff["doctor"],
    )


def _followups(ctx: DemoContext, plans: list[TreatmentPlan]) -> list[FollowUp]:
    """The plans' schedules, not yet saved: the histories set each one's status first."""
    rows = []
    tz = ZoneInfo(ctx.clinic.timezone)
    for plan in plans:
        planned = plan_schedule(plan.treated_on, DEFAULT_SCHEDULE)
        for position, tp in enumerate(planned.timepoints):
            baseline = tp.code == "baseline"
            rows.append(
                FollowUp(
                    public_id=ctx.uuid(),
                    plan=plan,
                    timepoint=tp.code,
                    position=position,
                    target_on=tp.target,
                    opens_on=tp.opens,
                    closes_on=tp.closes,
                    # A comparator recorded by date: the baseline closed as that day began.
                    closes_at=datetime.combine(tp.closes, time(0), tzinfo=tz) if baseline else None,
                    schedule_version=planned.schedule_version,
                )
            )
    return rows


def _answer_day(ctx: DemoContext, followup: FollowUp) -> date | None:
    last = min(followup.closes_on, ctx.today)
    if last < followup.opens_on or ctx.rng.random() > ANSWER_RATE[followup.timepoint]:
        return None
    if followup.timepoint == "baseline":
        return followup.closes_on - timedelta(days=ctx.rng.randint(1, 14))
    if ctx.rng.random() < OUT_OF_WINDOW_RATE and followup.opens_on - timedelta(days=5) > (
        followup.plan.treated_on
    ):
        return followup.opens_on - timedelta(days=ctx.rng.randint(1, 5))  # too early
    spread = (last - followup.opens_on).days
    return followup.opens_on + timedelta(days=ctx.rng.randint(0, spread))


def _at(ctx: DemoContext, day: date) -> datetime:
    moment = time(ctx.rng.randint(8, 20), ctx.rng.randint(0, 59))
    return datetime.combine(day, moment, tzinfo=ZoneInfo(ctx.clinic.timezone))


def seed(ctx: DemoContext) -> None:
    assert ctx.clinic is not None
    plans = _plans(ctx)
    surveys = sum(
        _seed_batch(ctx, plans[start : start + PLAN_BATCH])
        for start in range(0, len(plans), PLAN_BATCH)
    )
    ctx.log.append(
        f"{len(plans)} treated plans with {surveys} outcome surveys "
        f"({ctx.counts['outcome_days']} more procedure days recorded for them)"
    )


def _seed_batch(ctx: DemoContext, plans: list[TreatmentPlan]) -> int:
    """Schedules and survey histories of a batch of plans (bounded memory); returns surveys."""
    followups = _followups(ctx, plans)
    by_plan: dict[int, list[FollowUp]] = defaultdict(list)
    for followup in followups:
        by_plan[followup.plan_id].append(followup)
    responses: list[SurveyResponse] = []
    for plan in plans:
        responses += _plan_history(ctx, plan, by_plan[plan.pk])
    _score(responses)
    # Each schedule is written once, with the status its history gave it (an update per
    # row afterwards cost more than the rest of the step), then the answers that point at it.
    FollowUp.objects.bulk_create(followups, batch_size=2000)
    insert_rows(responses)
    return len(responses)


def _score(responses: list[SurveyResponse]) -> None:
    """Scores of every demo answer set with the vectorised scorer, instrument by instrument."""
    by_code: dict[str, list[SurveyResponse]] = defaultdict(list)
    for response in responses:
        by_code[response.instrument].append(response)
    for code, rows in by_code.items():
        results = bulk.score_json_many(code, [row.answers for row in rows])
        for row, (scores, version) in zip(rows, results, strict=True):
            row.scores, row.rule_version = scores, version


def _plan_history(ctx: DemoContext, plan: TreatmentPlan, followups: list[FollowUp]) -> list:
    rng = ctx.rng
    badness, responder = (
        rng.uniform(0.45, 0.8),
        rng.random() < (0.55 if plan.treatment == "bmac" else 0.45),
    )
    every = catalogue.default_instruments(plan.condition, plan.target)
    censor = _censoring(ctx, plan)
    rows = []
    for followup in followups:
        if censor and followup.closes_on >= censor[1] and followup.opens_on > plan.treated_on:
            followup.status = (
                FollowUp.Status.WITHDRAWN
                if censor[0] == "withdrawal"
                else FollowUp.Status.NOT_APPLICABLE
            )
            followup.censored_reason, followup.censored_on = censor
            continue
        day = _answer_day(ctx, followup)
        if day is None:
            continue
        rows += _visit(ctx, plan, followup, day, every, badness, responder)
    return rows


def _visit(ctx, plan, followup, day, every, badness, responder) -> list:  # noqa: ANN001, PLR0913
    rng = ctx.rng
    inside = followup.opens_on <= day <= followup.closes_on
    improvement = _improvement(plan.treatment, responder, MONTHS[followup.timepoint])
    codes = catalogue.instruments_at(every, catalogue.FOLLOW_UP_ONLY, followup.timepoint)
    at = _at(ctx, day)
    paper = inside and rng.random() < 0.75
    pending = paper and ctx.today - day < timedelta(days=20) and rng.random() < 0.5
    answers = {
        code: _answers(code, badness * (1 - improvement), improvement, rng) for code in codes
    }
    rows = [
        _response(ctx, plan, followup if inside else None, code, answers[code], at, paper, pending)
        for code in codes
    ]
    for row in rows:
        row.asked_for = followup.timepoint
    if inside and not pending:
        followup.status, followup.completed_at = FollowUp.Status.COMPLETED, at
    return rows


def _censoring(ctx: DemoContext, plan: TreatmentPlan) -> tuple[str, date] | None:
    roll = ctx.rng.random()
    if roll > 0.08 or (ctx.today - plan.treated_on).days < 120:
        return None
    reason = "surgery" if roll < 0.05 else "withdrawal"
    return reason, plan.treated_on + timedelta(
        days=ctx.rng.randint(100, (ctx.today - plan.treated_on).days)
    )


def _response(ctx, plan, followup, code, answers, at, paper, pending) -> SurveyResponse:  # noqa: ANN001, PLR0913
    definition = scoring.instrument(code).definition
    doctor, nurse = ctx.staff["doctor"], ctx.staff["nurse"]
    wording = (
        SurveyResponse.Wording.LICENSED_PAPER if paper else SurveyResponse.Wording.PRODUCT_LABELS
    )
    return SurveyResponse(
        public_id=ctx.uuid(),
        plan=plan,
        patient=plan.patient,
        followup=followup,
        timepoint=followup.timepoint if followup else None,
        instrument=code,
        instrument_version=definition.version,
        recall_period=definition.recall_period or "",
        answers=answers,
        answered_at=at,
        source=SurveyResponse.Source.STAFF_TRANSCRIBED if paper else SurveyResponse.Source.PORTAL,
        entered_by=nurse if paper else None,
        verified_by=None if pending or not paper else doctor,
        verification="" if pending or not paper else SurveyResponse.Verification.SECOND_PERSON,
        status=SurveyResponse.Status.AWAITING_VERIFICATION
        if pending
        else SurveyResponse.Status.SUBMITTED,
        progress=0,
        wording=wording,
        form_version=PAPER_FORM if paper else f"MarrowTrack product labels ({definition.version})",
    )
