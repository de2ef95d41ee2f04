"""Production settings: `check --deploy` is clean; headers, cookies, CSRF and passwords."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.test import override_settings

import config.settings as production_settings
from marrowtrack.accounts.roles import Role

ROOT = Path(__file__).resolve().parents[3]


def _production_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MARROWTRACK_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        MARROWTRACK_PRODUCTION="true",
        SECRET_KEY="x7!Kq2-production-like-secret-for-the-check-0f9e8d7c6b5a4Z3y2X1w",
        ALLOWED_HOSTS="clinic.example.org",
        MARROWTRACK_VAR_DIR=str(tmp_path),
        DATABASE_URL="",
    )
    return env


def test_production_settings_pass_check_deploy_without_warnings(tmp_path: Path) -> None:
    done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    env = _production_env(tmp_path)
    env.pop("SECRET_KEY")
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode != 0 and "SECRET_KEY must be set" in done.stderr


@pytest.mark.django_db
def test_pages_send_csp_frame_and_sniffing_headers(client) -> None:
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_hsts_is_sent_over_https(client) -> None:
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_production_cookies_are_secure_and_http_only() -> None:
    for name in ("SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_HTTPONLY"):
        assert getattr(settings, name) is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax" == settings.CSRF_COOKIE_SAMESITE


@pytest.mark.django_db
def test_a_form_post_without_the_csrf_token_is_refused(client_for, staff) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff[Role.FRONT_DESK])
    response = client.post("/patients/register/", {"family_name": "X"})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("Short1!", "too short"),
        ("password1234", "too common"),
        ("84736251904", "only digits"),
        ("rosanunez-2026", "like the username"),
    ],
)
@pytest.mark.django_db
def test_the_production_password_policy_refuses_weak_passwords(make_user, password, why) -> None:
    user = make_user(Role.NURSE, username="rosanunez")
    with override_settings(AUTH_PASSWORD_VALIDATORS=production_settings.AUTH_PASSWORD_VALIDATORS):
        with pytest.raises(ValidationError):
            password_validation.validate_password(password, user)


@pytest.mark.django_db
def test_the_production_password_policy_accepts_a_long_passphrase(make_user) -> None:
    user = make_user(Role.NURSE, username="rosanunez")
    with override_settings(AUTH_PASSWORD_VALIDATORS=production_settings.AUTH_PASSWORD_VALIDATORS):
        password_validation.validate_password("lantern-orchard-basalt", user)


@pytest.mark.django_db
def test_a_weak_new_password_is_refused_through_the_api(client, make_user) -> None:
    user = make_user(Role.NURSE)
    token = client.post(
        "/api/v1/auth/token",
        {"username": user.username, "password": "correct-horse-battery"},
        content_type="application/json",
    ).json()["token"]
    with override_settings(AUTH_PASSWORD_VALIDATORS=production_settings.AUTH_PASSWORD_VALIDATORS):
        response = client.post(
            "/api/v1/auth/password",
            {"old_password": "correct-horse-battery", "new_password": "password1234"},
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 422
    assert "new_password" in response.json()["errors"]
