"""How long personal data is kept: every app's purges, run by `manage.py purge` (nightly, cron).

Each app registers its own purges when it starts, as with the worker's queues
(`zorgportaal.outbox`), so the command need not import the apps above it. A purge deletes
what is past its period at `now` and returns how many records went; the command records one
audit event per kind with that count (`retention.purged`). The audit trail itself is not
purged here: it is kept five years (NEN 7513, SECURITY.md).

Below the registry: the purges of the shared machinery itself (ended logins, Django's expired
sessions, throttle counts).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q
from django.utils.translation import ngettext_lazy

from . import audit, throttle
from .models import LoginSession, Throttle


@dataclass(frozen=True)
class Purge:
    kind: str
    purge: Callable[..., int]
    # The setting that holds the period in days; None when the period is not ours to set
    # (Django's session expiry, the throttle's windows).
    setting: str | None
    # The command's line: an ngettext_lazy whose number is "count" ("3 … verwijderd").
    report: str

    def days(self) -> int | None:
        if self.setting is None:
            return None
        days = getattr(settings, self.setting)
        if days < 1:
            raise ImproperlyConfigured(f"{self.setting} must be at least 1, not {days}")
        return days

    def run(self, *, now: datetime) -> int:
        """Purge, and record the count in the audit trail in the same transaction."""
        days = self.days()
        with transaction.atomic():
            count = self.purge(now=now)
            audit.record("retention.purged", kind=self.kind, count=count, days=days)
        return count

    def line(self, count: int) -> str:
        return self.report % {"count": count}


PURGES: dict[str, Purge] = {}


def register(
    kind: str, purge: Callable[..., int], *, setting: str | None = None, report: str
) -> None:
    """Add a purge under a kind of its own (`"invitations"`); the command runs them in the
    order they were registered. `purge(*, now)` returns how many records it deleted;
    `setting` names the period's setting in days (`cutoff(setting, now)` gives the moment);
    `report` is `ngettext_lazy(singular, plural, "count")` with `%(count)d`."""
    PURGES[kind] = Purge(kind=kind, purge=purge, setting=setting, report=report)


def cutoff(setting: str, now: datetime) -> datetime:
    """The moment before which what a setting's period covers is past it."""
    return now - timedelta(days=getattr(settings, setting))


# The shared machinery's own purges (registered in ZorgportaalConfig.ready).


def login_sessions_purge(*, now: datetime) -> int:
    """Logins ("Sessies" in Mijn account) that ended LOGIN_RETENTION_DAYS ago or longer."""
    ended = LoginSession.objects.filter(ended_at__lt=cutoff("LOGIN_RETENTION_DAYS", now))
    deleted, _counts = ended.delete()
    return deleted


def django_sessions_purge(*, now: datetime) -> int:
    """Django's sessions past their expiry (`clearsessions`): the session engine's own
    `clear_expired`, which reads the clock itself. A store in the database is counted first."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    count = 0
    if issubclass(store, DatabaseSessionStore):
        count = store.get_model_class().objects.filter(expire_date__lt=now).count()
    store.clear_expired()
    return count


def throttle_counts_purge(*, now: datetime) -> int:
    """Throttle rows no longer blocking and quiet longer than any policy's window: their
    failures would be forgotten at the next one anyway (`throttle.record_failure`)."""
    quiet = Throttle.objects.filter(
        Q(blocked_until__isnull=True) | Q(blocked_until__lte=now),
        updated_at__lt=now - throttle.LONGEST_WINDOW,
    )
    deleted, _counts = quiet.delete()
    return deleted


def register_own() -> None:
    register(
        "login_sessions",
        login_sessions_purge,
        setting="LOGIN_RETENTION_DAYS",
        report=ngettext_lazy(
            "%(count)d beëindigde sessie verwijderd",
            "%(count)d beëindigde sessies verwijderd",
            "count",
        ),
    )
    register(
        "django_sessions",
        django_sessions_purge,
        report=ngettext_lazy(
            "%(count)d verlopen sessiegegeven verwijderd",
            "%(count)d verlopen sessiegegevens verwijderd",
            "count",
        ),
    )
    register(
        "throttle_counts",
        throttle_counts_purge,
        report=ngettext_lazy(
            "%(count)d oude telling van mislukte pogingen verwijderd",
            "%(count)d oude tellingen van mislukte pogingen verwijderd",
            "count",
        ),
    )
