"""Request-wide helpers: a request id for the audit trail and the client's address."""

import re
import uuid

from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme

from .http import ZorgPortaalRequest

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Give every request an id (the load balancer's X-Request-ID when it is sane)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: ZorgPortaalRequest):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.id
        return response


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the address our own proxies saw.

    With TRUSTED_PROXY_COUNT = n, the n-th address from the right of X-Forwarded-For is the
    one the outermost trusted proxy received the connection from; anything left of it can be
    forged by the client and is ignored.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR", "")


def safe_next(request, url: str | None) -> str | None:
    """Only our own site: refuses //evil.example, https:evil.example, /\\evil.example."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None
