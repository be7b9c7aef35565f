"""The worker: invitation and password reset mails and the services' back-channel logouts
(every queue in `zorgportaal.outbox`), once from cron or with --loop.

The name is kept from when it sent invitations only: `make worker` and the docs call it.
"""

import logging
import signal
import threading
import time
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from zorgportaal import outbox

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    # In Dutch, as every other command (invite, import_azure_csv) and Django's own under "nl".
    help = (
        "Verstuur de klaargezette uitnodigingsmails, mails voor een nieuw wachtwoord en "
        "uitlogberichten aan de diensten, en probeer mislukte opnieuw (na 1, 2, 4 … minuten, "
        "hoogstens 10 pogingen per mail); beëindig verlopen sessies en sluit bij sluitingstijd "
        "de chats die nog wachten. Eén keer, bijvoorbeeld elke minuut uit cron; of met --loop "
        "als mailworker voor MAIL_QUEUE=worker, tot SIGTERM of Ctrl-C (de mail die hij onder "
        "handen heeft, maakt hij eerst af). Op PostgreSQL mogen meerdere workers tegelijk "
        "draaien; op SQLite één."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop", action="store_true", help="blijf draaien en kijk elke --interval naar mail"
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=5.0,
            help="seconden tussen twee keer kijken met --loop (standaard 5)",
        )

    def handle(self, *args, loop: bool, interval: float, **options):
        self._stopping = False
        if not loop:
            for line in self._send_due(report_idle=True):
                self.stdout.write(line)
            return
        previous = self._install_stop_handlers()
        self.stdout.write(
            _("Mailworker gestart; kijkt elke %(seconds)s s.")
            % {"seconds": number_format(Decimal(f"{interval:g}"))}
        )
        try:
            while not self._stopping:
                self._round()
                self._sleep(interval)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write(_("Mailworker gestopt."))

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
        """One round over every queue; a line per queue that had work (or always, run once)."""
        lines = []
        for queue in outbox.QUEUES.values():
            done, attempted = queue.send_due(should_stop=lambda: self._stopping)
            if attempted or report_idle:
                lines.append(queue.line(done, attempted))
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
