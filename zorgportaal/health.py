"""Is this app server serving, and what is degraded: for load balancers and for monitoring.

- `/healthz`, the load balancer's probe: 200 "ok" while the database answers, else 503
  "unavailable". Redis is not asked: without it sessions come from the database and every page
  works, so a Redis outage must not take every server out of the pool at once.
- `/healthz/details`, for monitoring: one word per part, e.g. `{"status": "degraded",
  "database": "ok", "redis": "unavailable"}`; 200 while serving ("ok" or "degraded"), 503 when
  not. Redis is asked through the cache, so it waits a quarter second at most and not at all
  while the cache's circuit breaker is open (zorgportaal/cache.py).

Neither says more: no versions, hosts or error texts; Django's request logger reports a 503 with
the others, once a minute (zorgportaal.outages). Both are open at every stage of the journey and
touch no session, so they set no cookie. Details needs no secret: whether Redis answers tells an
outsider nothing to act on (the pages work alike), a secret in a probe's URL would end up in
access logs, and one query and one PING cost less than the login page. A proxy that should hide
it can refuse the path.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from zorgportaal.journey import ALL_STAGES, stages

OK, UNAVAILABLE, NOT_CONFIGURED = "ok", "unavailable", "not configured"


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return UNAVAILABLE
    return OK


def _redis_status() -> str:
    """The cache logs Redis failures itself (zorgportaal/cache.py)."""
    if not settings.REDIS_URL:
        return NOT_CONFIGURED
    return OK if cache.ping() else UNAVAILABLE


@stages(*ALL_STAGES)
@require_safe
@never_cache
def healthz(request):
    if _database_status() != OK:
        return HttpResponse("unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


@stages(*ALL_STAGES)
@require_safe
@never_cache
def healthz_details(request):
    parts = {"database": _database_status(), "redis": _redis_status()}
    if parts["database"] != OK:
        return JsonResponse({"status": "unavailable", **parts}, status=503)
    degraded = UNAVAILABLE in parts.values()
    return JsonResponse({"status": "degraded" if degraded else "ok", **parts})
