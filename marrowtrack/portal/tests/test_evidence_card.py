"""The evidence card in the portal (issue 14 item 4): the patient sees the card of their own
conditions only, from their own clinic's registry, hidden below the minimum group (a
setting), and no sentence makes a claim."""

from __future__ import annotations

import re

import pytest
import time_machine

from marrowtrack.analytics.tests.registry import TODAY, plan_with, score
from marrowtrack.intake.contentlint import lint_html
from marrowtrack.intake.models import TreatmentPlan
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PatientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_today")]
FORBIDDEN = re.compile(r"cure|no risk|guaranteed|regrows cartilage|proven", re.IGNORECASE)


@pytest.fixture
def on_today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def registry(clinic, staff):
    """22 knee BMAC patients followed to 12 months, 3 shoulder BMAC patients."""
    for i in range(22):
        plan = plan_with(clinic, staff["physician"])
        score(plan, "baseline", 7)
        score(plan, "6m", 3 + i % 4)
        score(plan, "12m", 4)
    for _ in range(3):
        plan = plan_with(clinic, staff["physician"], condition="shoulder", target="subacromial")
        score(plan, "baseline", 6)


def _visible(html: str) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def _page(portal_client, patient) -> str:
    response = portal_client(patient).get("/portal/what-we-measured/")
    assert response.status_code == 200
    text = _visible(response.content.decode())
    assert not FORBIDDEN.search(text), FORBIDDEN.search(text)
    assert lint_html(response.content.decode()) == []
    return text


def test_the_patient_sees_the_card_of_their_own_condition(registry, patient, staff, portal_client):
    scenario.approved_plan(patient, by=staff["physician"])  # knee osteoarthritis, BMAC
    text = _page(portal_client, patient)
    assert "Knee osteoarthritis" in text
    assert "This clinic has treated 22 patients with a condition like yours this way." in text
    assert "At 6 months, " in text and "At 12 months, " in text
    assert "Shoulder" not in text


def test_another_patient_sees_only_theirs_and_a_small_group_is_hidden(
    registry, clinic, staff, portal_client
):
    other = PatientFactory(clinic=clinic)
    plan = scenario.approved_plan(other, by=staff["physician"], target="subacromial")
    TreatmentPlan.objects.filter(pk=plan.pk).update(condition="shoulder")
    text = _page(portal_client, other)
    assert "Knee" not in text and "Shoulder bursitis" in text
    assert (
        "This clinic has treated 3 patients like you with this treatment so far. Figures are "
        "shown from 20 patients on" in text
    )


def test_a_patient_without_a_plan_sees_no_card(registry, clinic, portal_client):
    text = _page(portal_client, PatientFactory(clinic=clinic))
    assert "There is nothing to show yet." in text and "treated" not in text


def test_a_patient_of_another_clinic_sees_only_their_clinics_figures(
    registry, other_clinic, make_user, portal_client
):
    elsewhere = PatientFactory(clinic=other_clinic)
    doctor = make_user("physician", at=other_clinic)
    scenario.approved_plan(elsewhere, by=doctor)
    text = _page(portal_client, elsewhere)
    assert "This clinic has treated 0 patients like you" in text
    assert "22" not in text


def test_the_minimum_group_is_a_setting(registry, patient, staff, portal_client, settings):
    settings.MARROWTRACK_EVIDENCE_MIN_GROUP = 25
    scenario.approved_plan(patient, by=staff["physician"])
    text = _page(portal_client, patient)
    assert "This clinic has treated 22 patients like you with this treatment so far." in text
    assert "Figures are shown from 25 patients on" in text
    assert "At 6 months" not in text


def test_the_portal_page_needs_a_portal_session(client_for, staff):
    response = client_for(staff["physician"]).get("/portal/what-we-measured/")
    assert response.status_code == 302 and "/portal/sign-in/" in response["Location"]


# The card's English sentences, any of which left on a Spanish page means a sentence was not
# translated (the lead-in of each generated sentence, the notes and the labels).
ENGLISH_OF_THE_CARD = (
    "This clinic has treated",
    "Figures are shown from",
    "Of the ",
    "answered it",
    "we do not know how",
    "At 6 months",
    "At 12 months",
    "reported an improvement",
    "The typical pain score",
    "Side effects or complications",
    "Serious ones",
    "later had surgery",
    "pain score",
    "These are this clinic's own measurements",
    "The figures count only",
    "Treatments were chosen",
    "Knee osteoarthritis",
    "Bone marrow concentrate",
    "Corticosteroid injection",
    "Reading these figures",
    "What this clinic measured",
)


def _spanish(patient):
    patient.preferred_language = "es"
    patient.save(update_fields=["preferred_language"])
    return patient


def _no_english_left(text: str) -> None:
    left = [words for words in ENGLISH_OF_THE_CARD if words in text]
    assert not left, left


def test_a_spanish_speaker_reads_the_whole_card_in_spanish(registry, patient, staff, portal_client):
    scenario.approved_plan(_spanish(patient), by=staff["physician"])  # knee osteoarthritis, BMAC
    html = portal_client(patient).get("/portal/what-we-measured/").content.decode()
    text = _page(portal_client, patient)
    assert 'lang="es"' in html
    assert "Lo que midió esta clínica en pacientes como usted" in text
    assert "Artrosis de rodilla" in text and "Concentrado de médula ósea (BMAC)" in text
    assert (
        "Esta clínica ha dado este tratamiento a 22 pacientes con una afección como la suya."
        in text
    )
    assert (
        "De los 22 pacientes que ya debían responder la encuesta de los 6 meses, 22 la "
        "respondieron." in text
    )
    assert "A los 6 meses, " in text and "A los 12 meses, " in text
    # Numbers as Spanish writes them: a decimal comma, a (no-break) space before the percent.
    assert re.search(r"\(\d+\u00a0%\)", html) and not re.search(r"\d%", text)
    assert re.search(r"bajó \d+,\d puntos en la escala de 0 a 10", text)
    assert "Son mediciones propias de esta clínica, no una promesa" in text
    _no_english_left(text)


def test_a_hidden_group_says_why_in_spanish(registry, clinic, staff, portal_client):
    other = _spanish(PatientFactory(clinic=clinic))
    plan = scenario.approved_plan(other, by=staff["physician"], target="subacromial")
    TreatmentPlan.objects.filter(pk=plan.pk).update(condition="shoulder")
    text = _page(portal_client, other)
    assert "Bursitis del hombro / manguito rotador" in text
    assert (
        "Hasta ahora, esta clínica ha dado este tratamiento a 3 pacientes como usted. Las cifras "
        "se muestran a partir de 20 pacientes, porque con grupos más pequeños los números pueden "
        "dar una idea equivocada." in text
    )
    assert "A los 6 meses" not in text
    _no_english_left(text)


def test_a_spanish_speakers_card_is_still_english_for_the_staff(
    registry, patient, staff, client_for
):
    plan = scenario.approved_plan(_spanish(patient), by=staff["physician"])
    html = client_for(staff["physician"]).get(f"/analytics/evidence/{plan.public_id}/")
    text = _visible(html.content.decode())
    assert "This clinic has treated 22 patients with a condition like yours this way." in text
    assert "Esta clínica" not in text and "pacientes" not in text
