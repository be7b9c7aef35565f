from django.contrib.sessions.backends import db

from . import FollowsLogins


class SessionStore(FollowsLogins, db.SessionStore):
    """Sessions in the database."""
