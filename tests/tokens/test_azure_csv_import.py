"""Azure CSV files fill the token inventory: all or nothing, never overwriting, in few queries."""

import base64
import math
import secrets

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Organisation, User
from tokens import services
from tokens.azure_csv import AzureCsvError
from tokens.models import AzureCsvImport, HardwareToken
from tokens.testing import azure_csv, confirmed_app_device, inventory_token, linked_token_device
from zorgportaal.models import AuditEvent

# Copies of /work/shared/samples: Microsoft's spelling with CRLF, and a vendor's variant.
MICROSOFT_SAMPLE = (
    b"upn,serial number,secret key,time interval,manufacturer,model\r\n"
    b"jan.jansen@example.org,1000000101,QB53ARG7HAHQJFPGBSG2GUUP7XU3CFDM,30,Feitian,OTP c200\r\n"
    b",1000000102,ZI2U6JIOQ7ZE6RJM2UGASMDWZ34VJHKE,60,Feitian,OTP c200\r\n"
    b"beheer@example.org,1000000103,"
    b"QZIP4F5TVY2MWRXRPVUZB4RTP3ZXFN6LGYE35MHN3S64INY43ZUA,30,Token2,C202\r\n"
)
VENDOR_SAMPLE = (
    b"upn,serial number,secret key,timeinterval,manufacturer,model\n"
    b",60234567,YL7WGPZUN5MN5BAQIMNX3IAFRXBDF3YG,30,Token2,C202\n"
    b",60234568,SPK37JUQFGD4LP63TSVKNTLWYWQ4ESD5,30,Token2,C202\n"
)
ONE_BAD_LINE = (
    b"upn,serial number,secret key,time interval,manufacturer,model\n"
    b",2000000001,YL7WGPZUN5MN5BAQIMNX3IAFRXBDF3YG,30,Token2,C202\n"
    b",2000000002,NOT-BASE32-AT-ALL!,30,Token2,C202\n"
    b",2000000003,SPK37JUQFGD4LP63TSVKNTLWYWQ4ESD5,30,Token2,C202\n"
)


def import_csv(
    data: bytes, *, filename="tokens.csv", imported_by=None, max_rows=200, take_over=False
):
    organisation, _created = Organisation.objects.get_or_create(name="Huisartsenpraktijk De Linde")
    return services.tokens_import_azure_csv(
        data=data,
        filename=filename,
        imported_by=imported_by,
        organisation=organisation,
        take_over=take_over,
        source=AzureCsvImport.Source.ADMIN,
        max_rows=max_rows,
        max_bytes=1024 * 1024,
    )


def random_rows(count: int, first_serial: int = 3000000000) -> list[tuple[str, bytes, int]]:
    return [(str(first_serial + n), secrets.token_bytes(20), 30) for n in range(count)]


def test_the_microsoft_sample_imports_three_tokens_as_written(db):
    csv_import = import_csv(MICROSOFT_SAMPLE, filename="azure-tokens-example.csv")
    assert csv_import.token_count == 3
    assert csv_import.filename == "azure-tokens-example.csv"
    tokens = {token.serial: token for token in HardwareToken.objects.all()}
    assert set(tokens) == {"1000000101", "1000000102", "1000000103"}
    assert tokens["1000000101"].upn == "jan.jansen@example.org"
    assert tokens["1000000102"].upn == ""
    assert tokens["1000000102"].interval == 60
    assert (tokens["1000000103"].manufacturer, tokens["1000000103"].model) == ("Token2", "C202")
    assert tokens["1000000101"].secret() == base64.b32decode("QB53ARG7HAHQJFPGBSG2GUUP7XU3CFDM")
    assert len(tokens["1000000103"].secret()) == 32  # the 256-bit secret
    assert all(token.csv_import == csv_import for token in tokens.values())


def test_the_vendor_sample_with_timeinterval_and_lf_imports_two_tokens(db):
    assert import_csv(VENDOR_SAMPLE).token_count == 2
    assert set(HardwareToken.objects.values_list("serial", flat=True)) == {"60234567", "60234568"}


def test_a_file_with_one_bad_line_imports_nothing_and_names_the_line(db):
    with pytest.raises(AzureCsvError) as raised:
        import_csv(ONE_BAD_LINE)
    assert [problem.line for problem in raised.value.problems] == [3]
    assert not HardwareToken.objects.exists()
    assert not AzureCsvImport.objects.exists()


