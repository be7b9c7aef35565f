"""A database outage logs one line a minute, not a traceback for every request.

While the database is away every request answers 503 (zorgportaal.security.server_error), and
Django's request logger writes the full traceback of each: about 7 KB a request, 15 MB in 20 s.
`zorgportaal.outages.DatabaseOutageFilter` (LOGGING in settings) keeps one line a minute.
"""

import logging
from unittest import mock

import pytest
from django.db import InterfaceError
from django.test import Client

from tests.support import Clock, fail_queries, log_in

pytestmark = pytest.mark.django_db

PAGE = "/portaal/"


@pytest.fixture
def clock(monkeypatch):
    """The filter that LOGGING puts on django.request, with a fresh minute on this clock."""
    from zorgportaal.outages import DatabaseOutageFilter, Every

    (found,) = (
        each
        for each in logging.getLogger("django.request").filters
        if isinstance(each, DatabaseOutageFilter)
    )
    clock = Clock()
    monkeypatch.setattr(found, "gate", Every(found.seconds, clock=clock))
    return clock


@pytest.fixture
def logged_in(person, caplog):
    client = Client(raise_request_exception=False)
    log_in(client, person)
    caplog.clear()
    return client


def written(caplog) -> str:
    """The log as a handler writes it, tracebacks included."""
    formatter = logging.Formatter("%(levelname)s %(name)s %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records)


def test_fifty_requests_during_a_database_outage_log_one_line_without_traceback(
    logged_in, caplog, clock
):
    with fail_queries(10**6):
        answers = {logged_in.get(PAGE).status_code for _ in range(50)}
    assert answers == {503}
    log = written(caplog)
    assert len(caplog.records) == 1, log
    assert "Traceback" not in log
    assert "/portaal/" in log
    assert "OperationalError" in log


def test_the_outage_is_logged_again_after_a_minute(logged_in, caplog, clock):
    with fail_queries(10**6):
        logged_in.get(PAGE)
        clock.now += 59
        logged_in.get(PAGE)
        clock.now += 2
        logged_in.get(PAGE)
    assert len(caplog.records) == 2


def test_a_lost_connection_counts_as_the_same_outage(logged_in, caplog, clock):
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=InterfaceError("connection already closed"),
    ):
        answers = {logged_in.get(PAGE).status_code for _ in range(5)}
    assert answers == {503}
    assert len(caplog.records) == 1
    assert "Traceback" not in written(caplog)


def test_another_error_still_logs_its_traceback_during_an_outage(logged_in, caplog, clock):
    with fail_queries(1):
        logged_in.get(PAGE)
    caplog.clear()
    with mock.patch("portal.views.render", side_effect=RuntimeError("kapot")):
        response = logged_in.get(PAGE)
    assert response.status_code == 500
    log = written(caplog)
    assert "Traceback" in log
    assert "RuntimeError: kapot" in log


def test_health_probes_during_an_outage_log_one_line_too(caplog, clock):
    client = Client()
    with fail_queries(10**6):
        answers = {client.get(path).status_code for path in ["/healthz", "/healthz/details"] * 10}
    assert answers == {503}
    assert len(caplog.records) == 1
    assert "database unavailable" in written(caplog)
