"""Procedure-day pages: the loud refusal in the UI, the board, evidence, labels, outsiders."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.testing import scenario

pytestmark = pytest.mark.django_db


def test_check_in_needs_both_identifiers_typed(client_for, staff, plan) -> None:
    client = client_for(staff["front_desk"])
    form = {
        "plan": str(plan.public_id),
        "typed_name": "Rosa Nunez",
        "typed_dob": "1960-05-18",
        "temperature_c": "36.8",
    }
    response = client.post("/procedures/check-in/", form)
    assert (
        response.status_code == 200
        and "date of birth given does not match" in response.content.decode()
    )
    response = client.post("/procedures/check-in/", {**form, "typed_dob": "1960-05-17"})
    assert response.status_code == 302
    assert plan.encounters.get().state == "checked_in"


def test_a_step_form_records_the_next_step_and_refuses_a_repeat(
    client_for, staff, encounter
) -> None:
    client = client_for(staff["nurse"])
    data = {
        f"pre_assessed-{k}": "on"
        for k in (
            "vitals_recorded",
            "medications_reviewed",
            "pregnancy_status",
            "eligibility_confirmed",
        )
    }
    assert (
        client.post(f"/procedures/{encounter.public_id}/step/pre_assessed/", data).status_code
        == 302
    )
    again = client.post(f"/procedures/{encounter.public_id}/step/pre_assessed/", data)
    assert again.status_code == 409 and "already at Pre-assessed" in again.content.decode()


def test_the_board_lists_today_and_refreshes_by_htmx(client_for, staff, walk, encounter) -> None:
    walk(encounter, S.PROCESSING)
    client = client_for(staff["lab_tech"])
    page = client.get("/procedures/").content.decode()
    assert 'hx-trigger="every 15s"' in page and "Products waiting in the lab" in page
    partial = client.get("/procedures/", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and "Processing" in partial


def test_the_evidence_summary_states_facts_and_never_says_compliant(
    client_for, staff, walk, encounter
) -> None:
    walk(encounter, S.DISCHARGED)
    html = (
        client_for(staff["physician"])
        .get(f"/procedures/{encounter.public_id}/evidence/")
        .content.decode()
    )
    assert "Minutes from end of harvest to injection" in html and "Same day" in html
    assert "compliant" not in html.lower() and "compliance" not in html.lower()


def test_the_label_pdf_downloads_with_the_din(client_for, staff, walk, encounter) -> None:
    walk(encounter, S.RELEASED)
    response = client_for(staff["lab_tech"]).get(
        f"/lab/encounters/{encounter.public_id}/labels.pdf"
    )
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    din = scenario.syringe(encounter).din
    assert f"{din[:5]} {din[5:7]} {din[7:]}" in text and "FOR AUTOLOGOUS USE ONLY" in text


def test_an_outsider_gets_404_on_every_page(client_for, outsider, walk, encounter) -> None:
    walk(encounter, S.RELEASED)
    client = client_for(outsider)
    container = scenario.syringe(encounter).public_id
    for url in (
        f"/procedures/{encounter.public_id}/",
        f"/procedures/{encounter.public_id}/evidence/",
        f"/procedures/{encounter.public_id}/bedside/",
        f"/lab/encounters/{encounter.public_id}/labels.pdf",
        f"/lab/containers/{container}/",
        f"/lab/runs/{encounter.run.public_id}/",
    ):
        assert client.get(url).status_code == 404, url
    url = f"/procedures/{encounter.public_id}/bedside/verify/"
    assert client.post(url, {}).status_code == 404


def test_pages_render_for_each_role(client_for, staff, walk, encounter) -> None:
    walk(encounter, S.DISCHARGED)
    for role in ("nurse", "physician", "lab_tech"):
        client = client_for(staff[role])
        assert client.get(f"/procedures/{encounter.public_id}/").status_code == 200
        assert client.get("/lab/").status_code == 200
    lab = client_for(staff["lab_tech"])
    assert lab.get(f"/lab/runs/{encounter.run.public_id}/").status_code == 200
    assert "KIT-A17" not in lab.get("/lab/trace/?kit_lot=KIT-A16").content.decode()
    assert encounter.patient.mrn in lab.get("/lab/trace/?kit_lot=KIT-A17").content.decode()
    assert client_for(staff["researcher"]).get("/procedures/").status_code == 403
