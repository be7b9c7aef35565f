"""Names: the servicedesk gives them with the address, the person confirms them, the helpdesk
checks them.

What each one sees (the servicedesk in the admin and the command, the person on the password
page and the dashboard, the agent in the console) and what the database holds afterwards.
"""

import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts import invitations
from accounts.invitee_lists import (
    Invitee,
    InviteeCsvError,
    parse_entry,
    parse_invitee_csv,
    parse_pasted,
)
from accounts.models import Invitation, User
from tests.support import GOOD_PASSWORD, invite_in_admin, log_in
from verification import services
from verification.models import Conversation, VerificationCode

pytestmark = pytest.mark.usefixtures("open_helpdesk")

PASSWORD_URL = "/registreren/wachtwoord/"
INVITE = "/admin/accounts/invitation/uitnodigen/"
CHANGELIST = "/admin/accounts/invitation/"
QUEUE = "/helpdesk/"
PHONE = "/helpdesk/telefonisch/"
CODE = "7395"


def csv_problems(data: bytes, *, max_rows=100) -> list[str]:
    with pytest.raises(InviteeCsvError) as raised:
        parse_invitee_csv(data, max_rows=max_rows)
    return [str(problem) for problem in raised.value.problems]


# A pasted list: "Voornaam Achternaam <adres>"


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("Anna de Vries <anna@x.nl>", Invitee("anna@x.nl", "Anna", "de Vries")),
        ('"Anna de Vries" <Anna@X.nl>', Invitee("anna@x.nl", "Anna", "de Vries")),
        ("'Jan van der Berg' <jan@x.nl>", Invitee("jan@x.nl", "Jan", "van der Berg")),
        ("Anna de Vries<anna@x.nl>", Invitee("anna@x.nl", "Anna", "de Vries")),
        ("  Anna   de\u00a0Vries  <anna@x.nl> ", Invitee("anna@x.nl", "Anna", "de Vries")),
        ("Anna <anna@x.nl>", Invitee("anna@x.nl", "Anna", "")),
        ("anna@x.nl", Invitee("anna@x.nl")),
        ("<anna@x.nl>", Invitee("anna@x.nl")),
        ('"anna@x.nl" <anna@x.nl>', Invitee("anna@x.nl")),  # Outlook: the address as name
        ("An\u200bna de Vries <anna@x.nl>", Invitee("anna@x.nl", "Anna", "de Vries")),
    ],
)
def test_a_pasted_entry_gives_the_first_word_as_first_name_and_the_rest_as_last_name(
    entry, expected
):
    assert parse_entry(entry) == expected


@pytest.mark.parametrize(
    "entry",
    [
        "Anna de Vries <anna@x.nl",  # a bracket left open: reported, not guessed
        "Anna de Vries",
        "a <b> <anna@x.nl>",
        "Anna <anna@x.nl> de Vries",
        f"{'A' * 151} de Vries <anna@x.nl>",  # longer than the account can hold
    ],
)
def test_a_pasted_entry_that_is_not_clearly_a_name_and_address_is_invalid(entry):
    assert parse_entry(entry) is None


def test_a_comma_in_a_pasted_list_always_separates_entries():
    """ "de Vries, Anna <a@x>" is two entries: a bad one, and Anna without a last name."""
    found, invalid = parse_pasted("de Vries, Anna <anna@x.nl>; Jan Jansen <jan@x.nl>")
    assert found == [Invitee("anna@x.nl", "Anna", ""), Invitee("jan@x.nl", "Jan", "Jansen")]
    assert invalid == ["de Vries"]


# A CSV file of names and addresses


def test_a_csv_with_dutch_headers_semicolons_a_bom_and_crlf_is_read():
    data = (
        "\ufeffVoornaam;Achternaam;E-mailadres\r\n"
        "Anna;de Vries;Anna.deVries@DeLinde.example\r\n"
        "\r\n"
        '"Jan";"van der Berg";jan@delinde.example\r\n'
    ).encode()
    assert parse_invitee_csv(data, max_rows=10) == [
        Invitee("anna.devries@delinde.example", "Anna", "de Vries"),
        Invitee("jan@delinde.example", "Jan", "van der Berg"),
    ]


