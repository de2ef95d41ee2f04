"""What the procedure-day pages show (journey review of issue 9): the harvest page looks and
refuses like the other procedure pages, wide tables fit, a comparator day shows no BMAC-only
parts, "goes to recovery" is said only when the encounter gets there, and a closed encounter
offers read-only links only."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages

from marrowtrack.core import clock
from marrowtrack.procedures import services
from marrowtrack.procedures.services.gates import RECOVERY as RECOVERY_CHECKS
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def harvesting(plan, encounter, walk, staff):
    plan.harvest_side = "left"
    plan.save(update_fields=["harvest_side"])
    walk(encounter, S.LOCAL_ANESTHESIA)
    services.encounter_transition(encounter=encounter, to=S.HARVESTING, by=staff["physician"])
    return encounter


def _harvest_body(encounter, side: str) -> dict[str, str]:
    body = {k: v for k, v in scenario.harvest_data(side=side).items() if v is not None}
    for name in ("started_at", "ended_at"):
        body[name] = clock.localtime(body[name], encounter.clinic).strftime("%Y-%m-%dT%H:%M")
    return body


def _section(page: str, section_id: str) -> str:
    match = re.search(rf'<section[^>]*id="{section_id}".*?</section>', page, re.S)
    return match.group(0) if match else ""


def test_the_harvest_page_has_the_procedure_styles_and_the_patient_banner(
    client_for, harvesting, staff
) -> None:
    page = client_for(staff["physician"]).get(f"/procedures/{harvesting.public_id}/harvest/")
    html = page.content.decode()
    assert "procedures/procedures.css" in html
    assert 'class="patient-banner"' in html
    assert harvesting.patient.mrn in html
    assert 'data-testid="safety-summary"' in html
    assert 'type="datetime-local"' in html and 'class="field-grid"' in html


def test_a_refused_harvest_side_shows_the_loud_stop_box(client_for, harvesting, staff) -> None:
    client = client_for(staff["physician"])
    url = f"/procedures/{harvesting.public_id}/harvest/"
    refused = client.post(url, _harvest_body(harvesting, "r_pic"))
    assert refused.status_code == 409
    html = refused.content.decode()
    stop = re.search(r'<div class="stop" role="alert" id="refusal">(.*?)</div>', html, re.S)
    assert stop and "not the side the plan and consent name" in stop.group(1)


def test_the_datetime_inputs_are_styled_like_every_other_input(settings) -> None:
    css = (settings.BASE_DIR / "marrowtrack/static/css/app.css").read_text()
    rule = re.search(r"([^{}]*)\{[^}]*min-height: 44px[^}]*max-width: 34rem", css)
    rule = rule or re.search(r"([^{}]*)\{[^}]*max-width: 34rem[^}]*min-height: 44px", css)
    assert rule and "input[type=datetime-local]" in rule.group(1)


def test_the_dose_and_container_tables_sit_in_scrolling_wrappers(
    client_for, encounter, walk, staff
) -> None:
    walk(encounter, S.IN_TRANSIT)
    html = client_for(staff["physician"]).get(f"/procedures/{encounter.public_id}/").content
    html = html.decode()
    assert re.search(r'<div class="table-wrap"><table class="table compact" id="dose-agents"', html)
    assert re.search(r'<div class="table-wrap"><table class="table compact containers"', html)


def test_grid_cells_may_shrink_so_wide_tables_do_not_widen_the_page(settings) -> None:
    css = (settings.BASE_DIR / "marrowtrack/static/css/app.css").read_text()
    assert ".grid2 > * { min-width: 0; }" in css.replace(".cards > *, ", "")
    assert "minmax(min(360px, 100%), 1fr)" in css
    assert re.search(r"\.table-wrap \{[^}]*overflow-x: auto", css)


@pytest.fixture
def csi_day(patient, staff):
    plan = scenario.approved_comparator_plan(patient, by=staff["physician"])
    return scenario.check_in(plan, staff["nurse"])


def test_a_comparator_day_shows_no_harvest_side_containers_or_harvest_links(
    client_for, csi_day, staff
) -> None:
    scenario.comparator_walk_to(csi_day, S.INJECTED, staff, PASSWORD)
    html = client_for(staff["physician"]).get(f"/procedures/{csi_day.public_id}/").content
    html = html.decode()
    assert "Corticosteroid injection" in html or "Comparator" in html
    assert "harvest-side-badge" not in html and "Planned harvest" not in html
    assert 'id="containers"' not in html and "Containers</h2>" not in html
    assert "/harvest/" not in html


def test_a_comparator_days_checklists_do_not_name_a_harvest(client_for, csi_day, staff):
    scenario.comparator_walk_to(csi_day, S.INJECTED, staff, PASSWORD)
    html = client_for(staff["nurse"]).get(f"/procedures/{csi_day.public_id}/").content.decode()
    assert "Record Recovery" in html
    assert "Injection site dressing dry and intact" in html
    assert "harvest" not in html.lower()


def test_a_bmac_day_still_shows_its_containers_and_planned_side(
    client_for, encounter, staff
) -> None:
    html = client_for(staff["physician"]).get(f"/procedures/{encounter.public_id}/").content
    html = html.decode()
    assert "Planned harvest" in html and 'id="containers"' in html


def test_the_comparator_injection_does_not_announce_recovery(client_for, csi_day, staff) -> None:
    scenario.comparator_walk_to(csi_day, S.TIMEOUT_1, staff, PASSWORD)
    client = client_for(staff["physician"])
    data = scenario.comparator_injection_data(csi_day)
    body = {k: str(v) for k, v in data.items() if v not in (None, "")}
    response = client.post(f"/procedures/{csi_day.public_id}/comparator-injection/", body)
    assert response.status_code == 302
    csi_day.refresh_from_db()
    assert csi_day.state == S.INJECTED
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert said == ["Injection recorded."]


def test_recording_recovery_says_the_patient_goes_to_recovery(client_for, csi_day, staff):
    scenario.comparator_walk_to(csi_day, S.INJECTED, staff, PASSWORD)
    body = {f"recovery-{name}": "on" for name in RECOVERY_CHECKS} | {"recovery-pain_score": "2"}
    response = client_for(staff["nurse"]).post(
        f"/procedures/{csi_day.public_id}/step/recovery/", body
    )
    assert response.status_code == 302
    csi_day.refresh_from_db()
    assert csi_day.state == S.RECOVERY
    (said,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert said.startswith("Recorded: Recovery. The patient goes to recovery.")
    assert "at the earliest" in said


def test_a_discharged_encounter_offers_only_read_only_links(
    client_for, encounter, walk, staff
) -> None:
    walk(encounter, S.RECOVERY)
    scenario.discharge(encounter, staff)
    encounter.refresh_from_db()
    assert encounter.state == S.DISCHARGED
    html = client_for(staff["physician"]).get(f"/procedures/{encounter.public_id}/").content
    html = html.decode()
    assert "Harvest record" not in html and "/harvest/" not in html
    assert "/bedside/" not in html and "Print labels" not in html
    assert "<form" not in _section(html, "dose-panel")
    assert f"/procedures/{encounter.public_id}/note/" in html
    assert f"/procedures/{encounter.public_id}/note.pdf" in html
    assert 'id="closed-note"' in html


def _schedule_row(html: str, family_name: str) -> str:
    rows = re.findall(r"<tr>.*?</tr>", html, re.S)
    return next(row for row in rows if family_name.upper() in row)


def test_a_treated_patients_booking_shows_done_on_the_schedule(client_for, csi_day, staff) -> None:
    client = client_for(staff["nurse"])
    day = clock.today(csi_day.clinic).isoformat()
    before = _schedule_row(client.get("/plans/schedule/", {"day": day}).content.decode(), "Núñez")
    assert "Done" not in before and "Booked" in before
    scenario.comparator_walk_to(csi_day, S.DISCHARGED, staff, PASSWORD)
    after = _schedule_row(client.get("/plans/schedule/", {"day": day}).content.decode(), "Núñez")
    assert '<span class="badge badge-ok">Done</span>' in after


def test_a_comparator_days_note_shows_its_injection_and_no_harvest_or_lab(
    client_for, csi_day, staff
) -> None:
    scenario.comparator_walk_to(csi_day, S.INJECTED, staff, PASSWORD)
    html = client_for(staff["physician"]).get(f"/procedures/{csi_day.public_id}/note/")
    note = html.content.decode()
    assert 'id="note-comparator"' in note and "LOT-4471" in note
    assert "No harvest recorded" not in note and "No processing run" not in note
    assert 'id="note-product"' not in note
