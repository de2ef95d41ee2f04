"""Reads of patient records: search and the full record with its child rows."""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache, reduce
from typing import Any

from django.db import connection
from django.db.models import F, Model, Q, QuerySet, prefetch_related_objects

from marrowtrack.core.database import planned_for_their_values
from marrowtrack.core.models import Clinic
from marrowtrack.core.pagination import (
    KeysetPage,
    first_page_from,
    first_rows_of_branches,
    keyset_page,
)
from marrowtrack.core.prepared import PreparedSelect
from marrowtrack.core.scope import ExportScope
from marrowtrack.core.text import fold
from marrowtrack.patients.models import Allergy, Condition, Medication, Patient, WeightMeasurement
from marrowtrack.patients.weights import PreviousWeight, weight_concerns

MRN_PATTERN = re.compile(r"^MT\d{1,7}$", re.IGNORECASE)
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y")


def parse_date_query(text: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    return None


def _prefix(field: str, text: str) -> Q:
    # A range the (clinic, key) index can serve, plus startswith for exactness; a plain
    # LIKE prefix cannot use the index on SQLite (case-insensitive LIKE) nor on PostgreSQL.
    return Q(**{f"{field}__gte": text, f"{field}__lt": text + "\U0010ffff"}) & Q(
        **{f"{field}__startswith": text}
    )


def _name_branches(words: list[str], *, walk_given: bool = False) -> list[Q]:
    """'smi' starts a family or given name; 'smi jo' / 'jo smi' find John Smith. One Q per
    way a patient can match; their OR is the name filter.

    `walk_given`: the given-name branch without its range, so SQLite cannot serve it from
    `patient_given_key` and walks `patient_name_order` (list order) instead: the way to a
    page when many given names start with the word (`_walks_given_names`)."""
    if len(words) == 1:
        given = (
            Q(given_name_key__startswith=words[0])
            if walk_given
            else _prefix("given_name_key", words[0])
        )
        return [_prefix("family_name_key", words[0]), given]
    first, second = words[0], " ".join(words[1:])
    return [
        _prefix("family_name_key", first) & _prefix("given_name_key", second),
        _prefix("family_name_key", second) & _prefix("given_name_key", first),
    ]


# From this many given-name matches on, walking the list order reads fewer rows than
# sorting every match: a page of 51 is found after about 51 x (clinic / matches) rows, at
# most about 4,600 at 90,000 patients, against the matches (6,214 for 'jo') sorted.
GIVEN_WALK_FROM = 1000


def _walks_given_names(clinic_id: int, words: list[str]) -> bool:
    """SQLite only (PostgreSQL's statistics already choose per prefix, docs/performance.md):
    does a one-word search's given-name branch have many matches? A count that stops at
    GIVEN_WALK_FROM over the `patient_given_key` range alone, so it reads at most that many
    index entries and no rows (archived patients count too: this only picks a plan)."""
    if len(words) != 1 or connection.vendor != "sqlite":
        return False
    start = words[0]
    given = Patient.objects.filter(
        clinic_id=clinic_id, given_name_key__gte=start, given_name_key__lt=start + "\U0010ffff"
    )
    # No order (the model's default would sort the matches before the LIMIT).
    return given.order_by().values("pk")[:GIVEN_WALK_FROM].count() >= GIVEN_WALK_FROM


def _name_words(text: str) -> list[str]:
    return fold(text.replace(",", " ")).split()


def _in_scope(clinic: Clinic, include_archived: bool) -> QuerySet[Patient]:
    return _clinic_scope(clinic.pk, include_archived)


def _clinic_scope(clinic_id: int, include_archived: bool) -> QuerySet[Patient]:
    patients = Patient.objects.filter(clinic_id=clinic_id)
    if not include_archived:
        patients = patients.filter(archived_at__isnull=True)
    return patients


def _is_name_query(text: str) -> bool:
    return bool(text) and not MRN_PATTERN.match(text) and parse_date_query(text) is None


def patient_matches(
    *, clinic: Clinic, query: str, include_archived: bool = False
) -> QuerySet[Patient]:
    """Patients of one clinic matching an MRN prefix, a date of birth or name prefixes,
    unordered and unsliced (for use as a subquery)."""
    patients = _in_scope(clinic, include_archived)
    text = query.strip()
    if not text:
        return patients
    if MRN_PATTERN.match(text):
        return patients.filter(_prefix("mrn", text.upper()))
    birth_date = parse_date_query(text)
    if birth_date is not None:
        return patients.filter(date_of_birth=birth_date)
    words = _name_words(text)
    if not words:  # only commas or marks that fold away: no name to look for
        return patients.none()
    return patients.filter(reduce(operator.or_, _name_branches(words)))


def patient_search(
    *, clinic: Clinic, query: str, include_archived: bool = False, limit: int = 50
) -> list[Patient]:
    """Search by MRN, date of birth or name prefix, always within one clinic."""
    found = patient_search_page(
        clinic=clinic, query=query, include_archived=include_archived, limit=limit
    )
    return found.items


def patient_search_ordered(
    *, clinic: Clinic, query: str, include_archived: bool = False
) -> QuerySet[Patient]:
    """The matches in the order the list shows them, unsliced (for keyset paging).

    Every order is the leading part of an index on (clinic, key ..., id), so the database
    walks the index in order and stops at the page's limit instead of sorting every match
    (ADR 0030). A name search is an OR of two name columns: page it with
    `patient_search_page`, which reads each column's matches separately.
    """
    patients = patient_matches(clinic=clinic, query=query, include_archived=include_archived)
    text = query.strip()
    if not text:
        return patients.order_by("-created_at", "-id")
    if MRN_PATTERN.match(text):
        return patients.order_by("mrn", "id")
    if parse_date_query(text) is not None:
        return patients.order_by("date_of_birth", "id")
    return patients.order_by("family_name_key", "given_name_key", "id")


def patient_search_page(
    *,
    clinic: Clinic,
    query: str,
    cursor: str = "",
    limit: int = 50,
    include_archived: bool = False,
    with_count: bool = False,
) -> KeysetPage[Patient]:
    """One keyset page of `patient_search_ordered`.

    A name search is the union of its branches (the family name starts with the word, or
    the given name does), each a range of its own index, so the page is found from the
    first rows of each branch in list order rather than from every match (core.pagination).
    Which index serves a branch best depends on the words typed, so on PostgreSQL the page's
    statements are planned for their values rather than prepared (ADR 0037).
    """
    with planned_for_their_values():
        return _search_page(
            clinic, query, cursor=cursor, limit=limit,
            include_archived=include_archived, with_count=with_count,
        )  # fmt: skip


def _search_page(
    clinic: Clinic,
    query: str,
    *,
    cursor: str,
    limit: int,
    include_archived: bool,
    with_count: bool,
) -> KeysetPage[Patient]:
    text = query.strip()
    words = _name_words(text) if _is_name_query(text) else []
    if words and not cursor and not with_count:
        return _first_name_page(clinic, words, limit=limit, include_archived=include_archived)
    rows = patient_search_ordered(clinic=clinic, query=query, include_archived=include_archived)
    scope = _in_scope(clinic, include_archived)
    branches = []
    if words:
        walk = _walks_given_names(clinic.pk, words)
        branches = [scope.filter(branch) for branch in _name_branches(words, walk_given=walk)]
    return keyset_page(rows, cursor=cursor, limit=limit, with_count=with_count, branches=branches)


NAME_ORDER = ["family_name_key", "given_name_key", "id"]  # patient_search_ordered's


def _first_name_rows(
    clinic_id: int, words: list[str], *, include_archived: bool, n: int, walk_given: bool
) -> QuerySet[Patient]:
    """What `keyset_page` runs for the first page of a name search (no cursor): the
    matches in list order, found among the first `n` of each branch."""
    scope = _clinic_scope(clinic_id, include_archived)
    rows = scope.filter(reduce(operator.or_, _name_branches(words))).order_by(*NAME_ORDER)
    firsts = [scope.filter(branch) for branch in _name_branches(words, walk_given=walk_given)]
    return first_rows_of_branches(rows, firsts, NAME_ORDER, Q(), n)


@lru_cache(maxsize=64)
def _prepared_name_rows(
    two_parts: bool, include_archived: bool, n: int, walk_given: bool = False
) -> PreparedSelect[Patient]:
    """The first page's query of a name search, built once per shape (core.prepared):
    one word or two parts, archived or not, the page size (a LIMIT in the SQL), and how
    the given-name branch is read (`_name_branches`)."""
    key, clinic = Patient._meta.get_field("family_name_key"), Patient._meta.get_field("clinic")
    if two_parts:
        return PreparedSelect(
            lambda clinic_id, first, rest: _first_name_rows(
                clinic_id, [first, rest], include_archived=include_archived, n=n, walk_given=False
            ),
            clinic_id=clinic,
            first=key,
            rest=key,
        )
    return PreparedSelect(
        lambda clinic_id, word: _first_name_rows(
            clinic_id, [word], include_archived=include_archived, n=n, walk_given=walk_given
        ),
        clinic_id=clinic,
        word=key,
    )


def _first_name_page(
    clinic: Clinic, words: list[str], *, limit: int, include_archived: bool
) -> KeysetPage[Patient]:
    """The first page of a name search, the search of the front desk: the same rows and
    page as `keyset_page` gives, from a query built once (issue 17, ADR 0033)."""
    if len(words) == 1:
        walk = _walks_given_names(clinic.pk, words)
        prepared = _prepared_name_rows(False, include_archived, limit + 1, walk)
        fetched = prepared.fetch(clinic_id=clinic.pk, word=words[0])
    else:
        # `_name_branches` reads "smi jo ann" as "smi" and "jo ann", in either order.
        prepared = _prepared_name_rows(True, include_archived, limit + 1)
        fetched = prepared.fetch(clinic_id=clinic.pk, first=words[0], rest=" ".join(words[1:]))
    return first_page_from(fetched, NAME_ORDER, limit)


def _live_rows_of(model: type[Model]) -> PreparedSelect[Any]:
    return PreparedSelect(
        lambda patient_id: model._default_manager.filter(
            archived_at__isnull=True, patient_id=patient_id
        ),
        patient_id=model._meta.get_field("patient"),
    )


# A record view reads these four lists every time: built once (core.prepared), the live
# rows in each model's own order (what a prefetch of `patient.weights` filtered to the
# unarchived rows returns).
_RECORD_LISTS: tuple[tuple[str, PreparedSelect[Any]], ...] = (
    ("weights", _live_rows_of(WeightMeasurement)),
    ("allergies", _live_rows_of(Allergy)),
    ("medications", _live_rows_of(Medication)),
    ("conditions", _live_rows_of(Condition)),
)


def _attach_record_rows(patient: Patient) -> None:
    """What `prefetch_related_objects` would store: ``patient.weights.all()`` (and the
    others) answer from these rows, and each row's ``patient`` is this object."""
    cache = patient.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, rows_of in _RECORD_LISTS:
        rows = rows_of.fetch(patient_id=patient.pk)
        for row in rows:
            row.patient = patient
        related = _live_list(patient, name)
        related._result_cache = rows
        related._prefetch_done = True  # type: ignore[attr-defined]  # Django's, not in the stubs
        cache[name] = related


LIVE = {"archived_at__isnull": True}


def _live_list(patient: Patient, name: str) -> QuerySet[Any]:
    """``getattr(patient, name).filter(archived_at__isnull=True)``, its WHERE clause left
    unbuilt until a caller chains another query onto the list.

    The related manager hands out its queryset with the patient condition deferred (Django
    builds it only when the SQL is needed, for prefetching's sake); a second `filter` would
    build both at once, and that was a sixth of an API read's CPU (docs/performance.md).
    Here the live-rows condition joins the deferred one. Where Django did not defer (another
    version), the plain `filter` makes the same queryset."""
    patient.__dict__.get("_prefetched_objects_cache", {}).pop(name, None)  # a fresh queryset
    related = getattr(patient, name).get_queryset()
    deferred = related._deferred_filter
    if deferred is None or deferred[0]:
        return related.filter(**LIVE)
    negate, args, kwargs = deferred
    related._deferred_filter = (negate, args, {**kwargs, **LIVE})
    return related


_PATIENT_WITH_CLINIC = PreparedSelect(
    lambda pk: Patient.objects.select_related("clinic").filter(pk=pk),
    pk=Patient._meta.get_field("id"),
)


def patient_with_record(patient: Patient, *, reread: bool = True) -> Patient:
    """The patient with current (non-archived) weights, allergies, medications, conditions.

    Read again from the database by default (after a write, the row as stored). A record
    view passes ``reread=False``: its patient was read a moment ago by the access check, so
    the child rows are attached to that object (one query fewer per view)."""
    if reread:
        found = _PATIENT_WITH_CLINIC.fetch(pk=patient.pk)
        if not found:
            raise Patient.DoesNotExist(f"No patient {patient.pk}")
        patient = found[0]
    else:
        prefetch_related_objects([patient], "clinic")
    _attach_record_rows(patient)
    return patient


def latest_weight(patient: Patient) -> WeightMeasurement | None:
    return (
        WeightMeasurement.objects.filter(patient=patient, archived_at__isnull=True)
        .order_by("-measured_on", "-created_at")
        .first()
    )


@dataclass(frozen=True)
class DosingWeight:
    """The weight a dose limit is computed from, with its date so the panel can show it."""

    kg: Decimal
    measured_on: date
    days_old: int
    plausibility_confirmed: bool
    # What the plausibility check questions about this weight (outside the adult range,
    # more than 10 % from the weight before it, pounds typed as kg); [] if nothing.
    concerns: tuple[str, ...] = ()

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.concerns) and not self.plausibility_confirmed