@pytest.mark.parametrize(
    ("header", "row"),
    [
        ("voornaam,achternaam,e-mailadres", "Anna,de Vries,anna@x.nl"),
        ("first_name,last_name,email", "Anna,de Vries,anna@x.nl"),
        ("First name;Last name;E-mail", "Anna;de Vries;anna@x.nl"),
        ("  VOORNAAM , Achternaam ,  Email ", "Anna, de Vries , anna@x.nl"),
        ("email,last_name,first_name", "anna@x.nl,de Vries,Anna"),  # the header says which
    ],
)
def test_dutch_and_english_header_names_are_accepted_in_any_order(header, row):
    data = f"{header}\n{row}\n".encode()
    assert parse_invitee_csv(data, max_rows=10) == [Invitee("anna@x.nl", "Anna", "de Vries")]


def test_a_quoted_name_may_hold_the_separator():
    data = b'voornaam;achternaam;e-mailadres\n"Anna";"Vries; de";anna@x.nl\n'
    assert parse_invitee_csv(data, max_rows=10) == [Invitee("anna@x.nl", "Anna", "Vries; de")]


def test_every_bad_line_is_reported_with_its_line_number_in_dutch():
    data = (
        "voornaam;achternaam;e-mailadres\n"
        "Anna;de Vries;anna@x.nl\n"  # 2: good
        ";Jansen;jan@x.nl\n"  # 3
        "Piet;;piet@x.nl\n"  # 4
        "\n"  # 5: blank, skipped but counted
        "Kees;Bakker;kees@\n"  # 6
        "Mies;Bakker\n"  # 7
        "Anna;Smit;ANNA@x.nl\n"  # 8: the address of line 2
        f"{'L' * 151};Lang;lang@x.nl\n"  # 9
        "Geen;Adres;\n"  # 10
    ).encode()
    assert csv_problems(data) == [
        "Regel 3: De voornaam ontbreekt.",
        "Regel 4: De achternaam ontbreekt.",
        "Regel 6: ‘kees@’ is geen geldig e-mailadres.",
        "Regel 7: Deze regel heeft 2 kolommen, maar er moeten er 3 zijn: voornaam, achternaam "
        "en e-mailadres. Staat het scheidingsteken in een naam, zet die naam dan tussen "
        "aanhalingstekens.",
        "Regel 8: Het e-mailadres anna@x.nl staat ook al op regel 2. Zet elke persoon één keer "
        "in het bestand.",
        "Regel 9: De voornaam is te lang: hoogstens 150 tekens.",
        "Regel 10: Het e-mailadres ontbreekt.",
    ]


def test_an_unclosed_quote_is_reported_at_its_line():
    data = b'voornaam;achternaam;e-mailadres\nAnna;de Vries;anna@x.nl\n"Jan;Jansen;jan@x.nl\n'
    problems = csv_problems(data)
    assert problems == [
        "Regel 3: Deze regel kan niet als CSV worden gelezen, bijvoorbeeld omdat een "
        "aanhalingsteken niet is afgesloten. Controleer de aanhalingstekens op deze regel."
    ]


@pytest.mark.parametrize(
    "header",
    [
        "naam;e-mailadres",
        "voornaam;achternaam;e-mailadres;functie",
        "voornaam;voornaam;e-mailadres",
        "Anna;de Vries;anna@x.nl",  # no header line at all
    ],
)
def test_a_file_without_the_header_line_is_refused_and_says_what_it_should_be(header):
    data = f"{header}\nAnna;de Vries;anna@x.nl\n".encode()
    (problem,) = csv_problems(data)
    assert problem.startswith(
        "De eerste regel moet de kopregel ‘voornaam;achternaam;e-mailadres’ zijn"
    )


def test_an_empty_file_or_only_a_header_is_refused():
    assert csv_problems(b"") == [
        "Het bestand is leeg. Zet op de eerste regel ‘voornaam;achternaam;e-mailadres’ en "
        "daaronder één regel per persoon."
    ]
    assert csv_problems(b"voornaam;achternaam;e-mailadres\n\n") == [
        "Het bestand bevat alleen een kopregel. Zet daaronder één regel per persoon."
    ]


