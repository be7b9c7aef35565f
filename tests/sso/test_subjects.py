"""A person's subject per service is looked up once per process: userinfo then needs only the
token's own query, and a subject whose transaction rolled back is never remembered."""

import pytest
from django.db import transaction
from django.test import Client

from sso.claims import KNOWN_SUBJECTS, subject_for
from sso.models import PairwiseSubject
from tests.support import logged_in

from .relying_party import RelyingParty

pytestmark = pytest.mark.django_db


def test_userinfo_with_a_known_subject_is_one_query(
    person, django_capture_on_commit_callbacks, django_assert_num_queries
):
    service = RelyingParty.register()
    browser = logged_in(person)
    with django_capture_on_commit_callbacks(execute=True):
        tokens = service.sign_in(browser)
    subject = service.id_token_claims(browser, tokens["id_token"])["sub"]
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access_token']}"}

    with django_assert_num_queries(1):
        info = Client().get("/oidc/userinfo/", **bearer).json()

    assert info["sub"] == subject
    assert info["organisation"] == "Huisartsenpraktijk De Linde"


def test_a_subject_made_in_a_transaction_that_rolled_back_is_not_remembered(person):
    application = RelyingParty.register().service.application
    with pytest.raises(RuntimeError), transaction.atomic():
        lost = subject_for(person, application)
        raise RuntimeError("the request failed after the subject was made")

    kept = subject_for(person, application)

    assert kept != lost
    assert PairwiseSubject.objects.get(user=person).subject == kept
    assert lost not in KNOWN_SUBJECTS.values()
