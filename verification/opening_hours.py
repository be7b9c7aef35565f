"""The helpdesk's opening hours: parsed from settings, asked "open now?" and "open when?".

The chat can only be started while an agent is there (SPEC 6), so the verification page needs a
yes/no for now, the next opening moment for "We zijn weer bereikbaar: …", and a sentence for the
page. The operator writes the hours as `HELPDESK_OPENING_HOURS`, e.g.
`mon-fri 08:30-12:00, mon-fri 13:00-17:00`, and names a holiday country in `HELPDESK_HOLIDAYS`.

Hours are wall-clock times in Europe/Amsterdam: "08:30" means what the clock on the helpdesk's wall
says, also on the nights the clocks change. Public holidays close the helpdesk for the whole day,
even with `mon-sun 00:00-24:00`: an operator who sets a holiday country asks for that explicitly.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

# Far enough to pass any run of holidays and a yearly schedule; a spec that never opens
# (which the syntax barely allows) then ends in None instead of an endless loop.
HORIZON_DAYS = 400

DAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = (
    gettext_lazy("maandag"),
    gettext_lazy("dinsdag"),
    gettext_lazy("woensdag"),
    gettext_lazy("donderdag"),
    gettext_lazy("vrijdag"),
    gettext_lazy("zaterdag"),
    gettext_lazy("zondag"),
)
MINUTES_PER_DAY = 24 * 60
WORKDAYS = (0, 1, 2, 3, 4)
WEEKEND = (5, 6)
WHOLE_DAY = (0, MINUTES_PER_DAY)
EXAMPLE = "mon-fri 08:30-17:00"

CLOCK = re.compile(r"([0-9]{2}):([0-9]{2})")

Interval = tuple[int, int]  # minutes after local midnight, start inclusive, end exclusive
DaySchedule = tuple[Interval, ...]


@dataclass(frozen=True)
class OpeningHours:
    """A weekly schedule of wall-clock intervals plus the country whose holidays close it.

    Frozen, because `from_settings` hands the same instance to every request.
    """

    week: tuple[DaySchedule, ...]  # seven entries, Monday first; intervals sorted and merged
    holidays_country: str = ""  # empty: holidays are ordinary days

    @classmethod
    def parse(cls, spec: str, holidays_country: str = "NL") -> OpeningHours:
        """Read an operator's spec; raise ImproperlyConfigured naming the part that is wrong."""
        if not spec.strip():
            raise ImproperlyConfigured(
                f"HELPDESK_OPENING_HOURS is empty; give at least one range such as {EXAMPLE!r}."
            )
        days: list[list[Interval]] = [[] for _day in DAY_CODES]
        for part in spec.split(","):
            weekdays, interval = _parse_range(part.strip())
            for weekday in weekdays:
                days[weekday].append(interval)
        week = tuple(_merge(intervals) for intervals in days)
        return cls(week=week, holidays_country=_parse_country(holidays_country))

    @classmethod
    def from_settings(cls) -> OpeningHours:
        """The hours configured for this site; parsed once per distinct pair of settings."""
        return _parsed(_text_setting("HELPDESK_OPENING_HOURS"), _text_setting("HELPDESK_HOLIDAYS"))

    def is_open(self, at: datetime) -> bool:
        """Whether the helpdesk is open at this instant (aware, in any time zone)."""
        local = _amsterdam(at)
        if self._is_holiday(local.date()):
            return False
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.week[local.weekday()])

    def next_opening(self, at: datetime) -> datetime | None:
        """The first instant from `at` on when the helpdesk is open, in Europe/Amsterdam.

        That is `at` itself while open, and None when nothing opens within HORIZON_DAYS.
        In the repeated autumn hour Python's `==` between zones is always False (PEP 495);
        compare with `<`/`>` or after `.astimezone(UTC)`.
        """
        day = _amsterdam(at).date()
        for days_ahead in range(HORIZON_DAYS):
            for start, end in self._open_spans(day + timedelta(days=days_ahead)):
                if end > at:
                    return max(start, at).astimezone(AMSTERDAM)
        return None

    def next_closing(self, at: datetime, *, until: datetime | None = None) -> datetime | None:
        """The first instant from `at` on when the helpdesk is closed, in Europe/Amsterdam.

        That is `at` itself while closed. Ranges that touch (Monday until 24:00, Tuesday from
        00:00) are one stretch, so midnight is no closing. None when it stays open through the
        day of `until` (HORIZON_DAYS without it): the walk is as long as the span asked about.
        """
        day = _amsterdam(at).date()
        last = _amsterdam(until).date() if until is not None else day + timedelta(HORIZON_DAYS)
        end = at  # open from `at` until `end`, as far as the days walked show
        while day <= last:
            for start, stop in self._open_spans(day):
                if stop <= end:
                    continue
                if start > end:
                    return end.astimezone(AMSTERDAM)
                end = stop
            day += timedelta(days=1)
            if end < datetime.combine(day, time(), tzinfo=AMSTERDAM):
                return end.astimezone(AMSTERDAM)
        return None

    def describe(self) -> str:
        """A Dutch sentence for the page, like the manual's "We zijn bereikbaar op werkdagen …"."""
        if self._is_always_open():
            if self.holidays_country:
                return _("We zijn altijd bereikbaar, behalve op feestdagen.")
            return _("We zijn altijd bereikbaar.")
        groups = [_describe_group(days, intervals) for days, intervals in self._day_groups()]
        sentence = _("We zijn bereikbaar %(when)s.") % {"when": get_text_list(groups, _("en"))}
        if self.holidays_country:
            sentence = f"{sentence} {_('Op feestdagen zijn we gesloten.')}"
        return sentence

    def _is_holiday(self, day: date) -> bool:
        return bool(self.holidays_country) and day in _public_holidays(
            self.holidays_country, day.year
        )

    def _is_always_open(self) -> bool:
        return all(intervals == (WHOLE_DAY,) for intervals in self.week)

    def _open_spans(self, day: date) -> list[tuple[datetime, datetime]]:
        """The stretches of real time (UTC) during which the helpdesk is open on one local day.

        Computed per stretch of constant UTC offset, so a clock change inside a range needs no
        wall time that does not exist (02:30 in spring) or exists twice (02:30 in autumn).
        """
        intervals = self.week[day.weekday()]
        if not intervals or self._is_holiday(day):
            return []
        midnight = datetime.combine(day, time())
        spans = []
        for stretch_start, stretch_end, offset in _offset_stretches(day):
            for start, end in intervals:
                opens = (midnight + timedelta(minutes=start) - offset).replace(tzinfo=UTC)
                closes = (midnight + timedelta(minutes=end) - offset).replace(tzinfo=UTC)
                opens, closes = max(opens, stretch_start), min(closes, stretch_end)
                if opens < closes:
                    spans.append((opens, closes))
        return sorted(spans)

    def _day_groups(self) -> list[tuple[tuple[int, ...], DaySchedule]]:
        """Runs of consecutive open days with the same hours, e.g. Monday to Friday.

        Counting starts at a day where the hours change, so a wrapping run like
        `fri-mon` stays one group instead of being split at Sunday night.
        """
        week = self.week
        if all(intervals == week[0] for intervals in week):
            return [(tuple(range(7)), week[0])]
        first = next(day for day in range(7) if week[day] != week[day - 1])
        order = [day % 7 for day in range(first, first + 7)]
        return [
            (tuple(run), intervals)
            for intervals, run in itertools.groupby(order, key=lambda day: week[day])
            if intervals
        ]


