"""Authentication endpoints: tokens (issue, list, revoke), log-out, password change."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import Http404, HttpRequest
from django_otp import devices_for_user, match_token
from ninja import Query, Router, Schema
from ninja.throttling import AnonRateThrottle
from pydantic import Field

from marrowtrack.accounts.access import require_perm
from marrowtrack.accounts.http import AuthenticatedHttpRequest
from marrowtrack.accounts.models import ApiToken, User
from marrowtrack.accounts.selectors import tokens_page
from marrowtrack.accounts.services import (
    api_token_issue,
    api_tokens_revoke,
    password_change,
    two_factor_missing,
)
from marrowtrack.accounts.staff import MANAGE, staff_for_admin
from marrowtrack.core.pagination import Page, PageQuery
from marrowtrack.core.schemas import ErrorOut

router = Router(tags=["auth"])

WRONG_CREDENTIALS = "Username, password or code is wrong, or the account is locked."
ENROL_FIRST = (
    "Two-factor authentication is required: log in on the web page and set up your "
    "authenticator app before asking for a token."
)


class TokenIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=200)
    totp: str | None = Field(default=None, pattern=r"^\d{6}$")


class TokenOut(Schema):
    token: str
    expires_at: datetime
    username: str
    roles: list[str]


class MessageOut(Schema):
    message: str


class TokenInfoOut(Schema):
    id: UUID = Field(alias="public_id")
    username: str = Field(alias="user.username")
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    revoked_reason: str


class RevokedOut(Schema):
    revoked: int


class PasswordChangeIn(Schema):
    old_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=200)


class TokenRequestThrottle(AnonRateThrottle):
    """Per client address, at MARROWTRACK_TOKEN_RATE (read on each request)."""

    scope = "auth-token"

    def __init__(self) -> None:
        super().__init__(settings.MARROWTRACK_TOKEN_RATE)

    def allow_request(self, request: HttpRequest) -> bool:
        self.num_requests, self.duration = self.parse_rate(settings.MARROWTRACK_TOKEN_RATE)
        return super().allow_request(request)


@router.post(
    "/token",
    auth=None,
    throttle=[TokenRequestThrottle()],
    response={200: TokenOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut},
)
def token_create(request: HttpRequest, payload: TokenIn):
    """Exchange username, password (and TOTP code when two-factor is on) for a token.

    Failures count toward the account's lockout (django-axes); requests are throttled."""
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None or user.clinic_id is None:
        return 401, {"message": WRONG_CREDENTIALS}
    if two_factor_missing(user, devices_for_user):
        return 403, {"message": ENROL_FIRST}
    if list(devices_for_user(user, confirmed=True)):
        if not payload.totp or match_token(user, payload.totp) is None:
            _count_failure(request, payload.username)
            return 401, {"message": WRONG_CREDENTIALS}
    token, secret = api_token_issue(user=user)
    return 200, {
        "token": secret,
        "expires_at": token.expires_at,
        "username": user.username,
        "roles": user.role_names,
    }


def _count_failure(request: HttpRequest, username: str) -> None:
    # A wrong code after a right password is a failed log-in too (axes and the audit trail).
    from django.contrib.auth.signals import user_login_failed

    user_login_failed.send(__name__, credentials={"username": username}, request=request)


@router.post("/logout", response=RevokedOut)
def token_logout(request: AuthenticatedHttpRequest):
    """Revoke the token this request was made with."""
    user = request.user
    tokens = ApiToken.objects.filter(pk=user.api_token.pk)
    return {"revoked": api_tokens_revoke(user=user, by=user, reason="logout", tokens=tokens)}


@router.get("/tokens", response=Page[TokenInfoOut])
def token_list(request: AuthenticatedHttpRequest, page: Query[PageQuery], user: UUID | None = None):
    """Your own tokens, or (clinic administrator) a staff member's: `?user=<id>`.
    Newest first, keyset pages."""
    owner = staff_for_admin(request.user, user) if user else request.user
    found = tokens_page(owner, cursor=page.cursor, limit=page.limit, with_count=page.count)
    return found.envelope()


@router.post("/tokens/{uuid:public_id}/revoke", response=RevokedOut)
def token_revoke(request: AuthenticatedHttpRequest, public_id: UUID):
    """Revoke one token: your own, or (clinic administrator) one of your clinic's staff."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(public_id=public_id, user__clinic_id=request.user.clinic_id)
        .first()
    )
    if token is None:
        raise Http404
    if token.user_id != request.user.pk:
        require_perm(request.user, MANAGE)
    tokens = ApiToken.objects.filter(pk=token.pk)
    count = api_tokens_revoke(user=token.user, by=request.user, reason="revoked", tokens=tokens)
    return {"revoked": count}


@router.post("/password", response=MessageOut)
def password_update(request: AuthenticatedHttpRequest, payload: PasswordChangeIn):
    """Change your own password. Every API token of yours is revoked, this one included."""
    user: User = request.user
    password_change(user=user, **payload.dict())
    return {"message": "Password changed. Ask for a new token with the new password."}
