"""/healthz: 200 "ok" while the database answers (Redis or not), else 503; /healthz/details
says which part is degraded."""

import time
from unittest import mock

import pytest
from django.db import OperationalError, connection

from tests.own_redis import use_tolerant_redis
from tests.support import log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def dead_redis(own_redis):
    """A Redis that was configured and then died: nothing listens on its port any more."""
    own_redis.kill()
    return own_redis.url


@pytest.fixture
def hung_redis(own_redis):
    """A Redis that was configured and then stopped: it accepts connections, never answers."""
    own_redis.hang()
    return own_redis.url


def use_redis(settings, url):
    use_tolerant_redis(settings, url)


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


def test_ok_when_redis_is_configured_but_dead_as_pages_still_work(client, settings, dead_redis):
    use_redis(settings, dead_redis)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_ok_when_redis_is_configured_and_up(client, settings, own_redis):
    use_redis(settings, own_redis.url)
    assert client.get("/healthz").status_code == 200


def test_the_probe_never_asks_redis(client, settings, hung_redis):
    use_redis(settings, hung_redis)
    with mock.patch("redis.Redis.ping") as ping:
        assert client.get("/healthz").status_code == 200
    ping.assert_not_called()


# /healthz/details: one word per component, for monitoring


def test_details_say_ok_for_every_component_without_session_or_cookie(
    client, settings, django_assert_num_queries
):
    settings.REDIS_URL = ""
    with django_assert_num_queries(1):
        response = client.get("/healthz/details")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "not configured"}
    assert response["Content-Type"] == "application/json"
    assert not response.cookies
    assert "no-store" in response["Cache-Control"]


def test_details_say_degraded_with_redis_dead_and_still_answer_200(client, settings, dead_redis):
    use_redis(settings, dead_redis)
    response = client.get("/healthz/details")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "redis": "unavailable"}


def test_details_answer_503_without_error_text_when_the_database_is_away(client, settings):
    settings.REDIS_URL = ""
    broken = mock.MagicMock()
    broken.__enter__.return_value.execute.side_effect = OperationalError("host db1 refused")
    with mock.patch.object(connection, "cursor", return_value=broken):
        response = client.get("/healthz/details")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "unavailable",
        "redis": "not configured",
    }


def test_details_wait_on_a_hung_redis_once_then_not_at_all(client, settings, hung_redis):
    use_redis(settings, hung_redis)
    first, first_seconds = timed(lambda: client.get("/healthz/details"))
    second, second_seconds = timed(lambda: client.get("/healthz/details"))
    assert first.json()["redis"] == second.json()["redis"] == "unavailable"
    assert first.status_code == second.status_code == 200
    assert first_seconds < 1.0  # one socket timeout, then the circuit breaker opens
    assert second_seconds < 0.2  # the open breaker answers without asking Redis


def test_details_say_ok_when_redis_answers(client, settings, own_redis):
    use_redis(settings, own_redis.url)
    assert client.get("/healthz/details").json()["redis"] == "ok"


def test_details_only_get_and_head(client):
    assert client.head("/healthz/details").status_code == 200
    assert client.post("/healthz/details").status_code == 405


def test_neither_endpoint_is_redirected_to_https():
    from zorgportaal import settings as production

    assert production.SECURE_REDIRECT_EXEMPT == [r"^healthz(/details)?$"]


def timed(call):
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start
