"""How a request's user is loaded: Django's own backend, one join wider."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

# What auth.login names as the backend of a session (AUTHENTICATION_BACKENDS holds only it).
ACCOUNT_BACKEND = "accounts.backends.AccountBackend"


class AccountBackend(ModelBackend):
    """The person of every request comes with their organisation and role, which the audit
    trail, the dashboard and the services' claims name: one query instead of three."""

    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related("organisation", "role")
        try:  # not first(): the ORDER BY it adds costs every request
            user = users.get(pk=user_id)
        except users.model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
