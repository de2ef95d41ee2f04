"""The plan page after an edit that sent an approved, consented plan back to draft (journey
review of issue 9): the voided consent says why in words, and the old approval is marked
superseded (when, by whom) rather than shown as the current decision."""

from __future__ import annotations

import pytest

from marrowtrack.intake.models import Consent, TreatmentPlan
from marrowtrack.intake.services import consent as consent_svc
from marrowtrack.intake.services import plans, screening
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def consented(make_plan, staff) -> TreatmentPlan:
    plan = make_plan()  # BMAC, left knee, harvest from the right crest
    screening.screening_run(plan=plan, by=staff["nurse"])
    screening.eligibility_decide(
        plan=plan, by=staff["physician"], verdict="approve", password=PASSWORD
    )
    consent = consent_svc.consent_start(plan=plan, by=staff["nurse"])
    consent = consent_svc.consent_patient_sign(
        consent=consent, by=staff["nurse"], typed_name="Rosa Núñez", signature="click"
    )
    consent_svc.consent_witness(consent=consent, by=staff["physician"], password=PASSWORD)
    plan.refresh_from_db()
    assert plan.status == TreatmentPlan.Status.APPROVED
    return plan


def _edit(plan: TreatmentPlan, by, **data) -> TreatmentPlan:
    plans.plan_update(plan=plan, by=by, data=data, version=plan.version)
    plan.refresh_from_db()
    return plan


def test_a_voided_consent_says_what_changed_in_words(consented, staff) -> None:
    _edit(consented, staff["physician"], harvest_side="left")
    consent = consented.consents.get()
    assert consent.status == Consent.Status.INVALIDATED
    assert consent.invalidated_reason.startswith("Harvest side changed from right to left")
    assert "harvest_side" not in consent.invalidated_reason


def test_the_plan_page_shows_the_reason_in_words(client_for, consented, staff) -> None:
    _edit(consented, staff["physician"], harvest_side="left", laterality="right")
    page = client_for(staff["nurse"]).get(consented.get_absolute_url()).content.decode()
    said = "Laterality changed from left to right; harvest side changed from right to left"
    assert said in page
    assert "harvest_side" not in page


def test_a_long_list_of_changes_still_fits_the_reason_field() -> None:
    changes = {
        name: {"old": "x" * 60, "new": "y" * 60}
        for name in ("target_level", "condition", "treatment")
    }
    reason = plans.consent_void_reason(changes, list(changes))
    assert len(reason) <= Consent._meta.get_field("invalidated_reason").max_length
    assert reason.startswith("Changed after consent: target level, condition, treatment.")


def test_an_approval_left_behind_by_an_edit_is_marked_superseded(
    client_for, consented, staff
) -> None:
    page = client_for(staff["nurse"]).get(consented.get_absolute_url()).content.decode()
    assert "superseded" not in page.lower()
    _edit(consented, staff["physician"], harvest_side="left")
    assert consented.status == TreatmentPlan.Status.DRAFT
    page = client_for(staff["nurse"]).get(consented.get_absolute_url()).content.decode()
    assert "<h3>Decision (superseded)</h3>" in page
    assert 'id="decision-superseded"' in page
    assert f"by {staff['physician'].printed_name}" in page
    assert "(harvest side)" in page
    assert "needs a new screening and decision" in page


def test_a_new_decision_after_the_edit_is_current_again(client_for, consented, staff) -> None:
    _edit(consented, staff["physician"], harvest_side="left")
    screening.screening_run(plan=consented, by=staff["nurse"])
    screening.eligibility_decide(
        plan=consented, by=staff["physician"], verdict="approve", password=PASSWORD
    )
    page = client_for(staff["nurse"]).get(consented.get_absolute_url()).content.decode()
    assert "superseded" not in page.lower()


# Consents voided before the reasons were written in words keep the field's code name.
OLD_REASON = "harvest_side changed after consent (target_level, laterality): consent again."


def _voided_before_the_fix(plan: TreatmentPlan) -> Consent:
    consent = plan.consents.get()
    Consent.objects.filter(pk=consent.pk).update(
        status=Consent.Status.INVALIDATED, invalidated_reason=OLD_REASON
    )
    return consent


def test_an_old_stored_reason_reads_in_words_on_the_plan_and_consent_pages(
    client_for, consented, staff
) -> None:
    consent = _voided_before_the_fix(consented)
    client = client_for(staff["nurse"])
    said = "Harvest side changed after consent (target level, laterality): consent again."
    for url in (consented.get_absolute_url(), consent.get_absolute_url()):
        page = client.get(url).content.decode()
        assert said in page, url
        assert "harvest_side" not in page and "target_level" not in page, url


def test_an_old_stored_reason_reads_in_words_in_the_api(consented, staff) -> None:
    from marrowtrack.intake.tests.test_api import Api

    consent = _voided_before_the_fix(consented)
    body = Api(staff["nurse"]).get(f"/consents/{consent.public_id}").json()
    assert body["invalidated_reason"].startswith("Harvest side changed after consent (target")


def test_words_that_name_no_plan_field_are_left_as_they_are() -> None:
    from marrowtrack.intake.models.consent import reason_in_words

    said = reason_in_words("superseded by version 3 of the consent document; some_other_code")
    assert said == "Superseded by version 3 of the consent document; some_other_code"
