from django.urls import path

from . import views

app_name = "helpdesk"

urlpatterns = [
    path("helpdesk/", views.queue, name="queue"),
    path("helpdesk/gesprek/<int:pk>/", views.conversation_page, name="conversation"),
    path("helpdesk/gesprek/<int:pk>/overnemen/", views.take, name="take"),
    path("helpdesk/gesprek/<int:pk>/bericht/", views.send, name="send"),
    path("helpdesk/gesprek/<int:pk>/berichten/", views.poll, name="poll"),
    path("helpdesk/gesprek/<int:pk>/verifieren/", views.verify, name="verify"),
    path("helpdesk/gesprek/<int:pk>/resetten/", views.reset, name="reset"),
    path("helpdesk/gesprek/<int:pk>/sluiten/", views.close, name="close"),
    path("helpdesk/telefonisch/", views.phone, name="phone"),
    path("helpdesk/account/<int:pk>/", views.account, name="account"),
    path(
        "helpdesk/account/<int:pk>/verifieren/",
        views.account_verify,
        name="account_verify",
    ),
    path("helpdesk/account/<int:pk>/resetten/", views.account_reset, name="account_reset"),
]
