"""Reads of the outcomes app: follow-ups by date, instruments, windows, results and series.

Open follow-ups show as scheduled (window not open yet), due (inside the window) or missed
(window closed) on the day asked, so the status is always right without a nightly job.
Registry figures (results tables, charts, responders) use only responses collected on
validated wording unless the reader asks to include the others (docs/outcomes.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import numpy.typing as npt
from django.db.models import (
    Aggregate,
    BigIntegerField,
    Case,
    CharField,
    Count,
    Expression,
    F,
    Func,
    Max,
    Min,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)

from marrowtrack.core import clock
from marrowtrack.core.models import Clinic
from marrowtrack.core.scope import ExportScope
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.outcomes import catalogue, schedules, scoring
from marrowtrack.outcomes.answer_values import parse_numbers
from marrowtrack.outcomes.charts import HEADLINE, Point
from marrowtrack.outcomes.models import (
    VALIDATED_WORDING,
    FollowUp,
    InstrumentSet,
    Reintervention,
    ScheduleDefinition,
    SurveyResponse,
    TextPack,
)
from marrowtrack.outcomes.registry_scores import ScoreNumberText, kept_column
from marrowtrack.patients.models import Patient
from marrowtrack.procedures.models import ProcedureEncounter

SHOWN_STATUSES = ("scheduled", "due", "completed", "missed", "not_applicable", "withdrawn")
ENGLISH = "en"


def effective_status(today: date) -> Case:
    """SQL expression: stored terminal status, else scheduled/due/missed by today's date."""
    return Case(
        When(~Q(status=FollowUp.Status.OPEN), then=F("status")),
        When(closes_on__lt=today, then=Value("missed")),
        When(opens_on__lte=today, then=Value("due")),
        default=Value("scheduled"),
        output_field=CharField(),
    )


def followups_on(today: date) -> QuerySet[FollowUp]:
    return FollowUp.objects.annotate(shown_status=effective_status(today))


def plan_followups(*, plan: TreatmentPlan, today: date) -> list[FollowUp]:
    return list(followups_on(today).filter(plan=plan).order_by("position"))


@dataclass
class CompletenessRow:
    timepoint: str
    label: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def expected(self) -> int:
        """Follow-ups whose window has closed or that were completed (censored excluded)."""
        return self.counts.get("completed", 0) + self.counts.get("missed", 0)

    @property
    def percent(self) -> int | None:
        if not self.expected:
            return None
        return round(100 * self.counts.get("completed", 0) / self.expected)


def completeness(
    *, clinic: Clinic, today: date, plans: QuerySet[TreatmentPlan] | None = None
) -> list[CompletenessRow]:
    """Per time point: how many follow-ups are completed, due, missed, censored (one query)."""
    rows = followups_on(today).filter(plan__patient__clinic=clinic)
    if plans is not None:
        rows = rows.filter(plan__in=plans)
    counted = rows.values("timepoint", "shown_status").annotate(n=Count("id"))
    by_tp: dict[str, CompletenessRow] = {
        code: CompletenessRow(code, label) for code, label in catalogue.TIMEPOINT_LABELS.items()
    }
    for row in counted:
        code = row["timepoint"]
        entry = by_tp.setdefault(code, CompletenessRow(code, catalogue.timepoint_label(code)))
        entry.counts[row["shown_status"]] = row["n"]
    return sorted(by_tp.values(), key=lambda r: catalogue.timepoint_order(r.timepoint))


def plans_with_followups(*, clinic: Clinic) -> QuerySet[TreatmentPlan]:
    return (
        TreatmentPlan.objects.filter(patient__clinic=clinic, followups__isnull=False)
        .distinct()
        .select_related("patient")
        .order_by("-treated_on")
    )


def submitted_responses(
    *, plan: TreatmentPlan, include_unvalidated: bool = True
) -> QuerySet[SurveyResponse]:
    rows = plan.responses.filter(status=SurveyResponse.Status.SUBMITTED)
    if not include_unvalidated:
        rows = rows.filter(wording__in=VALIDATED_WORDING)
    return rows.order_by("answered_at", "instrument")


def unvalidated_count(*, plan: TreatmentPlan) -> int:
    """Submitted responses on unvalidated wording (left out of figures unless included)."""
    submitted = plan.responses.filter(status=SurveyResponse.Status.SUBMITTED)
    return submitted.exclude(wording__in=VALIDATED_WORDING).count()


def awaiting_verification(*, clinic: Clinic) -> QuerySet[SurveyResponse]:
    return (
        SurveyResponse.objects.filter(
            patient__clinic=clinic, status=SurveyResponse.Status.AWAITING_VERIFICATION
        )
        .select_related("patient", "entered_by", "plan")
        .order_by("created_at")
    )


