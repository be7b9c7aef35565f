"""/healthz: 200 "ok" when the database (and Redis, when configured) answer; 503 otherwise."""

import socket
from unittest import mock

import pytest
from django.db import OperationalError, connection

from tests.conftest import log_in

pytestmark = pytest.mark.django_db


def redis_is_running() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


def use_redis(settings, url):
    settings.REDIS_URL = url
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def test_ok_in_one_query_without_login_session_or_cookie(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert not response.cookies
    assert "no-cache" in response["Cache-Control"]


def test_ok_for_a_logged_in_person_too(client, person):
    log_in(client, person)
    assert client.get("/healthz").content == b"ok"


def test_503_when_the_database_does_not_answer(client):
    broken = mock.MagicMock()
    broken.__enter__.return_value.execute.side_effect = OperationalError("connection refused")
    with mock.patch.object(connection, "cursor", return_value=broken):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"unavailable"  # no error text, host or version
    assert not response.cookies


def test_only_get_and_head(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_503_when_redis_is_configured_and_down(client, settings):
    use_redis(settings, "redis://127.0.0.1:1/0")  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"unavailable"


@pytest.mark.skipif(not redis_is_running(), reason="needs Redis on 127.0.0.1:6379")
def test_ok_when_redis_is_configured_and_up(client, settings):
    use_redis(settings, "redis://127.0.0.1:6379/15")
    assert client.get("/healthz").status_code == 200


def test_redis_is_not_asked_when_not_configured(client, settings):
    settings.REDIS_URL = ""
    with mock.patch("zorgportaal.health._redis_answers") as redis_check:
        assert client.get("/healthz").status_code == 200
    redis_check.assert_not_called()
