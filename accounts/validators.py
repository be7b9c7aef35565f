"""Password rules beyond Django's own (SPEC 2: length, common passwords, similarity)."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MAX_PASSWORD_LENGTH = 1024


def normalize_password(password: str) -> str:
    """NFKC, as NIST SP 800-63B asks: the same passphrase typed on any device matches."""
    return unicodedata.normalize("NFKC", password)


class MaximumLengthValidator:
    """Long passphrases are welcome; only absurd lengths are refused (they cost hashing time)."""

    def validate(self, password, user=None):
        if len(password) > MAX_PASSWORD_LENGTH:
            raise ValidationError(
                ngettext(
                    "Dit wachtwoord is te lang. Gebruik hoogstens %(max)d teken.",
                    "Dit wachtwoord is te lang. Gebruik hoogstens %(max)d tekens.",
                    MAX_PASSWORD_LENGTH,
                )
                % {"max": MAX_PASSWORD_LENGTH},
                code="password_too_long",
            )

    def get_help_text(self):
        return _("Uw wachtwoord mag hoogstens %(max)d tekens lang zijn.") % {
            "max": MAX_PASSWORD_LENGTH
        }
