"""REDCap exchange: dictionary format, export -> import round trip, all-or-nothing import."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import time_machine
from django.core.management import call_command

from marrowtrack.outcomes.models import SurveyResponse
from marrowtrack.outcomes.services import redcap
from marrowtrack.outcomes.services.responses import response_transcribe, response_verify
from marrowtrack.outcomes.tests.factories import PAPER, koos_answers, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(patient, staff):
    plan = make_plan(patient, staff["physician"])
    forms = [
        (date(2026, 1, 5), "KOOS", {**koos_answers(3), "S4": 0, "Q1": None}),
        (date(2026, 1, 5), "EQ5D5L", {"MO": 2, "SC": 1, "UA": 3, "PD": 4, "AD": 1, "VAS": 55}),
        (date(2026, 1, 22), "KOOS", koos_answers(1)),
        (date(2026, 1, 22), "ASES", {"PAIN_VAS": 3.5, **{f"ADL{i}": 2 for i in range(1, 11)}}),
    ]
    for day, code, answers in forms:
        with time_machine.travel(f"{day} 12:00-05:00", tick=False):
            r = response_transcribe(
                plan=plan,
                instrument=code,
                answers=answers,
                answered_on=day,
                by=staff["nurse"],
                form=PAPER,
            )
            response_verify(response=r, by=staff["physician"])
    return plan


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_data_dictionary_uses_redcap_headers_and_coded_choices(clinic):
    rows = list(csv.reader(io.StringIO(redcap.dictionary_csv(clinic=clinic))))
    assert rows[0][:6] == [
        "Variable / Field Name",
        "Form Name",
        "Section Header",
        "Field Type",
        "Field Label",
        "Choices, Calculations, OR Slider Labels",
    ]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["record_id"][1] == "registry"
    assert by_name["koos_s4"][3] == "radio"
    assert by_name["koos_s4"][5] == "0, Always | 1, Often | 2, Sometimes | 3, Rarely | 4, Never"
    assert by_name["koos_q1"][5].endswith("4, Constantly")
    assert [by_name["ases_pain_vas"][i] for i in (3, 7, 8, 9)] == [
        "text",
        "number_2dp",
        "0.00",
        "10.00",
    ]
    assert [by_name["eq5d5l_vas"][i] for i in (3, 7, 8, 9)] == ["text", "integer", "0", "100"]
    assert by_name["nprs"][1] == "nprs"
    # Dates of service are identifiers, in the clinic's own time zone.
    assert by_name["koos_date"][10] == "y"
    assert "America/New_York" in by_name["koos_date"][6]
    assert by_name["koos_wording"][3] == "radio"
    assert "3, MarrowTrack product labels (unvalidated wording)" in by_name["koos_wording"][5]
    assert "mean of the pain and disability" in by_name["spadi_date"][2]


def test_records_have_one_row_per_plan_and_event_with_lowercase_fields(registry, staff):
    rows = _rows(redcap.records_csv(clinic=registry.patient.clinic, by=staff["clinic_admin"]))
    assert [r["redcap_event_name"] for r in rows] == ["baseline_arm_1", "week_2_arm_1"]
    assert rows[0]["record_id"] == str(registry.public_id)
    assert (rows[0]["koos_s4"], rows[0]["koos_q1"], rows[0]["koos_p1"]) == ("0", "", "3")
    assert rows[0]["koos_complete"] == "2" and rows[0]["ases_complete"] == ""
    assert rows[1]["ases_pain_vas"] == "3.50"  # number_2dp: exactly two decimals
    assert rows[0]["eq5d5l_vas"] == "55"
    assert rows[0]["koos_date"] == "2026-01-05 12:00:00"
    assert (rows[0]["koos_wording"], rows[0]["koos_form_version"]) == (
        "2",
        "Licensed paper form, test version 1",
    )


def test_survey_times_are_written_in_the_clinics_own_time_zone(registry, staff):
    clinic = registry.patient.clinic
    clinic.timezone = "Asia/Tokyo"  # 14 hours ahead of New York in January
    clinic.save(update_fields=["timezone"])
    rows = _rows(redcap.records_csv(clinic=clinic, by=None))
    assert rows[0]["koos_date"] == "2026-01-06 02:00:00"
    assert "Asia/Tokyo" in redcap.dictionary_csv(clinic=clinic)


def test_a_new_redcap_project_takes_every_file_and_every_value(registry, staff):
    """The checker applies REDCap's import rules and published validation patterns."""
    from marrowtrack.outcomes.redcap import DICTIONARY_HEADER
    from marrowtrack.outcomes.tests.redcap_checker import check_project

    files = redcap.project_files(clinic=registry.patient.clinic, by=None)
    problems, checked = check_project(files, DICTIONARY_HEADER)
    assert problems == []
    assert checked > 100  # every answer, date, wording and status of both events
    events = _rows(files["events.csv"])
    assert [e["unique_event_name"] for e in events][:3] == [
        "baseline_arm_1",
        "week_2_arm_1",
        "week_6_arm_1",
    ]
    designations = _rows(files["instrument_designation.csv"])
    assert {"arm_num": "1", "unique_event_name": "baseline_arm_1", "form": "pgic"} not in (
        designations
    )