def test_a_known_serial_is_reported_and_not_overwritten(db):
    import_csv(MICROSOFT_SAMPLE)
    original = HardwareToken.objects.get(serial="1000000101").secret()
    again = azure_csv([("1000000101", secrets.token_bytes(20), 30), ("1000000199", b"x" * 20, 30)])
    with pytest.raises(AzureCsvError) as raised:
        import_csv(again)
    assert [problem.line for problem in raised.value.problems] == [2]
    assert "1000000101" in raised.value.problems[0].message
    assert HardwareToken.objects.get(serial="1000000101").secret() == original
    assert not HardwareToken.objects.filter(serial="1000000199").exists()


def test_an_import_is_audited_with_who_file_and_count_but_no_secret(db):
    admin = User.objects.create_user("beheer@topicus.example", "x")
    import_csv(MICROSOFT_SAMPLE, filename="batch.csv", imported_by=admin)
    event = AuditEvent.objects.get(event="csv.imported")
    assert event.actor == admin
    assert event.details["filename"] == "batch.csv"
    assert event.details["token_count"] == 3
    assert "QB53ARG7" not in str(event.details)


def test_a_rejected_file_is_audited_with_the_number_of_problems_only(db):
    with pytest.raises(AzureCsvError):
        import_csv(ONE_BAD_LINE, filename="kapot.csv")
    event = AuditEvent.objects.get(event="csv.rejected")
    assert event.outcome == AuditEvent.Outcome.FAILURE
    assert event.details == {"filename": "kapot.csv", "source": "admin", "problem_count": 1}


def test_more_lines_than_allowed_import_nothing(db):
    with pytest.raises(AzureCsvError):
        import_csv(azure_csv(random_rows(3)), max_rows=2)
    assert not HardwareToken.objects.exists()


def count_queries(data: bytes) -> int:
    with CaptureQueriesContext(connection) as queries:
        import_csv(data)
    return len(queries)


def test_a_200_line_import_takes_as_many_queries_as_a_20_line_import(
    db, django_assert_max_num_queries
):
    organisation = Organisation.objects.create(name="Huisartsenpraktijk De Linde")
    inventory_token("0000000001", organisation=organisation)  # a non-empty inventory
    small = count_queries(azure_csv(random_rows(20, 4000000000)))
    # Only the backend's own limit on parameters per INSERT may split the bulk insert.
    fields = [field for field in HardwareToken._meta.concrete_fields if not field.primary_key]
    batch = connection.ops.bulk_batch_size(fields, [None] * 200) or 200
    extra_inserts = math.ceil(200 / batch) - 1
    with django_assert_max_num_queries(small + extra_inserts):
        count_queries(azure_csv(random_rows(200, 5000000000)))
    assert HardwareToken.objects.count() == 221


def test_the_command_imports_a_file_for_an_organisation_and_reports_the_count(
    organisation, tmp_path, capsys
):
    path = tmp_path / "azure-tokens-example.csv"
    path.write_bytes(MICROSOFT_SAMPLE)
    call_command("import_azure_csv", str(path), "--organisation", organisation.name)
    assert "3 tokens geïmporteerd uit azure-tokens-example.csv" in capsys.readouterr().out
    assert AzureCsvImport.objects.get().source == AzureCsvImport.Source.COMMAND
    assert set(HardwareToken.objects.values_list("organisation", flat=True)) == {organisation.pk}


def test_the_command_needs_an_existing_organisation(db, tmp_path):
    path = tmp_path / "azure-tokens-example.csv"
    path.write_bytes(MICROSOFT_SAMPLE)
    with pytest.raises(CommandError, match="Er is geen organisatie met de naam Nergens"):
        call_command("import_azure_csv", str(path), "--organisation", "Nergens")
    assert not HardwareToken.objects.exists()


def test_the_command_reports_each_problem_with_its_line_and_fails(organisation, tmp_path, capsys):
    path = tmp_path / "kapot.csv"
    path.write_bytes(ONE_BAD_LINE)
    with pytest.raises(CommandError, match="Niets geïmporteerd"):
        call_command("import_azure_csv", str(path), "--organisation", organisation.name)
    assert "Regel 3:" in capsys.readouterr().err
    assert not HardwareToken.objects.exists()


