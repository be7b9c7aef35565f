"""Rising waits after repeated failures, per account and per client, shared by all servers.

Counts live in the database (the one place every app server shares). A key's count is forgotten
after a quiet `window`; past `free` failures each further failure doubles the wait, up to `cap`.
Per-client limits are looser than per-account ones but bound how many failures one address can
cause in all, so one address cannot lock out every account.

Attempts refused while a key is blocked are counted, not recorded one by one: the audit trail
is append-only, so `audit.record_refusal` records only the 1st, 10th, 100th … of them.
"""

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import ngettext

from .models import Throttle

MAX_DOUBLINGS = 30
# No policy forgets later than this: the nightly purge (zorgportaal.retention) deletes a row
# whose block has ended once it has been quiet this long.
LONGEST_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class Policy:
    free: int  # failures allowed before any wait
    first_wait: timedelta
    cap: timedelta
    window: timedelta  # quiet time after which failures are forgotten

    def __post_init__(self):
        if self.window > LONGEST_WINDOW:
            raise ValueError(f"A throttle window longer than {LONGEST_WINDOW} would be purged.")

    def wait_after(self, failures: int) -> timedelta:
        if failures < self.free:
            return timedelta(0)
        # Past ~30 doublings every policy is long at its cap; more would overflow timedelta.
        doublings = min(failures - self.free, MAX_DOUBLINGS)
        return min(self.first_wait * 2**doublings, self.cap)


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
        new_window = now - row.updated_at > policy.window
        failures = 1 if new_window else row.failures + 1
        wait = policy.wait_after(failures)
        row.failures = failures
        row.blocked_until = now + wait if wait else None
        row.updated_at = now
        row.refused = 0 if new_window else row.refused
        row.save(update_fields=["failures", "blocked_until", "updated_at", "refused"])


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


def refusal_to_record(keys: list[str], *, now: datetime | None = None) -> int | None:
    """Count one refused attempt on each of these keys that is blocked now. The count to
    record when it is a key's 1st, 10th, 100th … refusal in its window, else None.

    300 attempts against a blocked key then leave three rows in the trail, not 300.
    """
    now = now or timezone.now()
    with transaction.atomic():
        refused_before = dict(
            Throttle.objects.select_for_update()
            .filter(key__in=keys, blocked_until__gt=now)
            .order_by("pk")  # one lock order: two requests may wait, never deadlock
            .values_list("pk", "refused")
        )
        Throttle.objects.filter(pk__in=refused_before).update(refused=F("refused") + 1)
    counts = [refused + 1 for refused in refused_before.values()]
    return max(filter(_is_power_of_ten, counts), default=None)


def _is_power_of_ten(number: int) -> bool:
    while number >= 10 and number % 10 == 0:
        number //= 10
    return number == 1


def block(key: str, *, until: datetime, now: datetime | None = None) -> None:
    """Keep a key blocked until at least `until`, for a limit counted elsewhere (the helpdesk
    agents' budgets, on the audit trail), so `refusal_to_record` counts its refusals. A new
    block counts them from zero again; the key's failures stay as they are."""
    now = now or timezone.now()
    with transaction.atomic():
        row, created = Throttle.objects.select_for_update().get_or_create(
            key=key, defaults={"blocked_until": until, "updated_at": now}
        )
        if created or (row.blocked_until is not None and row.blocked_until >= until):
            return
        if row.blocked_until is None or row.blocked_until <= now:
            row.refused = 0
        row.blocked_until = until
        row.save(update_fields=["blocked_until", "refused"])


def reset(key: str) -> None:
    Throttle.objects.filter(key=key).delete()


def wait_message(seconds: int) -> str:
    """What every throttled form says: how long to wait, in seconds or minutes."""
    minutes = max(1, round(seconds / 60))
    if seconds < 90:
        return ngettext(
            "Te veel mislukte pogingen. Probeer het over %(n)d seconde opnieuw.",
            "Te veel mislukte pogingen. Probeer het over %(n)d seconden opnieuw.",
            seconds,
        ) % {"n": seconds}
    return ngettext(
        "Te veel mislukte pogingen. Probeer het over %(n)d minuut opnieuw.",
        "Te veel mislukte pogingen. Probeer het over %(n)d minuten opnieuw.",
        minutes,
    ) % {"n": minutes}
