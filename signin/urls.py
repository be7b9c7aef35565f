from django.urls import path

from . import views

app_name = "signin"

urlpatterns = [
    path("", views.start, name="start"),
    path("inloggen/", views.login, name="login"),
    path("inloggen/passkey/", views.login_passkey, name="passkey"),
    path("inloggen/code/", views.login_code, name="code"),
    path("inloggen/sleutel/", views.login_key, name="key"),
    path("uitloggen/", views.logout, name="logout"),
    path("geen-account/", views.no_account, name="no_account"),
    path("wachtwoord-vergeten/", views.reset_request, name="password_reset"),
    path("wachtwoord-vergeten/verstuurd/", views.reset_done, name="password_reset_done"),
    path(
        "wachtwoord-vergeten/<uidb64>/<token>/",
        views.reset_confirm,
        name="password_reset_confirm",
    ),
]