def test_the_command_refuses_a_file_over_the_size_limit_without_importing(
    organisation, tmp_path, settings
):
    settings.AZURE_CSV_ADMIN_MAX_BYTES = 100
    path = tmp_path / "groot.csv"
    path.write_bytes(MICROSOFT_SAMPLE)
    with pytest.raises(CommandError, match="te groot"):
        call_command("import_azure_csv", str(path), "--organisation", organisation.name)
    assert not HardwareToken.objects.exists()


# The admin (behind the journey gate, so only with both factors and a verified identity)


# `admin_client` (conftest.py): a superuser logged in with both factors.


def test_the_token_list_links_to_the_upload_page(admin_client):
    page = admin_client.get("/admin/tokens/hardwaretoken/")
    assert page.status_code == 200
    assert "/admin/tokens/hardwaretoken/uploaden/" in page.content.decode()


def test_an_administrator_uploads_a_file_for_an_organisation_and_sees_the_report(
    admin_client, organisation
):
    upload = SimpleUploadedFile("batch.csv", MICROSOFT_SAMPLE, content_type="text/csv")
    response = admin_client.post(
        "/admin/tokens/hardwaretoken/uploaden/",
        {"csv_file": upload, "organisation": organisation.pk},
    )
    assert response.status_code == 302
    report = admin_client.get(response["Location"]).content.decode()
    assert "3 tokens geïmporteerd uit batch.csv" in report
    csv_import = AzureCsvImport.objects.get()
    assert (csv_import.source, csv_import.imported_by) == ("admin", admin_client.user)
    assert HardwareToken.objects.filter(organisation=organisation).count() == 3


def test_an_administrator_must_name_the_organisation(admin_client):
    upload = SimpleUploadedFile("batch.csv", MICROSOFT_SAMPLE, content_type="text/csv")
    page = admin_client.post("/admin/tokens/hardwaretoken/uploaden/", {"csv_file": upload})
    assert page.status_code == 200
    assert "Kies de organisatie waarvoor de tokens zijn." in page.content.decode()
    assert not HardwareToken.objects.exists()


def test_an_administrator_sees_why_nothing_was_imported(admin_client, organisation):
    upload = SimpleUploadedFile("kapot.csv", ONE_BAD_LINE, content_type="text/csv")
    page = admin_client.post(
        "/admin/tokens/hardwaretoken/uploaden/",
        {"csv_file": upload, "organisation": organisation.pk},
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "Er is niets geïmporteerd." in text
    assert "Regel 3:" in text
    assert not HardwareToken.objects.exists()


def admin_list_queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/admin/tokens/hardwaretoken/")
    return len(queries), page.content.decode()


def test_the_token_list_shows_who_holds_a_token_without_a_query_per_token(admin_client):
    import_csv(VENDOR_SAMPLE)
    few, _ = admin_list_queries(admin_client)
    import_csv(MICROSOFT_SAMPLE)
    for n, token in enumerate(HardwareToken.objects.all()):
        holder = User.objects.create_user(f"houder{n}@delinde.example", "x")
        linked_token_device(holder, token)
    many, text = admin_list_queries(admin_client)
    assert many == few
    assert "houder4@delinde.example" in text
    assert "1000000103" in text


def test_no_admin_page_shows_a_seed(admin_client):
    import_csv(MICROSOFT_SAMPLE)
    token = HardwareToken.objects.get(serial="1000000101")
    device = linked_token_device(admin_client.user, token)
    pages = [
        f"/admin/tokens/hardwaretoken/{token.pk}/change/",
        f"/admin/tokens/hardwaretokendevice/{device.pk}/change/",
        "/admin/tokens/hardwaretoken/",
        "/admin/tokens/appdevice/",
    ]
    for url in pages:
        text = admin_client.get(url).content.decode()
        assert "QB53ARG7HAHQJFPG" not in text
        assert token.encrypted_seed[:40] not in text


def test_an_administrator_unlocks_a_locked_device(admin_client):
    person = User.objects.create_user("geblokkeerd@delinde.example", "x")
    device = confirmed_app_device(person)
    device.throttling_failure_count = 100
    device.save()
    response = admin_client.post(
        "/admin/tokens/appdevice/",
        {"action": "unlock", "_selected_action": [device.pk]},
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0
    assert not device.is_locked
