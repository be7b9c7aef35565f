from django.urls import path

from .views import login, myaccount, password, registration

app_name = "accounts"

urlpatterns = [
    path("uitnodiging/<str:token>/", registration.invitation_link, name="invitation_link"),
    path("registreren/wachtwoord/", registration.register_password, name="register_password"),
    path("registreren/authenticatiemiddel/", registration.choose_factor, name="choose_factor"),
    path("registreren/opnieuw/", registration.restart, name="restart"),
    path("inloggen/", login.login, name="login"),
    path("inloggen/code/", login.login_code, name="login_code"),
    path("uitloggen/", login.logout, name="logout"),
    path("geen-account/", login.no_account, name="no_account"),
    path("wachtwoord-vergeten/", password.reset_request, name="password_reset"),
    path("wachtwoord-vergeten/verstuurd/", password.reset_done, name="password_reset_done"),
    path(
        "wachtwoord-vergeten/<uidb64>/<token>/",
        password.reset_confirm,
        name="password_reset_confirm",
    ),
    path("mijn-account/", myaccount.myaccount, name="myaccount"),
    path("mijn-account/wachtwoord/", myaccount.change_password, name="change_password"),
    path("mijn-account/bevestigen/", myaccount.confirm_code, name="confirm_code"),
    path(
        "mijn-account/verwijderen/<path:persistent_id>/",
        myaccount.remove_factor,
        name="remove_factor",
    ),
]
