from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("registreren/wachtwoord/", views.register_password, name="register_password"),
    path("registreren/authenticatiemiddel/", views.choose_factor, name="choose_factor"),
    path("registreren/opnieuw/", views.restart, name="restart"),
    path("uitnodiging/<str:token>/", views.invitation_link, name="invitation_link"),
    path("inloggen/", views.login, name="login"),
    path("inloggen/code/", views.login_code, name="login_code"),
    path("uitloggen/", views.logout, name="logout"),
]