def results_table(
    *, plan: TreatmentPlan, include_unvalidated: bool = False, with_source: bool = False
) -> dict[str, dict[str, dict]]:
    """{time point: {instrument: scores}} of the plan's assigned, submitted responses.

    An instrument asked in its own right wins over one derived from another form at the same
    time point (WOMAC asked beats WOMAC from the KOOS). With `with_source`, each scores dict
    also names the instrument that was asked under "_from".
    """
    table: dict[str, dict[str, dict]] = defaultdict(dict)
    rows = submitted_responses(plan=plan, include_unvalidated=include_unvalidated)
    rows = list(rows.exclude(timepoint__isnull=True))
    for own in (False, True):
        for response in rows:
            for code, scores in response.scores.items():
                if (code == response.instrument) == own:
                    source = {"_from": response.instrument} if with_source else {}
                    table[response.timepoint][code] = {**scores, **source}
    return dict(table)


def patient_plans(*, patient: Patient) -> QuerySet[TreatmentPlan]:
    return patient.plans.filter(treated_on__isnull=False).order_by("-treated_on")


def patient_answered_plans(*, patient: Patient) -> QuerySet[TreatmentPlan]:
    """The patient's plans that are treated or have an answered survey (a baseline answered
    before treatment counts), newest first."""
    answered = Q(responses__status=SurveyResponse.Status.SUBMITTED)
    return (
        patient.plans.filter(Q(treated_on__isnull=False) | answered)
        .distinct()
        .order_by(F("treated_on").desc(nulls_first=True), "-created_at")
    )


def score_series(*, plan: TreatmentPlan, include_unvalidated: bool = False) -> dict[str, list]:
    """{instrument: [Point]} of the headline score of each response assigned to a time point.

    Out-of-window answers are stored but never plotted as a time point.
    """
    series: dict[str, list[Point]] = defaultdict(list)
    tz = clock.zone(plan.patient.clinic)
    rows = submitted_responses(plan=plan, include_unvalidated=include_unvalidated)
    for response in rows.exclude(timepoint__isnull=True).exclude(answered_at__isnull=True):
        day = response.answered_at.astimezone(tz).date()
        for code, scores in response.scores.items():
            if not _charted(code, response.instrument):
                continue
            value = scores.get(HEADLINE[code][0])
            if value is not None:
                series[code].append(
                    Point(day, response.timepoint, float(value), response.validated_wording)
                )
    return dict(series)


def _charted(code: str, asked: str) -> bool:
    """Asked instruments and their short forms (KOOS JR); not WOMAC derived from a KOOS."""
    if code not in HEADLINE:
        return False
    return code == asked or scoring.instrument(code).definition.derived_from == asked


# --- instruments and schedules ---------------------------------------------------------------


def instruments_for_plan(plan: TreatmentPlan) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(every time point, follow-ups only) for the plan's clinic, condition and target."""
    row = InstrumentSet.objects.filter(
        clinic_id=plan.patient.clinic_id, condition=plan.condition
    ).first()
    if row is not None:
        return tuple(row.instruments), tuple(row.follow_up_only)
    return catalogue.default_instruments(plan.condition, plan.target), catalogue.FOLLOW_UP_ONLY


def definition_from_row(row: ScheduleDefinition) -> schedules.ScheduleDefinition:
    """A stored clinic schedule as the pure definition (fails loudly on a malformed rule)."""
    rules = tuple(
        schedules.TimepointRule(
            str(tp["code"]),
            before=int(tp["before"]),
            after=int(tp["after"]),
            days=int(tp.get("days", 0)),
            months=int(tp.get("months", 0)),
        )
        for tp in row.timepoints
    )
    return schedules.ScheduleDefinition(version=row.version, timepoints=rules)


def active_schedule(clinic: Clinic) -> schedules.ScheduleDefinition:
    """The clinic's active definition, else the built-in default."""
    row = (
        ScheduleDefinition.objects.filter(clinic=clinic, active=True)
        .order_by("-created_at")
        .first()
    )
    return schedules.DEFAULT_SCHEDULE if row is None else definition_from_row(row)


# --- windows ------------------------------------------------------------------------------------


def clinic_day(at: datetime, clinic: Clinic) -> date:
    """The clinic's own calendar day of an instant."""
    return clock.localdate(at, clinic)


def procedure_started_at(plan: TreatmentPlan) -> datetime | None:
    """When the plan's procedure started (first check-in of its procedure days), if it has."""
    found = ProcedureEncounter.objects.filter(plan=plan).aggregate(first=Min("checked_in_at"))
    return found["first"]


