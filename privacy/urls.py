"""/privacy/…: the privacy statement, open to everyone, and a person's own data."""

from django.urls import path

from . import my_data, views

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.statement, name="statement"),
    path("privacy/mijn-gegevens/", my_data.my_data, name="my_data"),
    path("privacy/mijn-gegevens.json", my_data.my_data_download, name="my_data_download"),
]
