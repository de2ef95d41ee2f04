"""REDCap-compatible exchange: export the data dictionary and records, import records.

An import validates every row first and writes nothing if any row has a problem; the report
lists each problem with its CSV row number (the header is row 1), field and message. A dry
run reports what would be created, updated or left unchanged. Records are the clinic's
submitted responses assigned to a time point (unassigned ones have no REDCap event).
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core.models import Clinic
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.outcomes import redcap, scoring
from marrowtrack.outcomes.catalogue import REDCAP_EVENTS
from marrowtrack.outcomes.models import SurveyResponse
from marrowtrack.outcomes.services.responses import followup_complete_if_done

FIXED = ["record_id", "redcap_event_name"]


def dictionary_csv() -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(redcap.dictionary_rows())
    return out.getvalue()


def _local(at: datetime) -> str:
    return timezone.localtime(at).strftime(redcap.DATE_FORMAT)


def records_rows(*, clinic: Clinic) -> list[dict[str, str]]:
    """One row per plan and time point, every instrument's form side by side."""
    fields = redcap.record_fields()
    responses = (
        SurveyResponse.objects.filter(
            patient__clinic=clinic, status=SurveyResponse.Status.SUBMITTED, timepoint__isnull=False
        )
        .select_related("plan")
        .order_by("plan__public_id", "timepoint")
    )
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for response in responses:
        key = (str(response.plan.public_id), response.timepoint)
        row = rows.setdefault(key, _empty_row(key, fields))
        definition = scoring.instrument(response.instrument).definition
        row[redcap.date_field(definition)] = _local(response.answered_at)
        for item in definition.items:
            row[redcap.field_name(definition, item)] = redcap.encode_value(
                response.answers.get(item.code)
            )
        row[redcap.complete_field(definition)] = "2"
    order = list(REDCAP_EVENTS)
    return [rows[k] for k in sorted(rows, key=lambda k: (k[0], order.index(k[1])))]


def _empty_row(key: tuple[str, str], fields: list[redcap.FieldSpec]) -> dict[str, str]:
    row = {"record_id": key[0], "redcap_event_name": REDCAP_EVENTS[key[1]]}
    return row | {spec.name: "" for spec in fields}


def records_csv(*, clinic: Clinic, by: User | None) -> str:
    rows = records_rows(clinic=clinic)
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=FIXED + [f.name for f in redcap.record_fields()], lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    with transaction.atomic():
        event_record(
            actor=by,
            action=AuditAction.EXPORT,
            target="outcomes.redcap_records",
            changes={"rows": [None, len(rows)]},
            clinic=clinic,
            actor_label=None if by else "redcap_export command",
        )
    return out.getvalue()


@dataclass(frozen=True)
class Problem:
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.field}: {self.message}"


@dataclass
class Planned:
    """One instrument of one row, ready to write."""

    row: int
    plan: TreatmentPlan
    timepoint: str
    instrument: str
    answers: dict[str, int | float | None]
    answered_at: datetime


