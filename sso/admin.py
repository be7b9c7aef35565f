"""Services are registered as clients in the service admin (portal.admin), with their addresses
and a secret shown once. django-oauth-toolkit's own admin pages would be a second way to change
a client, and would list people's tokens: they stay off the admin site."""

from django.contrib import admin
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

for model in (
    get_application_model(),
    get_access_token_model(),
    get_grant_model(),
    get_id_token_model(),
    get_refresh_token_model(),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
