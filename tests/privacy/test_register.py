"""The register of personal data names every field of every model, once, and only real ones:
a model that gains a field makes this fail until the register says what it is (issue 17)."""

import pytest
from django.apps import apps
from django.test import override_settings
from django.utils import translation

from privacy import register
from privacy.register import REGISTER, Entry, Ground, model_fields, named_fields


def unnamed() -> dict[str, set[str]]:
    """Per model, the fields the register does not name."""
    named = named_fields()
    missing = {}
    for model in apps.get_models():
        left = model_fields(model) - set(named.get(model._meta.label, ()))
        if left:
            missing[model._meta.label] = left
    return missing


def test_every_field_of_every_model_is_named():
    assert unnamed() == {}


def test_a_field_the_register_forgets_is_reported(monkeypatch):
    """The check above can fail: without the entry for names and addresses, it names them."""
    monkeypatch.setattr(register, "REGISTER", tuple(e for e in REGISTER if "email" not in e.fields))
    assert {"email", "first_name", "last_name"} <= unnamed()["accounts.User"]


def test_each_field_is_named_once_and_exists():
    for label, fields in named_fields().items():
        model = apps.get_model(label)
        assert len(fields) == len(set(fields)), f"{label} names a field twice"
        assert set(fields) <= model_fields(model), f"{label}: {set(fields) - model_fields(model)}"


@pytest.mark.parametrize("entry", REGISTER, ids=lambda e: f"{e.model}:{e.fields[0]}")
def test_each_entry_says_what_why_ground_period_and_readers(entry: Entry):
    for text in (entry.what, entry.why, entry.kept, entry.readers, entry.topic):
        assert str(text).strip()
    assert isinstance(entry.ground, Ground)
    assert entry.topic in register.TOPICS


@override_settings(INVITATION_RETENTION_DAYS=30)
def test_a_period_follows_its_setting():
    invitation = next(e for e in REGISTER if e.model == "accounts.Invitation")
    with translation.override("nl"):
        assert "30 dagen na afloop" in str(invitation.kept)