def format_next_opening(moment: datetime, now: datetime) -> str:
    """When we open again, as a person says it: "vandaag om 13:00", "morgen om 08:30", …

    Beyond six days the weekday alone would be ambiguous, so the date is added.
    """
    moment = _amsterdam(moment)
    clock = moment.strftime("%H:%M")
    days_ahead = (moment.date() - _amsterdam(now).date()).days
    if days_ahead == 0:
        return _("vandaag om %(time)s") % {"time": clock}
    if days_ahead == 1:
        return _("morgen om %(time)s") % {"time": clock}
    weekday = DAY_NAMES[moment.weekday()]
    if 1 < days_ahead < 7:
        return _("%(weekday)s %(time)s") % {"weekday": weekday, "time": clock}
    return _("%(weekday)s %(date)s %(time)s") % {
        "weekday": weekday,
        "date": moment.strftime("%d-%m-%Y"),
        "time": clock,
    }


@functools.lru_cache(maxsize=8)
def _parsed(spec: str, holidays_country: str) -> OpeningHours:
    """Keyed on the values, so tests that override the settings see their own hours."""
    return OpeningHours.parse(spec, holidays_country)


def _text_setting(name: str) -> str:
    value = getattr(settings, name)
    if not isinstance(value, str):
        raise ImproperlyConfigured(f"{name} must be a string, not {type(value).__name__}.")
    return value


def _bad_range(part: str, problem: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        f"HELPDESK_OPENING_HOURS range {part!r}: {problem}. Write DAYS HH:MM-HH:MM, "
        f"several separated by commas, e.g. {EXAMPLE!r}."
    )


def _parse_range(part: str) -> tuple[list[int], Interval]:
    """One `DAYS HH:MM-HH:MM`; returns the weekdays (Monday 0) and the interval in minutes."""
    if not part:
        raise _bad_range(part, "empty range (check the commas)")
    words = part.lower().split()
    if len(words) != 2:
        raise _bad_range(part, "expected days and a time range separated by one space")
    days_text, times_text = words
    times = times_text.split("-")
    if len(times) != 2:
        raise _bad_range(part, f"{times_text!r} is not a time range like 08:30-17:00")
    start = _parse_clock(part, times[0], may_be_midnight_end=False)
    end = _parse_clock(part, times[1], may_be_midnight_end=True)
    if start >= end:
        raise _bad_range(
            part, "the start must be before the end (a range cannot cross midnight; use two)"
        )
    return _parse_days(part, days_text), (start, end)


