from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ZorgportaalConfig(AppConfig):
    name = "zorgportaal"
    verbose_name = _("ZorgPortaal")
