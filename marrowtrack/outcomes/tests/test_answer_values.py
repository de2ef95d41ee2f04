"""answer_values (the answers as numbers the database keeps beside the JSON, ADR 0032) always
equals the JSON, and `rescore` reading it stores exactly what the exact scorer gives."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marrowtrack.outcomes import bulk, scoring
from marrowtrack.outcomes.answer_values import layout_items, parse_numbers, stored_width
from marrowtrack.outcomes.instruments import INSTRUMENTS
from marrowtrack.outcomes.models import SurveyResponse
from marrowtrack.outcomes.services import rescore
from marrowtrack.outcomes.services.rescore import _unique_rows, read_window, rescore_all
from marrowtrack.outcomes.tests.factories import make_plan
from marrowtrack.outcomes.tests.test_bulk import CODES, _answer_set

DB_SETTINGS = settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def plan(patient, staff):
    return make_plan(patient, staff["physician"])


def _store(plan, code: str, answers: dict, **fields) -> SurveyResponse:
    values = {
        "scores": {},
        "rule_version": "old",
        "source": "portal",
        "status": SurveyResponse.Status.SUBMITTED,
        **fields,
    }
    return SurveyResponse.objects.create(
        plan=plan,
        patient=plan.patient,
        instrument=code,
        instrument_version=scoring.instrument(code).definition.version,
        answers=answers,
        **values,
    )


def _stored_numbers(response: SurveyResponse) -> str | None:
    return SurveyResponse.objects.values_list("answer_values", flat=True).get(pk=response.pk)


def _expected(code: str, answers: dict) -> list[float]:
    items = layout_items(code)
    row = [answers.get(item) for item in items]
    row = row * 2 if len(items) == 1 else row
    return [np.nan if value is None else float(value) for value in row]


def _answers_with_any_instrument() -> st.SearchStrategy:
    def for_code(code: str) -> st.SearchStrategy:
        entry = scoring.instrument(code)
        items = (*entry.definition.items, *entry.also_accepts)
        return st.tuples(st.just(code), _answer_set(items))

    return st.sampled_from(CODES).flatmap(for_code)


@pytest.mark.django_db
@DB_SETTINGS
@given(entries=st.lists(_answers_with_any_instrument(), min_size=1, max_size=8))
def test_the_database_keeps_answer_values_equal_to_the_json_on_insert_and_update(
    plan, entries
) -> None:
    for code, answers in entries:
        response = _store(plan, code, answers)
        stored = _stored_numbers(response)
        assert stored is not None
        assert np.array_equal(parse_numbers(stored), _expected(code, answers), equal_nan=True)
        changed = {key: None for key in answers}  # every answer withdrawn
        SurveyResponse.objects.filter(pk=response.pk).update(answers=changed)
        stored = _stored_numbers(response)
        assert np.array_equal(parse_numbers(stored), _expected(code, changed), equal_nan=True)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "answers",
    [
        {"NPRS": 3, "EXTRA": 1},  # an item NPRS does not know
        ["not", "an", "object"],
    ],
)
def test_answers_that_are_not_known_items_have_no_answer_values(plan, answers) -> None:
    assert _stored_numbers(_store(plan, "NPRS", answers)) is None


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["3", True, [3], {"a": 3}])
def test_answers_that_are_not_numbers_never_read_as_numbers(plan, value) -> None:
    # PostgreSQL leaves them out (NULL); SQLite keeps them as JSON, which is not a number.
    stored = _stored_numbers(_store(plan, "NPRS", {"NPRS": value}))
    assert stored is None or parse_numbers(stored) is None


@pytest.mark.django_db
@DB_SETTINGS
@given(entries=st.lists(_answers_with_any_instrument(), min_size=1, max_size=10))
def test_rescore_stores_what_the_exact_scorer_gives_on_every_row(plan, entries) -> None:
    responses = [
        (_store(plan, code, answers, scores={"stale": True}), code, answers)
        for code, answers in entries
    ]
    report = rescore_all(by=None, chunk=3)  # several windows, several instruments in each
    assert report.total_changed == len(responses) and not report.invalid
    for response, code, answers in responses:
        response.refresh_from_db()
        scores, version = scoring.score_json(code, answers)
        assert (response.scores, response.rule_version) == (scores, version)
    again = rescore_all(by=None)
    assert again.total_changed == 0
    SurveyResponse.objects.all().delete()


@pytest.mark.django_db
def test_a_window_reads_every_instrument_as_one_matrix_in_item_order(plan) -> None:
    _store(plan, "NPRS", {"NPRS": 7})
    _store(plan, "EQ5D5L", {"MO": 1, "SC": 2, "UA": None, "PD": 4, "VAS": 55})
    _store(plan, "NPRS", {})
    window = read_window(0, 10**9)
    groups = {group.instrument: group for group in window.groups()}
    assert window.rows == 3 and not window.careful
    assert np.array_equal(groups["NPRS"].matrix, [[7.0], [np.nan]], equal_nan=True)
    eq5d = groups["EQ5D5L"].matrix
    assert np.array_equal(
        eq5d, [_expected("EQ5D5L", {"MO": 1, "SC": 2, "PD": 4, "VAS": 55})], equal_nan=True
    )
    assert eq5d.shape[1] == stored_width(layout_items("EQ5D5L"))


@pytest.mark.django_db
def test_rescore_sends_rows_it_cannot_read_as_numbers_the_careful_way(plan) -> None:
    good = _store(plan, "NPRS", {"NPRS": 4})
    unknown = _store(plan, "NPRS", {"NPRS": 4, "EXTRA": 1}, rule_version="kept")
    text = _store(plan, "NPRS", {"NPRS": "4"}, rule_version="kept")
    out, err = io.StringIO(), io.StringIO()
    call_command("rescore", stdout=out, stderr=err)
    assert "NPRS: 3 read, 1 changed" in out.getvalue()
    assert f"NPRS {unknown.public_id}: EXTRA: unknown item for NPRS" in err.getvalue()
    assert f"NPRS {text.public_id}: NPRS: expected a number, got str" in err.getvalue()
    good.refresh_from_db()
    assert (good.scores, good.rule_version) == scoring.score_json("NPRS", {"NPRS": 4})
    assert set(
        SurveyResponse.objects.filter(pk__in=[unknown.pk, text.pk]).values_list(
            "rule_version", flat=True
        )
    ) == {"kept"}


@pytest.mark.django_db
def test_rescore_audits_each_instrument_it_changed_once(plan) -> None:
    from marrowtrack.audit.models import AuditEvent

    for value in (1, 2, 3):
        _store(plan, "NPRS", {"NPRS": value})
    _store(plan, "PGA", {"PGA": 5})
    before = AuditEvent.objects.count()
    rescore_all(by=None, chunk=2)
    entries = list(AuditEvent.objects.order_by("pk")[before:])
    changed = [{field: new for field, _, new in e.change_rows} for e in entries]
    assert [(c["instrument"], c["rescored"]) for c in changed] == [("NPRS", 3), ("PGA", 1)]
    assert {e.reason for e in entries} == {"Bulk rescoring"}


@pytest.mark.django_db
@pytest.mark.parametrize("temp_table_rows", [1, 10**9])  # through a temporary table, or not
def test_rescore_writes_many_rows_as_it_writes_a_few(plan, monkeypatch, temp_table_rows) -> None:
    monkeypatch.setattr(rescore, "TEMP_TABLE_ROWS", temp_table_rows)
    entries = [("NPRS", {"NPRS": 4}), ("KOOS", {"P1": 2, "S1": None}), ("PGA", {})]
    responses = [(_store(plan, code, answers), code, answers) for code, answers in entries]
    assert rescore_all(by=None).total_changed == 3
    for response, code, answers in responses:
        response.refresh_from_db()
        assert (response.scores, response.rule_version) == scoring.score_json(code, answers)
    assert rescore_all(by=None).total_changed == 0


@pytest.mark.django_db
@pytest.mark.parametrize("version", ["v2", "v2\twith a tab"])  # a tab: no COPY on PostgreSQL
def test_write_changed_stores_texts_with_escapes_as_written(plan, version) -> None:
    rows = [_store(plan, "NPRS", {"NPRS": 4}), _store(plan, "NPRS", {"NPRS": 5})]
    scores = [{"NPRS": {"total": 4, "reasons": ['a "quoted" \\ caf\u00e9']}}, {"NPRS": {}}]
    texts = [json.dumps(scores[0]), json.dumps(scores[1], ensure_ascii=False)]
    changes = rescore.Changes([row.pk for row in rows], texts, [version, version])
    assert rescore.write_changed(changes) == 2
    for row, expected in zip(rows, scores, strict=True):
        row.refresh_from_db()
        assert (row.scores, row.rule_version) == (expected, version)


@pytest.mark.django_db
def test_rescore_writes_rows_whose_version_or_scores_changed_not_their_spelling(plan) -> None:
    current = scoring.score_json("NPRS", {"NPRS": 4})
    same = _store(plan, "NPRS", {"NPRS": 4}, scores=current[0], rule_version=current[1])
    respelled = _store(plan, "NPRS", {"NPRS": 4}, rule_version=current[1])
    wrong = _store(
        plan, "NPRS", {"NPRS": 4}, scores={"NPRS": {"total": 9}}, rule_version=current[1]
    )
    old_version = _store(plan, "NPRS", {"NPRS": 4}, scores=current[0], rule_version="old")
    table = SurveyResponse._meta.db_table
    compact = json.dumps(current[0], separators=(",", ":"))  # equal as JSON, not as text
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET scores = %s WHERE id = %s", [compact, respelled.pk])  # noqa: S608
    report = rescore_all(by=None)
    assert report.changed == {"NPRS": 2}
    for response in (same, respelled, wrong, old_version):
        response.refresh_from_db()
        assert (response.scores, response.rule_version) == current
    assert SurveyResponse.objects.filter(pk=same.pk, updated_at=same.updated_at).exists()


def test_unique_rows_give_back_every_row() -> None:
    whole = np.array([[1, np.nan], [1, np.nan], [2, 3], [np.nan, np.nan], [2, 3]])
    decimals = np.array([[0.5, 1], [0.5, 1], [0.25, np.nan]])
    for matrix, distinct in ((whole, 3), (decimals, 2)):  # integer keys, then bytes
        unique, inverse = _unique_rows(matrix)
        assert len(unique) == distinct
        assert np.array_equal(unique[inverse], matrix, equal_nan=True)


@pytest.mark.django_db
@DB_SETTINGS
@given(entries=st.lists(_answers_with_any_instrument(), min_size=1, max_size=10))
def test_rescore_never_calls_np_unique(plan, monkeypatch, entries) -> None:
    """np.unique's first call in a process imports numpy.ma (about 0.02 s), which every run of
    `marrowtrack rescore` paid; rows of decimals take the distinct-rows path that sorts bytes."""
    for code, answers in entries:
        _store(plan, code, answers, scores={"stale": True})
    _store(plan, "NPRS", {"NPRS": 4}, scores={"stale": True})  # whole numbers: integer keys

    def refused(*args, **kwargs):
        raise AssertionError("np.unique called")

    monkeypatch.setattr(np, "unique", refused)
    decimals = np.array([[0.5, 1], [0.5, 1], [0.25, np.nan]])
    assert len(_unique_rows(decimals)[0]) == 2
    assert rescore_all(by=None).total_changed == len(entries) + 1
    SurveyResponse.objects.all().delete()


@given(
    values=st.lists(
        st.one_of(st.floats(-1e6, 1e6), st.sampled_from([0.5, 1.0, np.nan])),
        max_size=30,
    )
)
@settings(database=None)
def test_sorted_distinct_gives_what_np_unique_gives(values) -> None:
    floats = np.array(values, dtype=np.float64)
    integers = np.nan_to_num(floats).astype(np.int64)
    rows = np.ascontiguousarray(np.resize(floats, (len(floats) // 2, 2)))
    as_bytes = rows.view(np.dtype((np.void, 16))).ravel()
    for array in (floats, integers, as_bytes):
        distinct, first, inverse = bulk.sorted_distinct(array)
        expected = np.unique(array, return_index=True, return_inverse=True)
        if array.dtype.kind == "V":  # np.unique keeps each NaN bit pattern as its own value
            assert np.array_equal(array[first][inverse], array)
            assert len(set(array.tolist())) == len(distinct)
            continue
        assert np.array_equal(distinct, expected[0], equal_nan=True)
        assert first.tolist() == expected[1].tolist()
        assert inverse.tolist() == expected[2].ravel().tolist()


@pytest.mark.django_db
def test_rescore_keeps_the_sqlite_page_cache_when_nothing_is_written(plan, monkeypatch) -> None:
    """A pass that writes nothing reads each page once: a large cache would only take fresh
    memory from the system (a tenth of that pass at 100,000 patients)."""
    if connection.vendor != "sqlite":
        pytest.skip("a SQLite setting")
    _store(plan, "NPRS", {"NPRS": 4})
    rescore_all(by=None)  # now current
    seen: list[str] = []

    def noted(run, sql, params, many, context):
        seen.append(sql)
        return run(sql, params, many, context)

    with connection.execute_wrapper(noted):
        assert rescore_all(by=None).total_changed == 0
        assert not any("cache_size" in sql for sql in seen)
        SurveyResponse.objects.update(rule_version="old")
        assert rescore_all(by=None).total_changed == 1
    assert any(f"cache_size = -{rescore.REWRITE_CACHE_KIB}" in sql for sql in seen)


@pytest.mark.django_db
def test_rescore_puts_the_sqlite_page_cache_back(plan) -> None:
    _store(plan, "NPRS", {"NPRS": 4})
    if connection.vendor != "sqlite":
        pytest.skip("a SQLite setting")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        rescore_all(by=None)
        cursor.execute("PRAGMA cache_size")
        assert cursor.fetchone() == (before,)


# parse_numbers --------------------------------------------------------------------------------

_NUMBERS = st.one_of(
    st.none(),
    st.integers(0, 10**15 - 1),
    st.integers(0, 10**6).map(lambda hundredths: hundredths / 100),
    st.sampled_from([0.29, 2.675, 0.1, 100.0]),
)


@given(rows=st.lists(st.lists(_NUMBERS, min_size=1, max_size=6), min_size=1, max_size=8))
@settings(database=None)
def test_parse_numbers_reads_what_json_reads(rows) -> None:
    text = ",".join(json.dumps(row, separators=(",", ":")) for row in rows)
    expected = [np.nan if value is None else float(value) for row in rows for value in row]
    assert np.array_equal(parse_numbers(text), expected, equal_nan=True)


@pytest.mark.parametrize(
    "text",
    [
        "[1,-2]",
        "[1e5]",
        '["3"]',
        "[true]",
        "[1.2.3]",
        "[1234567890123456]",
        "[[3],[3]]",
        "[1,[2]]",
        "[nope]",  # four letters in the place of a null
        "[1null]",
        "[nul,1]",
        "[nulll]",
        "[null,null1]",
    ],
)
def test_parse_numbers_leaves_anything_else_to_the_slower_reading(text) -> None:
    assert parse_numbers(text) is None


# the window's instruments ------------------------------------------------------------------


@given(codes=st.lists(st.sampled_from(list(INSTRUMENTS)), min_size=1, max_size=40))
@settings(database=None)
def test_instrument_numbers_are_the_places_of_the_codes(codes) -> None:
    numbers = rescore._instrument_numbers(",".join(codes), len(codes))
    assert numbers.tolist() == [list(INSTRUMENTS).index(code) for code in codes]


@pytest.mark.parametrize("text", ["NPRS,KXXS", "KOOS,NPRS,", "NPRS,,KOOS", "KOOS,nprs"])
def test_instrument_numbers_refuse_a_code_that_only_looks_like_one(text) -> None:
    """KXXS has KOOS's length, first and last letters: the spelling check sends it the plain
    way, which names it."""
    with pytest.raises(KeyError):
        rescore._instrument_numbers(text, text.count(",") + 1)
