"""Notificaties: the person's own security activity, read from the audit trail.

Only events whose subject is the person, and only the kinds below, each said in plain Dutch:
no addresses, no request ids, no actor's name (an agent or administrator is "de helpdesk" or
"een beheerder"), nothing from the details but what a person recognises (a browser, a token's
serial number, chat or phone). A login's browser comes from its `LoginSession`: the one that
`second_factor_given` wrote just before the trail's "login.succeeded" in the same request.

"New" means: after the moment the person last opened Notificaties in this session, or else
after the login before this one (the dashboard's "Laatste inlog"), or for a first login after
this login began. This session's own login is never new. The mark lives in the session, so
no column and no write to the account are needed.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from zorgportaal.browsers import browser_name
from zorgportaal.models import AuditEvent, LoginSession
from zorgportaal.sessions import LOGIN_AT_KEY, LOGIN_ID_KEY

LIMIT = 50  # the newest; older events stay in the trail, for the administrators
SEEN_KEY = "notifications_seen_at"
LOGIN = "login.succeeded"


def _kind(details: dict) -> str:
    return {
        "appdevice": _("Authenticator-app"),
        "hardwaretokendevice": _("Token"),
        "webauthncredential": _("Beveiligingssleutel of passkey"),
    }.get(details.get("kind", ""), _("Authenticatiemiddel"))


def _serial(details: dict) -> str:
    serial = details.get("serial", "")
    return _("serienummer %(serial)s") % {"serial": serial} if serial else ""


def _channel(details: dict) -> str:
    return {"chat": _("via de chat"), "phone": _("telefonisch")}.get(details.get("channel"), "")


def _sessions_ended(details: dict) -> str:
    if details.get("by") == "administrator":
        return _("Al uw sessies zijn beëindigd door een beheerder")
    return _("Een sessie is beëindigd")


# What each event says: (the line, its detail), from the event's details.
TEXTS: dict[str, Callable[[dict], tuple[str, str]]] = {
    LOGIN: lambda d: (_("Ingelogd"), ""),  # the browser is added from the login's record
    "login.failed": lambda d: (_("Onjuiste code ingevuld bij het inloggen"), ""),
    "device.confirmed": lambda d: (_("Authenticator-app toegevoegd"), ""),
    "token.linked": lambda d: (_("Token gekoppeld"), _serial(d)),
    "webauthn.registered": lambda d: (
        _("Beveiligingssleutel of passkey toegevoegd"),
        d.get("name", ""),
    ),
    "webauthn.failed": lambda d: (_("Beveiligingssleutel of passkey niet geaccepteerd"), ""),
    "device.removed": lambda d: (_("%(kind)s verwijderd") % {"kind": _kind(d)}, ""),
    "device.locked": lambda d: (
        _("%(kind)s geblokkeerd na te veel onjuiste codes") % {"kind": _kind(d)},
        "",
    ),
    "device.unlocked": lambda d: (_("%(kind)s gedeblokkeerd") % {"kind": _kind(d)}, ""),
    "device.renamed": lambda d: (
        _("%(kind)s hernoemd") % {"kind": _kind(d)},
        _("van „%(old)s” in „%(new)s”") % {"old": d.get("old_name", ""), "new": d.get("name", "")},
    ),
    "factor.reset_by_helpdesk": lambda d: (
        _("Uw authenticatiemiddelen zijn gereset door de helpdesk"),
        _channel(d),
    ),
    "identity.verification_withdrawn": lambda d: (
        _("Geen authenticatiemiddel meer: de helpdesk verifieert uw account opnieuw"),
        "",
    ),
    "verification.succeeded": lambda d: (
        _("Uw identiteit is geverifieerd door de helpdesk"),
        _channel(d),
    ),
    "identity.verified_by_administrator": lambda d: (
        _("Uw identiteit is geverifieerd door een beheerder"),
        "",
    ),
    "password.set": lambda d: (_("Wachtwoord ingesteld"), ""),
    "password.changed": lambda d: (_("Wachtwoord gewijzigd"), ""),
    "password_reset.done": lambda d: (
        _("Wachtwoord opnieuw ingesteld met de link uit uw e-mail"),
        "",
    ),
    "session.ended": lambda d: (_sessions_ended(d), ""),
    "account.changed_by_administrator": lambda d: (
        _("Uw accountgegevens zijn gewijzigd door een beheerder"),
        "",
    ),
}


@dataclass(frozen=True)
class Notification:
    at: datetime
    text: str
    detail: str
    new: bool


def _events(user) -> QuerySet[AuditEvent]:
    """The person's events of the kinds above. A login also carries its login's id, browser
    and start, and is new or old by that start: the dashboard's "Laatste inlog" is set a moment
    after it, so the login before this one is not new again."""
    login = LoginSession.objects.filter(
        user=OuterRef("subject_id"), started_at__lte=OuterRef("created_at")
    ).order_by("-started_at", "-pk")

    def of_login(field: str, otherwise, output_field):
        found = Coalesce(Subquery(login.values(field)[:1]), otherwise)
        return Case(When(event=LOGIN, then=found), default=otherwise, output_field=output_field)

    return (
        AuditEvent.objects.filter(subject=user, event__in=TEXTS)
        .annotate(
            login_id=of_login("login_id", Value(""), CharField()),
            user_agent=of_login("user_agent", Value(""), CharField()),
            new_at=of_login("started_at", F("created_at"), DateTimeField()),
        )
        .only("created_at", "event", "details")
    )


def _new_since(request) -> datetime | None:
    seen = request.session.get(SEEN_KEY)
    if seen is not None:
        return datetime.fromisoformat(seen)
    if request.user.previous_login:
        return request.user.previous_login
    login_at = request.session.get(LOGIN_AT_KEY)
    return datetime.fromtimestamp(login_at, UTC) if login_at is not None else None


def _is_new(event: AuditEvent, since: datetime | None, current_login: str) -> bool:
    if since is None or event.new_at <= since:
        return False
    return not (event.event == LOGIN and event.login_id == current_login)


def new_count(request) -> int:
    """How many notifications are new, for the top bar: one query."""
    since = _new_since(request)
    if since is None:
        return 0
    events = _events(request.user).filter(new_at__gt=since)
    current_login = request.session.get(LOGIN_ID_KEY, "")
    return events.exclude(event=LOGIN, login_id=current_login).count()


def notifications_read(request) -> list[Notification]:
    """The newest LIMIT notifications, marked new or not; from now on they count as seen."""
    since = _new_since(request)
    current_login = request.session.get(LOGIN_ID_KEY, "")
    events = list(_events(request.user).order_by("-created_at", "-pk")[:LIMIT])
    newest = max((event.new_at for event in events), default=None)
    if newest is not None and (since is None or newest > since):
        request.session[SEEN_KEY] = newest.isoformat()
    return [_notification(event, _is_new(event, since, current_login)) for event in events]


def _notification(event: AuditEvent, new: bool) -> Notification:
    text, detail = TEXTS[event.event](event.details or {})
    if event.event == LOGIN and event.user_agent:
        detail = browser_name(event.user_agent)
    return Notification(at=event.created_at, text=text, detail=detail, new=new)
