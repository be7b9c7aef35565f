"""Helpdesk agents serve their own organisations (or all, at the central servicedesk).

The attack: an agent of De Linde opens, takes, verifies or resets a person of another
organisation, by chat id or by phone. Each test walks that sequence and looks at what the agent
sees and what the database holds afterwards.
"""

import pytest
from django.conf import settings

from accounts.models import Organisation, User
from tests.support import GOOD_PASSWORD, logged_in, make_agent, with_app
from tokens.models import AppDevice
from verification import services
from verification.models import Conversation, Message, VerificationCode
from zorgportaal.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open_helpdesk")]

QUEUE = "/helpdesk/"
PHONE = "/helpdesk/telefonisch/"
WRONG_PAIR = "Dit e-mailadres en deze code horen niet bij elkaar"
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


def waiting_person(email, first_name, organisation, code):
    """Registered, not verified, with an app, a known code and an open chat."""
    person = User.objects.create_user(
        email, GOOD_PASSWORD, first_name=first_name, last_name="Jansen", organisation=organisation
    )
    with_app(person)
    current = services.code_current(user=person)
    VerificationCode.objects.filter(pk=current.pk).update(code=code)
    person.chat = services.conversation_start(person=person, request=None)
    return person


@pytest.fixture
def oost(db):
    return Organisation.objects.create(name="Zorggroep Oost")


@pytest.fixture
def anna(organisation):
    return waiting_person("anna@delinde.example", "Anna", organisation, "1111")


@pytest.fixture
def bert(oost):
    return waiting_person("bert@oost.example", "Bert", oost, "2222")


# `agent` (conftest.py) is Sanne of De Linde, Anna's organisation; `console` is her logged in.


def chat_urls(pk):
    """Every console URL of one chat, with what an agent would send to it."""
    base = f"/helpdesk/gesprek/{pk}/"
    return [
        ("get", base, {}),
        ("get", base + "berichten/", {"na": 0}),
        ("post", base + "overnemen/", {}),
        ("post", base + "bericht/", {"text": "Welke code ziet u?"}),
        ("post", base + "verifieren/", {"verify-code": "2222"}),
        ("post", base + "resetten/", {"reset-code": "2222"}),
        ("post", base + "sluiten/", {}),
    ]


def assert_untouched(person):
    person.refresh_from_db()
    assert person.identity_verified_at is None
    assert AppDevice.objects.filter(user=person).exists()
    code = VerificationCode.objects.get(user=person)
    assert (code.failed_attempts, code.ended_at) == (0, None)
    chat = Conversation.objects.get(person=person)
    assert (chat.taken_by, chat.closed_at) == (None, None)
    assert not Message.objects.filter(conversation=chat).exists()
    assert not AuditEvent.objects.filter(subject=person).exclude(event="chat.started").exists()


# The queue


def test_an_agent_sees_only_the_waiting_chats_of_their_own_organisations(console, anna, bert):
    page = console.get(QUEUE).content.decode()
    assert "1 wachtend gesprek" in page
    assert "Anna Jansen" in page
    assert "Bert Jansen" not in page
    assert "Zorggroep Oost" not in page


def test_a_chat_of_another_organisation_is_not_listed_even_when_the_agent_holds_it(
    console, agent, anna, bert
):
    Conversation.objects.filter(pk=bert.chat.pk).update(taken_by=agent)
    page = console.get(QUEUE).content.decode()
    assert "Bert Jansen" not in page
    assert "U heeft geen open gesprekken." in page


# One chat


def test_another_organisations_chat_is_404_on_every_console_url(console, anna, bert):
    for method, url, data in chat_urls(bert.chat.pk):
        response = getattr(console, method)(url, data)
        assert response.status_code == 404, url
        assert b"Bert" not in response.content, url
    assert_untouched(bert)


