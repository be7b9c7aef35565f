from django.urls import path

from . import console, views

app_name = "verification"

urlpatterns = [
    # The person (Stage.HELPDESK; the lost-factor page at Stage.SECOND_FACTOR)
    path("verificatie/", views.start, name="start"),
    path("verificatie/chat/starten/", views.chat_start, name="chat_start"),
    path("verificatie/chat/<int:pk>/", views.chat_page, name="chat"),
    path("verificatie/chat/<int:pk>/bericht/", views.chat_send, name="chat_send"),
    path("verificatie/chat/<int:pk>/berichten/", views.chat_poll, name="chat_poll"),
    path("verificatie/authenticatiemiddel-kwijt/", views.lost_factor, name="lost_factor"),
    # The helpdesk console (staff with verification.helpdesk, fully logged in)
    path("helpdesk/", console.queue, name="console"),
    path("helpdesk/gesprek/<int:pk>/", console.conversation_page, name="console_conversation"),
    path("helpdesk/gesprek/<int:pk>/overnemen/", console.take, name="console_take"),
    path("helpdesk/gesprek/<int:pk>/bericht/", console.send, name="console_send"),
    path("helpdesk/gesprek/<int:pk>/berichten/", console.poll, name="console_poll"),
    path("helpdesk/gesprek/<int:pk>/verifieren/", console.verify, name="console_verify"),
    path("helpdesk/gesprek/<int:pk>/resetten/", console.reset, name="console_reset"),
    path("helpdesk/gesprek/<int:pk>/sluiten/", console.close, name="console_close"),
    path("helpdesk/telefonisch/", console.phone, name="console_phone"),
    path("helpdesk/account/<int:pk>/", console.account, name="console_account"),
    path(
        "helpdesk/account/<int:pk>/verifieren/",
        console.account_verify,
        name="console_account_verify",
    ),
    path(
        "helpdesk/account/<int:pk>/resetten/", console.account_reset, name="console_account_reset"
    ),
]
