"""Who the person is, as a service may learn it: a subject of its own and the named claims."""

from django.db import transaction

from .models import PairwiseSubject

# Subjects never change once made, and ids are never reused (PostgreSQL's sequences, SQLite's
# AUTOINCREMENT), so each process remembers those it has seen: userinfo needs no query for it.
KNOWN_SUBJECTS: dict[tuple[int, int], str] = {}
KNOWN_SUBJECTS_MAX = 50_000  # about 10 MB a process; then it starts afresh


def subject_for(user, application) -> str:
    """The `sub` this service knows the person by, made at their first sign-in to it."""
    key = (user.pk, application.pk)
    known = KNOWN_SUBJECTS.get(key)
    if known is not None:
        return known
    subject = PairwiseSubject.objects.get_or_create(user=user, application=application)[0].subject
    transaction.on_commit(lambda: remember_subject(key, subject))  # never one rolled back
    return subject


def remember_subject(key: tuple[int, int], subject: str) -> None:
    if len(KNOWN_SUBJECTS) >= KNOWN_SUBJECTS_MAX:
        KNOWN_SUBJECTS.clear()
    KNOWN_SUBJECTS[key] = subject


def person_claims(user) -> dict:
    """Every claim ZorgPortaal can release; the validator keeps those the scopes allow."""
    return {
        "name": user.get_full_name(),
        "given_name": user.first_name,
        "family_name": user.last_name,
        "organisation": user.organisation.name if user.organisation_id else "",
        "role": user.role.name if user.role_id else "",
        "email": user.email,
        # The address received the invitation link that made the account.
        "email_verified": True,
    }
