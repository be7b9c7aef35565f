from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """The AVG's room (issue 17): the register of personal data, the privacy page, and what a
    person can see of their own data. At the top: it reads every layer below."""

    name = "privacy"
    verbose_name = _("Privacy")
