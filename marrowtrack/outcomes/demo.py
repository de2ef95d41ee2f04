"""Demo step: two years of BMAC and cortisone plans with realistic survey histories.

Deterministic (ctx.rng), bulk-inserted and capped at a few hundred plans whatever the number
of demo patients. Histories include missed time points, missing items, a few patients censored
by surgery or withdrawal, and paper forms awaiting verification. Trajectories are synthetic:
cortisone helps early and fades; BMAC responders improve slowly and keep it.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from marrowtrack.demo.context import DemoContext
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.outcomes import catalogue, scoring
from marrowtrack.outcomes.models import FollowUp, SurveyResponse
from marrowtrack.outcomes.schedules import DEFAULT_SCHEDULE, plan_schedule
from marrowtrack.outcomes.scoring import score_json
from marrowtrack.patients.models import Patient

MAX_PLANS = 120
TARGETS = {
    "knee_oa": "knee",
    "facet": "facet",
    "shoulder": "subacromial",
    "si_joint": "si_joint",
    "ra": "knee",
    "other": "hip",
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


def _improvement(treatment: str, responder: bool, months: float) -> float:
    """Fraction of baseline badness removed at a time after treatment."""
    if months == 0:
        return 0.0
    if treatment == "csi":  # quick relief, fading by six months
        peak = 0.5 if responder else 0.2
        return peak * max(0.0, 1 - max(0.0, months - 1.4) / 5)
    gain = 0.6 if responder else 0.12
    return gain * min(1.0, months / 6)


def _value(item: scoring.Item, badness: float, rng: random.Random) -> int | float | None:
    if rng.random() < 0.03:
        return None  # a skipped question
    level = min(1.0, max(0.0, badness + rng.gauss(0, 0.12)))
    if item.code in HIGHER_IS_BETTER_ITEMS or item.code == "VAS":
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
    existing = list(
        TreatmentPlan.objects.filter(
            patient__clinic=ctx.clinic,
            status=TreatmentPlan.Status.TREATED,
            treated_on__isnull=False,
            followups__isnull=True,
        ).order_by("pk")[:MAX_PLANS]
    )
    free = ctx.clinic.patients.filter(plans__isnull=True).order_by("pk")
    plans = [_new_plan(ctx, patient) for patient in free[: MAX_PLANS - len(existing)]]
    return existing + TreatmentPlan.objects.bulk_create(plans)


def _new_plan(ctx: DemoContext, patient: Patient) -> TreatmentPlan:
    condition = patient.referral_condition or "knee_oa"
    return TreatmentPlan(
        public_id=ctx.uuid(),
        patient=patient,
        condition=condition,
        target=TARGETS[condition],
        laterality="midline" if condition == "facet" else ctx.rng.choice(["left", "right"]),
        treatment="bmac" if ctx.rng.random() < 0.65 else "csi",
        status=TreatmentPlan.Status.TREATED,
        treated_on=ctx.today - timedelta(days=ctx.rng.randint(1, 730)),
        created_by=ctx.staff["doctor"],
    )


def _followups(ctx: DemoContext, plans: list[TreatmentPlan]) -> list[FollowUp]:
    rows = []
    for plan in plans:
        planned = plan_schedule(plan.treated_on, DEFAULT_SCHEDULE)
        for position, tp in enumerate(planned.timepoints):
            rows.append(
                FollowUp(
                    public_id=ctx.uuid(),
                    plan=plan,
                    timepoint=tp.code,
                    position=position,
                    target_on=tp.target,
                    opens_on=tp.opens,
                    closes_on=tp.closes,
                    schedule_version=planned.schedule_version,
                )
            )
    return FollowUp.objects.bulk_create(rows)


def _answer_day(ctx: DemoContext, followup: FollowUp) -> date | None:
    last = min(followup.closes_on, ctx.today)
    if last < followup.opens_on or ctx.rng.random() > ANSWER_RATE[followup.timepoint]:
        return None
    if followup.timepoint == "baseline":
        return followup.closes_on - timedelta(days=ctx.rng.randint(0, 14))
    spread = (last - followup.opens_on).days
    return followup.opens_on + timedelta(days=ctx.rng.randint(0, spread))


def _at(ctx: DemoContext, day: date) -> datetime:
    return timezone.make_aware(
        datetime.combine(day, time(ctx.rng.randint(8, 20), ctx.rng.randint(0, 59)))
    )


def seed(ctx: DemoContext) -> None:
    assert ctx.clinic is not None
    plans = _plans(ctx)
    followups = _followups(ctx, plans)
    by_plan: dict[int, list[FollowUp]] = {}
    for followup in followups:
        by_plan.setdefault(followup.plan_id, []).append(followup)
    responses: list[SurveyResponse] = []
    for plan in plans:
        responses += _plan_history(ctx, plan, by_plan[plan.pk])
    SurveyResponse.objects.bulk_create(responses, batch_size=1000)
    FollowUp.objects.bulk_update(
        followups, ["status", "completed_at", "censored_reason", "censored_on"]
    )
    ctx.log.append(f"{len(plans)} treated plans with {len(responses)} outcome surveys")


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
        improvement = _improvement(plan.treatment, responder, MONTHS[followup.timepoint])
        codes = catalogue.instruments_at(every, catalogue.FOLLOW_UP_ONLY, followup.timepoint)
        at = _at(ctx, day)
        paper = rng.random() < 0.15
        pending = paper and ctx.today - day < timedelta(days=20) and rng.random() < 0.5
        for code in codes:
            rows.append(
                _response(
                    ctx,
                    plan,
                    followup,
                    code,
                    _answers(code, badness * (1 - improvement), improvement, rng),
                    at,
                    paper,
                    pending,
                )
            )
        if not pending:
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
    scores, version = score_json(code, answers)
    doctor, nurse = ctx.staff["doctor"], ctx.staff["nurse"]
    return SurveyResponse(
        public_id=ctx.uuid(),
        plan=plan,
        patient=plan.patient,
        followup=followup,
        timepoint=followup.timepoint,
        instrument=code,
        instrument_version=definition.version,
        recall_period=definition.recall_period or "",
        answers=answers,
        answered_at=at,
        source=SurveyResponse.Source.STAFF_TRANSCRIBED if paper else SurveyResponse.Source.PORTAL,
        entered_by=nurse if paper else None,
        verified_by=None if pending or not paper else doctor,
        verification="" if pending or not paper else SurveyResponse.Verification.SECOND_PERSON,
        scores=scores,
        rule_version=version,
        status=SurveyResponse.Status.AWAITING_VERIFICATION
        if pending
        else SurveyResponse.Status.SUBMITTED,
        progress=0,
    )
