"""Staff accounts verified by an administrator, not by the helpdesk.

People are verified by a helpdesk agent who checks the code they see (verification/). A staff
account an administrator made in the admin has no invitation, and the very first helpdesk agent
has no helpdesk to call: after binding a factor they would wait on the verification page for
ever. So a superuser, with a current code of their own second factor, may vouch for staff they
know. Never for themselves, and never for people (not staff): those are the helpdesk's work.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from zorgportaal import audit

from .models import User

REASON_MAX_LENGTH = 200

# Why an account is not for an administrator to verify here (see `staff_verify_refusal`).
SELF, NOT_STAFF, INACTIVE, VERIFIED = "self", "not_staff", "inactive", "verified"


def staff_verify_refusal(*, staff: User, administrator: User) -> str | None:
    """SELF, NOT_STAFF, INACTIVE or VERIFIED when this account is to be skipped, else None."""
    if staff.pk == administrator.pk:
        return SELF
    if not staff.is_staff:
        return NOT_STAFF
    if not staff.is_active:
        return INACTIVE
    if staff.identity_verified_at is not None:
        return VERIFIED
    return None


def staff_identity_verify(*, staff: User, administrator: User, reason: str, request=None) -> bool:
    """Mark a staff member's identity verified on a superuser's word, and audit who and why.

    The caller has checked the administrator's current one-time code. The UPDATE is conditional
    (still unverified, still active staff, not the administrator), so a double submit, or two
    administrators at once, verifies and audits once. False when nothing changed.
    """
    if not administrator.is_superuser:
        raise PermissionDenied("Only a superuser verifies staff.")
    reason = reason.strip()
    if not reason or len(reason) > REASON_MAX_LENGTH:
        raise ValueError(f"A reason of 1 to {REASON_MAX_LENGTH} characters is required.")
    if staff_verify_refusal(staff=staff, administrator=administrator) is not None:
        return False
    now = timezone.now()
    with transaction.atomic():
        verified = (
            User.objects.filter(
                pk=staff.pk, is_staff=True, is_active=True, identity_verified_at__isnull=True
            )
            .exclude(pk=administrator.pk)
            .update(identity_verified_at=now)
        )
        if not verified:
            return False
        audit.record(
            "identity.verified_by_administrator",
            request=request,
            actor=administrator,
            subject=staff,
            reason=reason,
        )
    staff.identity_verified_at = now
    return True
