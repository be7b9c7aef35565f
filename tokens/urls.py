from django.urls import path

from . import views

app_name = "tokens"

urlpatterns = [
    path("registreren/app/", views.app_setup, name="app_setup"),
    path("registreren/token/", views.token_setup, name="token_setup"),
    path("registreren/token/uploaden/", views.token_upload, name="token_upload"),
    path("registreren/klaar/", views.done, name="done"),
    path("mijn-account/azure-csv/", views.myaccount_csv, name="myaccount_csv"),
]
