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
    path(
        "mijn-account/naam/<path:persistent_id>/",
        views.rename_factor,
        name="rename_factor",
    ),
    path("mijn-account/app/", views.add_app, name="add_app"),
    path("mijn-account/token/", views.add_token, name="add_token"),
    path("mijn-account/sleutel/", views.add_key, name="add_key"),
    path("mijn-account/token/uploaden/", views.token_upload, name="token_upload"),
    path("mijn-account/azure-csv/", views.csv_upload, name="csv"),
    path("mijn-account/sessies/", views.login_sessions, name="sessions"),
    path(
        "mijn-account/sessies/<int:pk>/beeindigen/",
        views.login_session_end,
        name="session_end",
    ),
    path(
        "mijn-account/sessies/andere-beeindigen/",
        views.login_sessions_end_others,
        name="sessions_end_others",
    ),
    path(
        "mijn-account/toestemmingen/<int:pk>/intrekken/",
        views.consent_revoke,
        name="consent_revoke",
    ),
]
