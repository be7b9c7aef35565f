from django.urls import path

from . import views

urlpatterns = [
    path("healthz", views.healthz),
    path("", views.home),
    path("inloggen/", views.login),
    path("oidc/start", views.start),  # initiate_login_uri: the ZorgPortaal tile lands here
    path("oidc/callback", views.callback),
    path("uitloggen/", views.logout),
    path("afgemeld", views.logged_out),
    path("oidc/backchannel-logout", views.backchannel_logout),
]
