"""`manage.py invite` speaks Dutch, as import_azure_csv and Django's own commands do under
LANGUAGE_CODE "nl", with the admin's words for the same report."""

import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks, organisation, role):
    def call(*args):
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command(
                "invite", *args, "--organisation", organisation.name, "--role", role.name,
                stdout=out,
            )  # fmt: skip
        return out.getvalue().splitlines()

    return call


def test_each_address_is_reported_in_dutch(run, person, invite):
    invite("al@delinde.example")
    lines = run(
        "nieuw@delinde.example", "nieuw@delinde.example", person.email, "al@delinde.example"
    )
    assert lines == [
        "Uitgenodigd: nieuw@delinde.example",
        "Al uitgenodigd, niet opnieuw: al@delinde.example",
        f"Heeft al een account: {person.email}",
        "Dubbel in de lijst, één keer uitgenodigd: nieuw@delinde.example",
        "1 uitnodiging verstuurd.",
    ]


def test_invalid_addresses_end_in_a_dutch_error_after_the_rest_are_invited(run):
    with pytest.raises(CommandError) as raised:
        run("goed@delinde.example", "fout@", "ook fout")
    assert str(raised.value) == "2 ongeldige adressen; de andere zijn uitgenodigd."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Geef minstens één adres, als argument of met --file."),
        (("a@delinde.example", "--invited-by", "niemand@x.nl"), "Er is geen account met het "
         "e-mailadres niemand@x.nl."),
        (("--file", "/bestaat/niet.txt"), "/bestaat/niet.txt kan niet worden gelezen: "
         "No such file or directory."),
    ],
)  # fmt: skip
def test_mistakes_are_named_in_dutch(run, args, message):
    with pytest.raises(CommandError, match="^" + message.replace(".", r"\.") + "$"):
        run(*args)


def test_an_unknown_role_is_named_with_the_known_ones(organisation, role):
    with pytest.raises(CommandError) as raised:
        call_command("invite", "a@x.nl", "--organisation", organisation.name, "--role", "Arts")
    assert str(raised.value) == (
        f"Onbekende rol 'Arts' (bekend: {role.name}); --create-missing maakt die aan."
    )
    assert not User.objects.exists()


def test_a_csv_with_mistakes_is_reported_in_dutch(run, tmp_path):
    path = tmp_path / "namen.csv"
    path.write_text("voornaam;achternaam;e-mailadres\nJan;;jan@x.nl\n")
    with pytest.raises(CommandError) as raised:
        run("--file", str(path))
    assert str(raised.value).startswith(f"{path} bevat fouten; niemand is uitgenodigd:\nRegel 2")


def test_the_help_is_dutch_like_import_azure_csv():
    from accounts.management.commands.invite import Command as Invite
    from tokens.management.commands.import_azure_csv import Command as ImportAzureCsv

    assert ImportAzureCsv.help.startswith("Importeer")
    assert Invite.help.startswith("Nodig e-mailadressen uit")