def followup_holds(followup: FollowUp, at: datetime) -> bool:
    """Whether an answer given at `at` falls inside the follow-up's window."""
    plan = followup.plan
    day = clinic_day(at, plan.patient.clinic)
    if followup.timepoint == "baseline":
        start = followup.closes_at or procedure_started_at(plan)
        return schedules.baseline_holds(
            day=day, at=at, opens=followup.opens_on, procedure_start=start
        )
    return followup.opens_on <= day and (followup.closes_on is None or day <= followup.closes_on)


def followup_holding(plan: TreatmentPlan, at: datetime) -> FollowUp | None:
    """The plan's follow-up whose window holds the instant (None outside every window)."""
    for followup in plan.followups.order_by("position"):
        if followup_holds(followup, at):
            return followup
    return None


# --- wording ------------------------------------------------------------------------------------


def active_text_pack(instrument: str, language: str) -> TextPack | None:
    """The wording a patient gets: their language's pack, else the English one, else none."""
    packs = TextPack.objects.filter(instrument=instrument, active=True)
    chosen = packs.filter(language=language).first()
    return chosen or packs.filter(language=ENGLISH).first()


def text_packs_for(instrument: str) -> QuerySet[TextPack]:
    """Every installed pack of an instrument (paper forms may be from an older one)."""
    return TextPack.objects.filter(instrument=instrument).order_by("language", "-created_at")


def installed_text_packs() -> QuerySet[TextPack]:
    return TextPack.objects.order_by("instrument", "language", "-created_at")


def responses_for_export(scope: ExportScope) -> QuerySet[SurveyResponse]:
    """FHIR export (interop): responses of the scope (core/scope.py) with the public ids the
    export refers to (`patient_uuid`, `plan_uuid`, `entered_by_uuid`)."""
    rows = SurveyResponse.objects.annotate(
        patient_uuid=F("patient__public_id"),
        plan_uuid=F("plan__public_id"),
        entered_by_uuid=F("entered_by__public_id"),
    )
    return scope.narrow(rows, clinic_path="patient__clinic")


def baseline_pain(*, plan: TreatmentPlan) -> int | None:
    """The plan's submitted baseline NPRS (0-10), the pain before treatment; None if absent.
    Recovery's triage compares first-week pain with it."""
    response = (
        plan.responses.filter(
            status=SurveyResponse.Status.SUBMITTED, timepoint="baseline", instrument="NPRS"
        )
        .order_by("-answered_at")
        .first()
    )
    value = (response.scores.get("NPRS") or {}).get("total") if response else None
    return None if value is None else int(value)


def open_followups_for_patient(*, patient: Patient, today: date) -> list[FollowUp]:
    """The patient's surveys whose window is open today (the portal lists them): the
    follow-ups, and the baseline until the procedure starts (its first check-in)."""
    baseline_open = Q(timepoint="baseline", closes_on__isnull=True) | Q(
        timepoint="baseline", closes_on__gte=today
    )
    return list(
        followups_on(today)
        .filter(plan__patient=patient, status=FollowUp.Status.OPEN, opens_on__lte=today)
        .filter(Q(closes_on__gte=today) | baseline_open)
        .exclude(timepoint="baseline", plan__encounters__isnull=False)
        .exclude(timepoint="baseline", closes_at__lte=clock.now())
        .select_related("plan")
        .order_by(F("closes_on").asc(nulls_last=True))
    )


# --- registry analytics (read by the analytics app) ---------------------------------------------

REGISTRY_RESPONSE_FIELDS = (
    "plan_id",
    "instrument",
    "timepoint",
    "asked_for",
    "status",
    "wording",
    "source",
    "verification",
    "answered_at",
    "scores",
)


def registry_responses(*, clinic: Clinic, instruments: tuple[str, ...] = ()) -> QuerySet:
    """Submitted and awaiting-verification responses of the clinic as flat dicts: the rows
    of the registry's read model (one per response; its scores hold every derived score).

    In answer order (unanswered first, then by EpochSecond, then by id), where a reader lets
    the last of two answers count. Nothing is filtered for validity here: the analytics app
    counts and names what it leaves out (unvalidated wording, out of window, not yet
    verified)."""
    rows = _registry_response_rows(clinic, instruments)
    in_answer_order = (EpochSecond("answered_at").asc(nulls_first=True), "id")
    return rows.order_by(*in_answer_order).values(*REGISTRY_RESPONSE_FIELDS)


