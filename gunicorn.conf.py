"""gunicorn for ZorgPortaal (README, "Production"): every value from the environment.

    gunicorn -c gunicorn.conf.py        # what `make serve` runs (after collectstatic, migrate)

Workers are processes, one per core by default: a login spends ~190 ms of one core in Argon2
(argon2-cffi releases the GIL while hashing). A few threads per worker keep a core busy while
other requests wait on PostgreSQL or Redis (chat polls, pages). The access log never holds the
secret part of an invitation or password-reset link, nor a query string.
"""

import os

from gunicorn import glogging

from zorgportaal.redaction import install_log_redaction, redact


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from None


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


wsgi_app = "zorgportaal.wsgi:application"
bind = [address.strip() for address in os.environ.get("BIND", "127.0.0.1:8000").split(",")]
workers = _int("WEB_CONCURRENCY", _cores())
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
timeout = _int("GUNICORN_TIMEOUT", 30)  # a worker silent this long is killed and replaced
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)  # SIGTERM: finish requests in hand
keepalive = _int("GUNICORN_KEEPALIVE", 5)  # above the load balancer's idle timeout, if any
preload_app = True  # load Django once, before forking; a bad configuration stops the master
proc_name = "zorgportaal"
control_socket_disable = True  # gunicorn >= 25: no shared ~/.gunicorn/gunicorn.ctl
_SHM = "/dev/shm"  # noqa: S108 (gunicorn makes its heartbeat files there with mkstemp)
if os.path.isdir(_SHM):
    worker_tmp_dir = _SHM  # heartbeat files off a possibly slow disk

loglevel = os.environ.get("LOG_LEVEL", "info").lower()
errorlog = "-"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # empty: no access log
# Combined log format without the query string, plus the time taken and the request id that
# the audit trail records (zorgportaal.requests.RequestIdMiddleware).
access_log_format = (
    '%(h)s - - %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms %({x-request-id}o)s'
)

# Every log record, gunicorn's own error log included, is redacted as it is made; the access
# log below also leaves out the query string (zorgportaal/redaction.py, shared with Django).
install_log_redaction()


class RedactingLogger(glogging.Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        method, protocol = environ.get("REQUEST_METHOD", "-"), environ.get("SERVER_PROTOCOL", "-")
        atoms["r"] = f"{method} {redact(environ.get('RAW_URI', ''))} {protocol}"
        atoms["U"] = redact(environ.get("PATH_INFO", ""))
        atoms["q"] = ""
        atoms["f"] = redact(environ.get("HTTP_REFERER", "-"))
        for key in [key for key in atoms if key.endswith("}e") or key == "{referer}i"]:
            del atoms[key]  # environ and raw headers repeat the unredacted URL
        return atoms


logger_class = RedactingLogger
