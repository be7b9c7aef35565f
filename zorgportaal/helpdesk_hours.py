"""The helpdesk's opening hours as a sentence, for pages below the app that knows them.

The verification app owns the opening hours (`verification.opening_hours`, parsed from
`HELPDESK_OPENING_HOURS`) and registers its sentence when it starts, so the portal's
"Documentatie" can say them without importing upwards; the sentence is the one the
verification page shows ("We zijn bereikbaar op werkdagen tussen 08:30 en 17:00.").
"""

from collections.abc import Callable

DESCRIBERS: dict[str, Callable[[], str]] = {}


def register(describe: Callable[[], str]) -> None:
    """`describe()` returns the sentence in the active language, for the current settings."""
    DESCRIBERS["hours"] = describe


def describe() -> str:
    """The sentence, or "" when no app registered one (the page then leaves it out)."""
    describe = DESCRIBERS.get("hours")
    return describe() if describe else ""
