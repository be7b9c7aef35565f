"""A new helpdesk agent is verified by an administrator ("Identiteit verifiëren (medewerkers)").

The bug: an agent made as the README says (staff + the helpdesk permission) binds a factor and is
then held on the verification page like any person, with no helpdesk to call and nothing saying
what to do. The fix: a superuser runs an admin action with a reason and a current code of their
own second factor.
"""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from accounts import staff as staff_service
from accounts.models import User
from tests.support import GOOD_PASSWORD, give_app, logged_in, make_agent, unverify, with_app
from tokens.testing import device_code
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"
ACTION = "verify_staff_identity"
REASON = "Persoonlijk gesproken op kantoor, legitimatie gezien"


@pytest.fixture
def new_agent():
    """Made as the README says: staff, the helpdesk permission, the central servicedesk; an
    app bound, not yet verified."""
    return make_agent("kees@topicus.example", "Kees", last_name="Smit", verified=False)


def choose(client, *accounts):
    """Tick the accounts on the user list and pick the action: the intermediate page."""
    return client.post(
        USERS, {"action": ACTION, "index": 0, "_selected_action": [a.pk for a in accounts]}
    )


def confirm(client, administrator, *accounts, reason=REASON, code=None):
    """Submit the intermediate page; a code one step ahead (the login used the current one)."""
    return client.post(
        USERS,
        {
            "action": ACTION,
            "post": "yes",
            "_selected_action": [a.pk for a in accounts],
            "reason": reason,
            "device": administrator.app.persistent_id,
            "code": device_code(administrator.app, drift=1) if code is None else code,
        },
    )


def shown(response) -> str:
    """The page, or the page the redirect leads to (with the admin's messages)."""
    if response.status_code == 302:
        return response.client.get(response["Location"]).content.decode()
    return response.content.decode()


# The bug as it is


def test_a_new_agent_made_as_the_readme_says_is_held_and_told_to_ask_an_administrator(new_agent):
    agent = logged_in(new_agent)
    assert agent.get("/helpdesk/")["Location"] == "/verificatie/"
    page = agent.get("/verificatie/").content.decode()
    assert "Bent u medewerker van de servicedesk of helpdesk?" in page
    assert "Vraag een beheerder uw account te verifiëren." in page


def test_a_person_waiting_for_the_helpdesk_is_not_shown_the_staff_note(person):
    unverify(person)
    page = logged_in(person).get("/verificatie/").content.decode()
    assert "Vraag een beheerder uw account te verifiëren." not in page


# The action


def test_an_administrator_verifies_a_new_agent_who_then_reaches_the_console(
    admin_client, administrator, new_agent
):
    agent = logged_in(new_agent)
    assert agent.get("/helpdesk/")["Location"] == "/verificatie/"

    page = choose(admin_client, new_agent).content.decode()
    assert "Identiteit verifiëren (medewerkers)" in page
    assert "kees@topicus.example" in page
    assert 'name="reason"' in page and 'name="code"' in page
    response = confirm(admin_client, administrator, new_agent)
    assert response["Location"] == USERS
    assert "1 medewerker geverifieerd: kees@topicus.example" in shown(response)

    new_agent.refresh_from_db()
    assert new_agent.is_identity_verified
    assert agent.get("/helpdesk/").status_code == 200  # the same session, on its next page
    assert agent.get("/verificatie/")["Location"] == "/portaal/"


def test_the_audit_event_holds_the_administrator_the_staff_member_and_the_reason(
    admin_client, administrator, new_agent
):
    confirm(admin_client, administrator, new_agent, reason=f"  {REASON} ")
    event = AuditEvent.objects.get(event="identity.verified_by_administrator")
    assert (event.actor, event.subject, event.outcome) == (administrator, new_agent, "success")
    assert event.actor_role == "beheerder"
    assert event.details == {"reason": REASON}
    assert AuditEvent.objects.filter(event="stepup.succeeded", subject=administrator).exists()


def test_a_wrong_code_verifies_nobody_and_says_so(admin_client, administrator, new_agent):
    response = confirm(admin_client, administrator, new_agent, code="000000")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Er is niemand geverifieerd" in page
    assert "Deze code klopt niet of is al gebruikt." in page
    assert REASON in page  # the reason stays; the code is typed again
    new_agent.refresh_from_db()
    assert not new_agent.is_identity_verified
    assert not AuditEvent.objects.filter(event="identity.verified_by_administrator").exists()
    failed = AuditEvent.objects.get(event="login.failed", subject=administrator)
    assert failed.details["factor"] == "code"


def test_the_code_must_be_the_administrators_own(admin_client, administrator, new_agent):
    response = confirm(admin_client, administrator, new_agent, code=device_code(new_agent.app))
    assert response.status_code == 400
    new_agent.refresh_from_db()
    assert not new_agent.is_identity_verified


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        ("", "Vul een reden in"),
        ("   ", "Vul een reden in"),
        ("x" * 201, "hoogstens 200 tekens"),
    ],
)
def test_a_missing_or_too_long_reason_verifies_nobody_and_says_so(
    admin_client, administrator, new_agent, reason, said
):
    response = confirm(admin_client, administrator, new_agent, reason=reason)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Er is niemand geverifieerd" in page
    assert said in page
    new_agent.refresh_from_db()
    assert not new_agent.is_identity_verified
    # The code was not spent on a form that failed anyway.
    assert not AuditEvent.objects.filter(event="stepup.succeeded").exists()


