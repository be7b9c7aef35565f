from django.urls import path

from . import views

app_name = "registration"

urlpatterns = [
    path("uitnodiging/<str:token>/", views.invitation_link, name="invitation_link"),
    path("registreren/wachtwoord/", views.register_password, name="password"),
    path("registreren/authenticatiemiddel/", views.choose_factor, name="choose_factor"),
    path("registreren/opnieuw/", views.restart, name="restart"),
    path("registreren/app/", views.app_setup, name="app"),
    path("registreren/token/", views.token_setup, name="token"),
    path("registreren/token/uploaden/", views.token_upload, name="token_upload"),
    path("registreren/sleutel/", views.passkey_setup, name="passkey"),
    path("registreren/klaar/", views.done, name="done"),
]
