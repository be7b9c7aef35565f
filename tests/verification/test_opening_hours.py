"""The helpdesk's opening hours: explicit moments, no real clock.

Moments are written in Europe/Amsterdam wall time unless a test is about another zone. The two
clock-change nights of 2026: Sunday 29 March (02:00 CET jumps to 03:00 CEST) and Sunday 25 October
(03:00 CEST falls back to 02:00 CET).
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.checks.registry import registry
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from verification import opening_hours
from verification.checks import check_opening_hours
from verification.opening_hours import AMSTERDAM, OpeningHours, format_next_opening

DEFAULT = "mon-fri 08:30-17:00"
ALWAYS = "mon-sun 00:00-24:00"
NIGHT = "sun 01:00-04:00"
LUNCH_BREAK = "mon-fri 08:30-12:00, mon-fri 13:00-17:00"


def amsterdam(*args, fold=0):
    return datetime(*args, tzinfo=AMSTERDAM, fold=fold)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def hours(spec=DEFAULT, country="NL"):
    return OpeningHours.parse(spec, country)


# Ordinary weeks


def test_it_is_open_on_friday_until_just_before_five():
    assert hours().is_open(amsterdam(2026, 1, 9, 16, 59))
    assert hours().is_open(amsterdam(2026, 1, 9, 16, 59, 59))


def test_it_is_closed_on_friday_at_five():
    assert not hours().is_open(amsterdam(2026, 1, 9, 17, 0))


def test_it_opens_on_monday_at_half_past_eight():
    assert not hours().is_open(amsterdam(2026, 1, 12, 8, 29))
    assert not hours().is_open(amsterdam(2026, 1, 12, 8, 29, 59))
    assert hours().is_open(amsterdam(2026, 1, 12, 8, 30))


def test_it_is_closed_in_the_weekend_and_opens_on_monday_morning():
    saturday = amsterdam(2026, 1, 10, 12, 0)
    sunday = amsterdam(2026, 1, 11, 23, 59)
    assert not hours().is_open(saturday)
    assert not hours().is_open(sunday)
    assert hours().next_opening(saturday) == amsterdam(2026, 1, 12, 8, 30)
    assert hours().next_opening(sunday) == amsterdam(2026, 1, 12, 8, 30)


def test_next_opening_is_the_moment_itself_while_open():
    now = amsterdam(2026, 1, 14, 10, 15, 42)
    assert hours().next_opening(now) == now


def test_next_opening_after_friday_at_five_is_monday_morning_in_amsterdam_time():
    # The weekend of 28-29 March 2026 moves the clocks forward: Monday is in summer time.
    opening = hours().next_opening(amsterdam(2026, 3, 27, 17, 0))
    assert opening == utc(2026, 3, 30, 6, 30)
    assert opening.tzinfo is AMSTERDAM
    assert (opening.hour, opening.minute) == (8, 30)
    assert opening.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (utc(2026, 6, 1, 6, 15), False),  # 08:15 summer time
        (utc(2026, 6, 1, 6, 30), True),  # 08:30 summer time
        (utc(2026, 1, 12, 7, 29), False),  # 08:29 winter time
        (utc(2026, 1, 12, 7, 30), True),  # 08:30 winter time
        (utc(2026, 1, 9, 15, 59), True),  # Friday 16:59 winter time
        (utc(2026, 1, 9, 16, 0), False),  # Friday 17:00 winter time
    ],
)
def test_a_moment_in_utc_is_read_as_amsterdam_wall_time(moment, is_open):
    assert hours().is_open(moment) is is_open


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError, match="aware"):
        hours().is_open(datetime(2026, 1, 12, 9, 0))


def test_a_lunch_break_closes_the_helpdesk_until_one():
    lunch = hours(LUNCH_BREAK)
    assert lunch.is_open(amsterdam(2026, 1, 12, 11, 59))
    assert not lunch.is_open(amsterdam(2026, 1, 12, 12, 0))
    assert not lunch.is_open(amsterdam(2026, 1, 12, 12, 59))
    assert lunch.is_open(amsterdam(2026, 1, 12, 13, 0))
    assert lunch.next_opening(amsterdam(2026, 1, 12, 12, 30)) == amsterdam(2026, 1, 12, 13, 0)


def test_a_range_of_days_may_wrap_around_the_week():
    long_weekend = hours("fri-mon 10:00-14:00")
    assert long_weekend.is_open(amsterdam(2026, 1, 9, 10, 0))  # Friday
    assert long_weekend.is_open(amsterdam(2026, 1, 11, 10, 0))  # Sunday
    assert long_weekend.is_open(amsterdam(2026, 1, 12, 10, 0))  # Monday
    assert not long_weekend.is_open(amsterdam(2026, 1, 13, 10, 0))  # Tuesday
    assert long_weekend.next_opening(amsterdam(2026, 1, 13, 10, 0)) == amsterdam(2026, 1, 16, 10)


def test_a_range_may_end_at_midnight():
    evening = hours("sat 20:00-24:00")
    assert evening.is_open(amsterdam(2026, 1, 10, 23, 59, 59))
    assert not evening.is_open(amsterdam(2026, 1, 11, 0, 0))


def test_day_names_may_be_written_in_capitals():
    assert hours("Mon-Fri 08:30-17:00") == hours(DEFAULT)


def test_next_opening_gives_up_after_the_horizon(monkeypatch):
    monkeypatch.setattr(opening_hours, "HORIZON_DAYS", 3)
    assert hours("sun 10:00-12:00").next_opening(amsterdam(2026, 1, 12, 9, 0)) is None


# Public holidays


def test_it_is_closed_on_kings_day_and_opens_the_next_morning():
    kings_day = amsterdam(2026, 4, 27, 10, 0)  # a Monday
    assert not hours().is_open(kings_day)
    assert hours().next_opening(amsterdam(2026, 4, 24, 17, 0)) == amsterdam(2026, 4, 28, 8, 30)


@pytest.mark.parametrize("day", [25, 26])
def test_it_is_closed_on_christmas(day):
    # 2025: Christmas on Thursday and Friday, so the next opening is after the weekend.
    assert not hours().is_open(amsterdam(2025, 12, day, 10, 0))
    assert hours().next_opening(amsterdam(2025, 12, day, 10, 0)) == amsterdam(2025, 12, 29, 8, 30)


def test_without_a_holiday_country_holidays_are_ordinary_days():
    assert hours(country="").is_open(amsterdam(2026, 4, 27, 10, 0))
    assert hours(country="").is_open(amsterdam(2025, 12, 25, 10, 0))


def test_always_open_is_open_at_any_hour():
    always = hours(ALWAYS)
    assert always.is_open(amsterdam(2026, 1, 11, 3, 0))
    assert always.is_open(amsterdam(2026, 1, 14, 23, 59, 59))
    assert always.next_opening(amsterdam(2026, 1, 11, 3, 0)) == amsterdam(2026, 1, 11, 3, 0)


def test_always_open_still_closes_on_holidays_when_a_country_is_set():
    assert not hours(ALWAYS).is_open(amsterdam(2026, 4, 27, 12, 0))
    assert hours(ALWAYS).next_opening(amsterdam(2026, 4, 27, 12, 0)) == amsterdam(2026, 4, 28)
    assert hours(ALWAYS, country="").is_open(amsterdam(2026, 4, 27, 12, 0))


# The nights the clocks change


@pytest.mark.parametrize(
    ("midnight", "next_midnight", "length"),
    [
        (utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 22, 0), timedelta(hours=23)),
        (utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 23, 0), timedelta(hours=25)),
    ],
)
def test_always_open_stays_open_all_of_a_clock_change_day(midnight, next_midnight, length):
    assert next_midnight - midnight == length
    moment = midnight
    while moment < next_midnight:
        assert hours(ALWAYS).is_open(moment), moment
        moment += timedelta(minutes=5)


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (utc(2026, 3, 28, 23, 59), False),  # 00:59 CET
        (utc(2026, 3, 29, 0, 0), True),  # 01:00 CET
        (utc(2026, 3, 29, 0, 59), True),  # 01:59 CET, a minute before the jump
        (utc(2026, 3, 29, 1, 0), True),  # 03:00 CEST, right after it
        (utc(2026, 3, 29, 1, 59), True),  # 03:59 CEST
        (utc(2026, 3, 29, 2, 0), False),  # 04:00 CEST
    ],
)
def test_a_night_range_follows_the_wall_clock_when_clocks_go_forward(moment, is_open):
    assert hours(NIGHT).is_open(moment) is is_open


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (amsterdam(2026, 10, 25, 0, 59), False),
        (amsterdam(2026, 10, 25, 1, 0), True),  # 23:00 UTC
        (amsterdam(2026, 10, 25, 2, 30, fold=0), True),  # 02:30 CEST, the first time
        (amsterdam(2026, 10, 25, 2, 30, fold=1), True),  # 02:30 CET, the second time
        (amsterdam(2026, 10, 25, 3, 59), True),  # 02:59 UTC
        (amsterdam(2026, 10, 25, 4, 0), False),  # 03:00 UTC
    ],
)
def test_a_night_range_follows_the_wall_clock_when_clocks_go_back(moment, is_open):
    assert hours(NIGHT).is_open(moment) is is_open


def test_a_night_range_opens_at_the_start_of_the_short_night():
    opening = hours(NIGHT).next_opening(amsterdam(2026, 3, 28, 12, 0))
    assert opening == utc(2026, 3, 29, 0, 0)
    assert opening.utcoffset() == timedelta(hours=1)


def test_a_range_starting_in_the_skipped_hour_opens_when_the_clock_jumps():
    # 02:30 does not exist on 29 March; at 02:00 CET the wall clock shows 03:00 CEST.
    opening = hours("sun 02:30-04:00").next_opening(amsterdam(2026, 3, 28, 12, 0))
    assert opening == utc(2026, 3, 29, 1, 0)
    assert (opening.hour, opening.minute, opening.utcoffset()) == (3, 0, timedelta(hours=2))


def test_a_range_inside_the_skipped_hour_does_not_open_that_night():
    opening = hours("sun 02:15-02:45", country="").next_opening(amsterdam(2026, 3, 28, 12, 0))
    assert opening == amsterdam(2026, 4, 5, 2, 15)
    assert opening.utcoffset() == timedelta(hours=2)


def test_a_range_in_the_repeated_hour_opens_again_the_second_time_round():
    # 02:50 CEST (the first time) is after the first 02:30-02:45; at 03:00 CEST the clock falls
    # back and shows 02:30 again 40 minutes later, now in winter time.
    repeated = hours("sun 02:30-02:45")
    first_time_round = amsterdam(2026, 10, 25, 2, 50, fold=0)
    assert not repeated.is_open(first_time_round)
    opening = repeated.next_opening(first_time_round)
    # In the repeated hour Python's == across zones is always False (PEP 495): compare in UTC.
    assert opening.astimezone(UTC) == utc(2026, 10, 25, 1, 30)
    assert (opening.hour, opening.minute, opening.fold) == (2, 30, 1)
    assert opening.utcoffset() == timedelta(hours=1)


TRICKY = OpeningHours.parse("mon-sun 01:00-01:30, mon-sun 02:15-02:45, sun 02:30-04:00", "")
CLOCK_CHANGES = [utc(2026, 3, 29, 1, 0), utc(2026, 10, 25, 1, 0)]


@hypothesis_settings(max_examples=150, deadline=None)
@given(
    change=st.sampled_from(CLOCK_CHANGES),
    seconds=st.integers(min_value=-2 * 86400, max_value=2 * 86400),
)
def test_next_opening_is_the_first_open_moment_around_clock_changes(change, seconds):
    at = change + timedelta(seconds=seconds)
    opening = TRICKY.next_opening(at)
    assert TRICKY.is_open(opening)
    assert (opening.astimezone(UTC) == at) is TRICKY.is_open(at)
    # Ranges open on whole minutes (or at a clock change), so checking each minute is enough.
    moment = at.replace(second=0) + timedelta(minutes=1)
    while moment < opening:
        assert not TRICKY.is_open(moment), moment
        moment += timedelta(minutes=1)


# Configuration


@pytest.mark.parametrize(
    ("spec", "country", "names"),
    [
        ("mon-fri 17:00-08:30", "NL", "start must be before the end"),
        ("mon-fri 08:30-08:30", "NL", "start must be before the end"),
        ("xyz 08:00-17:00", "NL", "'xyz' is not a day"),
        ("mon-xyz 08:00-17:00", "NL", "'xyz' is not a day"),
        ("mon-fri 8:30", "NL", "'8:30' is not a time range"),
        ("mon-fri 8:30-17:00", "NL", "'8:30' is not a time"),
        ("mon-fri 08:60-17:00", "NL", "'08:60' has minutes outside 00-59"),
        ("mon-fri 08:30-25:00", "NL", "'25:00' has hours outside 00-23"),
        ("mon-fri 24:00-24:00", "NL", "'24:00' has hours outside 00-23"),
        ("mon-fri", "NL", "expected days and a time range"),
        ("mon-fri 08:30-17:00,", "NL", "empty range"),
        ("", "NL", "HELPDESK_OPENING_HOURS is empty"),
        ("   ", "NL", "HELPDESK_OPENING_HOURS is empty"),
        (DEFAULT, "XX", "HELPDESK_HOLIDAYS 'XX' is not a country"),
    ],
)
def test_a_bad_configuration_is_refused_naming_the_bad_part(spec, country, names):
    with pytest.raises(ImproperlyConfigured, match=names):
        OpeningHours.parse(spec, country)


def test_from_settings_follows_the_settings(settings):
    assert OpeningHours.from_settings() == hours(DEFAULT, "NL")
    settings.HELPDESK_OPENING_HOURS = "sat 10:00-12:00"
    settings.HELPDESK_HOLIDAYS = ""
    assert OpeningHours.from_settings() == hours("sat 10:00-12:00", "")


def test_a_holiday_country_may_be_written_in_lower_case():
    assert hours(country=" nl ").holidays_country == "NL"


def test_the_system_check_is_registered():
    assert check_opening_hours in registry.get_checks()


def test_the_system_check_accepts_the_default(settings):
    assert check_opening_hours() == []


@pytest.mark.parametrize(
    ("setting", "value", "names"),
    [
        ("HELPDESK_OPENING_HOURS", "mon-fri 17:00-08:30", "'mon-fri 17:00-08:30'"),
        ("HELPDESK_HOLIDAYS", "Nederland", "'Nederland'"),
        ("HELPDESK_OPENING_HOURS", None, "must be a string"),
    ],
)
def test_the_system_check_reports_a_bad_setting(settings, setting, value, names):
    setattr(settings, setting, value)
    [error] = check_opening_hours()
    assert error.id == "verification.E001"
    assert setting in error.msg
    assert names in error.msg


# Texts for the page


def test_the_default_is_described_with_the_manuals_sentence():
    assert hours(country="").describe() == "We zijn bereikbaar op werkdagen tussen 08:30 en 17:00."


def test_holidays_are_mentioned_in_a_sentence_of_their_own():
    assert hours().describe() == (
        "We zijn bereikbaar op werkdagen tussen 08:30 en 17:00. Op feestdagen zijn we gesloten."
    )


@pytest.mark.parametrize(
    ("spec", "country", "text"),
    [
        (ALWAYS, "", "We zijn altijd bereikbaar."),
        (ALWAYS, "NL", "We zijn altijd bereikbaar, behalve op feestdagen."),
        (
            LUNCH_BREAK,
            "",
            "We zijn bereikbaar op werkdagen tussen 08:30 en 12:00 en tussen 13:00 en 17:00.",
        ),
        (
            "mon-fri 08:30-17:00, sat 10:00-12:00",
            "",
            "We zijn bereikbaar op werkdagen tussen 08:30 en 17:00 en op zaterdag tussen 10:00 "
            "en 12:00.",
        ),
        (
            "mon-thu 09:00-17:00",
            "",
            "We zijn bereikbaar van maandag tot en met donderdag tussen 09:00 en 17:00.",
        ),
        (
            "tue-wed 09:00-17:00",
            "",
            "We zijn bereikbaar op dinsdag en woensdag tussen 09:00 en 17:00.",
        ),
        ("sat-sun 00:00-24:00", "", "We zijn bereikbaar in het weekend de hele dag."),
        ("mon-sun 08:00-20:00", "", "We zijn bereikbaar elke dag tussen 08:00 en 20:00."),
        (NIGHT, "", "We zijn bereikbaar op zondag tussen 01:00 en 04:00."),
        (
            "fri-mon 09:00-12:00",
            "",
            "We zijn bereikbaar van vrijdag tot en met maandag tussen 09:00 en 12:00.",
        ),
        (
            "mon-fri 08:00-12:00, mon-fri 12:00-17:00",
            "",
            "We zijn bereikbaar op werkdagen tussen 08:00 en 17:00.",
        ),
    ],
)
def test_other_hours_are_described_in_plain_dutch(spec, country, text):
    assert hours(spec, country).describe() == text


@pytest.mark.parametrize(
    ("moment", "now", "text"),
    [
        (amsterdam(2026, 1, 12, 13, 0), amsterdam(2026, 1, 12, 12, 30), "vandaag om 13:00"),
        (amsterdam(2026, 1, 13, 8, 30), amsterdam(2026, 1, 12, 17, 0), "morgen om 08:30"),
        (amsterdam(2026, 1, 12, 8, 30), amsterdam(2026, 1, 9, 17, 0), "maandag 08:30"),
        (amsterdam(2026, 4, 28, 8, 30), amsterdam(2026, 4, 24, 17, 0), "dinsdag 08:30"),
        (
            amsterdam(2026, 1, 12, 8, 30),
            amsterdam(2026, 1, 1, 10, 0),
            "maandag 12-01-2026 08:30",
        ),
        # Both in UTC: 23:30 UTC on Monday is already Tuesday 00:30 in Amsterdam.
        (utc(2026, 1, 13, 7, 30), utc(2026, 1, 12, 23, 30), "vandaag om 08:30"),
    ],
)
def test_the_next_opening_is_said_as_a_person_would(moment, now, text):
    assert format_next_opening(moment, now) == text
