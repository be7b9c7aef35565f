"""Step-up: changing one's second factors needs a code given in the last few minutes.

A session left open on a shared computer must not let someone else bind their own phone.
"""

import time
from functools import wraps
from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from .http import AuthenticatedHttpRequest
from .journey import Stage

FRESH_KEY = "second_factor_at"
FRESH_SECONDS = 10 * 60


def mark_fresh(request: AuthenticatedHttpRequest) -> None:
    request.session[FRESH_KEY] = time.time()


def is_fresh(request: AuthenticatedHttpRequest) -> bool:
    return time.time() - request.session.get(FRESH_KEY, 0) < FRESH_SECONDS


def fresh_second_factor_in_portal(view):
    """In the portal, ask for a current code first; enrolment has no factor to ask for."""

    @wraps(view)
    def guarded(request: AuthenticatedHttpRequest, *args, **kwargs):
        if request.journey_stage is Stage.PORTAL and not is_fresh(request):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('myaccount:confirm_code')}?{query}")
        return view(request, *args, **kwargs)

    return guarded
