"""The code step after a wrong code (issue 15, point 12): the first retry is checked at once;
"too often" and a wait are said only when there is a wait, and how long in seconds when short."""

import re

import pytest

from tests.support import GOOD_PASSWORD, text
from tokens.models import AppDevice
from tokens.testing import device_code

pytestmark = pytest.mark.django_db

CODE = "/inloggen/code/"


def wrong(device, offset: int = 1) -> str:
    return f"{(int(device_code(device)) + offset) % 1_000_000:06d}"


@pytest.fixture
def at_code_step(client, person):
    client.post("/inloggen/", {"email": person.email, "password": GOOD_PASSWORD})
    assert client.get(CODE).status_code == 200
    return client


def post_code(client, person, code: str):
    return client.post(CODE, {"device": person.app.persistent_id, "code": code})


def test_the_right_code_right_after_one_wrong_code_logs_in(clock, at_code_step, person):
    page = post_code(at_code_step, person, wrong(person.app))
    assert "Deze code klopt niet" in text(page)
    assert post_code(at_code_step, person, device_code(person.app))["Location"] == "/portaal/"


def test_a_second_wrong_code_right_after_the_first_is_checked_not_called_too_often(
    clock, at_code_step, person
):
    post_code(at_code_step, person, wrong(person.app, 1))
    page = text(post_code(at_code_step, person, wrong(person.app, 2)))
    assert "Deze code klopt niet" in page
    assert "te vaak" not in page
    assert "Wacht nog" not in page
    assert AppDevice.objects.get(pk=person.app.pk).throttling_failure_count == 2


def test_after_two_wrong_codes_the_page_says_how_many_seconds_to_wait(clock, at_code_step, person):
    post_code(at_code_step, person, wrong(person.app, 1))
    post_code(at_code_step, person, wrong(person.app, 2))
    page = text(post_code(at_code_step, person, device_code(person.app)))
    assert "U heeft te vaak een onjuiste code ingevuld. Wacht nog 1 seconde en probeer" in page
    assert not re.search(r"om \d\d:\d\d", page)  # no clock time for a wait of a second
    clock.shift(1)
    assert post_code(at_code_step, person, device_code(person.app))["Location"] == "/portaal/"


def test_the_wait_in_seconds_counts_down(clock, at_code_step, person):
    AppDevice.objects.filter(pk=person.app.pk).update(throttling_failure_count=5)
    post_code(at_code_step, person, wrong(person.app))  # the sixth failure: 16 seconds
    clock.shift(4)
    page = text(post_code(at_code_step, person, device_code(person.app)))
    assert "Wacht nog 12 seconden" in page


def test_a_long_wait_is_said_as_a_time_of_day(clock, at_code_step, person):
    AppDevice.objects.filter(pk=person.app.pk).update(throttling_failure_count=20)
    post_code(at_code_step, person, wrong(person.app))  # capped at 15 minutes
    page = text(post_code(at_code_step, person, device_code(person.app)))
    # The time of day; after midnight with the date ("02-12-2026 00:05").
    when = r"(\d\d-\d\d-\d{4} \d\d:\d\d|\d\d:\d\d:\d\d)"
    assert re.search(rf"Probeer het om {when} opnieuw, met een nieuwe code", page)
    assert "Wacht nog" not in page
