"""Whom a helpdesk agent serves: the people of the organisations assigned to them, or everyone.

An administrator assigns organisations to an agent in the admin (Gebruikers → Helpdesk), or marks
the agent as the central servicedesk, which serves every organisation and the people who have
none (staff, say). An agent with neither serves nobody: a new agent can do nothing until someone
says for whom. Every console view finds chats and accounts through these querysets, so another
organisation's chat or account answers like one that does not exist.

Each is a condition inside the view's own query (a subquery on the agent's organisations), never
a query of its own: the console's pages keep their fixed number of queries.
"""

from django.db.models import Q

from accounts.models import User
from verification.models import Conversation


def served_by(agent, *, person: str = "") -> Q:
    """The condition "the agent serves this person", on a User or on the User at `person`."""
    if agent.serves_all_organisations:
        return Q()
    prefix = f"{person}__" if person else ""
    return Q(**{f"{prefix}organisation__in": agent.served_organisations.values("pk")})


def people_served_by(agent):
    return User.objects.filter(served_by(agent))


def conversations_served_by(agent):
    return Conversation.objects.filter(served_by(agent, person="person"))


def serves_nobody(agent) -> bool:
    """Neither central nor tied to an organisation: the console says so, and shows nothing."""
    return not agent.serves_all_organisations and not agent.served_organisations.exists()
