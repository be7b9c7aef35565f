"""Link secrets never reach a log: one redaction for gunicorn's access log and every logger.

Whoever holds an invitation link (/uitnodiging/<token>/) or a password-reset link
(/wachtwoord-vergeten/<uidb64>/<token>/) can take the account. Django's request logger writes
the path of every 4xx and 5xx answer ("Not Found: /uitnodiging/<token>/"), gunicorn every
request line. `install_log_redaction` redacts each log record as it is made, so no logger and
no handler (a new one included) ever sees the secret; gunicorn.conf.py uses `redact` for its
access log. This module imports nothing from Django: gunicorn loads it before any settings.
"""

import copy
import logging
import re
from collections.abc import Mapping

# Path segments that are secrets. /wachtwoord-vergeten/verstuurd/ is a plain page.
SECRET_PATHS = [
    re.compile(r"(/uitnodiging/)[^/?#\s]+"),
    re.compile(r"(/wachtwoord-vergeten/)(?!verstuurd/)[^/?#\s]+/[^/?#\s]+"),
]
# Checked before any regular expression: nearly every log line holds neither.
_MARKERS = ("/uitnodiging/", "/wachtwoord-vergeten/")


def redact_link_secrets(text: str) -> str:
    """`text` with the secret part of every invitation or reset link replaced by "…"."""
    if not any(marker in text for marker in _MARKERS):
        return text
    for pattern in SECRET_PATHS:
        text = pattern.sub(r"\1…", text)
    return text


def redact(target: str) -> str:
    """A request target or URL fit for the access log: link secrets and query string removed."""
    path, question, _query = (target or "").partition("?")
    return redact_link_secrets(path) + ("?…" if question else "")


def install_log_redaction() -> None:
    """Redact every log record as it is made, whatever its logger or handler. Idempotent.

    A record factory (chained to the one in place) rather than a filter: a filter sits on one
    logger or handler, and the next handler someone adds would go without.
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacts_link_secrets", False):
        return

    def make_redacted_record(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        redact_record(record)
        return record

    make_redacted_record.redacts_link_secrets = True
    logging.setLogRecordFactory(make_redacted_record)


def redact_record(record: logging.LogRecord) -> None:
    """The message, its arguments, a traceback and a stack without link secrets.

    Attributes passed as `extra` (Django passes the request) are set after the factory runs:
    a formatter or handler that prints them must not be added (SECURITY.md).
    """
    record.msg = _redacted(record.msg)
    if isinstance(record.args, tuple):
        record.args = tuple(_redacted(arg) for arg in record.args)
    elif isinstance(record.args, Mapping):
        record.args = _redacted_mapping(record.args)
    if record.exc_info:
        _redact_traceback(record)
    if record.stack_info:
        record.stack_info = redact_link_secrets(record.stack_info)


def _redacted(value):
    """A string redacted; another object whose text holds a link secret becomes that text,
    redacted; anything else is left as it is (so "%d" still gets its number)."""
    if isinstance(value, str):
        return redact_link_secrets(value)
    if value is None or isinstance(value, int | float):
        return value
    try:
        text = str(value)  # a request object shows its path, an exception its message
    except Exception:
        return value
    redacted = redact_link_secrets(text)
    return value if redacted == text else redacted


def _redacted_mapping(args: Mapping) -> Mapping:
    """A copy of the same type (gunicorn's atoms answer "-" for a missing key) when needed."""
    changed = {}
    for key, value in args.items():
        redacted = _redacted(value)
        if redacted is not value and redacted != value:
            changed[key] = redacted
    if not changed:
        return args
    try:
        redacted_args = copy.copy(args)
        redacted_args.update(changed)
    except Exception:
        redacted_args = {**args, **changed}
    return redacted_args


def _redact_traceback(record: logging.LogRecord) -> None:
    """A traceback that holds a link secret (in an exception's message) is kept as text only.

    Formatters use `exc_text` when it is set; without `exc_info` no handler can render the
    original again.
    """
    text = logging.Formatter().formatException(record.exc_info)
    redacted = redact_link_secrets(text)
    if redacted != text:
        record.exc_text = redacted
        record.exc_info = None
