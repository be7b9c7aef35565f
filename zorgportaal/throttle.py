"""Rising waits after repeated failures, per account and per client, shared by all servers.

Counts live in the database (the one place every app server shares). A key's count is forgotten
after a quiet `window`; past `free` failures each further failure doubles the wait, up to `cap`.
Per-client limits are looser than per-account ones but bound how many failures one address can
cause in all, so one address cannot lock out every account.
"""

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Throttle


@dataclass(frozen=True)
class Policy:
    free: int  # failures allowed before any wait
    first_wait: timedelta
    cap: timedelta
    window: timedelta  # quiet time after which failures are forgotten

    def wait_after(self, failures: int) -> timedelta:
        if failures < self.free:
            return timedelta(0)
        return min(self.first_wait * 2 ** (failures - self.free), self.cap)


ACCOUNT = Policy(
    free=5, first_wait=timedelta(seconds=30), cap=timedelta(minutes=15), window=timedelta(hours=1)
)
CLIENT = Policy(
    free=20, first_wait=timedelta(minutes=1), cap=timedelta(hours=1), window=timedelta(hours=1)
)


def key_for(kind: str, value: str) -> str:
    """Hash identities so the table never lists e-mail addresses."""
    return f"{kind}:{hashlib.sha256(value.strip().lower().encode()).hexdigest()[:40]}"


def seconds_to_wait(keys: list[str], *, now: datetime | None = None) -> int:
    """How long until every one of these keys allows another try (0: go ahead)."""
    now = now or timezone.now()
    blocked = Throttle.objects.filter(key__in=keys, blocked_until__gt=now).values_list(
        "blocked_until", flat=True
    )
    return max((math.ceil((until - now).total_seconds()) for until in blocked), default=0)


def record_failure(key: str, policy: Policy, *, now: datetime | None = None) -> None:
    now = now or timezone.now()
    with transaction.atomic():
        row = Throttle.objects.select_for_update().filter(key=key).first()
        if row is None and _created(key, policy, now):
            return
        row = row or Throttle.objects.select_for_update().get(key=key)
        failures = 1 if now - row.updated_at > policy.window else row.failures + 1
        wait = policy.wait_after(failures)
        row.failures = failures
        row.blocked_until = now + wait if wait else None
        row.updated_at = now
        row.save(update_fields=["failures", "blocked_until", "updated_at"])


def _created(key: str, policy: Policy, now: datetime) -> bool:
    """The first failure for a key; False when another server made the row a moment ago."""
    wait = policy.wait_after(1)
    try:
        with transaction.atomic():
            Throttle.objects.create(
                key=key, failures=1, blocked_until=now + wait if wait else None, updated_at=now
            )
    except IntegrityError:
        return False
    return True


def reset(key: str) -> None:
    Throttle.objects.filter(key=key).delete()
