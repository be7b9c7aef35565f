"""How long accounts keeps what is not an account (`manage.py purge`, zorgportaal.retention)."""

from datetime import datetime

from django.db.models import Q

from zorgportaal.retention import cutoff

from .models import Invitation, PasswordResetMail


def invitations_purge(*, now: datetime) -> int:
    """Invitations never accepted, INVITATION_RETENTION_DAYS after they expired or were revoked.

    An accepted invitation stays with its account: it says who invited the person, for which
    organisation and role.
    """
    before = cutoff("INVITATION_RETENTION_DAYS", now)
    ended = (
        Invitation.objects.with_status(now)
        .filter(used_at__isnull=True)
        .filter(
            Q(status=Invitation.Status.REVOKED, revoked_at__lt=before)
            | Q(status=Invitation.Status.EXPIRED, expires_at__lt=before)
        )
    )
    deleted, _counts = Invitation.objects.filter(pk__in=ended.values("pk")).delete()
    return deleted


def password_reset_mails_purge(*, now: datetime) -> int:
    """ "Wachtwoord vergeten?" mails asked for PASSWORD_RESET_RETENTION_DAYS ago or longer, sent
    or not: the link they carried (PASSWORD_RESET_SECONDS) and every retry ended long before."""
    old = PasswordResetMail.objects.filter(
        requested_at__lt=cutoff("PASSWORD_RESET_RETENTION_DAYS", now)
    )
    deleted, _counts = old.delete()
    return deleted
