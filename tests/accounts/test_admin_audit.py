"""Security changes made in the Django admin are in the audit trail (issue 12, point 3; NEN 7513).

The bug: granting superuser, staff or the helpdesk permission, group changes, a new e-mail
address, deactivating or deleting an account, an administrator setting a password and deleting
an inventory token left no trace but Django's own editable admin log. Each test posts the real
admin form as an administrator would (open the page, take its fields, change one thing, save)
and reads the event back from the trail: actor, the actor's role, subject, what changed, and
never a password.
"""

from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group, Permission

from accounts import admin_audit
from accounts.models import Organisation, User
from tests.support import GOOD_PASSWORD
from tokens.models import HardwareToken
from tokens.testing import inventory_token
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"
GROUPS = "/admin/auth/group/"
TOKENS = "/admin/tokens/hardwaretoken/"
NEW_PASSWORD = "zeven groene kikkers zingen in de sloot"


class FormFields(HTMLParser):
    """The fields a browser without JavaScript submits from the page's form `form_id`."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self.select: dict | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            self._input(name, attrs)
        elif tag == "select" and name:
            self.select = {"name": name, "multiple": "multiple" in attrs, "options": []}
        elif tag == "option" and self.select is not None:
            self.select["options"].append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea" and name:
            self.textarea = name
            self.data[name] = [""]

    def _input(self, name, attrs):
        kind = attrs.get("type", "text")
        if kind in {"submit", "button", "reset", "file", "image"}:
            return
        if kind in {"checkbox", "radio"} and "checked" not in attrs:
            return
        self.data.setdefault(name, []).append(attrs.get("value", "on"))

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select" and self.select is not None:
            options = self.select["options"]
            chosen = [value for value, selected in options if selected]
            if not chosen and options and not self.select["multiple"]:
                chosen = [options[0][0]]  # a browser sends the first option
            self.data[self.select["name"]] = chosen
            self.select = None


def form_fields(client, url: str, form_id: str) -> dict[str, list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    parser = FormFields(form_id)
    parser.feed(response.content.decode())
    assert parser.data, f"no form #{form_id} on {url}"
    return parser.data


def submit(client, url: str, form_id: str, **edits):
    """Open the page, take its form as it is, change what `edits` says (None: unticked), save."""
    data = form_fields(client, url, form_id)
    for name, value in edits.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value if isinstance(value, list) else [value]
    response = client.post(url, data)
    form = response.context and response.context.get("adminform")
    assert response.status_code == 302, form and form.form.errors
    return response


def change_user(client, user, **edits):
    return submit(client, f"{USERS}{user.pk}/change/", "user_form", **edits)


def only_event(name: str) -> AuditEvent:
    events = list(AuditEvent.objects.filter(event=name))
    assert len(events) == 1, [e.event for e in AuditEvent.objects.all()]
    return events[0]


def assert_by(event: AuditEvent, administrator):
    assert event.outcome == AuditEvent.Outcome.SUCCESS
    assert event.actor == administrator
    assert event.actor_email == administrator.email
    assert event.actor_role == "beheerder"


def admin_events() -> list[AuditEvent]:
    """The events the admin's changes wrote (the login's own events left out)."""
    return list(AuditEvent.objects.exclude(event__startswith="login."))


@pytest.fixture
def kees(organisation, role):
    return User.objects.create_user(
        "kees@delinde.example",
        GOOD_PASSWORD,
        first_name="Kees",
        last_name="Smit",
        organisation=organisation,
        role=role,
    )


def helpdesk_permission() -> Permission:
    return Permission.objects.get(codename="helpdesk", content_type__app_label="verification")


# Accounts


def test_granting_superuser_is_audited_with_actor_subject_and_the_flag(
    admin_client, administrator, kees
):
    change_user(admin_client, kees, is_superuser="on")

    assert User.objects.get(pk=kees.pk).is_superuser
    event = only_event("account.changed_by_administrator")
    assert_by(event, administrator)
    assert event.subject == kees
    assert event.subject_email == "kees@delinde.example"
    assert event.details == {"changed": {"is_superuser": [False, True]}}


def test_granting_staff_is_audited(admin_client, administrator, kees):
    change_user(admin_client, kees, is_staff="on")

    event = only_event("account.changed_by_administrator")
    assert_by(event, administrator)
    assert event.details == {"changed": {"is_staff": [False, True]}}


def test_granting_the_helpdesk_permission_through_the_widget_is_audited(
    admin_client, administrator, kees
):
    change_user(admin_client, kees, user_permissions=[str(helpdesk_permission().pk)])

    assert kees.has_perm("verification.helpdesk")
    event = only_event("account.changed_by_administrator")
    assert_by(event, administrator)
    assert event.subject == kees
    assert event.details == {
        "changed": {"user_permissions": {"added": ["verification.helpdesk"], "removed": []}}
    }


def test_adding_and_removing_a_group_is_audited(admin_client, administrator, kees):
    helpdesk = Group.objects.create(name="Helpdesk")
    servicedesk = Group.objects.create(name="Servicedesk")
    kees.groups.add(servicedesk)

    change_user(admin_client, kees, groups=[str(helpdesk.pk)])

    assert list(User.objects.get(pk=kees.pk).groups.all()) == [helpdesk]
    event = only_event("account.changed_by_administrator")
    assert_by(event, administrator)
    assert event.details == {
        "changed": {"groups": {"added": ["Helpdesk"], "removed": ["Servicedesk"]}}
    }


def test_changing_the_email_address_is_audited_with_old_and_new(admin_client, administrator, kees):
    change_user(admin_client, kees, email="k.smit@delinde.example")

    event = only_event("account.changed_by_administrator")
    assert_by(event, administrator)
    assert event.subject == kees
    assert event.subject_email == "k.smit@delinde.example"
    assert event.details == {
        "changed": {"email": ["kees@delinde.example", "k.smit@delinde.example"]}
    }


def test_deactivating_an_account_is_audited(admin_client, administrator, kees):
    change_user(admin_client, kees, is_active=None)

    assert not User.objects.get(pk=kees.pk).is_active
    event = only_event("account.changed_by_administrator")
    assert_by(event, administrator)
    assert event.details == {"changed": {"is_active": [True, False]}}


def test_several_changes_in_one_save_are_one_event(admin_client, administrator, kees):
    oost = Organisation.objects.create(name="Zorggroep Oost")

    change_user(
        admin_client,
        kees,
        is_staff="on",
        last_name="Bakker",
        served_organisations=[str(oost.pk)],
        serves_all_organisations="on",
    )

    event = only_event("account.changed_by_administrator")
    assert event.details == {
        "changed": {
            "is_staff": [False, True],
            "last_name": ["Smit", "Bakker"],
            "served_organisations": {"added": ["Zorggroep Oost"], "removed": []},
            "serves_all_organisations": [False, True],
        }
    }


def test_a_save_without_changes_writes_no_event(admin_client, kees):
    change_user(admin_client, kees)

    assert admin_events() == []


def test_the_password_hash_is_never_in_a_change_event(admin_client, kees):
    stored_hash = User.objects.get(pk=kees.pk).password

    change_user(admin_client, kees, is_staff="on")

    event = only_event("account.changed_by_administrator")
    assert "password" not in str(event.details)
    assert stored_hash not in str(event.details)


def test_setting_a_password_on_the_admins_password_page_is_audited_without_the_password(
    admin_client, administrator, kees
):
    old_hash = User.objects.get(pk=kees.pk).password

    submit(
        admin_client,
        f"{USERS}{kees.pk}/password/",
        "user_form",
        password1=NEW_PASSWORD,
        password2=NEW_PASSWORD,
    )

    assert User.objects.get(pk=kees.pk).check_password(NEW_PASSWORD)
    event = only_event("password.set_by_administrator")
    assert_by(event, administrator)
    assert event.subject == kees
    stored = str(event.details)
    assert NEW_PASSWORD not in stored and GOOD_PASSWORD not in stored
    assert old_hash not in stored and User.objects.get(pk=kees.pk).password not in stored
    assert "account.changed_by_administrator" not in [e.event for e in admin_events()]


def test_disabling_password_login_on_the_password_page_is_audited(
    admin_client, administrator, kees
):
    submit(
        admin_client,
        f"{USERS}{kees.pk}/password/",
        "user_form",
        usable_password="false",
        **{"unset-password": "Wachtwoordgebaseerde authenticatie uitschakelen"},
    )

    assert not User.objects.get(pk=kees.pk).has_usable_password()
    event = only_event("password.unset_by_administrator")
    assert_by(event, administrator)
    assert event.subject == kees
    assert event.details == {}


def test_a_refused_password_form_writes_no_event(admin_client, kees):
    response = admin_client.post(
        f"{USERS}{kees.pk}/password/",
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": "iets anders"},
    )

    assert response.status_code == 200  # the form again, with its error
    assert User.objects.get(pk=kees.pk).check_password(GOOD_PASSWORD)
    assert admin_events() == []


def test_creating_an_account_in_the_admin_is_audited(admin_client, administrator):
    submit(
        admin_client,
        f"{USERS}add/",
        "user_form",
        email="nieuw@topicus.example",
        password1=NEW_PASSWORD,
        password2=NEW_PASSWORD,
    )

    created = User.objects.get(email="nieuw@topicus.example")
    event = only_event("account.created_by_administrator")
    assert_by(event, administrator)
    assert event.subject == created
    assert event.details["changed"] == {"email": ["", "nieuw@topicus.example"]}
    assert event.details["usable_password"] is True
    assert NEW_PASSWORD not in str(event.details)


def test_deleting_an_account_is_audited_and_the_event_keeps_the_address(
    admin_client, administrator, kees
):
    kees.groups.add(Group.objects.create(name="Helpdesk"))

    response = admin_client.post(f"{USERS}{kees.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=kees.pk).exists()
    event = only_event("account.deleted_by_administrator")
    assert_by(event, administrator)
    assert event.subject is None  # the row is gone; the address stays
    assert event.subject_email == "kees@delinde.example"
    assert event.details["state"]["groups"] == ["Helpdesk"]
    assert event.details["state"]["email"] == "kees@delinde.example"


def test_an_administrator_deleting_their_own_account_leaves_the_event(admin_client, administrator):
    response = admin_client.post(f"{USERS}{administrator.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=administrator.pk).exists()
    event = only_event("account.deleted_by_administrator")
    assert event.actor is None and event.subject is None  # both unlinked, addresses kept
    assert event.actor_email == event.subject_email == "beheer@topicus.example"
    assert event.actor_role == "beheerder"


def test_deleting_several_accounts_with_the_bulk_action_audits_each(
    admin_client, administrator, kees
):
    bert = User.objects.create_user("bert@delinde.example", GOOD_PASSWORD)

    response = admin_client.post(
        USERS,
        {"action": "delete_selected", "_selected_action": [kees.pk, bert.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert not User.objects.filter(pk__in=[kees.pk, bert.pk]).exists()
    events = AuditEvent.objects.filter(event="account.deleted_by_administrator")
    assert sorted(e.subject_email for e in events) == [
        "bert@delinde.example",
        "kees@delinde.example",
    ]
    for event in events:
        assert_by(event, administrator)


# Groups


def test_changing_a_groups_permissions_is_audited_with_its_members(
    admin_client, administrator, kees
):
    group = Group.objects.create(name="Helpdesk")
    kees.groups.add(group)

    submit(
        admin_client,
        f"{GROUPS}{group.pk}/change/",
        "group_form",
        permissions=[str(helpdesk_permission().pk)],
    )

    assert kees.has_perm("verification.helpdesk")
    event = only_event("group.changed")
    assert_by(event, administrator)
    assert event.details == {
        "group": "Helpdesk",
        "changed": {"permissions": {"added": ["verification.helpdesk"], "removed": []}},
        "members": ["kees@delinde.example"],
    }


def test_creating_a_group_in_the_admin_is_audited(admin_client, administrator):
    submit(
        admin_client,
        f"{GROUPS}add/",
        "group_form",
        name="Helpdesk",
        permissions=[str(helpdesk_permission().pk)],
    )

    event = only_event("group.created")
    assert_by(event, administrator)
    assert event.details["group"] == "Helpdesk"
    assert event.details["changed"]["permissions"]["added"] == ["verification.helpdesk"]


def test_saving_a_group_unchanged_writes_no_event(admin_client):
    group = Group.objects.create(name="Helpdesk")
    group.permissions.add(helpdesk_permission())

    submit(admin_client, f"{GROUPS}{group.pk}/change/", "group_form")

    assert admin_events() == []


def test_deleting_a_group_is_audited_with_its_permissions_and_members(
    admin_client, administrator, kees
):
    group = Group.objects.create(name="Helpdesk")
    group.permissions.add(helpdesk_permission())
    kees.groups.add(group)

    response = admin_client.post(f"{GROUPS}{group.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Group.objects.exists()
    event = only_event("group.deleted")
    assert_by(event, administrator)
    assert event.details == {
        "group": "Helpdesk",
        "permissions": ["verification.helpdesk"],
        "members": ["kees@delinde.example"],
    }


def test_deleting_groups_with_the_bulk_action_audits_each(admin_client, administrator):
    groups = [Group.objects.create(name=name) for name in ("Helpdesk", "Servicedesk")]

    response = admin_client.post(
        GROUPS,
        {"action": "delete_selected", "_selected_action": [g.pk for g in groups], "post": "yes"},
    )

    assert response.status_code == 302
    events = AuditEvent.objects.filter(event="group.deleted")
    assert sorted(e.details["group"] for e in events) == ["Helpdesk", "Servicedesk"]


# Inventory tokens


def test_deleting_an_inventory_token_is_audited_with_serial_and_organisation(
    admin_client, administrator, organisation
):
    token = inventory_token("1000000101", organisation=organisation)

    response = admin_client.post(f"{TOKENS}{token.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not HardwareToken.objects.exists()
    event = only_event("token.deleted")
    assert_by(event, administrator)
    assert event.details == {"serial": "1000000101", "organisation": organisation.name}


def test_deleting_tokens_with_the_bulk_action_audits_each(admin_client, organisation):
    tokens = [inventory_token(serial, organisation=organisation) for serial in ("101", "102")]

    admin_client.post(
        TOKENS,
        {"action": "delete_selected", "_selected_action": [t.pk for t in tokens], "post": "yes"},
    )

    assert not HardwareToken.objects.exists()
    events = AuditEvent.objects.filter(event="token.deleted")
    assert sorted(e.details["serial"] for e in events) == ["101", "102"]


# The comparison itself


def test_changes_gives_old_and_new_values_and_added_and_removed_members():
    before = {"email": "a@x.nl", "is_staff": False, "groups": ["A", "B"], "role": None}
    after = {"email": "b@x.nl", "is_staff": False, "groups": ["B", "C"], "role": "Arts"}

    assert admin_audit.changes(before, after) == {
        "email": ["a@x.nl", "b@x.nl"],
        "groups": {"added": ["C"], "removed": ["A"]},
        "role": [None, "Arts"],
    }


def test_changes_of_equal_states_is_empty_whatever_the_order_of_a_set():
    assert admin_audit.changes({"groups": ["A", "B"]}, {"groups": ["B", "A"]}) == {}


def test_the_account_state_holds_no_password_or_stamp(kees):
    state = admin_audit.account_state(kees)

    assert "password" not in state and "security_stamp" not in state
    assert kees.password not in str(state)
    assert admin_audit.account_state(User())["groups"] == []
