"""The harvest side is checked against the plan and its consent, and a wrong entry is
corrected by a signed, audited amendment (issue 9, item 1)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from marrowtrack.audit.models import AuditAction, AuditEvent
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.esign.services import SignatureRefused
from marrowtrack.lab.models import Container
from marrowtrack.procedures import services
from marrowtrack.procedures.models import HarvestAmendment, HarvestRecord
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.procedures.tests.test_api import Api
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def harvesting(plan, encounter, walk, staff):
    """A plan whose consent names the LEFT posterior iliac crest, at the harvest."""
    plan.harvest_side = "left"
    plan.save(update_fields=["harvest_side"])
    walk(encounter, S.LOCAL_ANESTHESIA)
    services.encounter_transition(encounter=encounter, to=S.HARVESTING, by=staff["physician"])
    return encounter


def _record(encounter, by, side="l_pic", **extra):
    return services.harvest_record(
        encounter=encounter, by=by, data={**scenario.harvest_data(side=side), **extra}
    )


def test_a_harvest_on_the_other_side_than_the_plan_is_refused_and_audited(
    harvesting, staff
) -> None:
    with pytest.raises(SafetyRefusal, match="not the side the plan and consent name"):
        _record(harvesting, staff["physician"], side="r_pic")
    assert not HarvestRecord.objects.exists()
    refusal = AuditEvent.objects.filter(action=AuditAction.REFUSED).latest("sequence")
    assert "Right posterior iliac crest" in refusal.reason
    assert refusal.extra["planned_side"] == "l_pic"


def test_a_different_side_needs_the_physicians_password_to_sign_the_reason(
    harvesting, staff
) -> None:
    with pytest.raises(ValidationFailed) as unsigned:
        _record(harvesting, staff["physician"], side="r_pic", side_reason="left crest scarred")
    assert "side_password" in unsigned.value.errors
    with pytest.raises(SignatureRefused):
        _record(
            harvesting,
            staff["physician"],
            side="r_pic",
            side_reason="left crest scarred",
            side_password="wrong",
        )
    assert not HarvestRecord.objects.exists()


def test_a_signed_reason_records_the_other_side_and_header_record_and_audit_agree(
    harvesting, staff
) -> None:
    harvest = _record(
        harvesting,
        staff["physician"],
        side="r_pic",
        side_reason="Left crest scarred from an old graft",
        side_password=PASSWORD,
    )
    harvesting.refresh_from_db()
    assert (harvest.side, harvest.planned_side) == ("r_pic", "l_pic")
    assert harvesting.harvest_side == "r_pic"
    assert harvest.side_signature.signer == staff["physician"]
    event = AuditEvent.objects.filter(action=AuditAction.CREATE, entity_id=str(harvest.public_id))
    assert event.get().extra["side"] == "r_pic"
    assert any("not the planned" in w for w in harvest.warnings)


def test_the_planned_side_is_recorded_without_a_signature(harvesting, staff) -> None:
    harvest = _record(harvesting, staff["physician"])
    assert (harvest.side, harvest.planned_side, harvest.side_signature) == ("l_pic", "l_pic", None)


def test_consent_on_a_side_the_plan_does_not_name_is_refused(plan, encounter, walk, staff):
    plan.harvest_side = "right"
    plan.save(update_fields=["harvest_side"])
    with pytest.raises(SafetyRefusal, match="Right posterior iliac crest"):
        walk(encounter, S.CONSENTED)


def test_a_wrong_side_is_corrected_by_a_signed_amendment_that_keeps_the_original(
    harvesting, staff
) -> None:
    harvest = _record(harvesting, staff["physician"])
    amendment = services.harvest_side_amend(
        harvest=harvest,
        by=staff["physician"],
        side="r_pic",
        reason="Entered the wrong side: harvested right",
        password=PASSWORD,
    )
    harvest.refresh_from_db()
    harvesting.refresh_from_db()
    assert (amendment.old_value, amendment.new_value) == ("l_pic", "r_pic")
    assert amendment.signature.signer == staff["physician"] and amendment.amended_by_id
    assert harvest.side == harvesting.harvest_side == "r_pic"
    aspirate = Container.objects.get(encounter=harvesting, kind=Container.Kind.ASPIRATE)
    assert aspirate.collected_from == "Right posterior iliac crest"
    event = AuditEvent.objects.get(name="harvest.amend")
    assert event.changes["side"] == {"old": "l_pic", "new": "r_pic"}
    assert event.reason == "Entered the wrong side: harvested right"


def test_an_amendment_needs_a_reason_a_new_side_and_the_right_password(harvesting, staff):
    harvest = _record(harvesting, staff["physician"])
    amend = lambda **kw: services.harvest_side_amend(  # noqa: E731
        harvest=harvest, by=staff["physician"], **{"password": PASSWORD, **kw}
    )
    with pytest.raises(ValidationFailed) as bad:
        amend(side="l_pic", reason="")
    assert set(bad.value.errors) == {"side", "reason"}
    with pytest.raises(SignatureRefused):
        amend(side="r_pic", reason="wrong side entered", password="nope")
    assert not HarvestAmendment.objects.exists()
    harvest.refresh_from_db()
    assert harvest.side == "l_pic"


def test_a_nurse_cannot_sign_a_harvest_side_amendment(harvesting, staff) -> None:
    harvest = _record(harvesting, staff["physician"])
    with pytest.raises(PermissionDenied):
        services.harvest_side_amend(
            harvest=harvest, by=staff["nurse"], side="r_pic", reason="wrong", password=PASSWORD
        )
    with pytest.raises(PermissionDenied):
        _record(harvesting, staff["nurse"], side="r_pic", side_reason="x" * 6, side_password="p")


def test_a_second_harvest_entry_points_to_the_amendment(harvesting, staff) -> None:
    _record(harvesting, staff["physician"])
    with pytest.raises(DomainError, match="signed amendment"):
        _record(harvesting, staff["physician"])


def test_the_harvest_page_refuses_the_other_side_and_offers_the_amendment(
    client_for, harvesting, staff
) -> None:
    client = client_for(staff["physician"])
    url = f"/procedures/{harvesting.public_id}/harvest/"
    page = client.get(url).content.decode()
    assert "Planned side (plan and consent): Left posterior iliac crest" in page
    body = {k: v for k, v in scenario.harvest_data(side="r_pic").items() if v is not None}
    for name in ("started_at", "ended_at"):  # typed as the clinic's wall-clock time
        body[name] = clock.localtime(body[name], harvesting.clinic).strftime("%Y-%m-%dT%H:%M")
    refused = client.post(url, body)
    assert refused.status_code == 409
    assert "not the side the plan and consent name" in refused.content.decode()
    body["side"] = "l_pic"
    assert client.post(url, body).status_code == 302
    amended = client.post(
        f"{url}amend/", {"side": "r_pic", "reason": "wrong side entered", "password": PASSWORD}
    )
    assert amended.status_code == 302
    page = client.get(url).content.decode()
    assert "Left posterior iliac crest → <strong>Right posterior iliac crest</strong>" in page
    header = client.get(f"/procedures/{harvesting.public_id}/").content.decode()
    assert "Harvest: Right posterior iliac crest (amended)" in header
    assert "Plan: Left posterior iliac crest" in header


def test_the_amendment_endpoint_signs_and_refuses_an_outsider(harvesting, staff, outsider) -> None:
    _record(harvesting, staff["physician"])
    path = f"/procedures/encounters/{harvesting.public_id}/harvest/amendments"
    body = {"side": "r_pic", "reason": "wrong side entered", "password": PASSWORD}
    assert Api(outsider).post(path, body).status_code == 404
    assert Api(staff["nurse"]).post(path, body).status_code == 403
    assert Api(staff["physician"]).post(path, {**body, "password": "x"}).status_code == 409
    done = Api(staff["physician"]).post(path, body)
    assert done.status_code == 201, done.json()
    assert (done.json()["old_value"], done.json()["new_value"]) == ("l_pic", "r_pic")


def test_the_harvest_endpoint_refuses_the_other_side_without_a_signed_reason(
    harvesting, staff
) -> None:
    body = {k: str(v) for k, v in scenario.harvest_data(side="r_pic").items()}
    path = f"/procedures/encounters/{harvesting.public_id}/harvest"
    refused = Api(staff["physician"]).post(path, body)
    assert refused.status_code == 409, refused.json()
    body.update(side_reason="Left crest scarred", side_password=PASSWORD)
    done = Api(staff["physician"]).post(path, body)
    assert done.status_code == 201, done.json()
    assert done.json()["side"] == "r_pic" and done.json()["planned_side"] == "l_pic"