def test_a_file_that_is_not_utf8_is_refused():
    data = "voornaam;achternaam;e-mailadres\nRenée;Müller;renee@x.nl\n".encode("cp1252")
    assert csv_problems(data) == [
        "Het bestand is geen UTF-8-tekst. Sla het op als ‘CSV UTF-8’ en upload het opnieuw."
    ]


def test_a_file_with_too_many_lines_is_refused_as_a_whole():
    rows = "".join(f"P;Persoon;p{n}@x.nl\n" for n in range(4))
    data = f"voornaam;achternaam;e-mailadres\n{rows}".encode()
    assert csv_problems(data, max_rows=3) == [
        "Het bestand bevat 4 personen, maar er mogen er hoogstens 3 in één bestand staan. "
        "Splits het bestand en upload de delen apart."
    ]
    assert len(parse_invitee_csv(data, max_rows=4)) == 4


def test_a_file_with_many_problems_lists_the_first_and_counts_the_rest():
    rows = "".join(f"P;Persoon;fout{n}@\n" for n in range(60))
    problems = csv_problems(f"voornaam;achternaam;e-mailadres\n{rows}".encode())
    assert len(problems) == 51
    assert problems[0] == "Regel 2: ‘fout0@’ is geen geldig e-mailadres."
    assert problems[-1].startswith("Er zijn nog 10 andere problemen.")


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=500),
        st.text(alphabet=';,"\n\r @.aé\ufeff\u200b\x00', max_size=300).map(
            lambda rows: ("voornaam;achternaam;e-mailadres\n" + rows).encode()
        ),
    )
)
def test_any_file_gives_people_or_problems_and_never_another_exception(data):
    try:
        invitees = parse_invitee_csv(data, max_rows=5)
    except InviteeCsvError as error:
        assert error.problems
        assert all(isinstance(problem, str) for problem in error.problems)
    else:
        assert 0 < len(invitees) <= 5
        assert all(i.first_name and i.last_name and "@" in i.email for i in invitees)


# Invitations hold the names


