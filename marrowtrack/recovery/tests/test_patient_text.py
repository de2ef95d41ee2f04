"""Every patient-facing text of recovery and the portal passes intake's claims linter: the
English source strings, the Spanish translations and the rendered messages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from marrowtrack.intake.contentlint import lint
from marrowtrack.testing.factories import ClinicFactory, PatientFactory

APPS = Path(__file__).resolve().parents[2]
CATALOGS = [
    APPS / "recovery/locale/es/LC_MESSAGES/django.po",
    APPS / "portal/locale/es/LC_MESSAGES/django.po",
]
MESSAGES = [
    "recovery/messages/checkin_invite",
    "recovery/messages/checkin_reminder",
    "portal/messages/sign_in",
]


def _strings(po: Path) -> list[str]:
    quoted = re.findall(r'^(?:msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', po.read_text(), re.M)
    return [s for s in quoted if s]


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parts[-4])
def test_every_source_string_and_translation_is_free_of_claims(po):
    strings = _strings(po)
    assert len(strings) > 100
    assert [(s, lint(s)) for s in strings if lint(s)] == []


def test_every_patient_text_is_translated():
    for po in CATALOGS:
        untranslated = re.findall(r'^msgid "(.+)"\nmsgstr ""$', po.read_text(), re.M)
        assert untranslated == [], po


@pytest.mark.django_db
@pytest.mark.parametrize("template", MESSAGES)
@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("channel", ["sms", "email"])
def test_rendered_messages_are_free_of_claims(template, language, channel):
    clinic = ClinicFactory(phone="555-010-1000")
    context = {"patient": PatientFactory(clinic=clinic), "clinic": clinic, "day": 2, "minutes": 30}
    with translation.override(language):
        text = render_to_string(f"{template}_subject.txt", context)
        text += render_to_string(f"{template}.{channel}.txt", context)
    assert "{link}" in text
    assert lint(text) == []
    if channel == "sms":
        assert len(text.split("\n", 1)[1]) <= 320  # two SMS segments at most