def weight_for_dosing(patient: Patient, *, on: date) -> DosingWeight | None:
    """The latest weight measured on or before ``on`` (archived entries out), or None.

    For the procedure day's local-anaesthetic panel (issue 8 item 2): the caller decides
    how old a weight may be; ``days_old`` is counted to ``on``. ``concerns`` re-runs the
    plausibility check against the weight before it, so a weight written without the
    recording service (an import, an old row) cannot set a dose limit unconfirmed."""
    weight = (
        WeightMeasurement.objects.filter(
            patient=patient, archived_at__isnull=True, measured_on__lte=on
        )
        .order_by("-measured_on", "-created_at")
        .first()
    )
    if weight is None:
        return None
    before = (
        WeightMeasurement.objects.filter(
            patient=patient, archived_at__isnull=True, measured_on__lte=weight.measured_on
        )
        .exclude(pk=weight.pk)
        .exclude(measured_on=weight.measured_on, created_at__gt=weight.created_at)
        .order_by("-measured_on", "-created_at")
        .first()
    )
    previous = PreviousWeight(before.weight_kg, before.measured_on) if before else None
    return DosingWeight(
        kg=weight.weight_kg,
        measured_on=weight.measured_on,
        days_old=(on - weight.measured_on).days,
        plausibility_confirmed=weight.plausibility_confirmed,
        concerns=tuple(weight_concerns(Decimal(weight.weight_kg), previous)),
    )


