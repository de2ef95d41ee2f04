"""Rate limits: log-in POSTs, API tokens and survey links, per client address."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory, override_settings

from marrowtrack.ops.ratelimit import Rate, client_address, rate_exceeded, rate_parse


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    cache.clear()


def test_rates_are_read_as_count_per_period() -> None:
    assert rate_parse("10/m") == Rate(10, 60)
    assert rate_parse("5/15m") == Rate(5, 900)
    assert rate_parse("100/h") == Rate(100, 3600)
    for bad in ("", "ten/m", "0/m", "5/d", "5"):
        with pytest.raises(ImproperlyConfigured):
            rate_parse(bad)


def test_the_window_allows_the_rate_then_says_how_long_to_wait() -> None:
    rate, now = Rate(3, 60), 1_000_020.0
    answers = [rate_exceeded(scope="t", key="a", rate=rate, now=now) for _ in range(4)]
    assert answers[:3] == [0, 0, 0] and 0 < answers[3] <= 60
    assert rate_exceeded(scope="t", key="b", rate=rate, now=now) == 0  # another address
    assert rate_exceeded(scope="t", key="a", rate=rate, now=now + 60) == 0  # next window


def test_without_trusted_proxies_a_forwarded_header_is_ignored() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(request) == "198.51.100.7"


@override_settings(MARROWTRACK_TRUSTED_PROXIES=1)
def test_behind_one_proxy_the_address_it_saw_counts_not_what_the_client_wrote() -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    assert client_address(request) == "203.0.113.9"


@override_settings(MARROWTRACK_LOGIN_RATE="3/m")
def test_the_login_form_answers_429_after_the_rate(client, db) -> None:
    codes = [
        client.post("/accounts/login/", {"username": f"nobody{i}", "password": "x"}).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    refused = client.post("/accounts/login/", {"username": "other", "password": "x"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert b"Too many attempts" in refused.content
    assert client.get("/accounts/login/").status_code == 200  # reading the form is not limited


@override_settings(MARROWTRACK_LOGIN_RATE="2/m")
def test_a_forged_forwarded_header_does_not_reset_the_login_count(client, db) -> None:
    codes = [
        client.post(
            "/accounts/login/",
            {"username": "nobody", "password": "x"},
            headers={"X-Forwarded-For": f"192.0.2.{i}"},
        ).status_code
        for i in range(3)
    ]
    assert codes == [200, 200, 429]


@override_settings(MARROWTRACK_TOKEN_RATE="2/m")
def test_a_forged_forwarded_header_does_not_reset_the_token_throttle(client, db) -> None:
    codes = [
        client.post(
            "/api/v1/auth/token",
            {"username": "nobody", "password": "x"},
            content_type="application/json",
            headers={"X-Forwarded-For": f"192.0.2.{i}"},
        ).status_code
        for i in range(3)
    ]
    assert codes == [401, 401, 429]


@override_settings(MARROWTRACK_PORTAL_LINK_RATE="2/m")
def test_survey_links_are_rate_limited(client, db) -> None:
    codes = [client.get(f"/outcomes/portal/s/guess{i}/").status_code for i in range(3)]
    assert codes[2] == 429 and codes[0] != 429


@override_settings(MARROWTRACK_PORTAL_LINK_RATE="2/m")
def test_portal_sign_in_links_are_rate_limited(client, db) -> None:
    codes = [client.get(f"/portal/l/guess{i}/").status_code for i in range(3)]
    assert codes[2] == 429 and codes[0] != 429
