"""Password rules (SPEC 2): long enough, not common, not like the e-mail address, not absurd.

Django's validators with messages that tell the person what to do instead.
"""

import unicodedata

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MAX_PASSWORD_LENGTH = 1024


def normalize_password(password: str) -> str:
    """NFKC, as NIST SP 800-63B asks: the same passphrase typed on any device matches."""
    return unicodedata.normalize("NFKC", password)


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return ngettext(
            "Dit wachtwoord is te kort. Gebruik minstens %(min_length)d teken; "
            "een zin van een paar woorden is lang én makkelijk te onthouden.",
            "Dit wachtwoord is te kort. Gebruik minstens %(min_length)d tekens; "
            "een zin van een paar woorden is lang én makkelijk te onthouden.",
            self.min_length,
        )


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    def get_error_message(self):
        return _(
            "Dit wachtwoord wordt zo vaak gebruikt dat het makkelijk te raden is. "
            "Kies een ander, bijvoorbeeld een zin van een paar woorden."
        )


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    def get_error_message(self):
        return _(
            "Dit wachtwoord lijkt te veel op uw %(verbose_name)s. "
            "Kies een wachtwoord dat daar niet op lijkt."
        )


class MaximumLengthValidator:
    """Long passphrases are welcome; only absurd lengths are refused (they cost hashing time)."""

    def validate(self, password, user=None):
        if len(password) > MAX_PASSWORD_LENGTH:
            raise ValidationError(
                ngettext(
                    "Dit wachtwoord is te lang. Gebruik hoogstens %(max)d teken.",
                    "Dit wachtwoord is te lang. Gebruik hoogstens %(max)d tekens.",
                    MAX_PASSWORD_LENGTH,
                ),
                code="password_too_long",
                params={"max": MAX_PASSWORD_LENGTH},
            )

    def get_help_text(self):
        return _("Uw wachtwoord mag hoogstens %(max)d tekens lang zijn.") % {
            "max": MAX_PASSWORD_LENGTH
        }
