"""Everything kept about one person, gathered for "Mijn gegevens" (AVG articles 15 and 20).

`collect` gives the sections with Python values (the page shows them), `personal_data` the
same as JSON-ready values with ISO 8601 dates (the download). Each section is one query (the
devices one per kind of device, the chats two), however much a person has.

What never leaves: a device's seed, key or credential id, an invitation's link hash or salt, a
verification code, a password's hash, a session key or login id, and whatever an audit event's
details hold under a name that sounds secret. Nobody else's data either: an agent or
administrator is named by their role ("Helpdesk" in a chat), never by name or address, and an
event in which the person acted on another account says only that it did.
"""

import json
import re

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import devices_for_user

from accounts.models import Invitation
from sso.models import Consent, SignIn
from tokens import webauthn
from verification.models import Conversation, Message, VerificationCode
from zorgportaal.browsers import browser_name
from zorgportaal.models import AuditEvent, LoginSession

# A detail whose name holds one of these is left out, whatever it holds.
SECRET_NAMES = re.compile(
    r"password|secret|seed|code|token|hash|salt|key|link|credential|session|otp", re.IGNORECASE
)

# How a login ended, in the words of the page (`LoginSession.end_reason`).
LOGIN_ENDS = {
    "logout": gettext_lazy("uitgelogd"),
    "expired": gettext_lazy("verlopen"),
    "ended_by_person": gettext_lazy("beëindigd door uzelf"),
    "ended_by_administrator": gettext_lazy("beëindigd door een beheerder"),
    "password_changed": gettext_lazy("beëindigd na een wachtwoordwijziging"),
    "factor_reset": gettext_lazy("beëindigd bij het resetten van uw authenticatiemiddelen"),
    "account_deactivated": gettext_lazy("beëindigd bij het deactiveren van uw account"),
}


def personal_data(user) -> dict:
    """`collect`, JSON-ready: dates as ISO 8601 text, translated texts as text."""
    return json.loads(json.dumps(collect(user), cls=DjangoJSONEncoder))


def collect(user) -> dict:
    """Every section of what is kept about `user`."""
    return {
        "exported_at": timezone.now(),
        "account": _account(user),
        "devices": _devices(user),
        "logins": _logins(user),
        "services": _sign_ins(user),
        "consents": _consents(user),
        "invitations": _invitations(user),
        "verification": {"codes": _codes(user), "chats": _chats(user)},
        "audit_events": _audit_events(user),
    }


def _account(user) -> dict:
    organisation, role = user.organisation, user.role  # the backend loads both with the person
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "organisation": organisation.name if organisation else None,
        "role": role.name if role else None,
        "created_at": user.date_joined,
        "last_login": user.last_login,
        "previous_login": user.previous_login,
        "identity_verified_at": user.identity_verified_at,
        "is_active": user.is_active,
    }


def _devices(user) -> list[dict]:
    """Name, kind and dates: never the seed, the key, the credential id or the public key."""
    devices = sorted(
        devices_for_user(user, confirmed=None),
        key=lambda device: (device.created_at is None, device.created_at, device.pk),
    )
    return [
        {
            "name": device.name,
            "kind": _("Beveiligingssleutel of passkey")
            if webauthn.is_webauthn(device)
            else capfirst(str(device._meta.verbose_name)),
            "created_at": device.created_at,
            "last_used_at": device.last_used_at,
            "confirmed": device.confirmed,
            "locked": getattr(device, "is_locked", False),
        }
        for device in devices
    ]


def _logins(user) -> list[dict]:
    """Each two-factor login: browser, times, how it ended; never its session key or id."""
    rows = (
        LoginSession.objects.filter(user=user)
        .order_by("started_at", "pk")
        .values("started_at", "last_seen_at", "ended_at", "end_reason", "user_agent", "client_ip")
    )
    return [
        {
            "browser": browser_name(row["user_agent"]),
            "user_agent": row["user_agent"],
            "client_ip": row["client_ip"],
            "started_at": row["started_at"],
            "last_seen_at": row["last_seen_at"],
            "ended_at": row["ended_at"],
            "ended_how": str(LOGIN_ENDS.get(row["end_reason"], row["end_reason"])),
        }
        for row in rows
    ]


def _service(row: dict) -> str:
    return row["application__service__name"] or row["application__name"]


def _sign_ins(user) -> list[dict]:
    """The services signed in to through ZorgPortaal; never the code's hash or the tokens."""
    rows = (
        SignIn.objects.filter(user=user)
        .order_by("created_at", "pk")
        .values("created_at", "application__name", "application__service__name")
    )
    return [{"service": _service(row), "signed_in_at": row["created_at"]} for row in rows]


def _consents(user) -> list[dict]:
    rows = (
        Consent.objects.filter(user=user)
        .order_by("given_at", "pk")
        .values("given_at", "scopes", "application__name", "application__service__name")
    )
    return [
        {"service": _service(row), "scopes": row["scopes"], "given_at": row["given_at"]}
        for row in rows
    ]


