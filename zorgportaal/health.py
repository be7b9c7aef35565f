"""`/healthz` for load balancers and orchestrators: 200 "ok" when this app server can work.

It answers 200 only when the database (and Redis, when REDIS_URL is set) answer, else 503. The
body says nothing else: no versions, hosts or errors (those go to the log). It is open to every
stage of the journey and touches no session, so it sets no cookie; it costs one query.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from accounts.journey import ALL_STAGES, stages

logger = logging.getLogger(__name__)


def _database_answers() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _redis_answers() -> None:
    """PING through the cache's own connection pool (Django's RedisCache)."""
    cache._cache.get_client(write=True).ping()


@stages(*ALL_STAGES)
@require_safe
@never_cache
def healthz(request):
    checks = [("database", _database_answers)]
    if settings.REDIS_URL:
        checks.append(("redis", _redis_answers))
    for name, check in checks:
        try:
            check()
        except Exception as error:
            logger.warning("Health check: %s unavailable (%s)", name, type(error).__name__)
            return HttpResponse("unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