def test_a_chat_the_agent_took_before_is_out_of_reach_once_its_organisation_is_not_theirs(
    console, agent, organisation, oost, bert
):
    agent.served_organisations.set([organisation, oost])
    assert console.post(f"/helpdesk/gesprek/{bert.chat.pk}/overnemen/").status_code == 302
    agent.served_organisations.set([organisation])
    for method, url, data in chat_urls(bert.chat.pk):
        assert getattr(console, method)(url, data).status_code == 404, url
    bert.refresh_from_db()
    assert bert.identity_verified_at is None
    assert AppDevice.objects.filter(user=bert).exists()
    assert VerificationCode.objects.get(user=bert).failed_attempts == 0
    assert Conversation.objects.get(pk=bert.chat.pk).is_open


def test_probing_other_organisations_chat_ids_reveals_nothing(console, agent, oost, bert):
    others = [bert.chat.pk]
    for n in range(3):
        person = waiting_person(f"p{n}@oost.example", f"P{n}", oost, "3333")
        if n == 1:
            Conversation.objects.filter(pk=person.chat.pk).update(taken_by=agent)
        if n == 2:
            services.conversation_close(conversation=person.chat, agent=agent, request=None)
        others.append(person.chat.pk)
    messages_before = Message.objects.count()
    events_before = AuditEvent.objects.count()
    missing = max(others) + 1000
    answers = {}
    for pk in [*others, missing]:
        answers[pk] = [
            (response.status_code, response.content)
            for response in (
                getattr(console, method)(url, data, **FETCH) for method, url, data in chat_urls(pk)
            )
        ]
    for pk in others:
        assert answers[pk] == answers[missing], pk
    assert {status for status, _body in answers[missing]} == {404}
    assert Message.objects.count() == messages_before
    assert AuditEvent.objects.count() == events_before
    assert not VerificationCode.objects.filter(failed_attempts__gt=0).exists()


# The phone path


def test_an_agent_cannot_verify_or_reset_another_organisations_person_by_phone(
    console, agent, anna, bert
):
    theirs = console.post(PHONE, {"email": bert.email, "code": "2222"})  # the right code
    wrong = console.post(PHONE, {"email": anna.email, "code": "0000"})
    assert theirs.status_code == wrong.status_code == 200
    assert WRONG_PAIR in theirs.content.decode()
    assert theirs.context["form"].errors == wrong.context["form"].errors
    assert "Bert" not in theirs.content.decode()
    for url in ["", "verifieren/", "resetten/"]:
        method = console.post if url else console.get
        assert method(f"/helpdesk/account/{bert.pk}/{url}")["Location"] == PHONE
    assert_untouched(bert)
    event = AuditEvent.objects.get(event="verification.checked", subject_email=bert.email)
    assert (event.actor, event.outcome, event.details["channel"]) == (
        agent,
        "failure",
        "phone",
    )


def test_phone_lookups_of_another_organisation_count_against_the_agent_like_wrong_codes(
    console, agent, anna, bert
):
    for _ in range(settings.VERIFICATION_AGENT_WRONG_CHECKS_PER_HOUR):
        console.post(PHONE, {"email": bert.email, "code": "2222"})
    failures = AuditEvent.objects.filter(event="verification.checked", outcome="failure")
    assert failures.filter(actor=agent).count() == 10
    response = console.post(PHONE, {"email": anna.email, "code": "1111"})  # right, and theirs
    assert "Te veel mislukte pogingen." in response.content.decode()
    assert response.status_code == 200
    assert VerificationCode.objects.get(user=bert).failed_attempts == 0


def test_an_account_page_checked_earlier_is_404_once_the_organisation_is_not_served(
    agent, organisation, oost, bert
):
    agent.served_organisations.set([organisation, oost])
    console = logged_in(agent)
    response = console.post(PHONE, {"email": bert.email, "code": "2222"})
    assert response["Location"] == f"/helpdesk/account/{bert.pk}/"
    agent.served_organisations.set([organisation])
    assert console.get(f"/helpdesk/account/{bert.pk}/").status_code == 404
    assert console.post(f"/helpdesk/account/{bert.pk}/verifieren/").status_code == 404
    assert console.post(f"/helpdesk/account/{bert.pk}/resetten/").status_code == 404
    bert.refresh_from_db()
    assert bert.identity_verified_at is None
    assert AppDevice.objects.filter(user=bert).exists()


