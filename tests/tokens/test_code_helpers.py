"""The tests' own code helpers (tokens.testing) give the code a device accepts, and are safe at
the edge of a time step.

A code computed a moment before its step ends may be checked in the next one, where "the
current code" and "the next code" mean something else: the helpers wait for the next step
then, unless time_machine holds the clock (a held clock never moves, so they never wait).
"""

import time

import time_machine
from django_otp.oath import totp

from tokens.testing import STEP_MARGIN, code_for, device_code, step_code

SECRET = b"12345678901234567890"  # RFC 6238's test seed


def test_a_code_is_the_one_an_app_shows():
    with time_machine.travel(1_700_000_005, tick=False):
        assert code_for(SECRET) == f"{totp(SECRET, step=30, t0=0, digits=6):06d}"
        assert code_for(SECRET, drift=1) == f"{totp(SECRET, step=30, drift=1):06d}"
        assert code_for(SECRET, step=60) == f"{totp(SECRET, step=60):06d}"


def test_near_the_end_of_a_step_on_a_running_clock_the_code_is_the_next_steps():
    edge = 1_700_000_010  # a multiple of 30
    with time_machine.travel(edge - STEP_MARGIN / 4, tick=True):
        assert code_for(SECRET) == step_code(SECRET, edge // 30)
        assert time.time() >= edge


def test_a_held_clock_is_never_waited_for():
    edge = 1_700_000_010
    with time_machine.travel(edge - STEP_MARGIN / 4, tick=False):
        started = time.monotonic()
        assert code_for(SECRET) == step_code(SECRET, edge // 30 - 1)
        assert time.monotonic() - started < 1


def test_totp_helper_matches_the_device(person):
    assert person.app.verify_token(device_code(person.app))