REGISTRY_SCORE_FIELDS = (
    "id",
    "plan_id",
    "instrument",
    "timepoint",
    "asked_for",
    "status",
    "wording",
    "answered_second",
)


class EpochSecond(Func):
    """A moment as whole seconds since 1970-01-01 UTC (rounded down): one integer per row
    where a datetime would cost a conversion each (the registry's last contact)."""

    output_field = BigIntegerField()

    @property
    def convert_value(self):  # type: ignore[no-untyped-def]
        """None: the database returns an integer already (Django would convert every row)."""
        return self._convert_value_noop

    def as_sqlite(self, compiler, connection, **extra):  # type: ignore[no-untyped-def]
        column, params = compiler.compile(self.source_expressions[0])
        return f"CAST(strftime('%%s', {column}) AS INTEGER)", params

    def as_postgresql(self, compiler, connection, **extra):  # type: ignore[no-untyped-def]
        column, params = compiler.compile(self.source_expressions[0])
        return f"floor(extract(epoch from {column}))::bigint", params


def _score_text(instrument: str, key: str) -> F | ScoreNumberText:
    """A score as JSON text: its kept column when there is one (ADR 0031), else picked out of
    the JSON by the same expression the column is computed with."""
    column = kept_column(instrument, key)
    return ScoreNumberText(instrument, key) if column is None else F(column)


def _registry_response_rows(clinic: Clinic, instruments: tuple[str, ...]) -> QuerySet:
    rows = SurveyResponse.objects.filter(
        patient__clinic=clinic,
        status__in=(
            SurveyResponse.Status.SUBMITTED,
            SurveyResponse.Status.AWAITING_VERIFICATION,
        ),
    )
    if instruments:
        rows = rows.filter(instrument__in=instruments)
    return rows.order_by()


def registry_score_columns(
    *, clinic: Clinic, scores: tuple[tuple[str, str], ...], instruments: tuple[str, ...] = ()
) -> QuerySet:
    """The registry responses (as registry_responses, in no particular order: the reader
    orders them) narrowed to what a figure needs: tuples of REGISTRY_SCORE_FIELDS
    (`answered_second`: the answer's EpochSecond, None when not answered), then one column
    per (instrument, score key) of `scores` holding that score as its JSON text, None when it
    is not a number (`float()` of it is what `json.loads` reads).

    The kept scores (registry_scores.KEPT_SCORES) come from their columns, so with the NPRS and
    the OMERACT-OARSI domains the read is answered from the index `response_registry_read`
    alone; another score is picked out of the JSON by the database."""
    rows = _registry_score_rows(clinic, scores, instruments)
    return rows.values_list(*REGISTRY_SCORE_FIELDS, *(f"score_{n}" for n in range(len(scores))))


def _registry_score_rows(
    clinic: Clinic, scores: tuple[tuple[str, str], ...], instruments: tuple[str, ...]
) -> QuerySet:
    numbers = {f"score_{n}": _score_text(code, key) for n, (code, key) in enumerate(scores)}
    return _registry_response_rows(clinic, instruments).annotate(
        answered_second=EpochSecond("answered_at"), **numbers
    )


COLUMN_SEPARATOR = ","  # SQLite's default (group_concat with its own separator costs more)
NULL_TEXT = "\x1e"  # the ASCII record separator, for a NULL text among them


class JoinedTexts(Aggregate):
    """Every row's value of one column as one text, joined by COLUMN_SEPARATOR, NULL given as
    `null_as`. Several in one query are fed the same rows in the same order, so their n-th
    pieces are one row's: the database builds a few long strings instead of the driver one
    Python tuple per row (as rescoring reads, ADR 0032)."""

    output_field = TextField()

    def __init__(self, expression: str | Expression, *, null_as: str) -> None:
        super().__init__(expression)
        self.null_as = null_as

    def as_sqlite(self, compiler, connection, **extra):  # type: ignore[no-untyped-def]
        column, params = compiler.compile(self.source_expressions[0])
        return f"group_concat(coalesce({column}, %s))", (*params, self.null_as)

    def as_postgresql(self, compiler, connection, **extra):  # type: ignore[no-untyped-def]
        column, params = compiler.compile(self.source_expressions[0])
        return f"string_agg(coalesce(({column})::text, %s), ',')", (*params, self.null_as)


JoinedColumns = dict[str, "list[str] | npt.NDArray[np.float64]"]


