"""The queues the worker empties (`manage.py send_invitations --loop`, `make worker`).

Each app registers its own queue when it starts, so the worker need not import the apps
above it: accounts its invitation and password reset mails, sso its back-channel logouts.
A queue's `send_due(should_stop=…)` does what is due and returns (done, attempted).
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Queue:
    send_due: Callable[..., tuple[int, int]]
    # The worker's line for a round, in the language of the other commands: an ngettext_lazy
    # whose number is "attempted", filled with done and attempted ("2 van 3 … verstuurd").
    report: str

    def line(self, done: int, attempted: int) -> str:
        return self.report % {"done": done, "attempted": attempted}


QUEUES: dict[str, Queue] = {}


def register(name: str, send_due: Callable[..., tuple[int, int]], *, report: str) -> None:
    """Add a queue under a name of its own (`"invitation_mails"`); the worker runs them in the
    order they were registered. `report` is `ngettext_lazy(singular, plural, "attempted")`
    with `%(done)d` and `%(attempted)d`."""
    QUEUES[name] = Queue(send_due=send_due, report=report)