def _invitations(user) -> list[dict]:
    """Invitations to the person's address (or that made the account); never the link, its hash
    or salt, nor who at the servicedesk sent it."""
    rows = (
        Invitation.objects.with_status()
        .filter(Q(user=user) | Q(email__iexact=user.email))
        .order_by("created_at", "pk")
        .values(
            "email",
            "first_name",
            "last_name",
            "organisation__name",
            "role__name",
            "status",
            "created_at",
            "sent_at",
            "opened_at",
            "used_at",
            "revoked_at",
            "expires_at",
        )
    )
    return [
        {
            "email": row["email"],
            "first_name": row["first_name"],
            "last_name": row["last_name"],
            "organisation": row["organisation__name"],
            "role": row["role__name"],
            "status": str(Invitation.Status(row["status"]).label),
            "created_at": row["created_at"],
            "sent_at": row["sent_at"],
            "opened_at": row["opened_at"],
            "used_at": row["used_at"],
            "revoked_at": row["revoked_at"],
            "expires_at": row["expires_at"],
        }
        for row in rows
    ]


def _codes(user) -> list[dict]:
    """When each verification code was made and how it ended; never the code."""
    rows = (
        VerificationCode.objects.filter(user=user)
        .order_by("created_at", "pk")
        .values("created_at", "expires_at", "ended_at", "end_reason", "failed_attempts")
    )
    reasons = dict(VerificationCode.EndReason.choices)
    return [
        {
            "created_at": row["created_at"],
            "expires_at": row["expires_at"],
            "ended_at": row["ended_at"],
            "ended_how": str(reasons.get(row["end_reason"], row["end_reason"])),
            "failed_attempts": row["failed_attempts"],
        }
        for row in rows
    ]


def _chats(user) -> list[dict]:
    """The chats with the helpdesk, every line; an agent is "Helpdesk", never a name."""
    lines = Message.objects.only(
        "conversation_id", "kind", "author_id", "text", "event", "created_at"
    ).order_by("id")
    conversations = (
        Conversation.objects.filter(person=user)
        .only("person_id", "created_at", "taken_at", "closed_at")
        .order_by("created_at", "pk")
        .prefetch_related(Prefetch("messages", queryset=lines))
    )
    return [
        {
            "started_at": conversation.created_at,
            "taken_at": conversation.taken_at,
            "closed_at": conversation.closed_at,
            "messages": [_line(message) for message in conversation.messages.all()],
        }
        for conversation in conversations
    ]


def _line(message: Message) -> dict:
    authors = {
        Message.Kind.PERSON: _("U"),
        Message.Kind.AGENT: _("Helpdesk"),
        Message.Kind.SYSTEM: _("Systeem"),
    }
    if message.kind == Message.Kind.SYSTEM:
        message.author = None  # the line then names no agent ("Een medewerker"), and reads none
        text = message.event_text("person")
    else:
        text = message.text
    return {"at": message.created_at, "from": authors.get(message.kind, ""), "text": text}


def _audit_events(user) -> list[dict]:
    """The trail's events about the person (as subject, or their address before the account
    existed) and those they did themselves."""
    own = (
        Q(subject=user)
        | Q(actor=user)
        | (Q(subject__isnull=True) & Q(subject_email=user.email))  # stored normalised, indexed
    )
    events = (
        AuditEvent.objects.filter(own)
        .select_related("actor")
        .only(
            "created_at",
            "event",
            "outcome",
            "actor_id",
            "actor_email",
            "actor_role",
            "subject_id",
            "subject_email",
            "client_ip",
            "details",
            "actor__first_name",
            "actor__last_name",
        )
        .order_by("created_at", "pk")
    )
    return [_event(event, user) for event in events]


def _event(event: AuditEvent, user) -> dict:
    own_act = event.actor_id == user.pk
    about_them = event.subject_id == user.pk or (
        event.subject_id is None and event.subject_email.lower() == user.email.lower()
    )
    if own_act:
        by = _("uzelf")
    elif event.actor_id is None:
        by = _("het systeem")
    else:
        by = event.actor_role or _("een medewerker")
    row = {
        "at": event.created_at,
        "event": event.event,
        "outcome": str(AuditEvent.Outcome(event.outcome).label),
        "by": by,
        "client_ip": event.client_ip if own_act else None,
    }
    if about_them:
        names = [] if own_act else _names_of(event)
        row["details"] = _without_secrets(event.details or {}, names=names, instead=by)
    else:  # they acted on someone else's account, or on the site: what it held is not theirs
        row["details"] = {}
        row["other_account"] = bool(event.subject_id or event.subject_email)
    return row


def _names_of(event: AuditEvent) -> list[str]:
    """What would name the actor in an event's details: their address and their names."""
    actor = event.actor
    names = [event.actor_email]
    if actor is not None:
        names += [actor.get_full_name(), actor.first_name, actor.last_name]
    # The longest first, so "Sanne Bakker" goes whole before "Sanne" alone.
    return sorted({name for name in names if name and len(name) > 1}, key=len, reverse=True)


def _without_secrets(value, *, names: list[str], instead: str):
    """The details with every secret-sounding name left out, and the actor's names replaced."""
    if isinstance(value, dict):
        return {
            key: _without_secrets(item, names=names, instead=instead)
            for key, item in value.items()
            if not SECRET_NAMES.search(str(key))
        }
    if isinstance(value, list | tuple):
        return [_without_secrets(item, names=names, instead=instead) for item in value]
    if isinstance(value, str):
        for name in names:
            value = re.sub(re.escape(name), instead, value, flags=re.IGNORECASE)
        return value
    return value
