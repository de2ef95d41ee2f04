"""The authorisation matrix: every page and API operation, for every principal, against the
declared policy (policy.py). Deny by default: a route without a policy entry fails."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marrowtrack.ops.tests import matrix
from marrowtrack.ops.tests.policy import API, EVERYONE, FHIR, PAGES, Rule, api_rule
from marrowtrack.ops.tests.world import World, world_build

pytestmark = pytest.mark.django_db
PRINCIPALS = sorted(EVERYONE)
ENDS_THE_TOKEN = {"POST /api/v1/auth/logout", "POST /api/v1/auth/password"}


@pytest.fixture
def world() -> World:
    return world_build()


def _admin(name: str) -> bool:
    return name.startswith("admin:")


def test_every_page_has_a_policy_entry_and_every_entry_a_page() -> None:
    names = {route.name for route in matrix.page_routes() if not route.api_operation}
    names = {name for name in names if not _admin(name)}
    assert sorted(names - set(PAGES)) == [], "pages without a policy entry (deny by default)"
    assert sorted(set(PAGES) - names) == [], "policy entries for pages that no longer exist"


def test_every_api_operation_has_a_policy_entry_and_every_entry_an_operation() -> None:
    keys = {key for key, _ in matrix.api_operations()}
    assert sorted(key for key in keys if api_rule(key) is None) == [], "no policy entry"
    declared = set(API) | set(FHIR)
    assert sorted(declared - keys) == [], "policy entries for operations that no longer exist"


def test_every_page_answers_each_principal_as_the_policy_says(world: World) -> None:
    principals = matrix.Principals(world)
    wrong = []
    for route in matrix.page_routes():
        if route.api_operation or _admin(route.name):
            continue
        rule = PAGES[route.name]
        url = reverse(route.name, kwargs=rule.args(world) if rule.args else None)
        wrong += _page_mismatches(principals, route.name, url, rule)
    assert wrong == [], "\n".join(map(str, wrong))


def _page_mismatches(principals: matrix.Principals, name: str, url: str, rule: Rule) -> list:
    wrong = []
    for who in PRINCIPALS + (["outsider"] if _names_a_record(rule) else []):
        client = principals.client(who, fresh=rule.fresh_session, fresh_patient=rule.fresh_patient)
        status, location = matrix.page_answer(client, url)
        expected_denied = who == "outsider" or who not in rule.allow
        denied = matrix.is_denied(status, location)
        if matrix.is_server_error(name, status) or denied != expected_denied:
            wrong.append((name, who, status, "should be denied" if expected_denied else "allowed"))
    return wrong


def test_every_api_operation_answers_each_principal_as_the_policy_says(world: World) -> None:
    principals = matrix.Principals(world)
    wrong = []
    for key, operation in matrix.api_operations():
        rule = api_rule(key)
        assert rule is not None, key
        for who in PRINCIPALS + (["outsider"] if _names_a_record(rule) else []):
            client = principals.client(who if who == "patient" else "anonymous")
            status = matrix.api_answer(client, key, operation, rule, world, principals.bearer(who))
            if key in ENDS_THE_TOKEN:
                principals.forget_token(who)
            expected_denied = who == "outsider" or who not in rule.allow
            if matrix.is_server_error(key, status) or matrix.is_denied(status) != expected_denied:
                wrong.append((key, who, status, "denied" if expected_denied else "allowed"))
    assert wrong == [], "\n".join(map(str, wrong))


def test_the_django_admin_is_closed_to_every_principal(world: World) -> None:
    principals = matrix.Principals(world)
    for route in matrix.page_routes():
        if not _admin(route.name) or route.converters:
            continue
        url = reverse(route.name)
        for who in PRINCIPALS:
            status, location = matrix.page_answer(principals.client(who), url)
            assert matrix.is_denied(status, location) or status == 302, (route.name, who, status)


def test_no_page_is_exempt_from_csrf_and_no_api_operation_reads_a_cookie() -> None:
    from django.urls import resolve

    for route in matrix.page_routes():
        if route.api_operation or _admin(route.name) or route.converters:
            continue
        view = resolve(reverse(route.name)).func
        exempt = getattr(view, "csrf_exempt", False)
        assert not exempt or route.name.startswith("api:"), route.name
    for key, operation in matrix.api_operations():
        # The portal's cookie auth checks the CSRF token on unsafe methods itself.
        bearer_only = (None, [{"TokenAuth": []}], [{"FhirBearer": []}], [{"PortalSessionAuth": []}])
        assert operation.get("security") in bearer_only, key


def _names_a_record(rule: Rule) -> bool:
    """A staff member of another clinic must get 404 for any record named in the address."""
    return rule.args is not None and rule.record and rule.allow != EVERYONE
