"""API tokens end on password change, reset, deactivation and log-out; a person and their
clinic administrator list and revoke them (page and API)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from marrowtrack.accounts.models import ApiToken
from marrowtrack.accounts.services import api_token_issue, password_change
from marrowtrack.accounts.staff import staff_reset_credentials, staff_update
from marrowtrack.audit.models import AuditEvent
from marrowtrack.core import clock
from marrowtrack.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-much-longer-passphrase"


def _api(secret: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"})


def _works(secret: str) -> bool:
    return _api(secret).get("/api/v1/patients/").status_code == 200


def test_a_password_change_revokes_every_token(staff) -> None:
    nurse = staff["nurse"]
    _, secret = api_token_issue(user=nurse)
    password_change(user=nurse, old_password=PASSWORD, new_password=NEW_PASSWORD)
    assert not _works(secret)
    assert ApiToken.objects.get().revoked_reason == "password changed"


def test_a_reset_by_the_administrator_revokes_every_token(staff) -> None:
    _, secret = api_token_issue(user=staff["nurse"])
    staff_reset_credentials(by=staff["clinic_admin"], user=staff["nurse"])
    assert not _works(secret)


def test_deactivation_revokes_every_token(staff) -> None:
    _, secret = api_token_issue(user=staff["nurse"])
    staff_update(by=staff["clinic_admin"], user=staff["nurse"], role="nurse", is_active=False)
    assert ApiToken.objects.get().revoked_reason == "account deactivated"
    assert not _works(secret)


def test_logging_out_of_the_web_revokes_every_token(staff, client_for) -> None:
    _, secret = api_token_issue(user=staff["nurse"])
    client_for(staff["nurse"]).post(reverse("accounts:logout"))
    assert not _works(secret)


def test_api_logout_revokes_the_token_it_was_sent_with(staff) -> None:
    _, first = api_token_issue(user=staff["nurse"])
    _, second = api_token_issue(user=staff["nurse"])
    response = _api(first).post("/api/v1/auth/logout")
    assert response.json() == {"revoked": 1}
    assert (_works(first), _works(second)) == (False, True)


def test_a_person_lists_and_revokes_their_own_tokens_by_api(staff) -> None:
    token, secret = api_token_issue(user=staff["nurse"])
    other, _ = api_token_issue(user=staff["nurse"])
    listed = _api(secret).get("/api/v1/auth/tokens").json()
    assert {item["id"] for item in listed["items"]} == {str(token.public_id), str(other.public_id)}
    response = _api(secret).post(f"/api/v1/auth/tokens/{other.public_id}/revoke")
    assert response.json() == {"revoked": 1}
    assert AuditEvent.objects.filter(name="token.revoke").exists()


def test_the_administrator_lists_and_revokes_a_staff_members_tokens(staff) -> None:
    token, _ = api_token_issue(user=staff["nurse"])
    _, admin_secret = api_token_issue(user=staff["clinic_admin"])
    api = _api(admin_secret)
    listed = api.get("/api/v1/auth/tokens", {"user": str(staff["nurse"].public_id)}).json()
    assert [item["id"] for item in listed["items"]] == [str(token.public_id)]
    assert api.post(f"/api/v1/auth/tokens/{token.public_id}/revoke").json() == {"revoked": 1}


def test_a_colleague_may_not_revoke_or_list_someone_elses_tokens(staff) -> None:
    token, _ = api_token_issue(user=staff["nurse"])
    _, secret = api_token_issue(user=staff["physician"])
    assert _api(secret).post(f"/api/v1/auth/tokens/{token.public_id}/revoke").status_code == 403
    listed = _api(secret).get("/api/v1/auth/tokens", {"user": str(staff["nurse"].public_id)})
    assert listed.status_code == 403


def test_another_clinics_administrator_gets_404(staff, make_user, other_clinic) -> None:
    token, _ = api_token_issue(user=staff["nurse"])
    _, secret = api_token_issue(user=make_user("clinic_admin", at=other_clinic))
    assert _api(secret).post(f"/api/v1/auth/tokens/{token.public_id}/revoke").status_code == 404
    listed = _api(secret).get("/api/v1/auth/tokens", {"user": str(staff["nurse"].public_id)})
    assert listed.status_code == 404


def test_the_tokens_page_lists_and_revokes_ones_own(staff, client_for, outsider) -> None:
    token, _ = api_token_issue(user=staff["nurse"])
    client = client_for(staff["nurse"])
    assert "Revoke" in client.get(reverse("accounts:tokens")).content.decode()
    other_client = client_for(outsider)
    url = reverse("accounts:token-revoke", args=[token.public_id])
    assert other_client.post(url).status_code == 404
    assert client.post(url).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_administrator_revokes_all_of_a_members_tokens_from_the_staff_page(
    staff, client_for
) -> None:
    api_token_issue(user=staff["nurse"])
    url = reverse("accounts:staff-tokens-revoke", args=[staff["nurse"].public_id])
    assert client_for(staff["physician"]).post(url).status_code == 403
    client_for(staff["clinic_admin"]).post(url)
    assert not ApiToken.objects.filter(revoked_at__isnull=True).exists()


def test_last_use_is_written_once_a_minute_not_on_every_request(staff) -> None:
    from datetime import timedelta

    import time_machine

    from marrowtrack.accounts.services import api_token_user
    from marrowtrack.core import clock

    token, secret = api_token_issue(user=staff["nurse"])
    start = clock.now()
    with time_machine.travel(start, tick=False):
        api_token_user(secret)
        first = ApiToken.objects.get(pk=token.pk).last_used_at
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        api_token_user(secret)
        assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        api_token_user(secret)
        assert ApiToken.objects.get(pk=token.pk).last_used_at == start + timedelta(minutes=2)


def test_a_token_stops_working_the_moment_it_expires(staff) -> None:
    token, secret = api_token_issue(user=staff["nurse"])
    assert _works(secret)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=clock.now() + timedelta(seconds=30))
    assert _works(secret)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=clock.now())
    assert not _works(secret)


def test_a_revoked_token_and_a_deactivated_users_token_are_refused(staff) -> None:
    token, secret = api_token_issue(user=staff["nurse"])
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=clock.now())
    assert not _works(secret)
    physician = staff["physician"]
    _, other = api_token_issue(user=physician)
    assert _works(other)
    type(physician).objects.filter(pk=physician.pk).update(is_active=False)
    assert not _works(other)


@pytest.mark.parametrize("limit", [1, 2, 3, 5])
def test_the_first_page_of_tokens_is_the_general_keyset_page(staff, limit, monkeypatch) -> None:
    """The first page comes from a prepared query (issue 17): the same rows, order (ties on
    the creation time broken by id) and cursor as `keyset_page`, without building it."""
    from marrowtrack.accounts import selectors
    from marrowtrack.core.pagination import keyset_page

    nurse = staff["nurse"]
    tokens = [api_token_issue(user=nurse)[0] for _ in range(4)]
    ApiToken.objects.filter(pk__in=[t.pk for t in tokens[:2]]).update(created_at=clock.now())
    api_token_issue(user=staff["physician"])  # someone else's: never listed
    general = keyset_page(selectors.tokens_of(nurse), limit=limit)

    def general_path(*args, **kwargs):
        raise AssertionError("the first page took the general keyset path")

    monkeypatch.setattr(selectors, "keyset_page", general_path)
    first = selectors.tokens_page(nurse, cursor="", limit=limit, with_count=False)
    assert [t.pk for t in first.items] == [t.pk for t in general.items]
    assert {t.user.pk for t in first.items} == {nurse.pk}
    assert (first.next_cursor, first.count) == (general.next_cursor, general.count)
