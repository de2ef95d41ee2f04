"""Staff (and later patient) accounts, each tied to one clinic, and API tokens."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from marrowtrack.core.models import Clinic


class User(AbstractUser):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    # Printed name used on electronic signatures (21 CFR 11.50).
    display_name = models.CharField(max_length=150, blank=True)
    credentials = models.CharField(max_length=40, blank=True, help_text="e.g. MD, RN, MLS")
    # Set on each request by django-otp's OTPMiddleware: signed in with a second factor.
    is_verified: Callable[[], bool]
    # Set by the API's token check: the token this request came with (for logout).
    api_token: ApiToken

    class Meta:
        ordering = ["username"]
        permissions = [
            ("manage_staff", "Can manage staff accounts of own clinic"),
            ("view_deidentified", "Can view de-identified registry data"),
        ]

    def __str__(self) -> str:
        return self.printed_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Whatever changes a password (self-service, reset, admin, `changepassword`) or
        # deactivates an account ends its API tokens: they must not outlive either.
        password_changed = getattr(self, "_password", None) is not None and self.pk is not None
        super().save(*args, **kwargs)
        if password_changed or not self.is_active:
            reason = "password changed" if password_changed else "account deactivated"
            ApiToken.objects.filter(user=self, revoked_at__isnull=True).update(
                revoked_at=timezone.now(), revoked_reason=reason
            )

    @property
    def printed_name(self) -> str:
        name = self.display_name or self.get_full_name() or self.username
        return f"{name}, {self.credentials}" if self.credentials else name

    @property
    def role_names(self) -> list[str]:
        return sorted(group.name for group in self.groups.all())

    @property
    def role_labels(self) -> list[str]:
        """Roles in words ("Front desk"), for people; `role_names` are the codes."""
        from marrowtrack.accounts.roles import Role

        labels = dict(Role.choices)
        return [str(labels.get(name, name)) for name in self.role_names]


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the secret is shown once."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"API token of {self.user.username}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
