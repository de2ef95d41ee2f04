"""Test settings: fast hashing, in-memory email, a throwaway SQLite file unless DATABASE_URL."""

import os
import tempfile
from pathlib import Path

from .settings import *  # noqa: F403
from .settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # noqa: S303 - tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MARROWTRACK_REQUIRE_2FA = False
AUTH_PASSWORD_VALIDATORS = []
# Each test run anchors the audit trail in its own file (tests point it elsewhere as needed).
MARROWTRACK_AUDIT_ANCHOR = Path(tempfile.gettempdir()) / f"marrowtrack-anchor-{os.getpid()}.log"
# Every API test asks for a token; the throttle test sets its own rate.
MARROWTRACK_TOKEN_RATE = "100000/m"  # noqa: S105 - a rate, not a secret
# Tests log in and open links often; the rate-limit tests set their own rates.
MARROWTRACK_LOGIN_RATE = "100000/m"
MARROWTRACK_PORTAL_LINK_RATE = "100000/m"
MARROWTRACK_REAUTH_RATE = "100000/m"
