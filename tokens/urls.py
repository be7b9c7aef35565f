from django.urls import path

from . import views

app_name = "tokens"

urlpatterns = [
    path("registreren/app/", views.app_setup, name="app_setup"),
    path("registreren/token/", views.token_setup, name="token_setup"),
]
