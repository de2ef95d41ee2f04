"""Helpers shared by the intake views."""

from __future__ import annotations

from django import forms

from marrowtrack.core.exceptions import DomainError, ValidationFailed


def apply_errors(form: forms.Form, exc: DomainError) -> None:
    """Show a service's refusal on the form: per field when it names one, else on top."""
    if isinstance(exc, ValidationFailed):
        for field, errors in exc.errors.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
