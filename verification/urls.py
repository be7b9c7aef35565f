from django.urls import path

from . import views

app_name = "verification"

urlpatterns = [
    # The person (Stage.HELPDESK; the lost-factor page at Stage.SECOND_FACTOR)
    path("verificatie/", views.start, name="start"),
    path("verificatie/status/", views.start_poll, name="start_poll"),
    path("verificatie/chat/starten/", views.chat_start, name="chat_start"),
    path("verificatie/chat/<int:pk>/", views.chat_page, name="chat"),
    path("verificatie/chat/<int:pk>/bericht/", views.chat_send, name="chat_send"),
    path("verificatie/chat/<int:pk>/berichten/", views.chat_poll, name="chat_poll"),
    path("verificatie/authenticatiemiddel-kwijt/", views.lost_factor, name="lost_factor"),
]
