"""Configuration from the environment: strict, with safe defaults."""

import runpy
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from zorgportaal import settings as project_settings


@pytest.mark.parametrize("value", ["yes", "1", "on", ""])
def test_envbool_refuses_anything_but_true_or_false(monkeypatch, value):
    monkeypatch.setenv("DEBUG", value)
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be 'true' or 'false'"):
        project_settings.envbool("DEBUG", "false")


def test_envbool_reads_true_and_false_in_any_case(monkeypatch):
    monkeypatch.setenv("DEBUG", " TRUE ")
    assert project_settings.envbool("DEBUG", "false") is True
    monkeypatch.delenv("DEBUG")
    assert project_settings.envbool("DEBUG", "false") is False


def test_envint_names_the_variable_when_it_is_not_a_number(monkeypatch):
    monkeypatch.setenv("INVITATION_VALID_DAYS", "veertien")
    with pytest.raises(ImproperlyConfigured, match="INVITATION_VALID_DAYS"):
        project_settings.envint("INVITATION_VALID_DAYS", 14)


def start_wsgi(env):
    return subprocess.run(
        [sys.executable, "-c", "import zorgportaal.wsgi"],
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "zorgportaal.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_server_refuses_to_start_with_the_development_key_when_debug_is_off():
    result = start_wsgi({"DEBUG": "false"})
    assert result.returncode != 0
    assert "SECRET_KEY is the development key" in result.stderr


def test_the_server_starts_with_a_real_key_or_in_debug():
    assert start_wsgi({"DEBUG": "false", "SECRET_KEY": "x" * 50}).returncode == 0
    assert start_wsgi({"DEBUG": "true"}).returncode == 0


def test_defaults_are_dutch_amsterdam_and_argon2id_first(settings):
    assert settings.LANGUAGE_CODE == "nl"
    assert ("en", "English") in [(code, str(name)) for code, name in settings.LANGUAGES]
    assert settings.TIME_ZONE == "Europe/Amsterdam"
    assert settings.USE_TZ
    assert (
        project_settings.PASSWORD_HASHERS[0] == "accounts.hashers.ZorgPortaalArgon2PasswordHasher"
    )


def test_the_argon2_hasher_is_argon2id_with_the_documented_parameters():
    from accounts.hashers import ZorgPortaalArgon2PasswordHasher

    encoded = ZorgPortaalArgon2PasswordHasher().encode("wachtwoord", "c2FsdHNhbHQ")
    assert encoded.startswith("argon2$argon2id$v=19$m=65536,t=3,p=1$")


SMTP_NAMES = ["EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD"]
SMTP_NAMES += ["EMAIL_USE_TLS", "EMAIL_USE_SSL"]


def settings_from(monkeypatch, **env):
    """The settings module as this environment makes it (not the running one)."""
    for name in SMTP_NAMES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(project_settings.__file__)


def test_smtp_host_port_login_and_tls_come_from_the_environment(monkeypatch):
    loaded = settings_from(
        monkeypatch,
        EMAIL_HOST="smtp.example.nl",
        EMAIL_PORT="587",
        EMAIL_HOST_USER="zorgportaal",
        EMAIL_HOST_PASSWORD="geheim",
        EMAIL_USE_TLS="true",
    )
    assert [loaded[name] for name in SMTP_NAMES] == [
        "smtp.example.nl", 587, "zorgportaal", "geheim", True, False
    ]  # fmt: skip


def test_without_smtp_variables_djangos_defaults_hold(monkeypatch):
    loaded = settings_from(monkeypatch)
    assert [loaded[name] for name in SMTP_NAMES] == ["localhost", 25, "", "", False, False]


def test_smtp_settings_are_strict(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT must be a whole number"):
        settings_from(monkeypatch, EMAIL_PORT="submission")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_USE_SSL must be 'true' or 'false'"):
        settings_from(monkeypatch, EMAIL_USE_SSL="yes")
    with pytest.raises(ImproperlyConfigured, match=r"EMAIL_USE_TLS .* and EMAIL_USE_SSL"):
        settings_from(monkeypatch, EMAIL_USE_TLS="true", EMAIL_USE_SSL="true")


@pytest.mark.parametrize(("enabled", "silenced"), [("false", True), ("true", False)])
def test_a_plain_http_site_url_is_refused_for_passkeys_only(monkeypatch, enabled, silenced):
    """WebAuthn needs a secure origin: the library's check stands once passkeys are on."""
    monkeypatch.setenv("SITE_URL", "http://127.0.0.1:8000")
    monkeypatch.setenv("PASSKEYS_ENABLED", enabled)
    loaded = runpy.run_path(project_settings.__file__)
    assert ("otp_webauthn.E031" in loaded.get("SILENCED_SYSTEM_CHECKS", [])) == silenced