def registry_score_texts(
    *, clinic: Clinic, scores: tuple[tuple[str, str], ...], instruments: tuple[str, ...] = ()
) -> JoinedColumns | None:
    """registry_score_columns as columns, for the fields of REGISTRY_SCORE_FIELDS and
    `score_0`, `score_1`, ... of `scores`: the numbers (`id`, `plan_id`, `answered_second`, the
    scores) as float arrays, NaN where missing; the texts as lists, NULL_TEXT for a NULL. None
    when a text holds the separator, a comma (a time point code could): read the rows with
    registry_score_columns then."""
    texts = ("instrument", "timepoint", "asked_for", "status", "wording")
    numbers = {
        "id": F("id"),
        "plan_id": F("plan_id"),
        "answered_second": EpochSecond("answered_at"),
        **{f"score_{n}": _score_text(code, key) for n, (code, key) in enumerate(scores)},
    }
    joined = {
        **{name: JoinedTexts(name, null_as=NULL_TEXT) for name in texts},
        **{name: JoinedTexts(number, null_as="null") for name, number in numbers.items()},
    }
    columns = _joined_columns(_registry_response_rows(clinic, instruments), joined, numbers)
    if columns is None:
        return None
    return {name: columns[name] for name in (*REGISTRY_SCORE_FIELDS, *list(numbers)[3:])}


def _joined_columns(
    rows: QuerySet, joined: dict[str, JoinedTexts], numbers: Iterable[str]
) -> JoinedColumns | None:
    """{name: the rows' values} from one JoinedTexts each, the `numbers` (NULL as "null")
    read as floats; None when a text held the separator (it then splits into more pieces
    than there are rows)."""
    found = rows.aggregate(rows=Count("*"), **joined)
    count = found.pop("rows")
    columns: JoinedColumns = {}
    for name, text in found.items():
        if name in numbers:
            columns[name] = _joined_numbers(text or "", count)
        else:
            columns[name] = text.split(COLUMN_SEPARATOR) if count else []
            if len(columns[name]) != count:
                return None
    return columns


def _joined_numbers(text: str, count: int) -> npt.NDArray[np.float64]:
    """A joined column of numbers as floats: by parse_numbers (array operations, the double
    json.loads would read), or one float() each when it declines (a sign, an exponent)."""
    if not count:
        return np.zeros(0)
    parsed = parse_numbers(text)
    if parsed is not None:
        return parsed
    return np.array([float("nan" if n == "null" else n) for n in text.split(",")], dtype=float)


def registry_last_answers(*, clinic: Clinic, instruments: tuple[str, ...] = ()) -> QuerySet:
    """(plan id, the latest answered_at) of the registry responses (as registry_responses)
    of each plan: the last contact, where a time-to-event curve censors."""
    rows = _registry_response_rows(clinic, instruments).filter(answered_at__isnull=False)
    return rows.values("plan_id").annotate(last=Max("answered_at")).values_list("plan_id", "last")


def registry_followups(*, clinic: Clinic, today: date) -> QuerySet:
    """Every follow-up of the clinic with its status on `today` (scheduled, due, completed,
    missed, not applicable, withdrawn), as (plan id, time point, status) tuples."""
    return (
        followups_on(today)
        .filter(plan__patient__clinic=clinic)
        .values_list("plan_id", "timepoint", "shown_status")
        .order_by()
    )


def registry_followup_texts(*, clinic: Clinic, today: date) -> JoinedColumns | None:
    """registry_followups as columns (`plan_id` as floats, `timepoint` and `shown_status` as
    texts, as registry_score_texts); None when a time point code holds a comma."""
    rows = FollowUp.objects.filter(plan__patient__clinic=clinic)
    joined = {
        "plan_id": JoinedTexts("plan_id", null_as="null"),
        "timepoint": JoinedTexts("timepoint", null_as=NULL_TEXT),
        "shown_status": JoinedTexts(effective_status(today), null_as=NULL_TEXT),
    }
    return _joined_columns(rows, joined, ("plan_id",))


def registry_reinterventions(*, clinic: Clinic) -> QuerySet:
    """Re-interventions as flat dicts (plan, kind, day, source)."""
    return (
        Reintervention.objects.filter(patient__clinic=clinic)
        .values("plan_id", "kind", "performed_on", "source")
        .order_by("plan_id", "performed_on")
    )


def plan_reinterventions(*, plan: TreatmentPlan) -> QuerySet[Reintervention]:
    return plan.reinterventions.select_related("recorded_by").order_by("performed_on")


def registry_full_scan() -> int:
    """Read every survey response's registry fields once (the benchmark's physical floor:
    `marrowtrack bench analytics`); returns the row count."""
    rows = SurveyResponse.objects.values_list(*REGISTRY_RESPONSE_FIELDS).order_by()
    return sum(1 for _ in rows.iterator(chunk_size=5000))
