"""REDCap-compatible exchange: export the project files and records, import records.

Export: the data dictionary, the arms, events and instrument-designation files (so a new REDCap
project takes them and then the records with no set-up by hand), and the records: the clinic's
submitted responses assigned to a time point (out-of-window answers have no REDCap event and
are not exported as one), dates in the clinic's own time zone, each form with the wording it
was answered on.
Import: every row is validated first and nothing is written if any row has a problem; the
report lists each problem with its CSV row number (the header is row 1), field and message.
A dry run reports what would be created, updated or left unchanged.
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

from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.models import Clinic
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.outcomes import catalogue, redcap, scoring, selectors
from marrowtrack.outcomes.models import SurveyResponse, TextPack
from marrowtrack.outcomes.schedules import DEFAULT_SCHEDULE, TimepointRule, yearly_rule
from marrowtrack.outcomes.services.responses import followup_complete_if_done

FIXED = ["record_id", "redcap_event_name"]
EVENT_TIMEPOINTS_BASE = {event: code for code, event in catalogue.REDCAP_EVENTS.items()}


def _csv(rows: Iterable[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def dictionary_csv(*, clinic: Clinic) -> str:
    return _csv(redcap.dictionary_rows(clinic.timezone))


def arms_csv() -> str:
    return _csv(redcap.arm_rows())


def _timepoint_rules(clinic: Clinic) -> list[TimepointRule]:
    """The clinic's time points now, plus any older ones (e.g. yearly) found in its records."""
    rules = {rule.code: rule for rule in DEFAULT_SCHEDULE.timepoints[:1]}
    rules |= {rule.code: rule for rule in selectors.active_schedule(clinic).timepoints}
    recorded = (
        SurveyResponse.objects.filter(patient__clinic=clinic, timepoint__isnull=False)
        .values_list("timepoint", flat=True)
        .distinct()
    )
    defaults = {rule.code: rule for rule in DEFAULT_SCHEDULE.timepoints}
    for code in set(recorded) - set(rules):
        rules[code] = defaults.get(code) or yearly_rule(int(code[:-1]) // 12)
    return sorted(rules.values(), key=lambda rule: catalogue.timepoint_order(rule.code))


def events_csv(*, clinic: Clinic) -> str:
    return _csv(redcap.event_rows(_timepoint_rules(clinic)))


def designations_csv(*, clinic: Clinic) -> str:
    return _csv(redcap.designation_rows(rule.code for rule in _timepoint_rules(clinic)))


def _local(at: datetime, clinic: Clinic) -> str:
    return at.astimezone(clock.zone(clinic)).strftime(redcap.DATE_FORMAT)


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
        _fill(row, response, clinic)
    return [rows[k] for k in sorted(rows, key=lambda k: (k[0], catalogue.timepoint_order(k[1])))]


def _fill(row: dict[str, str], response: SurveyResponse, clinic: Clinic) -> None:
    definition = scoring.instrument(response.instrument).definition
    row[redcap.date_field(definition)] = _local(response.answered_at, clinic)
    for item in definition.items:
        row[redcap.field_name(definition, item)] = redcap.encode_value(
            item, response.answers.get(item.code)
        )
    row[redcap.wording_field(definition)] = redcap.WORDING_CODES[response.wording][0]
    row[redcap.form_version_field(definition)] = response.form_version
    row[redcap.complete_field(definition)] = "2"


def _empty_row(key: tuple[str, str], fields: list[redcap.FieldSpec]) -> dict[str, str]:
    row = {"record_id": key[0], "redcap_event_name": catalogue.redcap_event(key[1])}
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


def project_files(*, clinic: Clinic, by: User | None) -> dict[str, str]:
    """Every file a new REDCap project needs, by file name, records last."""
    return {
        "data_dictionary.csv": dictionary_csv(clinic=clinic),
        "arms.csv": arms_csv(),
        "events.csv": events_csv(clinic=clinic),
        "instrument_designation.csv": designations_csv(clinic=clinic),
        "records.csv": records_csv(clinic=clinic, by=by),
    }


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
    wording: str
    form_version: str
    text_pack: TextPack | None


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


def event_timepoint(event: str) -> str | None:
    """The time point of a REDCap unique event name (yearly ones included), or None."""
    if event in EVENT_TIMEPOINTS_BASE:
        return EVENT_TIMEPOINTS_BASE[event]
    parts = event.split("_")
    if len(parts) == 4 and parts[0] == "year" and parts[1].isdigit() and event.endswith("_arm_1"):
        return f"{12 * int(parts[1])}m"
    return None


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
    timepoint = event_timepoint(row.get("redcap_event_name", ""))
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
    answers = _answers(number, definition, cells, problems)
    complete = cells.get(redcap.complete_field(definition), "2").strip()
    if complete != "2":
        problems.append(
            Problem(
                number, redcap.complete_field(definition), "only complete forms (2) can be imported"
            )
        )
    answered_at = _answered_at(number, definition, cells, problems, plan.patient.clinic)
    wording = _wording(number, definition, cells, problems)
    if answered_at is not None:
        _check_window(number, plan, timepoint, definition, answered_at, problems)
    if len(problems) > before or answered_at is None or wording is None:
        return None
    return Planned(number, plan, timepoint, definition.code, answers, answered_at, *wording)


def _answers(
    number: int, definition, cells: dict[str, str], problems: list[Problem]
) -> dict[str, int | float | None]:  # noqa: ANN001
    answers: dict[str, int | float | None] = {}
    for item in definition.items:
        name = redcap.field_name(definition, item)
        try:
            answers[item.code] = redcap.decode_value(item, cells.get(name, ""))
            scoring.parse_answer(item, answers[item.code])
        except (ValueError, scoring.AnswerError) as exc:
            message = exc.message if isinstance(exc, scoring.AnswerError) else str(exc)
            problems.append(Problem(number, name, message))
    return answers


def _wording(
    number: int, definition, cells: dict[str, str], problems: list[Problem]
) -> tuple[str, str, TextPack | None] | None:  # noqa: ANN001
    name = redcap.wording_field(definition)
    code = cells.get(name, "").strip() or redcap.WORDING_CODES["not_recorded"][0]
    version = cells.get(redcap.form_version_field(definition), "").strip()[:120]
    wording = redcap.WORDING_BY_CODE.get(code)
    if wording is None:
        problems.append(Problem(number, name, f"{code!r} is not a wording code (1-4)"))
        return None
    if wording != "text_pack":
        return wording, version, None
    pack = next((p for p in selectors.text_packs_for(definition.code) if p.label == version), None)
    if pack is None:
        problems.append(
            Problem(
                number,
                redcap.form_version_field(definition),
                f"no installed text pack {version!r} for {definition.code}",
            )
        )
        return None
    return wording, version, pack


def _check_window(
    number: int,
    plan: TreatmentPlan,
    timepoint: str,
    definition,  # noqa: ANN001
    answered_at: datetime,
    problems: list[Problem],
) -> None:
    followup = next((f for f in plan.followups.all() if f.timepoint == timepoint), None)
    where = redcap.date_field(definition)
    if followup is None:
        problems.append(
            Problem(number, "redcap_event_name", f"the plan has no {timepoint} follow-up")
        )
    elif timepoint == "baseline" and definition.code in catalogue.NEVER_AT_BASELINE:
        problems.append(Problem(number, where, f"{definition.code} is never asked at baseline"))
    elif not selectors.followup_holds(followup, answered_at):
        problems.append(Problem(number, where, f"outside the {timepoint} window"))


def _answered_at(
    number: int, definition, cells: dict[str, str], problems: list[Problem], clinic: Clinic
) -> datetime | None:  # noqa: ANN001
    name = redcap.date_field(definition)
    text = cells.get(name, "").strip()
    if not text:
        problems.append(Problem(number, name, "the date answered is required"))
        return None
    try:
        naive = datetime.strptime(text, redcap.DATE_FORMAT)  # noqa: DTZ007 - clinic time below
    except ValueError:
        problems.append(Problem(number, name, "expected YYYY-MM-DD HH:MM:SS"))
        return None
    return naive.replace(tzinfo=clock.zone(clinic))


def _same(a: dict, b: dict) -> bool:
    return {k: v for k, v in a.items() if v is not None} == {
        k: v for k, v in b.items() if v is not None
    }


def _unchanged(existing: SurveyResponse | None, entry: Planned) -> bool:
    return (
        existing is not None
        and _same(existing.answers, entry.answers)
        and existing.answered_at == entry.answered_at
        and (existing.wording, existing.form_version) == (entry.wording, entry.form_version)
    )


def _apply(entry: Planned, report: ImportReport, *, by: User | None, write: bool) -> None:
    followup = next(f for f in entry.plan.followups.all() if f.timepoint == entry.timepoint)
    existing = SurveyResponse.objects.filter(followup=followup, instrument=entry.instrument).first()
    if _unchanged(existing, entry):
        report.unchanged += 1
        return
    if existing:
        report.updated += 1
    else:
        report.created += 1
    if write:
        _write(entry, followup, existing, by)


def _write(entry: Planned, followup, existing: SurveyResponse | None, by: User | None) -> None:  # noqa: ANN001
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
    response.answers, response.answered_at = entry.answers, entry.answered_at
    response.timepoint = response.asked_for = entry.timepoint
    response.wording, response.form_version = entry.wording, entry.form_version
    response.text_pack = entry.text_pack
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
