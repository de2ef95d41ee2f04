"""The NinjaAPI instance: authentication, input checks, error shape, and each app's router.

Errors are always ``{"message": str, "errors": {field: [str]}}`` (`errors` when a field is to
blame): 400 unreadable JSON, 401 no valid token, 403 role, 404 not found (also an unknown
path or a malformed id), 409 refused by a rule, 422 invalid fields, 429 too many requests.
"""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from django.utils import timezone
from django_otp import devices_for_user
from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.security import HttpBearer

from marrowtrack.accounts.decorators import staff_login_required
from marrowtrack.accounts.services import api_token_user, two_factor_missing
from marrowtrack.api.errors import document_errors, install_error_handlers
from marrowtrack.api.parser import CheckedJsonParser


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` from POST /api/v1/auth/token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_user(token)
        if user is None or two_factor_missing(user, devices_for_user):
            return None
        request.user = user
        if user.clinic is not None:
            # The endpoint runs in the user's clinic's zone, like a staff page (ADR 0025);
            # ClinicTimeMiddleware restores the previous zone after the request.
            timezone.activate(user.clinic.timezone)
        return user


class MarrowTrackApi(NinjaAPI):
    """The API whose OpenAPI document states every operation's error answers."""

    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        return cast(OpenAPISchema, document_errors(super().get_openapi_schema(**kwargs)))


api = MarrowTrackApi(
    title="MarrowTrack API",
    version="1",
    description=__doc__,
    auth=TokenAuth(),
    urls_namespace="api",
    parser=CheckedJsonParser(),
    # The interactive docs and the schema describe every endpoint: staff only.
    docs_decorator=staff_login_required,
)
install_error_handlers(api)

api.add_router("/auth/", "marrowtrack.accounts.api.router")
api.add_router("/patients/", "marrowtrack.patients.api.router")
api.add_router("/audit/", "marrowtrack.audit.api.router")
api.add_router("/intake/", "marrowtrack.intake.api.router")
api.add_router("/procedures/", "marrowtrack.procedures.api.router")
api.add_router("/procedures/", "marrowtrack.procedures.bedside.api.router")
api.add_router("/lab/", "marrowtrack.lab.api.router")
api.add_router("/lab/", "marrowtrack.procedures.lab_api.router")  # the lab bench's day
api.add_router("/outcomes/", "marrowtrack.outcomes.api.router")
api.add_router("/facilities/", "marrowtrack.facilities.api.router")
api.add_router("/recovery/", "marrowtrack.recovery.api.router")
# The patient's own data, by the portal session cookie (not a staff token).
api.add_router("/portal/", "marrowtrack.portal.api.router")
