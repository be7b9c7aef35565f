"""The admin is behind the site's own login: both factors, staff only, no login form of its own."""

import pytest

from tests.support import GOOD_PASSWORD, give_app, log_in

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/accounts/invitation/"


def test_the_admin_needs_both_factors(client, servicedesk):
    give_app(servicedesk)
    client.post("/inloggen/", {"email": servicedesk.email, "password": GOOD_PASSWORD})
    assert client.get(CHANGELIST)["Location"] == "/inloggen/code/"


def test_the_admin_has_no_login_form_of_its_own(client):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith("/inloggen/")


def test_people_without_staff_rights_do_not_reach_the_admin(client, person):
    log_in(client, person)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/portaal/"
    assert "Diensten" in response.content.decode()
