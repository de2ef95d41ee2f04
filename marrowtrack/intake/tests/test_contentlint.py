"""The content linter blocks banned claims in consent documents and patient-facing text."""

from __future__ import annotations

from pathlib import Path

import pytest

from marrowtrack.intake.contentlint import lint
from marrowtrack.intake.models import ConsentDocument

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "intake"
# Templates a patient reads or receives (screen, tablet, PDF).
PATIENT_FACING = [
    "consent_detail.html",
    "consent_print.html",
    "_consent_text.html",
    "instructions.html",
    "instructions_print.html",
    "_instructions_body.html",
]


@pytest.mark.parametrize(
    "text",
    [
        "No risk of rejection",
        "a risk-free procedure",
        "This cures arthritis",
        "It regrows cartilage",
        "FDA-approved stem cells",
        "Results guaranteed",
        "proven effective therapy",
    ],
)
def test_banned_claims_are_found(text):
    assert lint(text)


@pytest.mark.parametrize(
    "text",
    [
        "Secure storage; we procure kits",
        "This treatment is not known to rebuild cartilage.",
        "We cannot promise that you will improve.",
    ],
)
def test_honest_sentences_pass(text):
    assert lint(text) == []


@pytest.mark.django_db
def test_every_consent_document_passes_the_linter():
    documents = list(ConsentDocument.objects.all())
    assert documents
    for document in documents:
        assert lint(document.title + "\n" + document.body) == [], document.treatment


@pytest.mark.parametrize("name", PATIENT_FACING)
def test_every_patient_facing_template_passes_the_linter(name):
    assert lint((TEMPLATES / name).read_text()) == []


@pytest.mark.django_db
def test_the_bmac_consent_states_the_real_risks_and_the_evidence():
    body = ConsentDocument.objects.get(treatment="bmac", version=1).body
    for needed in (
        "haematoma",
        "2 to 5 days",
        "vasovagal",
        "radiation",
        "Infection",
        "12 in 100",
        "1.5 in 100",
        "saline",
        "recommends against",
    ):
        assert needed in body