# Central, unassigned, people without an organisation


def test_a_central_agent_serves_every_organisation(anna, bert):
    central = make_agent("joost@topicus.example", "Joost")
    client = logged_in(central)
    page = client.get(QUEUE).content.decode()
    assert "2 wachtende gesprekken" in page
    assert "Anna Jansen" in page and "Bert Jansen" in page
    assert client.post(f"/helpdesk/gesprek/{bert.chat.pk}/overnemen/").status_code == 302
    client.post(f"/helpdesk/gesprek/{bert.chat.pk}/verifieren/", {"verify-code": "2222"})
    response = client.post(PHONE, {"email": anna.email, "code": "1111"})
    client.post(response["Location"] + "verifieren/")
    anna.refresh_from_db()
    bert.refresh_from_db()
    assert anna.is_identity_verified and bert.is_identity_verified


def test_an_agent_of_two_organisations_serves_both(organisation, oost, anna, bert):
    both = make_agent("joost@topicus.example", "Joost", serves=[organisation, oost])
    page = logged_in(both).get(QUEUE).content.decode()
    assert "Anna Jansen" in page and "Bert Jansen" in page


def test_people_without_an_organisation_are_served_only_by_the_central_servicedesk(console):
    staff = waiting_person("nieuw@topicus.example", "Nieuw", None, "4444")
    assert "Nieuw Jansen" not in console.get(QUEUE).content.decode()
    assert console.get(f"/helpdesk/gesprek/{staff.chat.pk}/").status_code == 404
    response = console.post(PHONE, {"email": staff.email, "code": "4444"})
    assert WRONG_PAIR in response.content.decode()

    central = logged_in(make_agent("joost@topicus.example", "Joost"))
    assert "Nieuw Jansen" in central.get(QUEUE).content.decode()
    assert central.get(f"/helpdesk/gesprek/{staff.chat.pk}/").status_code == 200


def test_an_agent_without_organisations_serves_nobody_and_is_told_why(anna):
    client = logged_in(make_agent("nieuw.agent@topicus.example", "Kees", serves=[]))
    page = client.get(QUEUE).content.decode()
    assert "U bent nog aan geen organisatie gekoppeld" in page
    assert "vraag een beheerder" in page
    assert "0 wachtende gesprekken" in page
    assert "Anna Jansen" not in page
    assert client.get(f"/helpdesk/gesprek/{anna.chat.pk}/").status_code == 404
    response = client.post(PHONE, {"email": anna.email, "code": "1111"})
    assert WRONG_PAIR in response.content.decode()
    assert_untouched(anna)


def test_an_assigned_agent_is_not_told_they_serve_nobody(console):
    page = console.get(QUEUE).content.decode()
    assert "Er wacht niemand." in page
    assert "geen organisatie gekoppeld" not in page


# The admin


def test_the_user_admin_assigns_organisations_and_the_central_servicedesk(
    admin_client, organisation, oost
):
    client = admin_client
    agent = make_agent("kees@topicus.example", "Kees", serves=[])
    url = f"/admin/accounts/user/{agent.pk}/change/"
    page = client.get(url).content.decode()
    assert "Helpdesk" in page
    assert 'id="id_served_organisations"' in page
    assert "selectfilter" in page  # filter_horizontal
    response = client.post(
        url,
        {
            "email": agent.email,
            "first_name": "Kees",
            "last_name": "Bakker",
            "is_active": "on",
            "is_staff": "on",
            "user_permissions": [p.pk for p in agent.user_permissions.all()],
            "served_organisations": [oost.pk],
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(agent.served_organisations.all()) == [oost]
    assert not User.objects.get(pk=agent.pk).serves_all_organisations

    def central_listed():
        listed = client.get("/admin/accounts/user/", {"serves_all_organisations__exact": "1"})
        return [user.email for user in listed.context["cl"].result_list]

    assert central_listed() == []
    User.objects.filter(pk=agent.pk).update(serves_all_organisations=True)
    assert central_listed() == ["kees@topicus.example"]
