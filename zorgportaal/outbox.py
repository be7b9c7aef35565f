"""The queues the worker empties (`manage.py send_invitations --loop`, `make worker`).

Each app registers its own queue when it starts, so the worker need not import the apps
above it: accounts its invitation and password reset mails, sso its back-channel logouts.
A queue's `send_due(should_stop=…)` does what is due and returns (done, attempted).
"""

from collections.abc import Callable

QUEUES: dict[str, Callable[..., tuple[int, int]]] = {}


def register(kind: str, send_due: Callable[..., tuple[int, int]]) -> None:
    """`kind` says what was done, as the worker's report says it: "invitation mail(s) sent"."""
    QUEUES[kind] = send_due
