"""The team sees allergies, blood thinners and their last dose, the weight and its date and
the eligibility flags on the encounter page and in each time-out; a chlorhexidine allergy
switches the skin-prep agent and the time-out records the agent confirmed (issue 9, item 4)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marrowtrack.core import clock
from marrowtrack.core.exceptions import SafetyRefusal, ValidationFailed
from marrowtrack.esign.services import signature_sign
from marrowtrack.intake.models import MedicationHold
from marrowtrack.procedures import services
from marrowtrack.procedures.models import TimeOut
from marrowtrack.procedures.safety import encounter_safety, prep_agent_for
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD, AllergyFactory, MedicationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("allergies", "agent"),
    [
        ([], "chlorhexidine"),
        (["Penicillin"], "chlorhexidine"),
        (["Chlorhexidine gluconate"], "povidone_iodine"),
        (["chlorhexidine", "Povidone-iodine (Betadine)"], "alcohol"),
        (["Isopropyl alcohol"], "povidone_iodine"),
    ],
)
def test_the_prep_agent_is_the_first_the_allergies_allow(allergies, agent) -> None:
    assert prep_agent_for(allergies).code == agent


def test_no_agent_is_offered_when_every_agent_is_an_allergy() -> None:
    assert prep_agent_for(["chlorhexidine", "iodine", "alcohol"]) is None


@pytest.fixture
def apixaban_and_chlorhexidine(patient, plan, staff):
    AllergyFactory(
        patient=patient, category="antiseptic", substance="Chlorhexidine", reaction="hives"
    )
    apixaban = MedicationFactory(
        patient=patient,
        name="Apixaban",
        drug_class="anticoagulant",
        agent="apixaban",
        dose="5 mg twice daily",
    )
    today = clock.today()
    MedicationHold.objects.create(
        plan=plan,
        medication=apixaban,
        last_dose_on=today - timedelta(days=3),
        restart_on=today + timedelta(days=1),
        procedure_on=today,  # a hold plan is for one day (ADR 0024)
        prescriber="Dr Cardiologist",
        recorded_by=staff["physician"],
        signature=_signature(staff["physician"], plan),
    )
    # New facts since the approval: the physician screens and decides again (the check-in's
    # re-check on the day refuses a flag the decision has not seen).
    scenario.approve(plan, by=staff["physician"])
    return patient


def _signature(user, record):
    return signature_sign(
        user=user, password=PASSWORD, meaning="authored", record=record, content={"x": 1}
    )


def test_the_summary_reads_allergies_blood_thinners_weight_and_prep(
    apixaban_and_chlorhexidine, encounter
) -> None:
    safety = encounter_safety(encounter)
    assert [a.substance for a in safety.allergies] == ["Chlorhexidine"]
    [apixaban] = safety.blood_thinners
    assert apixaban.last_dose_on == clock.today() - timedelta(days=3)
    assert apixaban.restart_on == clock.today() + timedelta(days=1)
    assert safety.weight_kg is not None and safety.weight_measured_on is not None
    assert safety.prep_agent.code == "povidone_iodine"


def test_the_encounter_page_and_the_time_out_form_show_the_summary(
    apixaban_and_chlorhexidine, encounter, walk, staff, client_for
) -> None:
    walk(encounter, S.SITE_MARKED)
    html = client_for(staff["physician"]).get(f"/procedures/{encounter.public_id}/").content
    text = html.decode()
    assert text.count('data-testid="safety-summary"') == 2  # the page and the time-out
    assert "Chlorhexidine" in text and "Apixaban" in text
    last_dose = (clock.today() - timedelta(days=3)).isoformat()
    assert f"last dose <strong>{last_dose}</strong>" in text
    assert "70" in text and "measured" in text
    assert '<option value="povidone_iodine" selected>' in text


def test_a_time_out_refuses_chlorhexidine_for_an_allergic_patient(
    apixaban_and_chlorhexidine, encounter, walk, staff
) -> None:
    walk(encounter, S.SITE_MARKED)
    data = {
        "checklist": dict.fromkeys(TimeOut.ITEMS, True),
        "signers": [(staff["physician"], PASSWORD), (staff["nurse"], PASSWORD)],
    }
    go = lambda **extra: services.encounter_transition(  # noqa: E731
        encounter=encounter, to=S.TIMEOUT_1, by=staff["physician"], data={**data, **extra}
    )
    with pytest.raises(ValidationFailed, match="Povidone-iodine"):
        go()
    with pytest.raises(SafetyRefusal, match="allergic"):
        go(prep_agent="chlorhexidine")
    assert not TimeOut.objects.exists()
    go(prep_agent="povidone_iodine")
    timeout = TimeOut.objects.get()
    assert timeout.checklist["prep_agent"] == "povidone_iodine"
    step = encounter.steps.get(to_state=S.TIMEOUT_1.value)
    assert step.checklist["prep_agent"] == "povidone_iodine"
