"""The production setup: settings from the environment, WhiteNoise, gunicorn's configuration."""

import runpy
import subprocess
import sys
from types import SimpleNamespace

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils.module_loading import import_string

from tests.support import ROOT

MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"
ENV_NAMES = ["DEBUG", "REDIS_URL", "DATABASE_URL", "CONN_MAX_AGE", "MAIL_QUEUE", "STATIC_ROOT"]


@pytest.fixture
def settings_with(monkeypatch):
    """The settings module as it comes out of a given environment (not the running one)."""

    def load(**env):
        for name in ENV_NAMES:
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return SimpleNamespace(**runpy.run_path(str(ROOT / "zorgportaal" / "settings.py")))

    return load


def test_with_redis_sessions_are_cached_in_redis_and_kept_in_the_database(settings_with):
    loaded = settings_with(REDIS_URL="redis://127.0.0.1:6379/0")
    assert loaded.SESSION_ENGINE == "zorgportaal.sessionstores.cached_db"
    cache = loaded.CACHES["default"]
    assert issubclass(import_string(cache["BACKEND"]), RedisCache)  # Django's, or a subclass
    assert cache["LOCATION"] == "redis://127.0.0.1:6379/0"
    assert cache["OPTIONS"]["socket_connect_timeout"] <= 2


def test_without_redis_sessions_live_in_the_database(settings_with):
    loaded = settings_with()
    assert loaded.SESSION_ENGINE == "zorgportaal.sessionstores.db"
    assert loaded.CACHES["default"]["BACKEND"].endswith("LocMemCache")


def test_postgresql_keeps_connections_for_a_minute_in_production(settings_with):
    url = "postgres://zorg@db.internal:5432/zorgportaal"
    production = settings_with(DATABASE_URL=url)
    assert production.DATABASES["default"]["CONN_MAX_AGE"] == 60
    assert production.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert production.DATABASES["default"]["OPTIONS"]["connect_timeout"] == 5
    assert (
        settings_with(DATABASE_URL=url, CONN_MAX_AGE="0").DATABASES["default"]["CONN_MAX_AGE"] == 0
    )
    assert settings_with(DATABASE_URL=url, DEBUG="true").DATABASES["default"]["CONN_MAX_AGE"] == 0
    assert settings_with().DATABASES["default"]["CONN_MAX_AGE"] == 0  # SQLite


def test_mail_waits_for_the_worker_in_production_and_goes_at_once_in_development(settings_with):
    assert settings_with().MAIL_QUEUE == "worker"
    assert settings_with(DEBUG="true").MAIL_QUEUE == "immediate"
    assert settings_with(MAIL_QUEUE="immediate").MAIL_QUEUE == "immediate"
    with pytest.raises(ImproperlyConfigured, match="MAIL_QUEUE must be"):
        settings_with(MAIL_QUEUE="later")


