from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HelpdeskConfig(AppConfig):
    """The helpdesk console: the queue, the chats, the phone path (SPEC 6)."""

    name = "helpdesk"
    verbose_name = _("Helpdeskconsole")
