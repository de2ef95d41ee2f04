"""Demo step: patients in their first two weeks after treatment, with check-ins at every
triage level, open and resolved nurse tasks, and adverse events of several types and
grades (signed, with an addendum, and one awaiting review).

Courses start through the real services (intake marks the plan treated, recovery starts
the course); today's answers go through ``checkin_submit``. Earlier days are history,
written directly from the same pure triage (like ``demo/history.py``), since the service
only takes answers on the check-in's own day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from random import Random
from typing import Any

from django.db.models import Q

from marrowtrack.core import clock
from marrowtrack.demo import days
from marrowtrack.demo.clinic import DEMO_PASSWORD
from marrowtrack.demo.context import DemoContext
from marrowtrack.demo.outcomes import referred_targets
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.intake.services.plans import plan_mark_treated
from marrowtrack.patients.models import Patient
from marrowtrack.recovery import answers as answer_rules
from marrowtrack.recovery import triage, worklist
from marrowtrack.recovery.models import CheckIn, NurseTask, RecoveryCourse
from marrowtrack.recovery.profiles import profile_for
from marrowtrack.recovery.services import adverse_events as ae
from marrowtrack.recovery.services.checkins import checkin_submit
from marrowtrack.recovery.services.tasks import task_acknowledge, task_resolve
from marrowtrack.testing import scenario

CANDIDATES = 400  # the most recent patients, among whom each story finds one referred for it
RECENT_DAYS = 30  # a recovery story's patient had no other treatment or booking this recently
CALM = {"treated_pain": "5", "harvest_pain": "3"}
COMPARATOR = {
    "csi": {"injectate_drug": "triamcinolone", "dose_mg": 40, "volume_ml": 2, "guidance": "us"},
    "prp": {"injectate_drug": "PRP", "volume_ml": 4, "guidance": "us"},
    "ha": {"injectate_drug": "hylan G-F 20", "volume_ml": 6, "guidance": "us"},
    "nerve_block": {"injectate_drug": "bupivacaine 0.5%", "volume_ml": 5, "guidance": "fluoro"},
}


@dataclass
class Story:
    treatment: str
    days_ago: int
    target: tuple[str, str] = ("knee", "left")
    past: dict[int, dict[str, Any]] = field(default_factory=dict)  # day -> answers (None: missed)
    today: dict[str, Any] | None = None
    resolve: str = ""  # resolve today's task with this note ("ack" only acknowledges)
    language: str = "en"


STORIES = [
    Story("bmac", 2, today={**CALM, "treated_pain": "6", "temperature": "38.4", "feverish": "on"}),
    Story(
        "bmac",
        3,
        ("knee", "right"),
        today={**CALM, "drainage": "pus"},
        resolve="ack",
        language="es",
    ),
    Story("csi", 1, ("subacromial", "right"), today={"treated_pain": "4"}),
    Story(
        "prp",
        5,
        today={"treated_pain": "4", "nsaids_taken": "on", "wants_call": "on"},
        resolve="Called: pain controlled with paracetamol; NSAIDs stopped until day 8.",
    ),
    Story("bmac", 4, ("si_joint", "left"), past={1: CALM, 2: CALM, 3: None}),
    Story("ha", 6, today={"treated_pain": "3"}),
    Story(
        "bmac", 10, past={1: {**CALM, "bleeding": "not_stopping"}, **{d: CALM for d in range(2, 8)}}
    ),
    Story(
        "bmac_prp",
        13,
        past={
            1: CALM,
            2: {**CALM, "swelling": "hot_joint", "cannot_bear_weight": "on", "temperature": "38.9"},
        },
    ),
    Story(
        "nerve_block",
        3,
        ("facet", "midline"),
        past={1: {"treated_pain": "3"}, 2: {"treated_pain": "2"}},
    ),
]


def _patients(ctx: DemoContext, count: int) -> list[Patient]:
    """The clinic's most recently registered patients get a new, just-treated plan; not one
    treated or booked in the last weeks, so nobody is treated twice in a week (issue 9 item
    10)."""
    since = ctx.today - timedelta(days=RECENT_DAYS)
    live = Patient.objects.filter(clinic=ctx.clinic, archived_at=None)
    recent = live.filter(
        Q(plans__treated_on__gte=since)
        | Q(plans__appointments__starts_at__date__gte=since)
        | Q(encounters__day__gte=since)
    )
    return list(live.exclude(pk__in=recent.values("pk")).order_by("-mrn")[:count])


def _cast(patients: list[Patient], stories: list[Story]) -> list[Patient] | None:
    """One patient per story, each referred for the story's target (issue 9 item 10)."""
    chosen: list[Patient] = []
    for story in stories:
        match = next(
            (
                p
                for p in patients
                if p not in chosen
                and story.target in referred_targets(p.referral_condition or "other")
            ),
            None,
        )
        if match is None:
            return None
        chosen.append(match)
    return chosen


