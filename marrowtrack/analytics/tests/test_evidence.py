"""The patient evidence card: numbers from the registry, hidden below the minimum group,
comparator beside when large enough, and no claim in any generated sentence."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.utils import translation

from marrowtrack.analytics.evidence import (
    CONDITION_LABELS,
    TREATMENT_LABELS,
    card_condition_label,
    evidence_card,
)
from marrowtrack.analytics.readmodel import Registry, ScoreRow
from marrowtrack.analytics.tests.registry import plan_row
from marrowtrack.intake.contentlint import assert_no_claims
from marrowtrack.intake.models import Treatment
from marrowtrack.patients.models import ReferralCondition

FORBIDDEN = ("cure", "no risk", "guaranteed", "regrows cartilage", "proven")
TREATED = date(2025, 1, 1)


def _registry(n_bmac: int, n_csi: int) -> Registry:
    plans, scores, followups, events, redo = {}, [], [], [], []
    for i in range(n_bmac + n_csi):
        treatment = "bmac" if i < n_bmac else "csi"
        plans[i] = plan_row(i, TREATED, treatment=treatment, prior_injections=1, bmi=28.0)
        scores.append(ScoreRow(i, "NPRS", "NPRS", "total", "baseline", 7.0, TREATED, ""))
        for code in ("6m", "12m"):
            followups.append(
                {
                    "plan_id": i,
                    "timepoint": code,
                    "shown_status": "completed" if i % 5 else "missed",
                    "censored_reason": "",
                    "censored_on": None,
                }
            )
            if i % 5:
                scores.append(
                    ScoreRow(i, "NPRS", "NPRS", "total", code, float(3 + i % 4), TREATED, "")
                )
    events.append(
        {
            "plan_id": 0,
            "event_type": "haematoma",
            "serious": False,
            "onset_on": TREATED,
            "status": "signed",
        }
    )
    redo.append(
        {"plan_id": 1, "kind": "arthroplasty", "performed_on": date(2025, 9, 1), "source": "staff"}
    )
    return Registry(date(2026, 6, 1), plans, scores, followups, events, redo)


def _card(n_bmac, n_csi, **kw):
    kw.setdefault("condition_label", "Knee osteoarthritis")
    return evidence_card(_registry(n_bmac, n_csi), condition="knee_oa", **kw)


def _check_words(card):
    texts = card.texts()
    assert_no_claims([(f"sentence {n}", t) for n, t in enumerate(texts)])
    for text in texts:
        for word in FORBIDDEN:
            assert word not in text.lower(), (word, text)


def test_a_large_enough_group_shows_its_own_numbers_and_no_claim():
    card = _card(25, 0)
    _check_words(card)
    bmac = card.sections[0]
    assert not bmac.hidden and len(card.sections) == 1
    text = " ".join(bmac.sentences)
    assert "This clinic has treated 25 patients" in text
    assert "Of the 25 patients due a 6-month survey, 20 answered it" in text
    assert "1 of the 25 later had surgery or a joint replacement" in text
    assert "Side effects or complications were recorded 1 time in 25 procedures" in text


def test_below_the_minimum_group_the_figures_are_hidden_and_the_card_says_why():
    card = _card(19, 0)
    _check_words(card)
    assert card.sections[0].hidden
    assert card.sections[0].sentences == [
        "This clinic has treated 19 patients like you with this treatment so far. Figures are "
        "shown from 20 patients on, because smaller groups give numbers that can mislead."
    ]


def test_the_comparator_stands_beside_when_its_group_is_large_enough():
    card = _card(25, 22)
    _check_words(card)
    assert [s.treatment for s in card.sections] == ["bmac", "csi"]
    assert any("not assigned at random" in note for note in card.notes)
    assert not [s for s in card.sections if s.treatment == "csi" and s.hidden]


@pytest.mark.parametrize("n_bmac,n_csi", [(0, 0), (20, 5), (40, 40), (1, 30)])
def test_every_generated_sentence_passes_the_claims_linter(n_bmac, n_csi):
    _check_words(_card(n_bmac, n_csi))


@pytest.fixture
def knee_plan(clinic, staff):
    from marrowtrack.testing import scenario
    from marrowtrack.testing.factories import PatientFactory

    return scenario.approved_plan(PatientFactory(clinic=clinic), by=staff["physician"])


@pytest.mark.django_db
def test_the_consultation_page_loads_the_card_and_the_card_comes_alone_to_htmx(
    knee_plan, staff, client_for
):
    client = client_for(staff["physician"])
    page = client.get(f"/plans/{knee_plan.public_id}/").content.decode()
    url = f"/analytics/evidence/{knee_plan.public_id}/"
    assert f'hx-get="{url}"' in page and "What this clinic measured in patients like this" in page
    fragment = client.get(url, headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert fragment.status_code == 200
    assert 'id="evidence-card"' in html and "<html" not in html
    assert "This clinic has treated 0 patients like you" in html
    assert not re.search(r"cure|no risk|guaranteed|regrows cartilage|proven", html, re.I)


@pytest.mark.django_db
def test_the_card_is_for_clinical_readers_of_the_plans_clinic(
    knee_plan, staff, outsider, client_for
):
    url = f"/analytics/evidence/{knee_plan.public_id}/"
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(staff["lab_tech"]).get(url).status_code in (403, 404)
    assert client_for(staff["researcher"]).get(url).status_code in (403, 404)
    page = client_for(staff["lab_tech"]).get(f"/plans/{knee_plan.public_id}/")
    assert 'hx-get="/analytics/evidence/' not in page.content.decode()


def _spanish_card(n_bmac, n_csi, **kw):
    with translation.override("es"):
        return _card(n_bmac, n_csi, **kw)


@pytest.mark.parametrize("n_bmac,n_csi", [(0, 0), (19, 0), (25, 22), (40, 40), (1, 30)])
def test_every_spanish_sentence_passes_the_claims_linter_in_both_languages(n_bmac, n_csi):
    card = _spanish_card(n_bmac, n_csi)
    _check_words(card)  # the English list too: a sentence left untranslated would be caught
    assert_no_claims([(f"oración {n}", t) for n, t in enumerate(card.texts())])
    english = _card(n_bmac, n_csi).texts()
    assert not set(card.texts()) & set(english)  # every text of the card is translated


def test_spanish_plurals_follow_each_count():
    card = _spanish_card(25, 0)
    text = " ".join(card.sections[0].sentences)
    assert "De los 25 pacientes que ya debían responder la encuesta de los 6 meses, 20 la " in text
    assert "no sabemos cómo están los 5 restantes." in text
    assert "Se registraron efectos secundarios o complicaciones 1 vez en 25 procedimientos" in text
    assert "Que sepamos, 1 de los 25 tuvo después una operación" in text
    # Two patients (the minimum lowered for the test): one answered, one is not known about.
    pair = " ".join(_spanish_card(2, 0, min_group=2).sections[0].sentences)
    assert (
        "De los 2 pacientes que ya debían responder la encuesta de los 6 meses, 1 la respondió; "
        "no sabemos cómo está el paciente restante." in pair
    )
    assert "Esta clínica ha dado este tratamiento a 2 pacientes" in pair


def test_spanish_numbers_have_a_decimal_comma_and_a_spaced_percent_sign():
    text = " ".join(_spanish_card(25, 0).sections[0].sentences)
    assert re.search(r"\(\d+\u00a0%\)", text) and not re.search(r"\d%", text)
    assert re.search(r"alrededor de \d+,\d por cada 100 \(hasta \d+,\d\)", text)
    english = " ".join(_card(25, 0).sections[0].sentences)
    assert re.search(r"\(\d+%\)", english) and re.search(r"about \d+\.\d per 100", english)


def test_the_cards_labels_say_in_english_what_the_models_say():
    assert {code: str(label) for code, label in CONDITION_LABELS.items()} == {
        c.value: str(c.label) for c in ReferralCondition
    }
    assert {code: str(label) for code, label in TREATMENT_LABELS.items()} == {
        t.value: str(t.label) for t in Treatment
    }
    with translation.override("es"):
        assert card_condition_label("knee_oa") == "Artrosis de rodilla"
        assert _card(25, 0, condition_label=None).condition_label == "Artrosis de rodilla"
