"""Hardware tokens belong to an organisation (and to the CSV's upn): nobody squats a serial.

The attacks (issue 11, points 2 and 3): an invitee with only a password uploaded CSVs into the
one shared inventory, so an administrator's real batch was refused and the squatter could link
a serial before its real holder; and a few wrong codes on the shared token locked it for its
real holder.
"""

import secrets
import time

import pytest
import time_machine
from django.test import Client, RequestFactory

from accounts.models import Organisation, User
from tests.support import GOOD_PASSWORD, upload
from tokens import services
from tokens.models import AzureCsvImport, HardwareToken, HardwareTokenDevice
from tokens.testing import azure_csv, code_for, inventory_token
from zorgportaal import throttle
from zorgportaal.models import AuditEvent

pytestmark = pytest.mark.django_db

TOKEN = "/registreren/token/"
UPLOAD = "/registreren/token/uploaden/"
DONE = "/registreren/klaar/"
SEED = b"twenty bytes of seed"
NOT_LINKABLE = "Dit serienummer en deze code horen niet bij een token dat u kunt koppelen."


@pytest.fixture
def elsewhere(db):
    return Organisation.objects.create(name="Apotheek Elders")


def enrolling(email, organisation) -> Client:
    """Someone who opened their invitation and chose a password: at "Token instellen"."""
    User.objects.create_user(email, GOOD_PASSWORD, organisation=organisation)
    client = Client()
    client.post("/inloggen/", {"email": email, "password": GOOD_PASSWORD})
    assert client.get(TOKEN).status_code == 200
    return client


def admin_import(data: bytes, organisation, *, take_over=False):
    return services.tokens_import_azure_csv(
        data=data,
        filename="leverancier.csv",
        imported_by=None,
        organisation=organisation,
        source=AzureCsvImport.Source.COMMAND,
        max_rows=50_000,
        max_bytes=10 * 1024 * 1024,
        take_over=take_over,
    )


def wrong(code: str) -> str:
    return f"{(int(code) + 7) % 1_000_000:06d}"


# Point 2: tokens belong to an organisation


def test_a_squatters_upload_elsewhere_does_not_block_the_real_batch(clock, organisation, elsewhere):
    squatter = enrolling("squatter@elders.example", elsewhere)
    assert upload(squatter, UPLOAD, azure_csv([("1000000102", secrets.token_bytes(20), 30)]))[
        "Location"
    ] == (TOKEN)
    admin_import(azure_csv([("1000000102", SEED, 30)]), organisation)
    holder = enrolling("anna@delinde.example", organisation)
    response = holder.post(TOKEN, {"serial": "1000000102", "code": code_for(SEED)})
    assert response["Location"] == DONE
    device = HardwareTokenDevice.objects.get(user__email="anna@delinde.example")
    assert device.hardware_token.organisation == organisation


def test_nobody_links_another_organisations_token_even_with_its_code(
    clock, organisation, elsewhere
):
    inventory_token("1000000102", secret=SEED, organisation=organisation)
    outsider = enrolling("iemand@elders.example", elsewhere)
    page = outsider.post(TOKEN, {"serial": "1000000102", "code": code_for(SEED)})
    assert NOT_LINKABLE in page.content.decode()
    assert not HardwareTokenDevice.objects.exists()
    assert AuditEvent.objects.get(event="token.link_failed").details["reason"] == "unknown_serial"


def test_unknown_foreign_and_wrong_code_get_one_and_the_same_answer(clock, organisation, elsewhere):
    inventory_token("1000000102", secret=SEED, organisation=elsewhere)
    inventory_token("1000000103", secret=SEED, organisation=organisation)
    person = enrolling("anna@delinde.example", organisation)
    answers = set()
    for serial, code in (
        ("9999999999", code_for(SEED)),  # unknown anywhere
        ("1000000102", code_for(SEED)),  # another organisation's, right code
        ("1000000103", wrong(code_for(SEED))),  # our own, wrong code
    ):
        page = person.post(TOKEN, {"serial": serial, "code": code}).content.decode()
        errors = page[
            page.index('class="error-summary"') : page.index("</ul>", page.index("error-summary"))
        ]
        answers.add(errors)
    assert len(answers) == 1
    assert NOT_LINKABLE in answers.pop()


def test_a_token_with_a_upn_links_only_to_that_address(clock, organisation):
    inventory_token("1000000102", secret=SEED, organisation=organisation, upn="Jan@DeLinde.example")
    colleague = enrolling("anna@delinde.example", organisation)
    page = colleague.post(TOKEN, {"serial": "1000000102", "code": code_for(SEED)})
    assert NOT_LINKABLE in page.content.decode()
    owner = enrolling("jan@delinde.example", organisation)
    response = owner.post(TOKEN, {"serial": "1000000102", "code": code_for(SEED, drift=1)})
    assert response["Location"] == DONE


def test_a_persons_upload_belongs_to_their_organisation(organisation):
    person = enrolling("anna@delinde.example", organisation)
    upload(person, UPLOAD, azure_csv([("1000000102", SEED, 30)]))
    token = HardwareToken.objects.get()
    assert (token.organisation, token.imported_by.email) == (organisation, "anna@delinde.example")


def test_a_person_without_an_organisation_cannot_upload(db):
    staff = enrolling("medewerker@topicus.example", None)
    page = upload(staff, UPLOAD, azure_csv([("1000000102", SEED, 30)]))
    assert "Uw account hoort niet bij een organisatie" in page.content.decode()
    assert not HardwareToken.objects.exists()