def _parse_days(part: str, text: str) -> list[int]:
    """`mon` or `mon-fri`; a range may wrap around the week, like `sat-sun` or `fri-mon`."""
    names = text.split("-")
    if len(names) > 2:
        raise _bad_range(part, f"{text!r} is not a day or a range of days like mon-fri")
    for name in names:
        if name not in DAY_CODES:
            raise _bad_range(part, f"{name!r} is not a day; use {', '.join(DAY_CODES)}")
    first, last = DAY_CODES.index(names[0]), DAY_CODES.index(names[-1])
    return [(first + step) % 7 for step in range((last - first) % 7 + 1)]


def _parse_clock(part: str, text: str, *, may_be_midnight_end: bool) -> int:
    """`HH:MM` as minutes after midnight; `24:00` only as an end, meaning the end of the day."""
    match = CLOCK.fullmatch(text)
    if not match:
        raise _bad_range(part, f"{text!r} is not a time in HH:MM with two digits each")
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59:
        raise _bad_range(part, f"{text!r} has minutes outside 00-59")
    if hours == 24 and minutes == 0 and may_be_midnight_end:
        return MINUTES_PER_DAY
    if hours > 23:
        raise _bad_range(part, f"{text!r} has hours outside 00-23 (24:00 only as an end)")
    return hours * 60 + minutes


def _parse_country(text: str) -> str:
    """A country code the `holidays` package knows, upper-cased; empty means no holidays."""
    country = text.strip().upper()
    if country:
        try:
            holidays.country_holidays(country)
        except NotImplementedError:
            raise ImproperlyConfigured(
                f"HELPDESK_HOLIDAYS {text!r} is not a country the holidays package knows; "
                "use a code such as 'NL', or an empty value for no holidays."
            ) from None
    return country


def _merge(intervals: list[Interval]) -> DaySchedule:
    """Sort and join overlapping or touching intervals, so equal hours compare equal."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


@functools.lru_cache(maxsize=32)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    """One year's holidays, cached: the package builds them with a lot of date arithmetic."""
    return frozenset(holidays.country_holidays(country, years=year))


def _amsterdam(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"Opening hours need an aware datetime, got naive {at.isoformat()}.")
    return at.astimezone(AMSTERDAM)


def _offset_stretches(day: date) -> list[tuple[datetime, datetime, timedelta]]:
    """The local day as UTC stretches of constant offset: one, or two on a clock-change day."""
    start = datetime.combine(day, time(), tzinfo=AMSTERDAM).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=AMSTERDAM).astimezone(UTC)
    before, after = _utc_offset(start), _utc_offset(end - timedelta(seconds=1))
    if before == after:
        return [(start, end, before)]
    change = _offset_change(start, end - timedelta(seconds=1))
    return [(start, change, before), (change, end, after)]


def _offset_change(before: datetime, after: datetime) -> datetime:
    """The first second at which the offset differs from the one at `before` (bisection).

    zoneinfo does not expose its transitions; seconds suffice as tzdata changes on whole seconds.
    """
    low, high = int(before.timestamp()), int(after.timestamp())
    offset = _utc_offset(before)
    while high - low > 1:
        middle = (low + high) // 2
        if _utc_offset(datetime.fromtimestamp(middle, UTC)) == offset:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)


def _utc_offset(at: datetime) -> timedelta:
    return at.astimezone(AMSTERDAM).utcoffset() or timedelta()  # a ZoneInfo never says None


def _describe_group(days: tuple[int, ...], intervals: DaySchedule) -> str:
    times = [_describe_interval(start, end) for start, end in intervals]
    return _("%(days)s %(times)s") % {
        "days": _describe_days(days),
        "times": get_text_list(times, _("en")),
    }


def _describe_days(days: tuple[int, ...]) -> str:
    if len(days) == 7:
        return _("elke dag")
    if days == WORKDAYS:
        return _("op werkdagen")
    if days == WEEKEND:
        return _("in het weekend")
    first, last = DAY_NAMES[days[0]], DAY_NAMES[days[-1]]
    if len(days) == 1:
        return _("op %(day)s") % {"day": first}
    if len(days) == 2:
        return _("op %(first)s en %(last)s") % {"first": first, "last": last}
    return _("van %(first)s tot en met %(last)s") % {"first": first, "last": last}


def _describe_interval(start: int, end: int) -> str:
    if (start, end) == WHOLE_DAY:
        return _("de hele dag")
    return _("tussen %(start)s en %(end)s") % {"start": _clock(start), "end": _clock(end)}


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