def test_staff_with_the_user_change_permission_cannot_use_the_action(new_agent):
    manager = give_app(
        User.objects.create_user("piet@topicus.example", GOOD_PASSWORD, is_staff=True)
    )
    manager.user_permissions.set(
        Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    client = logged_in(manager)
    listing = client.get(USERS)
    assert listing.status_code == 200
    assert ACTION not in listing.content.decode()
    assert 'name="reason"' not in choose(client, new_agent).content.decode()
    confirm(client, manager, new_agent)
    new_agent.refresh_from_db()
    assert not new_agent.is_identity_verified
    assert not AuditEvent.objects.filter(event="identity.verified_by_administrator").exists()
    with pytest.raises(PermissionDenied):
        staff_service.staff_identity_verify(
            staff=new_agent, administrator=manager, reason=REASON, request=None
        )


def test_people_inactive_and_verified_accounts_are_skipped_with_a_message(
    admin_client, administrator, new_agent, person
):
    unverify(person)
    verified = give_app(
        User.objects.create_user("joost@topicus.example", GOOD_PASSWORD, is_staff=True)
    )
    gone = User.objects.create_user(
        "oud@topicus.example", GOOD_PASSWORD, is_staff=True, is_active=False
    )
    accounts = [new_agent, person, verified, gone]

    page = choose(admin_client, *accounts).content.decode()
    assert "Wordt overgeslagen" in page
    response = confirm(admin_client, administrator, *accounts)
    page = shown(response)
    assert "1 medewerker geverifieerd: kees@topicus.example" in page
    assert "Overgeslagen, geen medewerker (de helpdesk verifieert hen) (1): " in page
    assert person.email in page
    assert "Overgeslagen, al geverifieerd (1): joost@topicus.example" in page
    assert "Overgeslagen, niet actief (1): oud@topicus.example" in page
    person.refresh_from_db()
    gone.refresh_from_db()
    assert person.identity_verified_at is None
    assert gone.identity_verified_at is None
    assert AuditEvent.objects.filter(event="identity.verified_by_administrator").count() == 1


def test_with_nothing_to_verify_no_code_is_asked_and_the_skips_are_said(
    admin_client, administrator, person
):
    response = choose(admin_client, person, administrator)
    assert response["Location"] == USERS
    page = shown(response)
    assert "Niemand geverifieerd." in page
    assert "Overgeslagen, uw eigen account (vraag een andere beheerder) (1)" in page
    assert "Overgeslagen, geen medewerker (de helpdesk verifieert hen) (1)" in page


def test_an_administrator_cannot_verify_themself(admin_client, administrator):
    response = confirm(admin_client, administrator, administrator)
    assert "Overgeslagen, uw eigen account" in shown(response)

    # Not even a superuser whose own verification was withdrawn, through the service.
    User.objects.filter(pk=administrator.pk).update(identity_verified_at=None)
    administrator.refresh_from_db()
    assert not staff_service.staff_identity_verify(
        staff=administrator, administrator=administrator, reason=REASON, request=None
    )
    administrator.refresh_from_db()
    assert administrator.identity_verified_at is None
    assert not AuditEvent.objects.filter(event="identity.verified_by_administrator").exists()


def test_a_double_submit_verifies_and_audits_once(admin_client, administrator, new_agent):
    first = confirm(admin_client, administrator, new_agent)
    again = confirm(admin_client, administrator, new_agent)  # the same post, a second time
    assert first.status_code == again.status_code == 302
    assert "Overgeslagen, al geverifieerd (1): kees@topicus.example" in shown(again)
    assert AuditEvent.objects.filter(event="identity.verified_by_administrator").count() == 1

    stale = User.objects.get(pk=new_agent.pk)
    stale.identity_verified_at = None  # a copy read before the first verification
    assert not staff_service.staff_identity_verify(
        staff=stale, administrator=administrator, reason=REASON, request=None
    )
    assert AuditEvent.objects.filter(event="identity.verified_by_administrator").count() == 1


def test_a_code_vouches_for_one_batch_only(admin_client, administrator, new_agent):
    code = device_code(administrator.app, drift=1)
    confirm(admin_client, administrator, new_agent, code=code)
    second = with_app(User.objects.create_user("lies@topicus.example", is_staff=True))
    response = confirm(admin_client, administrator, second, code=code)
    assert response.status_code == 400
    assert "Deze code klopt niet of is al gebruikt." in response.content.decode()
    second.refresh_from_db()
    assert second.identity_verified_at is None


def test_the_service_needs_a_reason(administrator, new_agent):
    for reason in ["", "  ", "x" * 201]:
        with pytest.raises(ValueError):
            staff_service.staff_identity_verify(
                staff=new_agent, administrator=administrator, reason=reason, request=None
            )
    new_agent.refresh_from_db()
    assert new_agent.identity_verified_at is None
