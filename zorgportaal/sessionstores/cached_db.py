from django.contrib.sessions.backends import cached_db

from . import FollowsLogins


class SessionStore(FollowsLogins, cached_db.SessionStore):
    """Sessions read from Redis, written through to the database."""
