"""A known outage (the database, Redis) logs one line a minute, not one for every request.

While the database is away every request answers 503 (zorgportaal.security.server_error), and
Django's request logger would write each one's full traceback: about 7 KB a request, 15 MB in
20 seconds, burying everything else. `DatabaseOutageFilter` sits on that logger (LOGGING in
settings). This module imports no models: logging is configured before the apps are loaded.
"""

import logging
import threading
import time

from django.db import InterfaceError, OperationalError

OUTAGE_ERRORS = (OperationalError, InterfaceError)


class Every:
    """A gate that opens at most once per `seconds`, for all threads of the process."""

    def __init__(self, seconds: float, *, clock=time.monotonic):
        self.seconds = seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._next = None

    def due(self) -> bool:
        with self._lock:
            now = self.clock()
            if self._next is not None and now < self._next:
                return False
            self._next = now + self.seconds
            return True


class DatabaseOutageFilter(logging.Filter):
    """For django.request: a request lost to a database outage is logged once a minute, in one
    line without its traceback; the others are dropped. Any other error keeps its traceback.

    A 503 is an outage too: the app answers 503 only when the database is away (server_error,
    and the health checks, which catch the error themselves).
    """

    def __init__(self, seconds: float = 60):
        super().__init__()
        self.seconds = seconds
        self.gate = Every(seconds)

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if not (isinstance(error, OUTAGE_ERRORS) or getattr(record, "status_code", 0) == 503):
            return True
        if not self.gate.due():
            return False
        # The message is already free of link secrets (zorgportaal.redaction), the error's is not.
        cause = f"{type(error).__name__}: " if error else ""
        record.msg = (
            f"{record.getMessage()} ({cause}database unavailable; "
            f"logged at most once every {self.seconds:g} s)"
        )
        record.args = ()
        record.exc_info = record.exc_text = None
        return True
