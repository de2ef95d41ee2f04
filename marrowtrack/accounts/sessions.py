"""Django's database sessions, with the session row read by a prepared query.

Every staff page and every portal page loads its session first. Django's store builds
``Session.objects.get(session_key=..., expire_date__gt=now)`` anew each time; here the
query is built once per connection (core.prepared) and the expiry is compared in Python:
the key is the primary key, so it is the same row or none, and an expired row is refused
exactly as before (the session then starts empty under a new key).
Used through ``SESSION_ENGINE = "marrowtrack.accounts.sessions"``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from marrowtrack.core.prepared import PreparedSelect

_SESSION_BY_KEY = PreparedSelect(
    lambda session_key: Session.objects.filter(session_key=session_key),
    session_key=Session._meta.get_field("session_key"),
)


class SessionStore(DatabaseSessionStore):
    # Django's own method, missing from its type stubs.
    def _get_session_from_db(self) -> Any:
        if self.model is not Session or self.session_key is None:
            return super()._get_session_from_db()  # type: ignore[misc]
        found = _SESSION_BY_KEY.fetch(session_key=self.session_key)
        if found and found[0].expire_date > timezone.now():
            return found[0]
        self._session_key = None
        return None
