"""Putting a service's refusal on the form that asked for it."""

from __future__ import annotations

from django import forms

from marrowtrack.core.exceptions import DomainError, ValidationFailed


def apply_errors(form: forms.Form, exc: DomainError, *, name_field: bool = False) -> None:
    """Show the refusal per field when the form has that field, else at the top.

    `name_field` prefixes each message with the field's name (for forms whose fields are
    instrument item codes, where the name is what the reader needs)."""
    if isinstance(exc, ValidationFailed):
        if exc.errors is form.errors:
            return  # the form's own validation: its errors are already on it
        for field, errors in list(exc.errors.items()):
            target = field if field in form.fields else None
            for error in list(errors):
                form.add_error(target, f"{field}: {error}" if name_field else error)
        return
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
