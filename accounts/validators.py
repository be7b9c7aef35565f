"""Password rules (SPEC 2): long enough, not common, not like the e-mail address, not absurd.

Django's validators with messages that tell the person what to do instead. Each judges the NFKC
form, the one `User.set_password` hashes, whichever form or command the password came from.
"""

import unicodedata

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MAX_PASSWORD_LENGTH = 1024  # measured on the NFKC form
# NFKC joins at most four characters into one (Greek ᾂ: α and three accents), so a longer input
# is too long in any form and is refused before it is normalised.
MAX_TYPED_PASSWORD_LENGTH = 4 * MAX_PASSWORD_LENGTH


def normalize_password(password: str) -> str:
    """NFKC, as NIST SP 800-63B asks: the same passphrase typed on any device matches."""
    return unicodedata.normalize("NFKC", password)


class NormalisedPasswordMixin:
    """Judge the password that will be hashed (its NFKC form), not the characters as typed."""

    def validate(self, password, user=None):
        super().validate(normalize_password(password), user)


class MinimumLengthValidator(NormalisedPasswordMixin, password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return ngettext(
            "Dit wachtwoord is te kort. Gebruik minstens %(min_length)d teken; "
            "een zin van een paar woorden is lang én makkelijk te onthouden.",
            "Dit wachtwoord is te kort. Gebruik minstens %(min_length)d tekens; "
            "een zin van een paar woorden is lang én makkelijk te onthouden.",
            self.min_length,
        )


class CommonPasswordValidator(NormalisedPasswordMixin, password_validation.CommonPasswordValidator):
    def get_error_message(self):
        return _(
            "Dit wachtwoord wordt zo vaak gebruikt dat het makkelijk te raden is. "
            "Kies een ander, bijvoorbeeld een zin van een paar woorden."
        )


class UserAttributeSimilarityValidator(
    NormalisedPasswordMixin, password_validation.UserAttributeSimilarityValidator
):
    def get_error_message(self):
        return _(
            "Dit wachtwoord lijkt te veel op uw %(verbose_name)s. "
            "Kies een wachtwoord dat daar niet op lijkt."
        )


class MaximumLengthValidator:
    """Long passphrases are welcome; only absurd lengths are refused (they cost hashing time).

    The login uses it too, before hashing: a password this rule refuses can never be right.
    """

    def validate(self, password, user=None):
        too_long = len(password) > MAX_TYPED_PASSWORD_LENGTH or (
            len(normalize_password(password)) > MAX_PASSWORD_LENGTH
        )
        if too_long:
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