@dataclass
class ImportReport:
    dry_run: bool
    problems: list[Problem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.problems:
            return f"{len(self.problems)} problems; nothing was imported"
        verb = "would be" if self.dry_run else "were"
        return (
            f"{self.created} responses {verb} created, {self.updated} {verb} updated, "
            f"{self.unchanged} unchanged"
        )


def records_import(*, clinic: Clinic, text: str, by: User | None, dry_run: bool) -> ImportReport:
    """Validate every row, then (unless dry run or any problem) write all of them at once."""
    report = ImportReport(dry_run=dry_run)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    specs = {spec.name: spec for spec in redcap.record_fields()}
    report.problems += _header_problems(reader.fieldnames or [], specs)
    if report.problems:
        return report
    rows = list(reader)
    plans = _plans(clinic, rows)
    planned = []
    for number, row in enumerate(rows, start=2):
        planned += _parse_row(number, row, specs, plans, report.problems)
    if report.problems:
        return report
    with transaction.atomic():
        for entry in planned:
            _apply(entry, report, by=by, write=not dry_run)
        if not dry_run:
            event_record(
                actor=by,
                action=AuditAction.CREATE,
                target="outcomes.redcap_import",
                changes={"created": report.created, "updated": report.updated},
                clinic=clinic,
                actor_label=None if by else "redcap_import command",
            )
    return report


def _header_problems(header: Iterable[str], specs: dict[str, redcap.FieldSpec]) -> list[Problem]:
    problems = [
        Problem(1, name, "required column is missing") for name in FIXED if name not in header
    ]
    return problems + [
        Problem(1, name, "unknown field")
        for name in header
        if name not in specs and name not in FIXED
    ]


def _plans(clinic: Clinic, rows: list[dict[str, str]]) -> dict[str, TreatmentPlan]:
    """The clinic's plans named in the file, by public id (other clinics' ids stay unknown)."""
    valid = set()
    for row in rows:
        try:
            valid.add(uuid.UUID((row.get("record_id") or "").strip()))
        except ValueError:
            continue
    found = TreatmentPlan.objects.filter(patient__clinic=clinic, public_id__in=valid)
    return {str(plan.public_id): plan for plan in found.prefetch_related("followups")}


def _parse_row(
    number: int,
    row: dict[str, str],
    specs: dict[str, redcap.FieldSpec],
    plans: dict[str, TreatmentPlan],
    problems: list[Problem],
) -> list[Planned]:
    plan = plans.get(row.get("record_id", "").strip().lower())
    if plan is None:
        problems.append(Problem(number, "record_id", "no such treatment plan in this clinic"))
    timepoint = redcap.EVENT_TIMEPOINTS.get(row.get("redcap_event_name", ""))
    if timepoint is None:
        problems.append(Problem(number, "redcap_event_name", "unknown event"))
    forms: dict[str, dict[str, str]] = defaultdict(dict)
    for name, value in row.items():
        if name in specs and (value or "").strip():
            forms[specs[name].definition.code][name] = value
    if plan is None or timepoint is None:
        return []
    return [
        entry
        for code, cells in forms.items()
        if (entry := _parse_form(number, plan, timepoint, code, cells, problems)) is not None
    ]


def _parse_form(
    number: int,
    plan: TreatmentPlan,
    timepoint: str,
    code: str,
    cells: dict[str, str],
    problems: list[Problem],
) -> Planned | None:
    definition = scoring.instrument(code).definition
    before = len(problems)
    answers: dict[str, int | float | None] = {}
    for item in definition.items:
        name = redcap.field_name(definition, item)
        try:
            answers[item.code] = redcap.decode_value(item, cells.get(name, ""))
            scoring.parse_answer(item, answers[item.code])
        except (ValueError, scoring.AnswerError) as exc:
            message = exc.message if isinstance(exc, scoring.AnswerError) else str(exc)
            problems.append(Problem(number, name, message))
    complete = cells.get(redcap.complete_field(definition), "2").strip()
    if complete != "2":
        problems.append(
            Problem(
                number, redcap.complete_field(definition), "only complete forms (2) can be imported"
            )
        )
    answered_at = _answered_at(number, definition, cells, problems)
    followup = next((f for f in plan.followups.all() if f.timepoint == timepoint), None)
    if followup is None:
        problems.append(
            Problem(number, "redcap_event_name", f"the plan has no {timepoint} follow-up")
        )
    elif (
        answered_at
        and not followup.opens_on <= timezone.localdate(answered_at) <= followup.closes_on
    ):
        problems.append(
            Problem(
                number,
                redcap.date_field(definition),
                f"outside the {timepoint} window {followup.opens_on} to {followup.closes_on}",
            )
        )
    if len(problems) > before or answered_at is None:
        return None
    return Planned(number, plan, timepoint, definition.code, answers, answered_at)


def _answered_at(
    number: int, definition, cells: dict[str, str], problems: list[Problem]
) -> datetime | None:  # noqa: ANN001
    name = redcap.date_field(definition)
    text = cells.get(name, "").strip()
    if not text:
        problems.append(Problem(number, name, "the date answered is required"))
        return None
    try:
        return timezone.make_aware(datetime.strptime(text, redcap.DATE_FORMAT))  # noqa: DTZ007 - local time
    except ValueError:
        problems.append(Problem(number, name, "expected YYYY-MM-DD HH:MM:SS"))
        return None


def _same(a: dict, b: dict) -> bool:
    return {k: v for k, v in a.items() if v is not None} == {
        k: v for k, v in b.items() if v is not None
    }


def _apply(entry: Planned, report: ImportReport, *, by: User | None, write: bool) -> None:
    followup = next(f for f in entry.plan.followups.all() if f.timepoint == entry.timepoint)
    existing = SurveyResponse.objects.filter(followup=followup, instrument=entry.instrument).first()
    if (
        existing
        and _same(existing.answers, entry.answers)
        and existing.answered_at == entry.answered_at
    ):
        report.unchanged += 1
        return
    if existing:
        report.updated += 1
    else:
        report.created += 1
    if not write:
        return
    definition = scoring.instrument(entry.instrument).definition
    response = existing or SurveyResponse(
        plan=entry.plan,
        patient=entry.plan.patient,
        followup=followup,
        instrument=definition.code,
        instrument_version=definition.version,
        recall_period=definition.recall_period or "",
        source=SurveyResponse.Source.REDCAP_IMPORT,
        entered_by=by,
    )
    old = dict(response.answers)
    response.answers, response.answered_at, response.timepoint = (
        entry.answers,
        entry.answered_at,
        entry.timepoint,
    )
    response.scores, response.rule_version = scoring.score_json(entry.instrument, entry.answers)
    response.status = SurveyResponse.Status.SUBMITTED
    response.save()
    followup_complete_if_done(followup, at=entry.answered_at)
    event_record(
        actor=by,
        action=AuditAction.UPDATE if existing else AuditAction.CREATE,
        target=response,
        changes={"answers": [old or None, entry.answers]},
        clinic=entry.plan.patient.clinic,
        patient_public_id=entry.plan.patient.public_id,
        reason=f"REDCap import, row {entry.row}",
        actor_label=None if by else "redcap_import command",
    )
