"""The admin never filters on a secret: a filter in the URL would reveal it by trial.

Django lets any filter on a model's own fields through the URL of a change list, so
`?code__startswith=6`, `=60`, `=601` … answers "one result" for the right digits: at most 40
requests find anyone's verification code. Every admin on the site refuses lookups that reach
a secret field, however deep (zorgportaal/admin_site.py); these tests walk every registered
admin generically, so a new admin or a new relation is covered without touching this file.
"""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from accounts.models import User
from tests.support import GOOD_PASSWORD
from verification import services as verification
from verification.models import VerificationCode
from zorgportaal.admin_site import SECRET_FIELDS, SecretLookupsRefused, ZorgPortaalAdminSite

pytestmark = pytest.mark.django_db


def is_secret(field) -> bool:
    return getattr(field, "concrete", False) and (
        f"{field.model._meta.label_lower}.{field.name}" in SECRET_FIELDS
    )


def secret_lookups(model) -> list[str]:
    """Every lookup path of at most two steps from `model` that ends on a secret field."""
    paths = []
    for first in model._meta.get_fields():
        if is_secret(first):
            paths.append(first.name)
        if first.is_relation and first.related_model is not None:
            paths += [
                f"{first.name}__{second.name}"
                for second in first.related_model._meta.get_fields()
                if is_secret(second)
            ]
    return paths


REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label_lower)


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_every_admin_on_the_site_refuses_secret_lookups():
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, SecretLookupsRefused), model


def test_every_secret_field_named_exists():
    for name in SECRET_FIELDS:
        app_label, model_name, field_name = name.split(".")
        assert apps.get_model(app_label, model_name)._meta.get_field(field_name).concrete


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label_lower)
def test_no_change_list_filters_on_a_secret_field_or_through_a_relation_to_one(admin_client, model):
    for path in secret_lookups(model):
        for lookup in (path, f"{path}__startswith", f"{path}__lt", f"{path}__in"):
            response = admin_client.get(f"{changelist(model)}?{lookup}=x")
            assert response.status_code == 400, lookup
            assert "Dit verzoek kunnen we niet verwerken" in response.content.decode()


def test_the_walk_finds_the_known_secrets():
    assert "code" in secret_lookups(VerificationCode)
    assert {"password", "verification_codes__code", "invitation__token_hash"} <= set(
        secret_lookups(User)
    )


def test_the_right_code_and_a_wrong_code_get_the_same_refusal(admin_client, person):
    code = verification.code_current(user=person).code
    wrong = f"{(int(code) + 1) % 10_000:04d}"
    url = changelist(VerificationCode)
    right_answer = admin_client.get(f"{url}?code={code}")
    wrong_answer = admin_client.get(f"{url}?code={wrong}")
    assert right_answer.status_code == wrong_answer.status_code == 400
    assert right_answer.content == wrong_answer.content
    assert admin_client.get(f"{url}?user__verification_codes__code={code}").status_code == 400


def test_an_admin_that_would_search_a_secret_fails_the_system_check():
    site = ZorgPortaalAdminSite(name="proef")
    site.register(VerificationCode, search_fields=["user__email", "=code"])
    errors = site.get_model_admin(VerificationCode).check()
    assert [(error.id, error.msg) for error in errors] == [
        ("zorgportaal.E001", "search_fields[1] ('=code') reaches a secret field.")
    ]


def test_the_audit_export_refuses_a_secret_lookup_too(admin_client):
    export = reverse("admin:zorgportaal_auditevent_export")
    assert admin_client.get(f"{export}?actor__password__startswith=x").status_code == 400


def test_the_filters_in_the_sidebar_still_work(admin_client, person, organisation):
    verification.code_current(user=person)
    url = changelist(VerificationCode)
    assert "1 verificatiecode" in admin_client.get(url).content.decode()
    ended = admin_client.get(f"{url}?end_reason=used")
    assert ended.status_code == 200
    assert "0 verificatiecodes" in ended.content.decode()

    User.objects.create_user("elders@example.org", GOOD_PASSWORD)
    users = admin_client.get(f"{changelist(User)}?organisation__id__exact={organisation.pk}")
    assert users.status_code == 200
    assert person.email in users.content.decode()
    assert "elders@example.org" not in users.content.decode()
    searched = admin_client.get(f"{changelist(User)}?q=anna")
    assert person.email in searched.content.decode()
