"""Forms on the way to a service may end at the service: the login, the code, the consent and
the logout confirmation are posted, and the answer redirects on to the service's registered
address. A Content-Security-Policy's form-action governs those redirects too, so a page whose
form leads to a service allows that service's origin, and no other."""

from urllib.parse import parse_qs, urlsplit

from django.urls import reverse
from oauth2_provider.models import get_application_model

from zorgportaal.journey import DESTINATION_KEY

REDIRECTS = frozenset({301, 302, 303, 307, 308})


class ServiceFormActionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A redirect shows no form: the page it leads to gets a policy of its own.
        if response.status_code in REDIRECTS or "text/html" not in response.get("Content-Type", ""):
            return response
        origin = service_origin(request)
        if origin:
            update = getattr(response, "_csp_update", None) or {}
            update["form-action"] = [*update.get("form-action", []), origin]
            response._csp_update = update
        return response


def service_origin(request) -> str | None:
    """The origin of the registered address this page's form may end at, if any."""
    authorize, logout = (
        reverse("oauth2_provider:authorize"),
        reverse("oauth2_provider:rp-initiated-logout"),
    )
    if request.path == logout:
        return registered_origin(
            request.GET, "post_logout_redirect_uris", "post_logout_redirect_uri"
        )
    if request.path == authorize:
        return registered_origin(request.GET or request.POST, "redirect_uris", "redirect_uri")
    pending = request.GET.get("next") or session_destination(request)
    if pending and pending.startswith(authorize):
        query = {k: v[0] for k, v in parse_qs(urlsplit(pending).query).items()}
        return registered_origin(query, "redirect_uris", "redirect_uri")
    return None


def session_destination(request) -> str | None:
    session = getattr(request, "session", None)
    return session.get(DESTINATION_KEY) if session is not None else None


def registered_origin(parameters, field: str, parameter: str) -> str | None:
    """The origin of `parameter` if it is one of the client's registered addresses."""
    uri = parameters.get(parameter, "")
    if not uri:
        return None
    clients = get_application_model().objects.filter(**{f"{field}__contains": uri})
    if parameters.get("client_id"):
        clients = clients.filter(client_id=parameters["client_id"])
    if not any(uri in registered.split() for registered in clients.values_list(field, flat=True)):
        return None
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"
