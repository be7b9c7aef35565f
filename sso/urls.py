"""/oidc/…: ZorgPortaal as OpenID Connect provider; the issuer is SITE_URL + "/oidc".

Only the endpoints a provider needs: django-oauth-toolkit's pages for managing clients and
tokens stay unmounted (services are registered in the admin), and so do its device flow and
dynamic client registration.
"""

from django.urls import path

from . import views

app_name = "oauth2_provider"  # the namespace django-oauth-toolkit reverses its URLs in

urlpatterns = [
    path(
        "oidc/.well-known/openid-configuration",
        views.discovery,
        name="oidc-connect-discovery-info",
    ),
    path("oidc/.well-known/jwks.json", views.jwks, name="jwks-info"),
    path("oidc/authorize/", views.authorize, name="authorize"),
    path("oidc/sleutel/", views.key_step_up, name="key-step-up"),
    path("oidc/token/", views.token, name="token"),
    path("oidc/userinfo/", views.userinfo, name="user-info"),
    path("oidc/revoke/", views.revoke, name="revoke-token"),
    path("oidc/introspect/", views.introspect, name="introspect"),
    path("oidc/logout/", views.logout, name="rp-initiated-logout"),
]
