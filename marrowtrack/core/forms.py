"""Running the service call behind a submitted form and putting its refusal on the form that
asked for it; the version an edit form was filled from (docs/decisions/0021-no-lost-updates.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django import forms
from django.forms.renderers import TemplatesSetting
from django.http import QueryDict

from marrowtrack.core.exceptions import DomainError, StaleEdit, ValidationFailed

EMPTY = "(blank)"
NO_VERSION = (
    "This form does not say which version of the record it was filled from: reload the "
    "page and enter your change again."
)


class VersionedFormMixin:
    """An edit form carries, hidden, the version of the record it was filled from; the
    service refuses the edit when the record has moved on. Added when the form edits a saved
    record (a ModelForm with a saved instance) or when `version` is given."""

    # Provided by the form class this mixes into.
    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]

    def __init__(self, *args: Any, version: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if version is None and instance is not None and instance.pk is not None:
            version = instance.version
        if version is not None:
            self.fields["version"] = forms.IntegerField(
                widget=forms.HiddenInput,
                min_value=1,
                initial=version,
                error_messages={"required": NO_VERSION, "invalid": NO_VERSION},
            )

    @property
    def read_version(self) -> int:
        """The version the person saw (after `is_valid`)."""
        return self.cleaned_data["version"]

    @property
    def values(self) -> dict[str, Any]:
        """The cleaned fields without `version`, for the service."""
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


T = TypeVar("T")


class FormRenderer(TemplatesSetting):
    """Forms render with the project's templates (settings.FORM_RENDERER); a field's
    `{{ field.as_field_group }}` is `forms/field.html`: label, input, help and errors, with
    the ids Django's aria-describedby on the input points at."""

    field_template_name = "forms/field.html"


@dataclass(frozen=True)
class Done(Generic[T]):
    """A form action the service accepted; `value` is what the service returned (it may be
    None, which is why success is this wrapper and not the value itself)."""

    value: T


def run_form_action(
    form: forms.BaseForm, action: Callable[[], T], *, name_field: bool = False
) -> Done[T] | None:
    """Validate a submitted form, then run the service call behind it.

    None when the form is unbound (not submitted), invalid, or the service refused; a refusal
    is put on the form (`apply_errors`) so the page shows it beside the field. The action is
    a callable so that it reads `form.cleaned_data` only once the form is valid."""
    if not form.is_valid():
        return None
    try:
        value = action()
    except DomainError as exc:
        apply_errors(form, exc, name_field=name_field)
        return None
    return Done(value)


def form_status(form: forms.BaseForm) -> int:
    """409 for a page that answers a stale edit, else 200."""
    return 409 if getattr(form, "stale_edit", None) else 200


def apply_errors(form: forms.BaseForm, exc: DomainError, *, name_field: bool = False) -> None:
    """Show the refusal per field when the form has that field, else at the top.

    `name_field` prefixes each message with the field's name (for forms whose fields are
    instrument item codes, where the name is what the reader needs)."""
    if isinstance(exc, StaleEdit):
        _apply_stale(form, exc)
        return
    if isinstance(exc, ValidationFailed):
        if exc.errors is form.errors:
            return  # the form's own validation: its errors are already on it
        for field, errors in list(exc.errors.items()):
            target = field if field in form.fields else None
            for error in list(errors):
                form.add_error(target, f"{field}: {error}" if name_field else error)
        return
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _apply_stale(form: forms.BaseForm, exc: StaleEdit) -> None:
    """Keep what the person typed, list each field where the record now differs from it,
    and carry the current version: saving again is a decision taken with the changes shown."""
    form.stale_edit = exc  # type: ignore[attr-defined]
    form.conflicts = [  # type: ignore[attr-defined]
        (form.fields[name].label or name.replace("_", " ").capitalize(), now, yours)
        for name, now, yours in _differences(form, exc.current)
    ]
    data = form.data.copy() if isinstance(form.data, QueryDict) else dict(form.data)
    data[form.add_prefix("version")] = str(exc.version)
    form.data = data
    form.add_error(None, exc.message)


def _differences(form: forms.BaseForm, current: dict[str, Any]) -> list[tuple[str, str, str]]:
    rows = []
    for name, now in current.items():
        if name == "version" or name not in form.fields:
            continue
        yours = form.cleaned_data.get(name)
        if _same(now, yours):
            continue
        field = form.fields[name]
        rows.append((name, shown(field, now), shown(field, yours)))
    return rows


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return sorted(map(str, a)) == sorted(map(str, b))
    if a in (None, "") and b in (None, ""):
        return True
    return a == b or str(a) == str(b)  # a choice form field cleans to text, the model to int


def shown(field: forms.Field, value: Any) -> str:
    """A value as the form shows it: a choice by its label, yes/no, blank as (blank)."""
    if isinstance(value, list | tuple):
        return ", ".join(shown(field, item) for item in value) or EMPTY
    if value in (None, ""):
        return EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    choices = getattr(field, "choices", None)
    if choices is not None and not isinstance(field, forms.ModelChoiceField):
        labels = {str(key): label for key, label in _flat(choices)}
        return str(labels.get(str(value), value))
    return str(value)


def _flat(choices: Any) -> list[tuple[Any, Any]]:
    flat: list[tuple[Any, Any]] = []
    for key, label in choices:
        if isinstance(label, list | tuple):
            flat.extend(label)
        else:
            flat.append((key, label))
    return flat
