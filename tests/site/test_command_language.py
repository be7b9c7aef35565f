"""Every management command speaks Dutch, as `invite`, `import_azure_csv` and Django's own
commands do under LANGUAGE_CODE "nl": its help, its report (with singular and plural), its errors.
The worker's report is one line per queue, which each app registers in zorgportaal.outbox."""

import io
import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command, get_commands, load_command_class

from accounts import invitations
from accounts.management.commands.load_demo_data import DEMO_ADDRESS
from accounts.models import User
from tests.support import DOWN_MAIL_BACKEND, GOOD_PASSWORD
from zorgportaal import outbox

pytestmark = pytest.mark.django_db

OURS = [name for name, app in get_commands().items() if (settings.BASE_DIR / app).is_dir()]
# Words no Dutch help text has; "of" (or) and "die" (that) are Dutch too, so not those.
ENGLISH = re.compile(r"\b(the|and|with|when|every|default|seconds|create|send|queued)\b", re.I)


def run(*args) -> list[str]:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().splitlines()


def test_our_commands_are_the_ones_this_test_knows():
    assert set(OURS) >= {
        "invite",
        "send_invitations",
        "load_demo_data",
        "load_demo_service",
        "import_azure_csv",
        "rotate_otp_seed_key",
        "purge",
    }


@pytest.mark.parametrize("name", OURS)
def test_each_command_explains_itself_in_dutch(name):
    command = load_command_class(get_commands()[name], name)
    parser = command.create_parser("manage.py", name)
    ours = [a for a in parser._actions if a.dest not in DJANGO_OPTIONS and a.help]
    for text in [command.help, *(action.help for action in ours)]:
        assert not ENGLISH.search(text), text


DJANGO_OPTIONS = {
    "help", "version", "verbosity", "settings", "pythonpath", "traceback", "no_color",
    "force_color", "skip_checks",
}  # fmt: skip


# The worker (send_invitations)


EVERY_QUEUE = {  # in the order the worker runs them: first the logins it ends
    "expired_logins": ("verlopen sessie beëindigd", "verlopen sessies beëindigd"),
    "invitation_mails": ("uitnodigingsmail verstuurd", "uitnodigingsmails verstuurd"),
    "password_reset_mails": (
        "mail voor een nieuw wachtwoord verstuurd",
        "mails voor een nieuw wachtwoord verstuurd",
    ),
    "backchannel_logouts": (
        "uitlogbericht aan een dienst verstuurd",
        "uitlogberichten aan diensten verstuurd",
    ),
    "chats_at_closing_time": (
        "chat gesloten bij sluitingstijd",
        "chats gesloten bij sluitingstijd",
    ),
}


def test_every_queue_reports_in_dutch_singular_or_plural_by_what_was_attempted():
    assert list(outbox.QUEUES) == list(EVERY_QUEUE)
    for name, (one, many) in EVERY_QUEUE.items():
        queue = outbox.QUEUES[name]
        assert queue.line(1, 1) == f"1 van 1 {one}"
        assert queue.line(0, 0) == f"0 van 0 {many}"
        assert queue.line(1, 2) == f"1 van 2 {many}"


def test_the_worker_run_once_reports_every_queue_even_when_idle(db):
    assert run("send_invitations") == [f"0 van 0 {many}" for _, many in EVERY_QUEUE.values()]


def test_the_worker_counts_invitation_mails_in_dutch(
    worker_mode, organisation, role, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitations_create(
            text="een@delinde.example\ntwee@delinde.example", organisation=organisation, role=role
        )
    assert "2 van 2 uitnodigingsmails verstuurd" in run("send_invitations")
    assert len(mail.outbox) == 2


def test_the_worker_says_how_many_of_the_attempted_mails_failed(
    worker_mode, settings, organisation, role, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitations_create(
            text="een@delinde.example", organisation=organisation, role=role
        )
    settings.EMAIL_BACKEND = DOWN_MAIL_BACKEND
    assert "0 van 1 uitnodigingsmail verstuurd" in run("send_invitations")


# purge (each app registers its purges in zorgportaal.retention)


def test_the_purge_reports_in_dutch_with_singular_and_plural(settings):
    settings.VERIFICATION_RETENTION_DAYS = 1
    assert "0 chatberichten, chats en verificatiecodes verwijderd (bewaartermijn 1 dag)" in run(
        "purge"
    )


# load_demo_data and load_demo_service (make run)


def test_the_demo_data_say_where_the_invitation_is_and_how_to_become_administrator(settings):
    lines = run("load_demo_data")
    assert lines[0] == "Demogegevens geladen: organisatie 'Demo Zorggroep'."
    assert lines[-2:] == [
        f"De uitnodigingsmail voor {DEMO_ADDRESS} staat hierboven: open de link erin in een "
        "browser om te registreren.",
        "Eerste beheerder: .venv/bin/python manage.py createsuperuser, log daarna in op "
        f"{settings.SITE_URL}/inloggen/ (bij de eerste keer inloggen koppelt u een tweede "
        "factor).",
    ]


def test_the_demo_data_send_a_registered_demo_person_to_the_login():
    User.objects.create_user(DEMO_ADDRESS, GOOD_PASSWORD)
    lines = run("load_demo_data")
    assert f"{DEMO_ADDRESS} is al geregistreerd: log daarmee in." in lines
    assert mail.outbox == []


def test_the_demo_service_says_in_dutch_how_to_start_it(settings):
    settings.DEBUG = True
    assert run("load_demo_service") == [
        "Demodienst 'Calculus VIPLive' geladen: start hem met `make demo-service` en open "
        f"daarna zijn tegel op {settings.SITE_URL}/portaal/."
    ]


def test_the_demo_service_refuses_in_dutch_without_debug():
    with pytest.raises(CommandError) as raised:
        call_command("load_demo_service")
    assert str(raised.value) == "De demodienst heeft een openbaar geheim: alleen met DEBUG=true."


# rotate_otp_seed_key and import_azure_csv were Dutch already; their reports stay so


def test_the_seed_key_rotation_reports_in_dutch():
    assert run("rotate_otp_seed_key") == ["0 seeds opnieuw versleuteld."]


def test_the_azure_csv_import_names_an_unknown_organisation_in_dutch(tmp_path):
    with pytest.raises(CommandError) as raised:
        call_command("import_azure_csv", tmp_path / "tokens.csv", "--organisation", "Niemand")
    assert str(raised.value) == "Er is geen organisatie met de naam Niemand."
