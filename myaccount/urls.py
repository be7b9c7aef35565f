from django.urls import path

from . import views

app_name = "myaccount"

urlpatterns = [
    path("mijn-account/", views.overview, name="overview"),
    path("mijn-account/wachtwoord/", views.change_password, name="password"),
    path("mijn-account/bevestigen/", views.confirm_code, name="confirm_code"),
    path(
        "mijn-account/verwijderen/<path:persistent_id>/",
        views.remove_factor,
        name="remove_factor",
    ),
    path("mijn-account/app/", views.add_app, name="add_app"),
    path("mijn-account/token/", views.add_token, name="add_token"),
    path("mijn-account/token/uploaden/", views.token_upload, name="token_upload"),
    path("mijn-account/azure-csv/", views.csv_upload, name="csv"),
]
