"""The session store reads the row with a prepared query and refuses what Django refuses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from marrowtrack.accounts.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_the_site_uses_this_store() -> None:
    assert settings.SESSION_ENGINE == "marrowtrack.accounts.sessions"


def test_a_live_session_loads_as_djangos_store_loads_it() -> None:
    saved = SessionStore()
    saved["who"] = "nurse"
    saved.create()
    assert SessionStore(saved.session_key).load() == DjangoStore(saved.session_key).load()
    assert SessionStore(saved.session_key)["who"] == "nurse"


def test_an_expired_or_unknown_session_starts_empty_under_a_new_key() -> None:
    saved = SessionStore()
    saved["who"] = "nurse"
    saved.create()
    Session.objects.filter(pk=saved.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    for key in (saved.session_key, "unknown-key-unknown-key-unknown1"):
        store = SessionStore(key)
        assert store.load() == {}
        assert store.session_key is None  # a new key is made on save, as Django does
