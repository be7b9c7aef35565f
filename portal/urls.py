from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("portaal/", views.dashboard, name="dashboard"),
    path("portaal/notificaties/", views.notifications, name="notifications"),
    path("portaal/documentatie/", views.documentation, name="documentation"),
]
