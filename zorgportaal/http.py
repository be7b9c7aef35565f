"""The request as our middleware leaves it, for type hints only (as healthchecks'
hc/accounts/http.py does): what a view may read besides Django's own attributes.

Nothing here runs: views still receive Django's HttpRequest, with these attributes attached.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

    from .journey import Stage


class ZorgPortaalRequest(HttpRequest):
    """Any request that reached a view."""

    id: str  # requests.RequestIdMiddleware; the audit trail records it
    journey_stage: Stage  # gate.JourneyGateMiddleware, before the view runs
    # django.contrib.auth's middleware; an accounts.User once logged in (this bottom layer
    # cannot import accounts, so it names Django's base class).
    user: AbstractBaseUser | AnonymousUser


class AuthenticatedHttpRequest(ZorgPortaalRequest):
    """A request of someone who gave at least their password: every stage but anonymous."""

    user: AbstractBaseUser
