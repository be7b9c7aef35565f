from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.start, name="start"),
    path("portaal/", views.dashboard, name="dashboard"),
    path("portaal/notificaties/", views.notifications, name="notifications"),
    path("portaal/documentatie/", views.documentation, name="documentation"),
    path("", include("accounts.urls")),
    path("", include("tokens.urls")),
    path("", include("verification.urls")),
    path("admin/", admin.site.urls),
]
