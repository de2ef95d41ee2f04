"""The claims linter (issue 8 item 17): it blocks the full list of domain.md §6, lets
honest denials through, and runs over every patient-facing text intake produces."""

from __future__ import annotations

from pathlib import Path

import pytest

from marrowtrack.intake.contentlint import assert_no_claims, html_text, lint, lint_html
from marrowtrack.intake.models import ConsentDocument

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "intake"
# Templates a patient reads or receives (screen, tablet, PDF).
PATIENT_FACING = [
    "consent_detail.html",
    "consent_print.html",
    "_consent_text.html",
    "_consent_plan.html",
    "instructions.html",
    "instructions_print.html",
    "_instructions_body.html",
]


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("No risk of rejection", "no risk"),
        ("There are no risks.", "no risk"),
        ("a risk-free procedure", "risk-free"),
        ("This is a risk free option", "risk-free"),
        ("There are no side effects", "no side effects"),
        ("a treatment without any side-effects", "no side effects"),
        ("BMAC is safe and effective", "safe and effective"),
        ("This cures arthritis", "cure"),
        ("a curative injection", "cure"),
        ("Results guaranteed", "guaranteed"),
        ("We guarantee relief", "guaranteed"),
        ("proven effective therapy", "proven"),
        ("clinically proven to reduce pain", "proven"),
        ("It regrows cartilage", "regrows cartilage"),
        ("it regenerates damaged cartilage", "regrows cartilage"),
        ("the cells repair tissue", "regrows cartilage"),
        ("rebuilds the joint", "regrows cartilage"),
        ("FDA-approved stem cells", "FDA-approved"),
        ("an FDA cleared procedure", "FDA-approved"),
        ("approved by the FDA for knee pain", "FDA-approved"),
        ("our stem cell therapy", "stem cell therapy"),
        ("stem-cell treatments for the knee", "stem cell therapy"),
        ("using your own stem cells", "your own stem cells"),
        ("Your stem cells heal you", "your own stem cells"),
        ("100% success", "100 % success"),
        ("100 percent success rate", "100 % success"),
        ("permanent results", "permanent results"),
        ("permanent relief from pain", "permanent results"),
    ],
)
def test_every_claim_of_domain_section_6_is_blocked(text: str, phrase: str) -> None:
    assert phrase in {problem.phrase for problem in lint(text)}


@pytest.mark.parametrize(
    "text",
    [
        "Secure storage; we procure kits",
        "This treatment is not known to rebuild cartilage.",
        "We cannot promise that you will improve.",
        "Cortisone reduces inflammation and pain; it does not repair tissue.",
        "Bone marrow concentrate is not approved by the US Food and Drug Administration (FDA).",
        "It is not FDA-approved for any orthopaedic condition.",
        "This is not a cure.",
        "Its benefit has not been proven in trials.",
        "We cannot guarantee any result.",
        "BMAC is not a stem cell therapy: it is a mixed-cell product.",
        "The guideline recommends against stem-cell injections for knee osteoarthritis.",
    ],
)
def test_honest_sentences_that_deny_a_claim_pass(text: str) -> None:
    assert lint(text) == []


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Este tratamiento cura la artrosis", "cura"),
        ("Esperamos que le curen", "cura"),
        ("una inyección curativa", "cura"),
        ("la curación de su rodilla", "cura"),
        ("Un procedimiento sin riesgo", "sin riesgo"),
        ("No tiene ningún riesgo", "sin riesgo"),
        ("libre de riesgos", "sin riesgo"),
        ("sin efectos secundarios", "sin efectos secundarios"),
        ("no causa ningún efecto adverso", "sin efectos secundarios"),
        ("El BMAC es seguro y eficaz", "seguro y eficaz"),
        ("Resultados garantizados", "garantizado"),
        ("Le garantizamos el alivio", "garantizado"),
        ("clínicamente probado", "probado"),
        ("una eficacia probada", "probado"),
        ("Regenera el cartílago", "regenera el cartílago"),
        ("repara el tejido dañado", "regenera el cartílago"),
        ("hace crecer el cartílago", "regenera el cartílago"),
        ("el cartílago se regenera", "regenera el cartílago"),
        ("aprobado por la FDA", "aprobado por la FDA"),
        ("nuestra terapia con células madre", "terapia con células madre"),
        ("con sus propias células madre", "sus propias células madre"),
        ("100 % de éxito", "100 % de éxito"),
        ("resultados permanentes", "resultados permanentes"),
        ("alivio permanente del dolor", "resultados permanentes"),
    ],
)
def test_the_same_claims_are_blocked_in_spanish(text: str, phrase: str) -> None:
    assert phrase in {problem.phrase for problem in lint(text)}


@pytest.mark.parametrize(
    "text",
    [
        "No es una cura.",
        "Su beneficio no se ha probado en ensayos.",
        "No podemos garantizar ningún resultado.",
        "El concentrado de médula ósea no está aprobado por la FDA.",
        "No se sabe que regenere el cartílago.",
        "El BMAC no es una terapia con células madre: es una mezcla de células.",
        "Todo procedimiento tiene riesgos.",
        "¿Ha probado otros tratamientos antes?",
        "Si quiere, póngase una curita nueva.",
        "This is not a cure, and it is not guaranteed.",
        "Se registraron efectos secundarios o complicaciones 2 veces en 25 procedimientos.",
    ],
)
def test_honest_spanish_sentences_pass(text: str) -> None:
    assert lint(text) == []


def test_a_spanish_claim_is_not_excused_by_a_negation_in_another_sentence() -> None:
    assert lint("No tenemos prisa. Esto cura la artrosis.")


def test_a_negation_in_another_sentence_does_not_excuse_a_claim() -> None:
    assert lint("We do not rush. It cures arthritis.")


def test_html_is_read_as_the_patient_sees_it() -> None:
    html = "<p>Nothing is <em>proven</em></p><script>var cure = 1;</script><li>No risk</li>"
    assert html_text(html) == "Nothing is proven. No risk."
    assert {p.phrase for p in lint_html(html)} == {"proven", "no risk"}


def test_assert_no_claims_names_where_the_claim_is() -> None:
    with pytest.raises(AssertionError, match="leaflet: 'cure'"):
        assert_no_claims([("ok", "Fine."), ("leaflet", "This cures you.")])


@pytest.mark.django_db
def test_every_version_of_every_consent_document_passes_the_linter() -> None:
    documents = list(ConsentDocument.objects.all())
    assert {d.version for d in documents} >= {1, 2}
    assert_no_claims((f"{d.treatment} v{d.version}", d.title + "\n" + d.body) for d in documents)


@pytest.mark.parametrize("name", PATIENT_FACING)
def test_every_patient_facing_template_passes_the_linter(name: str) -> None:
    assert lint((TEMPLATES / name).read_text()) == []
