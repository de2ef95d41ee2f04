"""Licensed wording: text packs checked against the definitions, installed by command, shown to
patients with each item's own options, recorded on every response; product labels marked."""

from __future__ import annotations

import copy
import json
import re

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from marrowtrack.audit.models import AuditEvent
from marrowtrack.outcomes import textpacks
from marrowtrack.outcomes.models import SurveyResponse, TextPack
from marrowtrack.outcomes.services.followups import instrument_set_save
from marrowtrack.outcomes.services.links import survey_link_create
from marrowtrack.outcomes.tests.factories import make_plan

SURVEY = "/outcomes/portal/survey/"


def eq5d_test_pack(language: str = "en", version: str = "1") -> dict:
    """A pack written for these tests: placeholder wording, never EuroQol's licensed text."""
    pack = textpacks.example_pack("EQ5D5L", language=language, pack_id=f"eq5d-test-{language}")
    pack["version"] = version
    pack["instructions"] = f"Test instructions ({language})"
    pack["items"]["MO"] = {
        "text": f"Test mobility question ({language})",
        "options": {str(v): f"Mobility test level {v} ({language})" for v in range(1, 6)},
    }
    pack["items"]["VAS"]["options"] = {"0": "Test worst", "100": "Test best"}
    return pack


def test_a_pack_that_matches_the_definition_is_accepted() -> None:
    checked, problems = textpacks.check_pack(eq5d_test_pack())
    assert problems == [] and checked is not None
    assert (checked.instrument, checked.language, checked.pack_id) == (
        "EQ5D5L",
        "en",
        "eq5d-test-en",
    )
    assert len(checked.sha256) == 64


def test_a_pack_that_does_not_match_is_refused_with_every_mismatch_listed() -> None:
    pack = copy.deepcopy(eq5d_test_pack())
    del pack["items"]["AD"]
    pack["items"]["XX"] = {"text": "?", "options": {}}
    pack["items"]["MO"]["options"]["6"] = "a sixth level"
    del pack["items"]["SC"]["options"]["3"]
    pack["items"]["UA"]["options"]["two"] = "?"
    pack["items"]["PD"]["text"] = " "
    pack["language"] = "fr"
    pack["colour"] = "blue"
    checked, problems = textpacks.check_pack(pack)
    assert checked is None
    assert problems == [
        "colour: unknown field",
        "language: must be one of en, es",
        "items: AD is missing",
        "items: XX is not an item of EQ5D5L",
        "items.MO.options: value 6 is not an option of MO (options: 1, 2, 3, 4, 5)",
        "items.SC.options: value 3 is missing",
        "items.UA.options: 'two' is not a whole-number option value",
        "items.PD.text: must be non-empty text",
    ]


@pytest.mark.parametrize("code", ["ODI", "KOOS", "NPRS", "PGA", "HOOS"])
def test_the_example_skeleton_of_every_instrument_passes_its_own_check(code: str) -> None:
    assert textpacks.check_pack(textpacks.example_pack(code))[1] == []


@pytest.mark.django_db
def test_the_command_installs_a_pack_and_lists_what_patients_see(tmp_path, capsys) -> None:
    path = tmp_path / "eq5d-en.json"
    path.write_text(json.dumps(eq5d_test_pack()))
    call_command("instruments", "install-text", str(path))
    pack = TextPack.objects.get()
    assert (pack.label, pack.active) == ("eq5d-test-en 1 (en)", True)
    assert AuditEvent.objects.filter(entity="outcomes.textpack").count() == 1
    call_command("instruments", "list")
    listing = capsys.readouterr().out
    assert re.search(r"EQ5D5L\s+en\s+eq5d-test-en 1 \(en\)", listing)
    assert re.search(r"EQ5D5L\s+es\s+eq5d-test-en 1 \(en\) \(no es pack: English pack\)", listing)
    assert re.search(r"KOOS\s+en\s+product labels: UNVALIDATED WORDING", listing)


@pytest.mark.django_db
def test_a_yaml_pack_replaces_the_active_one_and_keeps_the_old_for_its_responses(
    tmp_path,
) -> None:
    import yaml

    for version in ("1", "2"):
        path = tmp_path / f"eq5d-{version}.yaml"
        path.write_text(yaml.safe_dump(eq5d_test_pack(version=version)))
        call_command("instruments", "install-text", str(path))
    assert list(TextPack.objects.order_by("version").values_list("version", "active")) == [
        ("1", False),
        ("2", True),
    ]


@pytest.mark.django_db
def test_the_command_refuses_a_bad_pack_with_exit_2_and_every_mismatch(tmp_path, capsys) -> None:
    pack = eq5d_test_pack()
    del pack["items"]["AD"]
    pack["items"]["MO"]["options"]["9"] = "?"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(pack))
    with pytest.raises(SystemExit) as exit_code:
        call_command("instruments", "install-text", str(path))
    assert exit_code.value.code == 2
    errors = capsys.readouterr().err
    assert "refused: 2 mismatches with the definition" in errors
    assert "items: AD is missing" in errors and "value 9 is not an option of MO" in errors
    assert not TextPack.objects.exists()


