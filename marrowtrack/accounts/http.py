"""The request type of a page or endpoint that only a signed-in member of staff reaches."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from marrowtrack.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request past ``login_required`` or the API's token check: its user is a staff
    ``User``, never ``AnonymousUser`` (django-stubs' recommended pattern)."""

    user: User
    htmx: HtmxDetails  # set by django-htmx's middleware on every request
