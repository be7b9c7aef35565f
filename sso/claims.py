"""Who the person is, as a service may learn it: a subject of its own and the named claims."""

from .models import PairwiseSubject


def subject_for(user, application) -> str:
    """The `sub` this service knows the person by, made at their first sign-in to it."""
    subject, _ = PairwiseSubject.objects.get_or_create(user=user, application=application)
    return subject.subject


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
