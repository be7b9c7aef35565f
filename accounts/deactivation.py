"""Deactivating an account, and erasing it once its retention has passed (AVG art. 17, issue 17).

Deactivation is what an administrator does when someone leaves: the account cannot log in,
every session ends (the services' too, through `zorgportaal.sessions`), and its factors go
(tokens listens to `account_deactivated`), so coming back means a new factor and the helpdesk's
check again. `ACCOUNT_RETENTION_DAYS` after deactivation, the nightly `manage.py purge` erases
the account and everything kept for it (the register, privacy/register.py, says what); the
audit trail keeps its events with the address written in them, for its own period.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from zorgportaal import audit, sessions

from .models import Invitation, User, new_security_stamp

# The account was deactivated: `user`, `request`. Sent inside the deactivation's transaction.
account_deactivated = Signal()


def account_deactivate(user: User, *, request=None) -> bool:
    """Deactivate; False when it already was. Audited, sessions ended, factors removed."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.is_active and user.deactivated_at is not None:
            return False
        user.is_active = False
        user.deactivated_at = timezone.now()
        user.security_stamp = new_security_stamp()
        user.save(update_fields=["is_active", "deactivated_at", "security_stamp"])
        audit.record("account.deactivated", request=request, subject=user)
        # Ended first, so the logins (and the services) hear why, before the factors go.
        sessions.logins_end_elsewhere(user, reason="account_deactivated")
        account_deactivated.send(sender=User, user=user, request=request)
    return True


def account_reactivate(user: User, *, request=None) -> bool:
    """Active again, with no factor: the person binds one and is checked by the helpdesk."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_active and user.deactivated_at is None:
            return False
        user.is_active = True
        user.deactivated_at = None
        user.save(update_fields=["is_active", "deactivated_at"])
        audit.record("account.reactivated", request=request, subject=user)
    return True


def accounts_erase_due(*, now: datetime | None = None) -> int:
    """Erase every account deactivated longer than ACCOUNT_RETENTION_DAYS ago; how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.ACCOUNT_RETENTION_DAYS)
    erased = 0
    for user in User.objects.filter(is_active=False, deactivated_at__lte=cutoff):
        account_erase(user)
        erased += 1
    return erased


def account_erase(user: User) -> None:
    """The account and what is kept for it, in one step: its invitation and the admin's
    history of it (both hold the address), then the row, whose deletion takes devices, logins,
    sign-ins, consents and the helpdesk's codes and chats with it. The event is written first:
    the deletion unlinks it and it keeps the address (the trail's own period, NEN 7513)."""
    with transaction.atomic():
        audit.record(
            "account.erased",
            subject=user,
            deactivated_at=user.deactivated_at.isoformat() if user.deactivated_at else None,
        )
        Invitation.objects.filter(user=user).delete()
        # The admin's own history names the account by its address: that goes too (the audit
        # trail keeps what administrators changed).
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
        ).delete()
        user.delete()
