from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from zorgportaal.journey import ALL_STAGES, stages

from . import health, site

# One flow, one urls.py: each serves its own prefix ("" and /inloggen/, /registreren/, …).
urlpatterns = [
    path("healthz", health.healthz, name="healthz"),  # load balancer probe, no session
    path("healthz/details", health.healthz_details, name="healthz_details"),  # monitoring
    path("favicon.ico", site.favicon, name="favicon"),  # browsers ask for it on their own
    path("", include("signin.urls")),  # /, /inloggen/, /uitloggen/, /wachtwoord-vergeten/
    path("", include("registration.urls")),  # /uitnodiging/, /registreren/
    path("", include("myaccount.urls")),  # /mijn-account/
    path("", include("portal.urls")),  # /portaal/
    path("", include("verification.urls")),  # /verificatie/
    path("", include("helpdesk.urls")),  # /helpdesk/
    path("", include("sso.urls")),  # /oidc/ (OpenID Connect provider)
    path("", include("privacy.urls")),  # /privacy/ (the statement, a person's own data)
    path("admin/", admin.site.urls),
    # Django's language switch (the form in base.html), open at every step of the journey.
    path("i18n/setlang/", stages(*ALL_STAGES)(set_language), name="set_language"),
]

# A database away for a moment: a Dutch 503 page with Retry-After (zorgportaal.security).
handler500 = "zorgportaal.security.server_error"
