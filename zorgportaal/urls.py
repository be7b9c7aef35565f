from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from zorgportaal.journey import ALL_STAGES, stages

from . import health, views

urlpatterns = [
    path("", views.start, name="start"),
    path("healthz", health.healthz, name="healthz"),  # load balancer probe, no session
    path("healthz/details", health.healthz_details, name="healthz_details"),  # monitoring
    path("portaal/", views.dashboard, name="dashboard"),
    path("portaal/notificaties/", views.notifications, name="notifications"),
    path("portaal/documentatie/", views.documentation, name="documentation"),
    path("", include("accounts.urls")),
    path("", include("tokens.urls")),
    path("", include("verification.urls")),
    path("admin/", admin.site.urls),
    # Django's language switch (the form in base.html), open at every step of the journey.
    path("i18n/setlang/", stages(*ALL_STAGES)(set_language), name="set_language"),
]

# A database away for a moment: a Dutch 503 page with Retry-After (zorgportaal.security).
handler500 = "zorgportaal.security.server_error"
