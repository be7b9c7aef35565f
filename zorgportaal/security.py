"""Security plumbing that every page shares: headers, request size, secret links, outages.

- `SecurityHeadersMiddleware`: refuses request bodies over MAX_REQUEST_BYTES before anything
  reads them (413), marks every dynamic response `Cache-Control: no-store`, and adds the
  headers Django's SecurityMiddleware does not send (Permissions-Policy,
  Cross-Origin-Resource-Policy). The Content-Security-Policy itself comes from django-csp.
- `secret_link`: for views whose URL carries a secret (invitation and reset links): no Referer
  ever carries the secret (no-referrer on redirects, strict-origin on pages), and one client
  address gets LINK_POLICY.free wrong links an hour.
- `server_error`: Django's handler500. A database that is away for a moment
  (OperationalError, InterfaceError) becomes a Dutch 503 page with Retry-After; everything
  else the plain 500 page. Neither shows a traceback, and neither touches the database.
  Django's request logger reports the outage, once a minute (zorgportaal.outages).
"""

import logging
import sys
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers

from . import audit, throttle
from .outages import OUTAGE_ERRORS
from .requests import client_ip

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait before trying again after a 503 (the database is away).
RETRY_AFTER_SECONDS = 30

# Wrong invitation or reset links per client address: 20 an hour, then an hour's wait (429).
LINK_POLICY = throttle.Policy(
    free=20, first_wait=timedelta(hours=1), cap=timedelta(hours=1), window=timedelta(hours=1)
)

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def error_page(template: str, status: int, *, headers: dict | None = None) -> HttpResponse:
    """A standalone page (no request context, so no session or database is touched)."""
    body = loader.get_template(template).render({"site_name": settings.SITE_NAME})
    response = HttpResponse(body, status=status, content_type="text/html; charset=utf-8")
    for name, value in (headers or {}).items():
        response[name] = value
    add_never_cache_headers(response)
    return response


class SecurityHeadersMiddleware:
    """The request size limit on the way in, no-store and extra headers on the way out."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request):
        refused = self._too_large(request) or self._nul_in_query(request)
        response = refused or self.get_response(request)
        self._add_headers(request, response)
        return response

    @staticmethod
    def _too_large(request) -> HttpResponse | None:
        """Refuse by the announced length alone: the body is never read (nor spooled to disk)."""
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length <= settings.MAX_REQUEST_BYTES:
            return None
        # Not the path: it may hold a secret link. The server discards the unread body.
        logger.warning("Refused a request body of %d bytes", length)
        return error_page("413.html", 413)

    @staticmethod
    def _nul_in_query(request) -> HttpResponse | None:
        """NUL is never real input; PostgreSQL refuses it, so filters in the URL would 500.

        Form fields already refuse it (Django's ProhibitNullCharactersValidator).
        """
        if any("\x00" in key + value for key, value in request.GET.items()):
            return error_page("400.html", 400)
        return None

    def _add_headers(self, request, response) -> None:
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if request.path.startswith(self.static_prefix) or isinstance(response, FileResponse):
            return  # static files keep the caching their server gives them
        cache_control = response.get("Cache-Control", "")
        if "public" in cache_control:
            return  # a view declared this response the same for everyone (sso: keys, discovery)
        if "no-store" not in cache_control:
            add_never_cache_headers(response)


def secret_link(kind: str):
    """For a view whose URL holds a secret token: wrong links throttled, no Referer with it.

    A wrong link is a 404 or 410 answer, or a page whose context says `validlink` is False
    (Django's password reset view). LINK_POLICY.free wrong links per client address in an
    hour; after that every link of this kind, right or wrong, gets the 429 page for an hour.
    """

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            key = throttle.key_for(f"{kind}-link-client", client_ip(request))
            wait = throttle.seconds_to_wait([key])
            if wait:
                audit.record_refusal(f"{kind}_link.throttled", keys=[key], request=request)
                response = error_page("429.html", 429, headers={"Retry-After": str(wait)})
            else:
                response = view(request, *args, **kwargs)
                if _is_wrong_link(response):
                    throttle.record_failure(key, LINK_POLICY)
            response["Referrer-Policy"] = (
                "strict-origin" if _renders_a_page(response) else "no-referrer"
            )
            return response

        return wrapped

    return decorate


def _renders_a_page(response) -> bool:
    """A page keeps a referrer policy under which the browser still sends Origin with a form.

    Under no-referrer a browser posts `Origin: null`, which Django's CSRF check refuses (the
    language switch and "Uitloggen" are forms on every page). strict-origin sends only
    "https://host/" as Referer, never the path with the token, and a normal Origin.
    """
    return response.status_code == 200 or _is_wrong_link(response)


def _is_wrong_link(response) -> bool:
    if response.status_code in (404, 410):
        return True
    context = getattr(response, "context_data", None) or {}
    return context.get("validlink") is False


def server_error(request, *args, **kwargs):
    """handler500: a 503 with Retry-After while the database is away, else the 500 page.

    No log line of its own: one per request would flood the log during an outage.
    """
    if isinstance(sys.exc_info()[1], OUTAGE_ERRORS):
        return error_page("503.html", 503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    return error_page("500.html", 500)
