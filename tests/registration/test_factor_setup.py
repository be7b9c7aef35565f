"""A person binds an app or a hardware token, as the manual (2.4, 2.5) shows it."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.models import User
from tests.support import TOKEN_CSV, text, upload
from tokens import services
from tokens.models import AppDevice, AzureCsvImport, HardwareToken, HardwareTokenDevice
from tokens.testing import (
    code_for,
    device_code,
    inventory_token,
    linked_token_device,
)
from zorgportaal.models import AuditEvent

APP = "/registreren/app/"
TOKEN = "/registreren/token/"
UPLOAD = "/registreren/token/uploaden/"
DONE = "/registreren/klaar/"
CHOOSE = "/registreren/authenticatiemiddel/"

TOKEN_SECRET = b"twenty bytes of seed"
BAD_CSV = TOKEN_CSV + b",1000000103,0123456789abcdef0123456789abcdef,30,Feitian,OTP c200\r\n"


def secret_on_page(page) -> str:
    return re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', text(page)).group(1)


def qr_on_page(page) -> str:
    return re.search(r"<svg.*?</svg>", text(page), re.DOTALL).group(0)


def app_code(client) -> str:
    return device_code(AppDevice.objects.get(user=client.user, confirmed=False))


# The app path


def test_the_app_page_shows_the_three_steps_of_the_manual(clock, registered_client):
    page = registered_client.get(APP)
    assert page.status_code == 200
    html = text(page)
    for words in (
        "<title>App instellen – ZorgPortaal</title>",
        "Stap 1: Kies en installeer een app",
        "Microsoft Authenticator",
        "Google Authenticator",
        "FreeOTP",
        "Stap 2: Scan code met de app",
        "Stap 3",
        "Bevestig",
        "Stap 3 van 4",
    ):
        assert words in html
    assert 'autocomplete="one-time-code"' in html
    assert 'inputmode="numeric"' in html


def test_the_qr_code_is_an_inline_svg_with_a_title_and_the_secret_is_shown_in_groups(
    clock, registered_client
):
    page = registered_client.get(APP)
    svg = qr_on_page(page)
    assert "<title" in svg
    assert 'role="img"' in svg
    device = AppDevice.objects.get(user=registered_client.user)
    grouped = secret_on_page(page)
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", grouped)
    assert grouped.replace(" ", "") == services.secret_base32(device)


def test_the_otpauth_uri_names_issuer_and_person_and_the_standard_parameters(registered_client):
    device = services.app_device_start(registered_client.user)
    uri = services.otpauth_uri(device)
    assert uri.startswith("otpauth://totp/ZorgPortaal:anna.devries@delinde.example?")
    assert f"secret={services.secret_base32(device)}" in uri
    for parameter in ("issuer=ZorgPortaal", "algorithm=SHA1", "digits=6", "period=30"):
        assert parameter in uri


def test_the_pages_have_no_inline_scripts_or_styles(clock, registered_client):
    for url in (APP, TOKEN):
        html = text(registered_client.get(url))
        assert "<script>" not in html
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert " style=" not in html


def test_a_person_binds_an_app_and_reaches_the_done_page(clock, registered_client):
    registered_client.get(APP)
    confirmed = registered_client.post(APP, {"code": app_code(registered_client)})
    assert confirmed.status_code == 302
    assert confirmed["Location"] == DONE
    device = AppDevice.objects.get(user=registered_client.user)
    assert device.confirmed
    assert registered_client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    done = text(registered_client.get(DONE))
    assert "Account succesvol aangemaakt" in done
    assert "Uw account is <strong>succesvol</strong> aangemaakt." in done
    assert "Doorgaan naar ZorgPortaal" in done
    assert "Stap 4 van 4" in done
    events = set(AuditEvent.objects.values_list("event", flat=True))
    assert {"device.enrolled", "device.confirmed"} <= events


def test_a_code_typed_with_a_space_binds_the_app(clock, registered_client):
    registered_client.get(APP)
    code = app_code(registered_client)
    response = registered_client.post(APP, {"code": f"{code[:3]} {code[3:]}"})
    assert response["Location"] == DONE


def test_a_wrong_code_says_so_at_the_field_and_keeps_the_same_secret_and_qr_code(
    clock, registered_client
):
    first = registered_client.get(APP)
    code = app_code(registered_client)
    wrong = f"{(int(code) + 500_000) % 1_000_000:06d}"
    again = registered_client.post(APP, {"code": wrong})
    assert again.status_code == 200
    assert "Deze code klopt niet." in text(again)
    assert 'id="id_code-error"' in text(again)
    assert secret_on_page(again) == secret_on_page(first)
    assert qr_on_page(again) == qr_on_page(first)
    assert AuditEvent.objects.filter(event="device.failed").count() == 1


def test_a_code_that_is_not_six_digits_is_refused_without_counting_a_failure(
    clock, registered_client
):
    registered_client.get(APP)
    page = registered_client.post(APP, {"code": "12345"})
    assert "Een code bestaat uit 6 cijfers." in text(page)
    assert AppDevice.objects.get(user=registered_client.user).throttling_failure_count == 0


def test_a_quick_third_try_after_two_wrong_codes_is_throttled(clock, registered_client):
    registered_client.get(APP)
    code = app_code(registered_client)
    for wrong in (1, 2):
        registered_client.post(APP, {"code": f"{(int(code) + wrong) % 1_000_000:06d}"})
    page = registered_client.post(APP, {"code": code})
    assert "U heeft te vaak een onjuiste code ingevuld. Wacht nog 1 seconde" in text(page)
    clock.shift(1)
    assert registered_client.post(APP, {"code": code})["Location"] == DONE


def test_begin_opnieuw_discards_the_unconfirmed_app_and_shows_a_new_secret(
    clock, registered_client
):
    first = secret_on_page(registered_client.get(APP))
    registered_client.post("/registreren/opnieuw/")
    assert not AppDevice.objects.filter(user=registered_client.user).exists()
    assert secret_on_page(registered_client.get(APP)) != first


def test_begin_opnieuw_leaves_the_token_inventory_alone(clock, registered_client):
    token = inventory_token(organisation=registered_client.user.organisation)
    registered_client.post(TOKEN, {"serial": token.serial, "code": "000000"})
    registered_client.post("/registreren/opnieuw/")
    assert HardwareToken.objects.filter(pk=token.pk).exists()


# Skipping steps by typing a URL


def test_the_done_page_is_not_reachable_before_a_factor_is_bound(registered_client):
    response = registered_client.get(DONE)
    assert response.status_code == 302
    assert response["Location"] == CHOOSE


def test_the_setup_pages_are_closed_once_a_factor_is_bound(clock, registered_client):
    registered_client.get(APP)
    registered_client.post(APP, {"code": app_code(registered_client)})
    for url in (APP, TOKEN):
        response = registered_client.get(url)
        assert response.status_code == 302
        assert response["Location"] != url
    upload = SimpleUploadedFile("tokens.csv", TOKEN_CSV)
    assert registered_client.post(UPLOAD, {"csv_file": upload}).status_code == 302
    assert not HardwareToken.objects.exists()


def test_the_setup_pages_need_a_session_with_a_password(client, db):
    for url in (APP, TOKEN, DONE):
        assert client.get(url).status_code == 302
    assert not AppDevice.objects.exists()


# The token path


def test_the_token_page_shows_fields_tips_and_the_upload_box(registered_client):
    html = text(registered_client.get(TOKEN))
    for words in (
        "<title>Token instellen – ZorgPortaal</title>",
        "Serienummer",
        "Code",
        "Volgende",
        "Tips & trucs",
        "net boven de streepjescode",
        "knopje",
        "Token uploaden",
        "Upload hieronder de Azure CSV",
        "Upload CSV",
        'enctype="multipart/form-data"',
    ):
        assert words in html


def test_a_person_links_a_token_and_reaches_the_done_page(clock, registered_client):
    token = inventory_token(secret=TOKEN_SECRET, organisation=registered_client.user.organisation)
    response = registered_client.post(
        TOKEN, {"serial": f" {token.serial} ", "code": code_for(TOKEN_SECRET)}
    )
    assert response["Location"] == DONE
    device = HardwareTokenDevice.objects.get(hardware_token=token)
    assert (device.user, device.confirmed) == (registered_client.user, True)
    assert registered_client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert "Account succesvol aangemaakt" in text(registered_client.get(DONE))
    assert AuditEvent.objects.filter(event="token.linked", subject=registered_client.user)


def test_a_60_second_token_links_with_its_code(clock, registered_client):
    token = inventory_token(
        secret=TOKEN_SECRET, interval=60, organisation=registered_client.user.organisation
    )
    code = code_for(TOKEN_SECRET, step=60)
    response = registered_client.post(TOKEN, {"serial": token.serial, "code": code})
    assert response["Location"] == DONE


NOT_LINKABLE = "Dit serienummer en deze code horen niet bij een token dat u kunt koppelen."


def test_an_unknown_serial_gets_the_one_answer_above_the_form(registered_client):
    page = registered_client.post(TOKEN, {"serial": "9999999999", "code": "123456"})
    assert page.status_code == 200
    assert NOT_LINKABLE in text(page)
    assert 'class="error-summary"' in text(page)
    event = AuditEvent.objects.get(event="token.link_failed")
    assert event.details["reason"] == "unknown_serial"


def test_a_token_linked_to_someone_else_cannot_be_linked_again(clock, registered_client):
    organisation = registered_client.user.organisation
    token = inventory_token(secret=TOKEN_SECRET, organisation=organisation)
    owner = User.objects.create_user("eigenaar@delinde.example", "x", organisation=organisation)
    linked_token_device(owner, token)
    page = registered_client.post(
        TOKEN, {"serial": token.serial, "code": code_for(TOKEN_SECRET, drift=1)}
    )
    assert NOT_LINKABLE in text(page)
    assert HardwareTokenDevice.objects.get(hardware_token=token).user == owner


def test_a_wrong_token_code_gets_the_same_answer_and_binds_nobody(clock, registered_client):
    token = inventory_token(secret=TOKEN_SECRET, organisation=registered_client.user.organisation)
    wrong = f"{(int(code_for(TOKEN_SECRET)) + 7) % 1_000_000:06d}"
    page = registered_client.post(TOKEN, {"serial": token.serial, "code": wrong})
    assert NOT_LINKABLE in text(page)
    assert not HardwareTokenDevice.objects.exists()
    reasons = AuditEvent.objects.filter(event="token.link_failed").values_list("details", flat=True)
    assert [details["reason"] for details in reasons] == ["invalid_code"]
    assert not any(wrong in str(event.details) for event in AuditEvent.objects.all())
    assert registered_client.get(DONE)["Location"] == CHOOSE


def test_a_wrong_code_then_the_right_one_links_the_token(clock, registered_client):
    token = inventory_token(secret=TOKEN_SECRET, organisation=registered_client.user.organisation)
    right = code_for(TOKEN_SECRET)
    wrong = f"{(int(right) + 7) % 1_000_000:06d}"
    registered_client.post(TOKEN, {"serial": token.serial, "code": wrong})
    response = registered_client.post(TOKEN, {"serial": token.serial, "code": right})
    assert response["Location"] == DONE


def test_the_code_that_linked_a_token_cannot_log_in(clock, registered_client):
    token = inventory_token(secret=TOKEN_SECRET, organisation=registered_client.user.organisation)
    right = code_for(TOKEN_SECRET)
    registered_client.post(TOKEN, {"serial": token.serial, "code": right})
    assert not HardwareTokenDevice.objects.get().verify_token(right)


# Uploading an Azure CSV


def test_an_uploaded_csv_adds_the_token_and_says_so(registered_client):
    response = upload(registered_client, UPLOAD, TOKEN_CSV)
    assert response["Location"] == TOKEN
    page = text(registered_client.get(TOKEN))
    assert "De CSV is succesvol ge-upload, u kunt de token nu koppelen" in page
    token = HardwareToken.objects.get(serial="1000000102")
    assert token.imported_by == registered_client.user
    assert token.csv_import.source == AzureCsvImport.Source.REGISTRATION


def test_a_bad_csv_shows_each_problem_with_its_line_and_imports_nothing(registered_client):
    page = upload(registered_client, UPLOAD, BAD_CSV)
    assert page.status_code == 200
    html = text(page)
    assert "De CSV is niet ge-upload" in html
    assert "Regel 3:" in html
    assert "hexadecimaal" in html
    assert not HardwareToken.objects.exists()


def test_an_upload_over_the_size_limit_is_refused_by_its_size(registered_client, settings):
    settings.AZURE_CSV_USER_MAX_BYTES = 100
    page = upload(registered_client, UPLOAD, TOKEN_CSV + b"," * 200)
    assert "Het bestand is te groot" in text(page)
    assert not AzureCsvImport.objects.exists()


def test_an_upload_without_a_file_asks_for_one(registered_client):
    page = registered_client.post(UPLOAD, {})
    assert "Kies het Azure CSV-bestand dat u wilt uploaden." in text(page)