def _course(ctx: DemoContext, patient: Patient, story: Story) -> RecoveryCourse:
    target, side = story.target
    plan = scenario.approved_plan(patient, by=ctx.staff["doctor"], target=target, laterality=side)
    extra = {"target_level": "L4-L5"} if target == "facet" else {}
    TreatmentPlan.objects.filter(pk=plan.pk).update(
        condition=patient.referral_condition or plan.condition,  # the referral's condition
        treatment=story.treatment,
        **COMPARATOR.get(story.treatment, {}),
        **extra,
    )
    plan.refresh_from_db()
    on = ctx.today - timedelta(days=story.days_ago)
    # Stands in for the day's injection (BMAC at the bedside, a comparator on its own day).
    injected = plan.treatment != "exercise"
    plan_mark_treated(plan=plan, by=ctx.staff["doctor"], on=on, via_procedure=injected)
    if injected:  # the day it was given, recorded (issue 9 item 10)
        plan.refresh_from_db()
        rng = Random(f"recovery day {ctx.seed} {patient.pk}")
        days.screening_before(ctx, plan, rng).save()
        days.discharged_day(ctx, plan, clinic=ctx.clinic, rng=rng).save()
    return RecoveryCourse.objects.get(plan=plan)


def _history(course: RecoveryCourse, past: dict[int, dict[str, Any] | None]) -> None:
    """Past check-ins, triaged by the same rules, with their tasks (written directly)."""
    from marrowtrack.recovery import schedule

    zone = clock.zone(course.clinic)
    harvest = profile_for(course.treatment).harvest
    previous: int | None = None
    for day, data in sorted(past.items()):
        w = schedule.window(course.treated_on, day, zone)
        checkin = CheckIn.objects.create(
            course=course,
            day=day,
            on=w.on,
            opens_at=w.opens_at,
            invite_at=w.invite_at,
            remind_at=w.remind_at,
            closes_at=w.closes_at,
            status=CheckIn.Status.MISSED,
        )
        if data is None:
            _task(
                course,
                checkin,
                "missed",
                "call_today",
                f"Day {day} check-in not answered",
                worklist.due_missed(w.closes_at, zone),
            )
            continue
        parsed = answer_rules.parse(data, harvest=harvest)
        result = triage.triage(parsed[0], _context(course, day, w.on, previous))
        previous = parsed[0].treated_pain
        _answered(checkin, parsed[1], result, w.invite_at + timedelta(hours=1))
        if result.level != triage.Level.EXPECTED:
            _task(
                course,
                checkin,
                "triage",
                result.level.value,
                "; ".join(result.reasons),
                worklist.due_urgent(checkin.submitted_at),
            )


def _context(course: RecoveryCourse, day: int, on: date, previous: int | None) -> triage.Context:
    restart = course.nsaid_restart_on
    return triage.Context(
        day,
        profile_for(course.treatment).flare_days[1],
        course.baseline_pain,
        previous,
        restart is not None and on < restart,
    )


def _answered(checkin: CheckIn, stored: dict, result: triage.Triage, at: Any) -> None:
    checkin.status, checkin.submitted_at, checkin.source = "submitted", at, "portal"
    checkin.answers, checkin.level = stored, result.level.value
    checkin.findings = [
        {"code": f.code, "level": f.level.value, "reason": f.reason} for f in result.findings
    ]
    checkin.save()


def _task(
    course: RecoveryCourse, checkin: CheckIn, kind: str, level: str, reason: str, due: Any
) -> None:
    NurseTask.objects.create(
        clinic=course.clinic,
        course=course,
        checkin=checkin,
        kind=kind,
        level=level,
        reason=reason[:600],
        due_at=due,
    )


