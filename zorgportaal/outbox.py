"""The queues the worker empties (`manage.py send_invitations --loop`, `make worker`).

Each app registers its own queue when it starts, so the worker need not import the apps
above it: accounts its invitation and password reset mails, sso its back-channel logouts.
A queue's `send_due(should_stop=…)` sends what is due and returns (sent, attempted).
"""

from collections.abc import Callable

QUEUES: dict[str, Callable[..., tuple[int, int]]] = {}


def register(kind: str, send_due: Callable[..., tuple[int, int]]) -> None:
    """`kind` names what is sent, as the worker's report says it: "invitation mail(s)"."""
    QUEUES[kind] = send_due