@pytest.mark.django_db
def test_invitations_store_the_names_pasted_with_the_addresses(
    organisation, role, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = invitations.invitations_create(
            text="Anna de Vries <anna@x.nl>\njan@x.nl",
            invitees=[Invitee("piet@x.nl", "Piet", "Bakker"), Invitee("anna@x.nl", "A", "B")],
            organisation=organisation,
            role=role,
        )
    assert report.invited == ["anna@x.nl", "jan@x.nl", "piet@x.nl"]
    assert report.duplicates == ["anna@x.nl"]
    names = Invitation.objects.order_by("email").values_list("email", "first_name", "last_name")
    assert list(names) == [
        ("anna@x.nl", "Anna", "de Vries"),
        ("jan@x.nl", "", ""),
        ("piet@x.nl", "Piet", "Bakker"),
    ]


@pytest.mark.django_db
def test_a_renewed_invitation_takes_new_names_and_keeps_the_old_when_none_are_given(
    organisation, role
):
    invitations.invitations_create(
        text="Anna de Vries <anna@x.nl>, Jan Jansen <jan@x.nl>",
        organisation=organisation,
        role=role,
    )
    Invitation.objects.update(expires_at=timezone.now())
    report = invitations.invitations_create(
        text="Anna Smit <anna@x.nl>, jan@x.nl", organisation=organisation, role=role
    )
    assert report.renewed == ["anna@x.nl", "jan@x.nl"]
    names = Invitation.objects.order_by("email").values_list("first_name", "last_name")
    assert list(names) == [("Anna", "Smit"), ("Jan", "Jansen")]


@pytest.mark.django_db
def test_a_batch_with_names_takes_the_same_queries_for_5_or_40_people(
    settings, organisation, role, django_capture_on_commit_callbacks
):
    settings.MAIL_QUEUE = "worker"

    def count(prefix, number):
        text = "\n".join(f"Persoon {n} <{prefix}{n}@x.nl>" for n in range(number))
        with CaptureQueriesContext(connection) as queries:
            invitations.invitations_create(text=text, organisation=organisation, role=role)
        return len(queries)

    assert count("veel", 40) == count("weinig", 5)


# The servicedesk in the admin


def test_the_servicedesk_invites_a_pasted_list_with_names(
    servicedesk_client, organisation, role, django_capture_on_commit_callbacks
):
    response = invite_in_admin(
        servicedesk_client,
        organisation,
        role,
        django_capture_on_commit_callbacks,
        addresses='Anna de Vries <anna@delinde.example>\n"Jan Jansen" <jan@delinde.example>',
    )
    assert "Uitgenodigd (2): anna@delinde.example, jan@delinde.example" in (
        response.content.decode()
    )
    names = Invitation.objects.order_by("email").values_list("first_name", "last_name")
    assert list(names) == [("Anna", "de Vries"), ("Jan", "Jansen")]


def test_the_invite_form_offers_a_csv_file_beside_the_list(servicedesk_client):
    page = servicedesk_client.get(INVITE).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file" name="csv_file"' in page
    assert "voornaam;achternaam;e-mailadres" in page


def test_the_servicedesk_invites_from_a_csv_file_and_the_list_together(
    servicedesk_client, organisation, role, django_capture_on_commit_callbacks
):
    csv = "\ufeffvoornaam;achternaam;e-mailadres\r\nAnna;de Vries;anna@delinde.example\r\n"
    response = invite_in_admin(
        servicedesk_client,
        organisation,
        role,
        django_capture_on_commit_callbacks,
        addresses="Piet Bakker <piet@delinde.example>",
        csv=csv.encode(),
    )
    assert "Uitgenodigd (2): piet@delinde.example, anna@delinde.example" in (
        response.content.decode()
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["anna@delinde.example", "piet@delinde.example"]
    assert Invitation.objects.get(email="anna@delinde.example").last_name == "de Vries"


def test_a_csv_file_with_errors_invites_nobody_and_lists_every_bad_line(
    servicedesk_client, organisation, role, django_capture_on_commit_callbacks
):
    csv = (
        "voornaam,achternaam,e-mailadres\n"
        "Anna,de Vries,anna@delinde.example\n"
        ",Jansen,jan@delinde.example\n"
        "Kees,Bakker,kees@\n"
    )
    response = invite_in_admin(
        servicedesk_client,
        organisation,
        role,
        django_capture_on_commit_callbacks,
        addresses="piet@delinde.example",
        csv=csv.encode(),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Regel 3: De voornaam ontbreekt." in page
    assert "Regel 4: ‘kees@’ is geen geldig e-mailadres." in page
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_the_invite_form_needs_a_list_or_a_file(servicedesk_client, organisation, role):
    response = servicedesk_client.post(
        INVITE, {"addresses": " ", "organisation": organisation.pk, "role": role.pk}
    )
    assert "Vul e-mailadressen in of kies een CSV-bestand." in response.content.decode()
    assert not Invitation.objects.exists()


def test_the_invitation_list_shows_and_searches_the_names(servicedesk_client, invite):
    invite("anna.devries@delinde.example", name="Anna de Vries")
    invite("jan@delinde.example", name="Jan Jansen")
    page = servicedesk_client.get(CHANGELIST).content.decode()
    assert "de Vries" in page
    assert "Jansen" in page
    found = servicedesk_client.get(CHANGELIST, {"q": "jansen"}).content.decode()
    assert "jan@delinde.example" in found  # found by the last name, not in the address
    assert "anna.devries@delinde.example" not in found


# The servicedesk with `manage.py invite --file`


def run_invite(*args):
    out = io.StringIO()
    call_command("invite", *args, "--organisation", "De Linde", "--role", "Arts", stdout=out)
    return out.getvalue()


@pytest.fixture
def linde(db):
    from accounts.models import Organisation, Role

    return Organisation.objects.create(name="De Linde"), Role.objects.create(name="Arts")


def test_invite_file_reads_a_csv_file_with_names(linde, tmp_path):
    path = tmp_path / "namen.csv"
    path.write_bytes(b"\xef\xbb\xbfvoornaam;achternaam;e-mailadres\nAnna;de Vries;anna@x.nl\n")
    output = run_invite("--file", str(path))
    assert "Uitgenodigd: anna@x.nl" in output
    invitation = Invitation.objects.get()
    assert (invitation.first_name, invitation.last_name) == ("Anna", "de Vries")


def test_invite_file_with_a_bad_csv_invites_nobody_and_names_the_lines(linde, tmp_path):
    path = tmp_path / "namen.csv"
    path.write_text("voornaam;achternaam;e-mailadres\nAnna;de Vries;anna@x.nl\nJan;;jan@x.nl\n")
    with pytest.raises(CommandError, match=r"Regel 3: De achternaam ontbreekt\."):
        run_invite("extra@x.nl", "--file", str(path))
    assert not Invitation.objects.exists()


def test_invite_file_reads_name_and_address_lines_from_a_text_file(linde, tmp_path):
    path = tmp_path / "adressen.txt"
    path.write_text("Anna de Vries <anna@x.nl>\njan@x.nl\n")
    run_invite("Piet Bakker <piet@x.nl>", "--file", str(path))
    names = Invitation.objects.order_by("email").values_list("email", "first_name", "last_name")
    assert list(names) == [
        ("anna@x.nl", "Anna", "de Vries"),
        ("jan@x.nl", "", ""),
        ("piet@x.nl", "Piet", "Bakker"),
    ]


def test_the_demo_invitation_has_a_name(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo_data", stdout=io.StringIO())
    invitation = Invitation.objects.get()
    assert invitation.first_name and invitation.last_name


# The person on the password page


def open_link(client, invite, **kwargs):
    invitation, link = invite(**kwargs)
    client.get(link)
    return invitation


def post_password(client, **names):
    return client.post(
        PASSWORD_URL, {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD, **names}
    )


@pytest.mark.django_db
def test_the_password_page_shows_the_invitation_names_read_only(client, invite):
    open_link(client, invite, name="Anna de Vries")
    page = client.get(PASSWORD_URL).content.decode()
    assert 'id="id_first_name" value="Anna" readonly autocomplete="given-name"' in page
    assert 'id="id_last_name" value="de Vries" readonly autocomplete="family-name"' in page
    assert 'name="first_name"' not in page
    assert 'name="last_name"' not in page
    assert 'value="anna.devries@delinde.example" readonly' in page


@pytest.mark.django_db
def test_a_tampered_post_cannot_change_the_names_the_invitation_gave(client, invite):
    open_link(client, invite, name="Anna de Vries")
    response = post_password(client, first_name="Mallory", last_name="Aanvaller")
    assert response["Location"] == "/registreren/authenticatiemiddel/"
    user = User.objects.get()
    assert (user.first_name, user.last_name) == ("Anna", "de Vries")


@pytest.mark.django_db
def test_the_password_page_asks_the_names_when_the_invitation_had_none(client, invite):
    open_link(client, invite, name="")
    page = client.get(PASSWORD_URL).content.decode()
    assert '<label for="id_first_name">Voornaam</label>' in page
    assert '<label for="id_last_name">Achternaam</label>' in page
    assert 'name="first_name"' in page
    assert 'autocomplete="given-name"' in page
    assert 'autocomplete="family-name"' in page
    assert 'maxlength="150"' in page
    assert 'readonly autocomplete="given-name"' not in page


@pytest.mark.django_db
def test_names_asked_are_required_with_dutch_errors(client, invite):
    open_link(client, invite, name="")
    response = post_password(client, first_name="  ", last_name="\u200b")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Vul uw voornaam in." in page
    assert "Vul uw achternaam in." in page
    assert 'href="#id_first_name"' in page
    assert not User.objects.exists()


@pytest.mark.django_db
def test_names_typed_by_the_person_are_stripped_and_kept_on_the_account(client, invite):
    open_link(client, invite, name="")
    response = post_password(client, first_name="  Anna ", last_name=" de   Vries ")
    assert response["Location"] == "/registreren/authenticatiemiddel/"
    user = User.objects.get()
    assert (user.first_name, user.last_name) == ("Anna", "de Vries")


@pytest.mark.django_db
def test_a_name_longer_than_150_characters_is_refused(client, invite):
    open_link(client, invite, name="")
    response = post_password(client, first_name="A" * 151, last_name="de Vries")
    assert "Dit is te lang: gebruik hoogstens 150 tekens." in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_only_the_name_the_invitation_lacks_is_asked(client, invite):
    open_link(client, invite, name="Anna")
    page = client.get(PASSWORD_URL).content.decode()
    assert 'id="id_first_name" value="Anna" readonly' in page
    assert 'name="last_name"' in page
    post_password(client, first_name="Mallory", last_name="de Vries")
    user = User.objects.get()
    assert (user.first_name, user.last_name) == ("Anna", "de Vries")


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["Wilhelmina Oosterhoutsma", ""])
def test_a_password_like_the_name_is_refused(client, invite, name):
    open_link(client, invite, address="w@delinde.example", name=name)
    names = {} if name else {"first_name": "Wilhelmina", "last_name": "Oosterhoutsma"}
    response = client.post(
        PASSWORD_URL, {"password1": "oosterhoutsma", "password2": "oosterhoutsma", **names}
    )
    assert "Dit wachtwoord lijkt te veel op uw achternaam." in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_begin_opnieuw_keeps_the_invitation_names_fixed_and_typed_names_editable(client, invite):
    open_link(client, invite, name="Anna")
    post_password(client, last_name="de Vris")
    client.post("/registreren/opnieuw/")
    page = client.get(PASSWORD_URL).content.decode()
    assert 'id="id_first_name" value="Anna" readonly' in page
    assert 'name="last_name" value="de Vris"' in page
    response = client.post(
        PASSWORD_URL,
        {
            "password1": "een heel ander wachtwoord",
            "password2": "een heel ander wachtwoord",
            "first_name": "Mallory",
            "last_name": "de Vries",
        },
    )
    assert response["Location"] == "/registreren/authenticatiemiddel/"
    user = User.objects.get()
    assert (user.first_name, user.last_name) == ("Anna", "de Vries")
    assert user.check_password("een heel ander wachtwoord")


# The person on the dashboard


def test_the_dashboard_user_card_shows_the_name_and_the_address(client, person):
    log_in(client, person)
    page = client.get("/portaal/").content.decode()
    assert '<p class="user-name">Anna de Vries</p>' in page
    assert '<p class="user-email">anna.devries@delinde.example</p>' in page


def test_the_dashboard_user_card_shows_the_address_when_there_is_no_name(client, person):
    User.objects.filter(pk=person.pk).update(first_name="", last_name="")
    log_in(client, person)
    page = client.get("/portaal/").content.decode()
    assert '<p class="user-name">anna.devries@delinde.example</p>' in page
    assert 'class="user-email"' not in page


# The agent in the helpdesk console (the `console` fixture)


@pytest.fixture
def waiting(unverified):
    """Anna, registered but not verified, waiting in the chat with a known code."""
    code = services.code_current(user=unverified)
    VerificationCode.objects.filter(pk=code.pk).update(code=CODE)
    return services.conversation_start(person=unverified, request=None)


def test_the_queue_shows_the_name_and_the_address(console, waiting):
    page = console.get(QUEUE).content.decode()
    assert ">Anna de Vries</a>" in page
    assert "anna.devries@delinde.example" in page


def test_the_conversation_facts_show_the_name(console, waiting):
    page = console.get(f"/helpdesk/gesprek/{waiting.pk}/").content.decode()
    assert "<dt>Naam</dt><dd>Anna de Vries</dd>" in page
    assert "<dt>E-mailadres</dt><dd>anna.devries@delinde.example</dd>" in page


def test_the_facts_say_so_when_no_name_is_known(console, waiting):
    User.objects.filter(pk=waiting.person_id).update(first_name="", last_name="")
    page = console.get(f"/helpdesk/gesprek/{waiting.pk}/").content.decode()
    assert "<dt>Naam</dt><dd>niet opgegeven</dd>" in page


def test_the_phone_path_account_page_shows_the_name(console, waiting):
    response = console.post(PHONE, {"email": "anna.devries@delinde.example", "code": CODE})
    page = console.get(response["Location"]).content.decode()
    assert "<h1>Anna de Vries</h1>" in page
    assert "<dt>Naam</dt><dd>Anna de Vries</dd>" in page


def test_a_person_without_a_name_is_shown_by_address_in_the_queue(console, waiting):
    User.objects.filter(pk=waiting.person_id).update(first_name="", last_name="")
    page = console.get(QUEUE).content.decode()
    assert ">anna.devries@delinde.example</a>" in page
    assert Conversation.objects.count() == 1
