"""The servicedesk's overview in the admin: the funnel, who is stuck where, the helpdesk queue."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Invitation, Organisation, User, hash_token
from tests.support import GOOD_PASSWORD, days_ago, give_app, log_in
from tokens.models import AppDevice
from verification.models import Conversation
from zorgportaal import audit

pytestmark = pytest.mark.django_db

OVERVIEW = "/admin/accounts/invitation/overzicht/"


def invitation(organisation, role, email, *, created=20, **dates):
    return Invitation.objects.create(
        email=email,
        organisation=organisation,
        role=role,
        token_hash=hash_token(email),
        created_at=days_ago(created),
        sent_at=days_ago(created),
        **dates,
    )


def account(invite, *, factor_days=None, verified=False):
    user = User.objects.create_user(
        invite.email,
        "x",
        organisation=invite.organisation,
        identity_verified_at=timezone.now() if verified else None,
    )
    Invitation.objects.filter(pk=invite.pk).update(user=user)
    if factor_days is not None:
        device = AppDevice.objects.create(user=user, name="App", confirmed=True)
        AppDevice.objects.filter(pk=device.pk).update(created_at=days_ago(factor_days))
    return user


@pytest.fixture
def people(organisation, role):
    """De Linde: one person at each step, each there for 10 days; one recent; one revoked."""
    other = Organisation.objects.create(name="Apotheek Zuid")
    make = lambda email, **dates: invitation(organisation, role, email, **dates)  # noqa: E731
    make("niet.geopend@delinde.example")
    make("net.uitgenodigd@delinde.example", created=1)
    make("geopend@delinde.example", opened_at=days_ago(10))
    account(make("wachtwoord@delinde.example", opened_at=days_ago(12), used_at=days_ago(10)))
    account(
        make("middel@delinde.example", opened_at=days_ago(12), used_at=days_ago(11)),
        factor_days=10,
    )
    account(
        make("klaar@delinde.example", opened_at=days_ago(12), used_at=days_ago(11)),
        factor_days=10,
        verified=True,
    )
    make("ingetrokken@delinde.example", revoked_at=days_ago(2))
    invitation(other, role, "een@zuid.example", created=3)
    return organisation, other


def test_the_funnel_counts_every_step_per_organisation(servicedesk_client, people):
    page = servicedesk_client.get(OVERVIEW).content.decode()
    de_linde = page[page.index("Huisartsenpraktijk De Linde</a>") :]
    row = de_linde[: de_linde.index("</tr>")]
    # invited 6 (revoked not counted), opened 4, password 3, factor 2, verified 1
    cells = [c.split("<")[0].strip() for c in row.split('<td class="number">')[1:]]
    assert cells == ["6", "4", "3", "2", "1"]
    assert "(67%)" in row and "(17%)" in row
    assert "Apotheek Zuid</a>" in page


def test_who_is_stuck_for_more_than_n_days_at_which_step(servicedesk_client, people):
    page = servicedesk_client.get(OVERVIEW).content.decode()
    for step, email in [
        ("Uitgenodigd, link niet geopend: 1", "niet.geopend@delinde.example"),
        ("Link geopend, geen wachtwoord ingesteld: 1", "geopend@delinde.example"),
        ("Wachtwoord ingesteld, geen authenticatiemiddel gekoppeld: 1", "wachtwoord@"),
        ("Authenticatiemiddel gekoppeld, niet geverifieerd: 1", "middel@delinde.example"),
    ]:
        assert step in page
        assert email in page
    for not_stuck in ["net.uitgenodigd@", "klaar@", "ingetrokken@", "een@zuid.example"]:
        assert not_stuck not in page

    page = servicedesk_client.get(OVERVIEW, {"days": "11"}).content.decode()
    assert "Langer dan 11 dagen op dezelfde stap" in page
    assert "niet.geopend@delinde.example" in page  # 20 days
    assert "geopend@delinde.example" not in page.replace("niet.geopend@", "")
    assert "Wachtwoord ingesteld, geen authenticatiemiddel gekoppeld: 0" in page

    _, other = people
    page = servicedesk_client.get(OVERVIEW, {"organisation": other.pk, "days": 1}).content.decode()
    assert "een@zuid.example" in page
    assert "niet.geopend@delinde.example" not in page


def test_each_stuck_person_shows_the_status_of_their_invitation(servicedesk_client, people):
    page = servicedesk_client.get(OVERVIEW).content.decode()
    for email, status in [
        ("niet.geopend@delinde.example", "verstuurd"),
        ("geopend@delinde.example", "geopend"),
        ("wachtwoord@delinde.example", "gebruikt"),
    ]:
        row = page[page.index(f'<th scope="row">{email}</th>') :]
        assert f"<td>{status}</td>" in row[: row.index("</tr>")]


def test_a_nonsense_number_of_days_falls_back_to_seven(servicedesk_client, people):
    page = servicedesk_client.get(OVERVIEW, {"days": "veel"}).content.decode()
    assert "Langer dan 7 dagen op dezelfde stap" in page


def test_one_click_resends_a_new_link_and_comes_back(
    servicedesk_client, people, django_capture_on_commit_callbacks
):
    stuck = Invitation.objects.get(email="niet.geopend@delinde.example")
    old_hash = stuck.token_hash
    with django_capture_on_commit_callbacks(execute=True):
        response = servicedesk_client.post(
            f"{OVERVIEW}{stuck.pk}/opnieuw-versturen/", {"days": "3"}, follow=True
        )
    assert response.redirect_chain[-1][0] == f"{OVERVIEW}?days=3"
    assert "Nieuwe uitnodiging verstuurd naar niet.geopend@delinde.example." in (
        response.content.decode()
    )
    stuck.refresh_from_db()
    assert stuck.token_hash != old_hash and stuck.expires_at > timezone.now() + timedelta(days=13)
    assert mail.outbox[-1].to == ["niet.geopend@delinde.example"]

    used = Invitation.objects.get(email="wachtwoord@delinde.example")
    response = servicedesk_client.post(f"{OVERVIEW}{used.pk}/opnieuw-versturen/", follow=True)
    assert "Niet verstuurd naar wachtwoord@delinde.example" in response.content.decode()
    assert servicedesk_client.get(f"{OVERVIEW}{used.pk}/opnieuw-versturen/").status_code == 405


def test_the_helpdesk_queue_and_verifications_per_day(servicedesk_client, person):
    now = timezone.now()
    waiting = User.objects.create_user("wacht@delinde.example", "x")
    Conversation.objects.create(person=waiting, created_at=now - timedelta(minutes=3))
    for minutes, person_email in [(4, "a@x.example"), (10, "b@x.example"), (30, "c@x.example")]:
        user = User.objects.create_user(person_email, "x")
        Conversation.objects.create(
            person=user,
            created_at=now - timedelta(minutes=minutes + 1),
            taken_at=now - timedelta(minutes=1),
            closed_at=now,
        )
    for _ in range(3):
        audit.record("verification.succeeded", subject=person)
    page = servicedesk_client.get(OVERVIEW).content.decode()
    assert "1 persoon" in page
    assert "10 minuten (3 gesprekken overgenomen)" in page
    # 14 days: today's bar is full height, the other 13 empty; no invitations: 5 empty steps
    assert page.count('class="chart-bar bar-100"') == 1
    assert page.count('class="chart-bar bar-0"') == 13 + 5
    assert '<td class="number">3</td>' in page


def test_people_who_are_not_staff_are_sent_away(client, person):
    log_in(client, person)
    response = client.get(OVERVIEW, follow=True)
    assert response.redirect_chain[-1][0] == "/portaal/"


def test_staff_without_the_view_permission_are_sent_to_the_admin_index(client):
    staff = give_app(User.objects.create_user("staf@topicus.example", GOOD_PASSWORD, is_staff=True))
    log_in(client, staff)
    response = client.get(OVERVIEW)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.post(f"{OVERVIEW}1/opnieuw-versturen/")["Location"] == "/admin/"


def test_queries_stay_the_same_with_thousands_of_invitations(
    servicedesk_client, organisation, role, django_assert_max_num_queries
):
    def bulk(n, start):
        Invitation.objects.bulk_create(
            Invitation(
                email=f"p{i}@bulk.example",
                organisation=organisation,
                role=role,
                token_hash=hash_token(f"p{i}"),
                created_at=days_ago(10 + i % 5),
                sent_at=days_ago(10 + i % 5),
                opened_at=days_ago(9) if i % 2 else None,
            )
            for i in range(start, start + n)
        )

    bulk(5, 0)
    with django_assert_max_num_queries(100) as few:
        servicedesk_client.get(OVERVIEW)
    bulk(3000, 5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = servicedesk_client.get(OVERVIEW)
    assert "Uitgenodigd, link niet geopend: 1503" in response.content.decode()
    assert "En nog 1453 personen." in response.content.decode()


def test_bars_are_drawn_with_a_few_css_classes_never_an_inline_style():
    from reports.overview import step_class

    assert [step_class(n, 200) for n in (0, 1, 9, 11, 100, 199, 200)] == [0, 1, 5, 5, 50, 100, 100]
    assert step_class(3, 0) == 0
