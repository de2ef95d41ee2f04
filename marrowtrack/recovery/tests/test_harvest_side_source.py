"""The wound-care instructions read the harvest side from the procedure day, so a signed
amendment of the side reaches them (ADR 0024): recovery keeps no copy of it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marrowtrack.audit.models import AuditEvent
from marrowtrack.procedures import services
from marrowtrack.procedures.states import ProcedureState as S
from marrowtrack.recovery.documents import discharge_for
from marrowtrack.recovery.models import RecoveryCourse
from marrowtrack.testing import scenario
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def treated(patient, staff):
    plan = scenario.approved_plan(patient, by=staff["physician"])
    encounter = scenario.check_in(plan, staff["nurse"])
    scenario.walk_to(encounter, S.INJECTED, staff, PASSWORD)
    return encounter, RecoveryCourse.objects.get(plan=plan)


def _amend_to_right(encounter, staff):
    return services.harvest_side_amend(
        harvest=encounter.harvest,
        by=staff["physician"],
        side="r_pic",
        reason="Recorded on the wrong side: the right crest was used",
        password=PASSWORD,
    )


def test_the_amended_side_reaches_the_wound_care_instructions(treated, staff) -> None:
    encounter, course = treated
    assert "left hip" in discharge_for(course).harvest_side_label
    amendment = _amend_to_right(encounter, staff)
    course = RecoveryCourse.objects.get(pk=course.pk)
    assert course.harvest_side == "r_pic"
    assert "right hip" in discharge_for(course).harvest_side_label
    event = AuditEvent.objects.get(name="harvest.amend")
    assert event.extra["amendment"] == str(amendment.public_id)


def test_the_discharge_page_shows_the_amended_side(treated, staff, client_for) -> None:
    encounter, course = treated
    _amend_to_right(encounter, staff)
    page = client_for(staff["nurse"]).get(reverse("recovery:discharge", args=[course.public_id]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "right hip" in text and "left hip" not in text
