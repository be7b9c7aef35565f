"""/privacy/…: the privacy statement, open to everyone, and a person's own data."""

from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.statement, name="statement"),
]
