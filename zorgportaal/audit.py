"""Write to the audit trail. Every app records its security events through `record`."""

from . import throttle
from .models import AuditEvent
from .requests import client_ip


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
    row = _event(
        event,
        request=request,
        actor=actor,
        subject=subject,
        subject_email=subject_email,
        success=success,
        details=details,
    )
    row.save(force_insert=True)
    return row


def _event(
    event: str, *, request, actor, subject, subject_email: str, success: bool, details: dict
) -> AuditEvent:
    """The one place an event's fields are filled in, unsaved: `record` and `record_many`
    both write what this returns, so a field added here lands in both."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    return AuditEvent(
        event=event,
        outcome=AuditEvent.Outcome.SUCCESS if success else AuditEvent.Outcome.FAILURE,
        actor=actor,
        actor_email=getattr(actor, "email", ""),
        actor_role=role_of(actor),
        subject=subject,
        subject_email=subject_email or getattr(subject, "email", ""),
        client_ip=(client_ip(request) or None) if request is not None else None,
        request_id=getattr(request, "id", ""),
        details=storable(details),
    )


def record_refusal(event: str, *, keys: list[str], **fields) -> None:
    """An attempt refused while throttled: counted on its keys, recorded only as the 1st, 10th,
    100th … in the window (with the count), so guessing cannot flood the append-only trail."""
    refused = throttle.refusal_to_record(keys)
    if refused:
        record(event, success=False, refused_in_window=refused, **fields)


def storable(value):
    """Details as PostgreSQL's JSON can hold them: NUL characters (hostile input) removed."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable(v) for v in value]
    return value


def role_of(user) -> str:
    """The actor's rights and organisation role as they are now, for the trail's snapshot."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    if user.is_superuser:
        rights = "beheerder"
    elif user.is_staff and user.has_perm("verification.helpdesk"):
        rights = "helpdesk"
    elif user.is_staff:
        rights = "medewerker"
    else:
        rights = "gebruiker"
    role = getattr(user, "role", None)
    return f"{rights} / {role.name}"[:150] if role is not None else rights


def record_many(
    event: str,
    *,
    subject_emails: list[str],
    request=None,
    actor=None,
    success: bool = True,
    **details,
) -> list[AuditEvent]:
    """`record` for a batch (a servicedesk inviting 500 addresses): one event per address,
    written in one query. Like any bulk insert it does not call AuditEvent.save()."""
    rows = [
        _event(
            event,
            request=request,
            actor=actor,
            subject=None,
            subject_email=email,
            success=success,
            details=details,
        )
        for email in subject_emails
    ]
    return AuditEvent.objects.bulk_create(rows)
