"""`marrowtrack export fhir` (NDJSON per type, progress bar, --since, audited) and the
`fhir_bench` benchmark command."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from marrowtrack.audit.models import AuditEvent
from marrowtrack.interop.tests.validation import all_errors

pytestmark = pytest.mark.django_db


def test_export_writes_one_valid_ndjson_file_per_type_with_a_progress_bar(
    treated, tmp_path, capsys
):
    call_command("export", "fhir", "--out", str(tmp_path))
    captured = capsys.readouterr()
    files = {path.stem: path for path in tmp_path.glob("*.ndjson")}
    assert {"Patient", "Encounter", "Procedure", "Specimen", "Questionnaire"} <= set(files)
    lines = files["Procedure"].read_text().splitlines()
    assert f"Procedure.ndjson: {len(lines)}" in captured.out
    assert "rows" in captured.err  # tqdm's bar, on stderr
    assert all_errors([json.loads(line) for line in lines]) == []
    assert AuditEvent.objects.filter(action="export", entity="interop.bulk_export").exists()


def test_export_since_a_later_date_leaves_older_records_out(treated, tmp_path):
    call_command("export", "fhir", "--out", str(tmp_path), "--since", "2999-01-01", "--no-progress")
    assert not (tmp_path / "Patient.ndjson").exists()
    assert (tmp_path / "Practitioner.ndjson").exists()  # the clinic's staff always come along


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "yesterday-ish"], "--since"),
        (["--clinic", "atlantis"], "no clinic"),
    ],
)
def test_export_refuses_bad_arguments_with_exit_2(clinic, tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exited:
        call_command("export", "fhir", "--out", str(tmp_path), "--no-progress", *args)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_export_will_not_mix_into_a_directory_that_holds_an_export(clinic, tmp_path):
    (tmp_path / "Patient.ndjson").write_text("{}\n")
    with pytest.raises(SystemExit):
        call_command("export", "fhir", "--out", str(tmp_path), "--no-progress")


def test_the_benchmark_prints_resources_per_second(treated, capsys):
    call_command("fhir_bench")
    out = capsys.readouterr().out
    assert "resources/s" in out and "full export to NDJSON files" in out
