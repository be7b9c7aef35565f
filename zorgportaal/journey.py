"""Where a person is in the journey, and which pages each stage may open.

Every view declares the stages it serves with `@stages(...)`; views that declare nothing (the
portal, the admin) need the last stage. The gate middleware sends anyone elsewhere to the page
of the stage they are in, so no step can be skipped by typing a URL.
"""

from enum import StrEnum

from django_otp import user_has_device

REGISTRATION_SESSION_KEY = "registration"
DESTINATION_KEY = "journey_destination"


class Stage(StrEnum):
    ANONYMOUS = "anonymous"
    REGISTRATION = "registration"  # invitation link opened, no account yet
    ENROLMENT = "enrolment"  # password known, no second factor bound yet
    SECOND_FACTOR = "second_factor"  # password known, one-time code not yet given
    HELPDESK = "helpdesk"  # both factors given, identity not yet verified by the helpdesk
    PORTAL = "portal"


ALL_STAGES = frozenset(Stage)
DEFAULT_STAGES = frozenset({Stage.PORTAL})

STAGE_HOME = {
    Stage.ANONYMOUS: "signin:login",
    Stage.REGISTRATION: "registration:password",
    Stage.ENROLMENT: "registration:choose_factor",
    Stage.SECOND_FACTOR: "signin:code",
    Stage.HELPDESK: "verification:start",
    Stage.PORTAL: "portal:dashboard",
}


def stages(*allowed: Stage):
    """Mark a view as open to these stages of the journey."""

    def decorate(view):
        view.journey_stages = frozenset(allowed)
        return view

    return decorate


def current_stage(request) -> Stage:
    user = request.user
    if not user.is_authenticated:
        if REGISTRATION_SESSION_KEY in request.session:
            return Stage.REGISTRATION
        return Stage.ANONYMOUS
    # django-otp's user.is_verified(), also for the user auth.login just put on the request
    if getattr(user, "otp_device", None) is not None:
        return Stage.PORTAL if user.is_identity_verified else Stage.HELPDESK
    if user_has_device(user, confirmed=True):
        return Stage.SECOND_FACTOR
    return Stage.ENROLMENT


def registered_in_this_session(request) -> bool:
    """True while the account was made from an invitation in this very session."""
    state = request.session.get(REGISTRATION_SESSION_KEY) or {}
    return request.user.is_authenticated and state.get("user") == request.user.pk


def remember_destination(request, path: str) -> None:
    """Where to go once the journey reaches the portal: the page asked for before logging in,
    or a service's sign-in that had to wait for the code or the helpdesk (a path of ours)."""
    request.session[DESTINATION_KEY] = path


def take_destination(request) -> str | None:
    return request.session.pop(DESTINATION_KEY, None)