def _install(pack: dict) -> TextPack:
    from marrowtrack.outcomes.services.textpacks import text_pack_install

    return text_pack_install(data=pack, by=None, label="test")


def _open(client: Client, plan, timepoint: str) -> None:
    issued = survey_link_create(followup=plan.followups.get(timepoint=timepoint), by=None)
    assert client.get(f"/outcomes/portal/s/{issued.token}/").status_code == 302


def _answer_all(client: Client) -> str:
    page = client.get(SURVEY).content.decode()
    while 'name="screen"' in page:
        screen = re.search(r'name="screen" value="(\d+)"', page).group(1)
        radios = set(re.findall(r'type="radio" name="(\w+)"', page))
        numbers = set(re.findall(r'type="number" name="(\w+)"', page))
        data = {"screen": screen, **dict.fromkeys(radios, "2"), **dict.fromkeys(numbers, "70")}
        client.post(SURVEY, data)
        page = client.get(SURVEY).content.decode()
    return page


@pytest.mark.django_db
def test_the_portal_shows_the_installed_wording_and_each_response_records_it(
    patient, staff, clinic, client_for
) -> None:
    instrument_set_save(
        clinic=clinic,
        condition="knee_oa",
        instruments=["EQ5D5L", "ODI"],
        follow_up_only=[],
        by=staff["clinic_admin"],
    )
    plan = make_plan(patient, staff["physician"])
    with time_machine.travel("2026-01-05 09:00-05:00", tick=False):  # baseline, product labels
        client = Client()
        _open(client, plan, "baseline")
        first = client.get(SURVEY).content.decode()
        assert "Walking about" in first and "Unable to walk about" in first
        _answer_all(client)
        client.post("/outcomes/portal/survey/submit/")
    pack = _install(eq5d_test_pack())
    with time_machine.travel("2026-01-22 09:00-05:00", tick=False):  # 2 weeks, the pack
        client = Client()
        _open(client, plan, "2w")
        page = client.get(SURVEY).content.decode()
        # The pack's question and its own five options, and the EQ VAS as a vertical slider.
        assert "Test mobility question (en)" in page and "Test instructions (en)" in page
        assert "Mobility test level 5 (en)" in page and "No problems walking" not in page
        assert 'class="vas-slider"' in page and "100: Test best" in page
        review = _answer_all(client)
        # ODI keeps each section's own statements (no pack: our labels).
        assert "Submit my answers" in review
        client.post("/outcomes/portal/survey/submit/")
    on_pack = SurveyResponse.objects.get(instrument="EQ5D5L", timepoint="2w")
    on_labels = SurveyResponse.objects.get(instrument="EQ5D5L", timepoint="baseline")
    assert (on_pack.wording, on_pack.text_pack, on_pack.form_version) == (
        "text_pack",
        pack,
        "eq5d-test-en 1 (en)",
    )
    assert on_pack.answers["MO"] == 2 and on_pack.answers["VAS"] == 70
    assert on_labels.wording == "product_labels" and not on_labels.validated_wording
    # Figures leave the product-label baseline out: no baseline, no comparison, no chart
    # point; the staff page marks it and offers to include it.
    html = client_for(staff["physician"]).get(f"/outcomes/plans/{plan.public_id}/").content.decode()
    assert "Unvalidated wording" in html and "left out of these charts" in html
    assert "No follow-up scores to compare with a baseline yet." in html


@pytest.mark.django_db
def test_a_spanish_speaking_patient_gets_the_spanish_pack_when_there_is_one(
    patient, staff, clinic
) -> None:
    from marrowtrack.outcomes.services.responses import portal_wording

    _install(eq5d_test_pack("en"))
    assert portal_wording("EQ5D5L", "es").form_version == "eq5d-test-en 1 (en)"
    _install(eq5d_test_pack("es"))
    assert portal_wording("EQ5D5L", "es").form_version == "eq5d-test-es 1 (es)"
    assert portal_wording("KOOS", "es").wording == "product_labels"


@pytest.mark.django_db
def test_odi_sections_show_their_own_statements_in_the_portal(patient, staff, clinic) -> None:
    instrument_set_save(
        clinic=clinic,
        condition="knee_oa",
        instruments=["ODI"],
        follow_up_only=[],
        by=staff["clinic_admin"],
    )
    plan = make_plan(patient, staff["physician"])
    with time_machine.travel("2026-01-22 09:00-05:00", tick=False):
        client = Client()
        _open(client, plan, "2w")
        page = client.get(SURVEY).content.decode()
    assert "Worst pain imaginable" in page  # section 1, pain intensity
    assert "In bed most of the time" in page  # section 4, walking
    assert "Cannot sit" in page  # section 5, sitting
