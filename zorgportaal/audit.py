"""Write to the audit trail. Every app records its security events through `record`."""

from .middleware import client_ip
from .models import AuditEvent


def record(
    event: str,
    *,
    request=None,
    actor=None,
    subject=None,
    subject_email: str = "",
    success: bool = True,
    **details,
) -> AuditEvent:
    """Append one event. Pass facts only, never secrets (no passwords, seeds, links, codes)."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    return AuditEvent.objects.create(
        event=event,
        outcome=AuditEvent.Outcome.SUCCESS if success else AuditEvent.Outcome.FAILURE,
        actor=actor,
        actor_email=getattr(actor, "email", ""),
        subject=subject,
        subject_email=subject_email or getattr(subject, "email", ""),
        client_ip=(client_ip(request) or None) if request is not None else None,
        request_id=getattr(request, "id", ""),
        details=details,
    )