def patient_bmi(patient: Patient) -> tuple[Decimal, WeightMeasurement] | None:
    """BMI from the recorded height and the latest weight (shown with that weight's date)."""
    from marrowtrack.patients.weights import bmi

    if patient.height_cm is None:
        return None
    weight = _attached_latest_weight(patient)
    if weight is None:
        return None
    return bmi(weight.weight_kg, patient.height_cm), weight


def _attached_latest_weight(patient: Patient) -> WeightMeasurement | None:
    """`latest_weight`, from the live weights a record view attached (`patient_with_record`:
    the same rows in the same order, newest first) when it did, without another query."""
    attached = getattr(patient, "_prefetched_objects_cache", {}).get("weights")
    if attached is None:
        return latest_weight(patient)
    return next(iter(attached), None)


# FHIR export (interop): each selector narrows its rows to the scope (core/scope.py) and
# annotates the public ids the export refers to (`patient_uuid`, ...).


def patients_for_export(scope: ExportScope) -> QuerySet[Patient]:
    """Every patient of the clinic, archived ones too (they export as inactive)."""
    return scope.narrow(Patient.objects.all(), clinic_path="clinic", patient_path="pk")


def weights_for_export(scope: ExportScope) -> QuerySet[WeightMeasurement]:
    rows = WeightMeasurement.objects.filter(archived_at=None)
    rows = rows.annotate(patient_uuid=F("patient__public_id"), height_cm=F("patient__height_cm"))
    return scope.narrow(rows, clinic_path="patient__clinic")


def registry_weights(*, clinic: Clinic, patients: QuerySet | None = None) -> dict[int, float]:
    """{patient id: latest weight in kg} of the clinic's patients (registry covariate: BMI);
    only of `patients` (a subquery of patient ids) when given."""
    measured = WeightMeasurement.objects.filter(patient__clinic=clinic, archived_at__isnull=True)
    if patients is not None:
        measured = measured.filter(patient_id__in=patients)
    rows = measured.order_by("patient_id", "measured_on", "created_at").values_list(
        "patient_id", "weight_kg"
    )
    return {patient_id: float(kg) for patient_id, kg in rows}


ZIP_AT_END = re.compile(r"\b(\d{5})(?:-\d{4})?\s*$")


def registry_zip_codes(*, clinic: Clinic) -> dict[int, str]:
    """{patient id: 5-digit ZIP code} where the address ends in one (for the de-identified
    export, which keeps only the first three digits where allowed). Nothing else leaves."""
    found = {}
    for patient_id, address in Patient.objects.filter(clinic=clinic).values_list("id", "address"):
        match = ZIP_AT_END.search(address or "")
        if match:
            found[patient_id] = match.group(1)
    return found
