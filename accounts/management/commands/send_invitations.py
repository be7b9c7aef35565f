"""The worker: invitation and password reset mails and the services' back-channel logouts
(every queue in `zorgportaal.outbox`), once from cron or with --loop.

The name is kept from when it sent invitations only: `make worker` and the docs call it.
"""

import logging
import signal
import threading
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from zorgportaal import outbox

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Send queued invitation and password reset mails and the services' back-channel "
        "logouts, and retry failed ones (pauses of 1, 2, 4 … minutes, at most 10 attempts for "
        "a mail). Once, e.g. from cron every minute; or with "
        "--loop as the mail worker for MAIL_QUEUE=worker, until SIGTERM or Ctrl-C (it finishes "
        "the mail in hand first). "
        "Several workers may run at once on PostgreSQL; on SQLite run one."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop", action="store_true", help="keep running and look for mail every --interval"
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=5.0,
            help="seconds between looks for queued mail with --loop (default 5)",
        )

    def handle(self, *args, loop: bool, interval: float, **options):
        self._stopping = False
        if not loop:
            for line in self._send_due(report_idle=True):
                self.stdout.write(line)
            return
        previous = self._install_stop_handlers()
        self.stdout.write(f"Mail worker started; looking every {interval:g} s.")
        try:
            while not self._stopping:
                self._round()
                self._sleep(interval)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write("Mail worker stopped.")

    def _round(self) -> None:
        self._refresh_connections()
        try:
            lines = self._send_due(report_idle=False)
        except Exception:  # the database restarting, say: log, wait, try again
            logger.exception("Mail worker: round failed; trying again")
            self._refresh_connections()
            return
        for line in lines:
            self.stdout.write(line)

    def _send_due(self, *, report_idle: bool) -> list[str]:
        """One round over every queue; a line per kind that had work (or always, run once)."""
        lines = []
        for kind, send_due in outbox.QUEUES.items():
            sent, attempted = send_due(should_stop=lambda: self._stopping)
            if attempted or report_idle:
                lines.append(f"{sent} of {attempted} {kind}")
        return lines

    @staticmethod
    def _refresh_connections() -> None:
        """Honour CONN_MAX_AGE and drop broken connections, as a request would.

        Not inside a transaction (a test's), which closing the connection would end.
        """
        if not connection.in_atomic_block:
            close_old_connections()

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._stopping and time.monotonic() < deadline:
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))

    def _install_stop_handlers(self) -> dict:
        """SIGTERM and SIGINT end the loop after the mail in hand (main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            return {}

        def stop(signum, frame):
            self._stopping = True

        return {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)}