def test_a_person_uploads_a_few_files_a_day_then_waits(organisation, settings):
    settings.AZURE_CSV_USER_UPLOADS_PER_DAY = 3
    person = enrolling("anna@delinde.example", organisation)
    for n in range(3):
        upload(person, UPLOAD, azure_csv([(f"100000010{n}", secrets.token_bytes(20), 30)]))
    page = upload(person, UPLOAD, azure_csv([("1000000109", SEED, 30)]))
    assert "U heeft vandaag al het maximale aantal bestanden geüpload." in page.content.decode()
    assert HardwareToken.objects.count() == 3
    with time_machine.travel(time.time() + 25 * 3600):
        person.post("/inloggen/", {"email": "anna@delinde.example", "password": GOOD_PASSWORD})
        assert upload(person, UPLOAD, azure_csv([("1000000109", SEED, 30)]))["Location"] == TOKEN


def test_refused_files_count_against_the_days_uploads_too(organisation, settings):
    settings.AZURE_CSV_USER_UPLOADS_PER_DAY = 2
    person = enrolling("anna@delinde.example", organisation)
    for _ in range(2):
        upload(person, UPLOAD, b"niet,een,azure,csv\n")
    page = upload(person, UPLOAD, azure_csv([("1000000109", SEED, 30)]))
    assert "maximale aantal bestanden" in page.content.decode()
    assert not HardwareToken.objects.exists()


def test_a_person_adds_a_few_hundred_tokens_a_day_at_most(organisation, settings):
    settings.AZURE_CSV_USER_TOKENS_PER_DAY = 5
    person = enrolling("anna@delinde.example", organisation)
    rows = [(str(2000000000 + n), secrets.token_bytes(20), 30) for n in range(4)]
    assert upload(person, UPLOAD, azure_csv(rows))["Location"] == TOKEN
    more = [(str(3000000000 + n), secrets.token_bytes(20), 30) for n in range(2)]
    page = upload(person, UPLOAD, azure_csv(more)).content.decode()
    assert "U kunt hoogstens 5 tokens per dag uploaden" in page
    assert HardwareToken.objects.count() == 4


def test_an_invitee_without_a_password_cannot_upload(invite):
    _invitation, link = invite()
    client = Client()
    client.get(link)  # the link is open; no password chosen yet
    response = upload(client, UPLOAD, azure_csv([("1000000102", SEED, 30)]))
    assert response["Location"] == "/registreren/wachtwoord/"
    assert not HardwareToken.objects.exists()


def test_the_administrator_takes_over_unlinked_serials_and_it_is_audited(organisation):
    squatter = enrolling("squatter@delinde.example", organisation)
    upload(squatter, UPLOAD, azure_csv([("1000000102", secrets.token_bytes(20), 30)]))
    with pytest.raises(services.AzureCsvError):
        admin_import(azure_csv([("1000000102", SEED, 30)]), organisation)
    admin_import(azure_csv([("1000000102", SEED, 30)]), organisation, take_over=True)
    token = HardwareToken.objects.get(serial="1000000102")
    assert token.secret() == SEED
    assert token.imported_by is None
    event = AuditEvent.objects.get(event="token.taken_over")
    assert event.details["serials"] == ["1000000102"]


def test_a_linked_serial_is_never_taken_over(clock, organisation):
    holder = enrolling("anna@delinde.example", organisation)
    upload(holder, UPLOAD, azure_csv([("1000000102", SEED, 30)]))
    holder.post(TOKEN, {"serial": "1000000102", "code": code_for(SEED)})
    with pytest.raises(services.AzureCsvError):
        admin_import(azure_csv([("1000000102", b"x" * 20, 30)]), organisation, take_over=True)
    assert HardwareToken.objects.get().secret() == SEED


# Point 3: linking is throttled per person and per client, never on the shared token


def test_wrong_codes_from_a_colleague_never_lock_the_token_for_its_holder(clock, organisation):
    inventory_token("1000000102", secret=SEED, organisation=organisation)
    guesser = enrolling("rader@delinde.example", organisation)
    for _ in range(12):
        guesser.post(TOKEN, {"serial": "1000000102", "code": wrong(code_for(SEED))})
    assert not HardwareTokenDevice.objects.exists()
    holder = enrolling("anna@delinde.example", organisation)
    holder.defaults["REMOTE_ADDR"] = "192.0.2.7"
    response = holder.post(TOKEN, {"serial": "1000000102", "code": code_for(SEED)})
    assert response["Location"] == DONE


def test_a_person_guessing_codes_waits_like_at_the_login(clock, organisation):
    inventory_token("1000000102", secret=SEED, organisation=organisation)
    guesser = enrolling("rader@delinde.example", organisation)
    for _ in range(throttle.ACCOUNT.free):
        guesser.post(TOKEN, {"serial": "1000000102", "code": wrong(code_for(SEED))})
    page = guesser.post(TOKEN, {"serial": "1000000102", "code": code_for(SEED)})
    assert "Te veel mislukte pogingen." in page.content.decode()
    assert not HardwareTokenDevice.objects.exists()


def test_one_client_guessing_for_many_accounts_is_throttled_per_client(clock, organisation):
    inventory_token("1000000102", secret=SEED, organisation=organisation)
    request = RequestFactory().post(TOKEN, REMOTE_ADDR="198.51.100.9")
    for n in range(throttle.CLIENT.free):
        person = User.objects.create_user(f"p{n}@delinde.example", "x", organisation=organisation)
        request.user = person
        with pytest.raises(services.TokenLinkError):
            services.token_link(
                user=person, serial="1000000102", code=wrong(code_for(SEED)), request=request
            )
    fresh = User.objects.create_user("nieuw@delinde.example", "x", organisation=organisation)
    request.user = fresh
    with pytest.raises(services.TokenLinkError) as refused:
        services.token_link(user=fresh, serial="1000000102", code=code_for(SEED), request=request)
    assert refused.value.reason == "throttled"