def test_static_files_get_hashed_names_in_production_only(settings_with, tmp_path):
    production = settings_with(STATIC_ROOT=str(tmp_path))
    assert production.STORAGES["staticfiles"]["BACKEND"] == MANIFEST_STORAGE
    assert tmp_path == production.STATIC_ROOT
    development = settings_with(DEBUG="true")
    assert development.STORAGES["staticfiles"]["BACKEND"].endswith(".StaticFilesStorage")
    middleware = production.MIDDLEWARE
    assert middleware.index("whitenoise.middleware.WhiteNoiseMiddleware") == (
        middleware.index("django.middleware.security.SecurityMiddleware") + 1
    )


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """collectstatic once, with the production storage, into a temporary STATIC_ROOT."""
    from django.test import override_settings

    root = tmp_path_factory.mktemp("static")
    storages = {"staticfiles": {"BACKEND": MANIFEST_STORAGE}}
    with override_settings(STATIC_ROOT=root, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root, storages


@pytest.mark.django_db
def test_whitenoise_serves_a_hashed_file_compressed_and_cached_for_a_year(
    client, settings, collected
):
    settings.STATIC_ROOT, settings.STORAGES = collected
    url = staticfiles_storage.url("css/zorgportaal.css")
    assert url.startswith("/static/css/zorgportaal.") and url != "/static/css/zorgportaal.css"
    assert url in client.get("/inloggen/").content.decode()

    response = client.get(url, headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"]
    assert "max-age=315360000" in response["Cache-Control"]
    assert response["Content-Encoding"] == "gzip"
    assert response["Content-Type"].startswith("text/css")

    unhashed = client.get("/static/css/zorgportaal.css")
    assert unhashed.status_code == 200
    assert "immutable" not in unhashed["Cache-Control"]


def load_gunicorn_conf(monkeypatch, **env):
    for name in ["BIND", "WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_ACCESS_LOG"]:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_config_loads_with_defaults_and_from_the_environment(monkeypatch):
    from gunicorn.config import Config

    defaults = load_gunicorn_conf(monkeypatch)
    assert defaults["bind"] == ["127.0.0.1:8000"]
    assert defaults["workers"] >= 1
    assert defaults["accesslog"] == "-"

    conf = load_gunicorn_conf(
        monkeypatch, BIND="10.0.0.5:9000", WEB_CONCURRENCY="3", GUNICORN_THREADS="2"
    )
    config = Config()
    for name, value in conf.items():
        if name in config.settings:
            config.set(name, value)  # gunicorn's own validation of every value
    assert config.address == [("10.0.0.5", 9000)]
    assert config.workers == 3
    assert config.threads == 2
    assert config.worker_class_str == "gthread"
    assert config.logger_class.__name__ == "RedactingLogger"


def test_gunicorn_refuses_a_number_that_is_not_one(monkeypatch):
    with pytest.raises(SystemExit, match="WEB_CONCURRENCY must be a whole number"):
        load_gunicorn_conf(monkeypatch, WEB_CONCURRENCY="veel")


@pytest.mark.parametrize(
    ("target", "logged"),
    [
        ("/uitnodiging/Zm9vYmFyYmF6cXV4/", "/uitnodiging/…/"),
        ("/wachtwoord-vergeten/MTI/cb7a1e-0f2c5d8a9b/", "/wachtwoord-vergeten/…/"),
        ("/wachtwoord-vergeten/verstuurd/", "/wachtwoord-vergeten/verstuurd/"),
        ("/inloggen/?next=/portaal/", "/inloggen/?…"),
        (
            "https://portaal.example.nl/uitnodiging/abc/",
            "https://portaal.example.nl/uitnodiging/…/",
        ),
    ],
)
def test_the_access_log_leaves_out_link_secrets_and_query_strings(monkeypatch, target, logged):
    assert load_gunicorn_conf(monkeypatch)["redact"](target) == logged


def test_the_access_log_line_is_redacted(monkeypatch):
    from datetime import timedelta

    from gunicorn.config import Config

    conf = load_gunicorn_conf(monkeypatch)
    logger = conf["RedactingLogger"](Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/uitnodiging/geheim-token/?x=1",
        "PATH_INFO": "/uitnodiging/geheim-token/",
        "QUERY_STRING": "x=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "https://mail.example/uitnodiging/geheim-token/",
    }
    response = SimpleNamespace(status="302 Found", headers=[("X-Request-ID", "abc")], sent=0)
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=12))
    line = conf["access_log_format"] % logger.atoms_wrapper_class(atoms)
    assert "geheim-token" not in line
    assert '"GET /uitnodiging/…/?… HTTP/1.1" 302' in line
    assert line.endswith("12ms abc")


def test_the_access_log_and_the_application_log_share_one_redaction(monkeypatch):
    from zorgportaal import redaction

    assert load_gunicorn_conf(monkeypatch)["redact"] is redaction.redact


def test_gunicorn_writes_a_header_that_repeats_a_link_without_its_secret(monkeypatch, capsys):
    from datetime import timedelta

    from gunicorn.config import Config

    conf = load_gunicorn_conf(monkeypatch)
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", '"%(r)s" %(s)s "%({x-original-url}i)s" %({x-absent}i)s')
    logger = conf["RedactingLogger"](config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/uitnodiging/geheim-token/",
        "PATH_INFO": "/uitnodiging/geheim-token/",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    request = SimpleNamespace(headers=[("X-ORIGINAL-URL", "/uitnodiging/geheim-token/")])
    response = SimpleNamespace(status="404 Not Found", headers=[], sent=0)
    logger.access(response, request, environ, timedelta(milliseconds=3))
    line = capsys.readouterr().out.strip()
    assert line == '"GET /uitnodiging/…/ HTTP/1.1" 404 "/uitnodiging/…/" -'


def check_gunicorn_config(env):
    return subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--check-config"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "false", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_gunicorn_checks_its_config_and_loads_the_app_with_debug_off():
    result = check_gunicorn_config({"SECRET_KEY": "s" * 50})
    assert result.returncode == 0, result.stderr
    refused = check_gunicorn_config({})
    assert refused.returncode != 0
    assert "SECRET_KEY is the development key" in refused.stderr