def test_the_checker_refuses_what_redcap_would_refuse(registry):
    from marrowtrack.outcomes.redcap import DICTIONARY_HEADER
    from marrowtrack.outcomes.tests.redcap_checker import check_project

    files = redcap.project_files(clinic=registry.patient.clinic, by=None)
    files["records.csv"] = files["records.csv"].replace(",3.50,", ",3.5,")
    files["events.csv"] = files["events.csv"].replace("Week 2,", "Week two,", 1)
    problems, _ = check_project(files, DICTIONARY_HEADER)
    assert "records row 3, ases_pain_vas: '3.5' fails the number_2dp validation" in problems
    assert "events: week_2_arm_1 is not REDCap's name for 'Week two'" in problems


def test_export_then_import_reproduces_the_records_exactly(registry, staff):
    clinic = registry.patient.clinic
    exported = redcap.records_csv(clinic=clinic, by=staff["clinic_admin"])
    unchanged = redcap.records_import(
        clinic=clinic, text=exported, by=staff["clinic_admin"], dry_run=False
    )
    assert (unchanged.created, unchanged.updated, unchanged.unchanged) == (0, 0, 4)
    SurveyResponse.objects.all().delete()
    report = redcap.records_import(
        clinic=clinic, text=exported, by=staff["clinic_admin"], dry_run=False
    )
    assert report.ok and report.created == 4
    assert redcap.records_csv(clinic=clinic, by=staff["clinic_admin"]) == exported
    koos = SurveyResponse.objects.get(instrument="KOOS", timepoint="2w")
    assert koos.scores["KOOS"]["pain"] == 75.0 and koos.source == "redcap_import"


def test_a_dry_run_reports_and_imports_nothing(registry, staff):
    clinic = registry.patient.clinic
    exported = redcap.records_csv(clinic=clinic, by=None)
    SurveyResponse.objects.all().delete()
    report = redcap.records_import(clinic=clinic, text=exported, by=None, dry_run=True)
    assert report.created == 4 and "would be created" in report.summary()
    assert not SurveyResponse.objects.exists()


def test_an_import_with_any_bad_row_imports_nothing_and_lists_every_problem(
    registry, staff, other_clinic
):
    clinic = registry.patient.clinic
    rows = _rows(redcap.records_csv(clinic=clinic, by=None))
    rows[0]["koos_p1"] = "9"
    rows[0]["eq5d5l_mo"] = "two"
    rows[1]["redcap_event_name"] = "week_99_arm_1"
    extra = {
        **rows[1],
        "record_id": "00000000-0000-4000-8000-000000000000",
        "redcap_event_name": "month_3_arm_1",
    }
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows([rows[0], rows[1], extra])
    before = list(SurveyResponse.objects.values_list("answers", flat=True))
    report = redcap.records_import(clinic=clinic, text=out.getvalue(), by=None, dry_run=False)
    assert [(p.row, p.field) for p in report.problems] == [
        (2, "koos_p1"),
        (2, "eq5d5l_mo"),
        (3, "redcap_event_name"),
        (4, "record_id"),
    ]
    assert str(report.problems[0]) == "row 2, koos_p1: 9 is outside 0-4"
    assert list(SurveyResponse.objects.values_list("answers", flat=True)) == before
    other = redcap.records_import(
        clinic=other_clinic, text=redcap.records_csv(clinic=clinic, by=None), by=None, dry_run=False
    )
    assert {p.field for p in other.problems} == {"record_id"}  # another clinic's plans are unknown


def test_an_unknown_column_is_a_header_problem():
    from marrowtrack.testing.factories import ClinicFactory

    report = redcap.records_import(
        clinic=ClinicFactory(), text="record_id,redcap_event_name,koos_p99\n", by=None, dry_run=True
    )
    assert [str(p) for p in report.problems] == ["row 1, koos_p99: unknown field"]


def test_the_commands_export_and_dry_run_import(registry, tmp_path, capsys):
    code = registry.patient.clinic.code
    records = tmp_path / "records.csv"
    call_command("redcap_export", "--clinic", code, "--out", str(tmp_path))
    assert {p.name for p in tmp_path.iterdir()} == {
        "data_dictionary.csv",
        "arms.csv",
        "events.csv",
        "instrument_designation.csv",
        "records.csv",
    }
    call_command("redcap_import", str(records), "--clinic", code, "--dry-run")
    assert (
        "dry run: 0 responses would be created, 0 would be updated, 4 unchanged"
        in capsys.readouterr().out
    )


def test_the_redcap_page_needs_the_exchange_permission(staff, outsider, client_for):
    assert client_for(staff["nurse"]).get("/outcomes/redcap/").status_code == 403
    assert client_for(staff["clinic_admin"]).get("/outcomes/redcap/").status_code == 200
    for name in ("data_dictionary.csv", "events.csv", "instrument_designation.csv"):
        csv_page = client_for(staff["clinic_admin"]).get(f"/outcomes/redcap/{name}")
        assert csv_page["Content-Type"].startswith("text/csv")
    assert client_for(staff["nurse"]).get("/outcomes/redcap/events.csv").status_code == 403
    assert client_for(staff["clinic_admin"]).get("/outcomes/redcap/other.csv").status_code == 404
