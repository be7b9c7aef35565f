"""Ending every session of an account at once (ASVS 7.4.5): an administrator's answer to a lost
laptop or a leaving employee, and the services' sessions end with them."""

from zorgportaal import audit, sessions

from .models import new_security_stamp


def account_sessions_end(user, *, request) -> None:
    """A new security stamp ends every session, tracked or not; the logins' records and the
    services hear of it (back-channel logout)."""
    user.security_stamp = new_security_stamp()
    user.save(update_fields=["security_stamp"])
    sessions.logins_end_elsewhere(user, reason="ended_by_administrator")
    audit.record("session.ended", request=request, subject=user, by="administrator", all=True)
