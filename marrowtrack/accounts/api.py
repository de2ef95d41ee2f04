from __future__ import annotations

from datetime import datetime

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django_otp import devices_for_user, match_token
from ninja import Router, Schema
from pydantic import Field

from marrowtrack.accounts.services import api_token_issue

router = Router(tags=["auth"])


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


@router.post("/token", auth=None, response={200: TokenOut, 401: MessageOut, 403: MessageOut})
def token_create(request: HttpRequest, payload: TokenIn):
    """Exchange username, password (and TOTP code when two-factor is on) for a token."""
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None or user.clinic_id is None:
        return 401, {"message": "Username or password is wrong, or the account is locked."}
    if list(devices_for_user(user, confirmed=True)):
        if not payload.totp or match_token(user, payload.totp) is None:
            return 401, {"message": "A valid 6-digit TOTP code is required for this account."}
    token, secret = api_token_issue(user=user)
    return 200, {
        "token": secret,
        "expires_at": token.expires_at,
        "username": user.username,
        "roles": user.role_names,
    }