def _today(ctx: DemoContext, course: RecoveryCourse, story: Story) -> None:
    checkin = course.checkins.filter(on=ctx.today).first()
    if story.today is None or checkin is None:
        return
    checkin_submit(checkin=checkin, data=story.today)
    task = NurseTask.objects.filter(checkin=checkin).first()
    if task and story.resolve == "ack":
        task_acknowledge(task=task, by=ctx.staff["nurse"])
    elif task and story.resolve:
        task_resolve(task=task, by=ctx.staff["nurse"], note=story.resolve)


def _events(ctx: DemoContext, courses: list[RecoveryCourse]) -> int:
    nurse, doctor = ctx.staff["nurse"], ctx.staff["doctor"]
    bleed, septic, block = courses[6], courses[7], courses[8]
    made = 0
    for course, note in (
        (bleed, "Pressure for 20 min at home; bruise 6 cm."),
        (septic, "Seen same day; aspirate cloudy; admitted for IV antibiotics."),
    ):
        task = course.tasks.order_by("created_at").first()
        task_resolve(task=task, by=nurse, note=note)
    haematoma = ae.adverse_event_record(
        plan=bleed.plan,
        by=nurse,
        task=bleed.tasks.first(),
        data={
            "event_type": "haematoma",
            "site": "harvest",
            "onset_on": bleed.treated_on + timedelta(days=1),
            "grade": 2,
            "relatedness": "definite",
            "actions": ["pressure_dressing", "analgesia"],
            "outcome": "recovering",
            "description": "Oozing at the left iliac crest on day 1; haematoma 6 cm.",
        },
    )
    ae.adverse_event_sign(event=haematoma, by=doctor, password=DEMO_PASSWORD)
    ae.adverse_event_addendum_add(
        event=haematoma,
        by=nurse,
        text="Bruise gone at the 2-week call.",
        outcome="recovered",
        resolved_on=ctx.today - timedelta(days=1),
    )
    septic_event = ae.adverse_event_record(
        plan=septic.plan,
        by=doctor,
        task=septic.tasks.first(),
        data={
            "event_type": "septic_arthritis",
            "site": "target",
            "onset_on": septic.treated_on + timedelta(days=2),
            "grade": 3,
            "serious": True,
            "serious_criteria": ["hospitalisation"],
            "relatedness": "probable",
            "actions": ["aspiration_drainage", "antibiotics", "admission"],
            "outcome": "recovering",
            "description": "Hot swollen knee, 38.9 °C on day 2; synovial fluid culture positive.",
        },
    )
    ae.adverse_event_sign(event=septic_event, by=doctor, password=DEMO_PASSWORD)
    ae.adverse_event_record(
        plan=block.plan,
        by=nurse,
        data={
            "event_type": "vasovagal",
            "site": "systemic",
            "onset_on": block.treated_on,
            "grade": 1,
            "relatedness": "definite",
            "actions": ["observation"],
            "outcome": "recovered",
            "resolved_on": block.treated_on,
            "description": "Felt faint after the injection; lay flat 10 min.",
        },
    )
    made += 3
    return made


def seed(ctx: DemoContext) -> None:
    patients = _cast(_patients(ctx, CANDIDATES), STORIES)
    if patients is None:
        ctx.log.append("recovery: too few patients for the first-week stories")
        return
    courses = []
    for patient, story in zip(patients, STORIES, strict=True):
        Patient.objects.filter(pk=patient.pk).update(preferred_language=story.language)
        patient.refresh_from_db()
        course = _course(ctx, patient, story)
        _history(course, story.past)
        _today(ctx, course, story)
        courses.append(course)
    events = _events(ctx, courses)
    tasks = NurseTask.objects.filter(clinic=ctx.clinic).count()
    recorded = sum(1 for course in courses if course.plan.treatment != "exercise")
    total = RecoveryCourse.objects.filter(clinic=ctx.clinic).count()
    ctx.log.append(
        f"{total} patients in recovery: {len(courses)} at home in their first two weeks "
        f"({recorded} procedure days recorded for them), {total - len(courses)} injected "
        f"today; {tasks} nurse tasks, {events} adverse events"
    )
