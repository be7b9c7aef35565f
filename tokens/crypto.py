"""Encrypt OTP seeds at rest, so a database dump or backup holds no usable second factor.

The key material is `settings.OTP_SEED_KEY` (any string); keys in `OTP_SEED_KEY_FALLBACKS` still
decrypt, so a key can be rotated: put the old key in the fallbacks, set the new one, and run
`manage.py rotate_otp_seed_key`. Without OTP_SEED_KEY (development) the key is derived from
SECRET_KEY; a deploy check warns about that.
"""

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

# Different purposes of one key string must never yield the same Fernet key.
HKDF_INFO = b"zorgportaal otp seed encryption v1"


def _fernet_key(key_material: str) -> bytes:
    """Stretch any operator-chosen string into the 32-byte key Fernet needs."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(
        key_material.encode()
    )
    return base64.urlsafe_b64encode(derived)


@lru_cache(maxsize=4)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    """Cached per key list: a 50,000-token import must not derive the keys 50,000 times."""
    return MultiFernet([Fernet(_fernet_key(key)) for key in keys])


def _cipher() -> MultiFernet:
    current = settings.OTP_SEED_KEY or f"derived from SECRET_KEY:{settings.SECRET_KEY}"
    return _multi_fernet((current, *settings.OTP_SEED_KEY_FALLBACKS))


@sensitive_variables("raw")
def encrypt_seed(raw: bytes) -> str:
    """Encrypt a seed with the current key; the result is safe to store and to dump."""
    return _cipher().encrypt(raw).decode("ascii")


@sensitive_variables()
def decrypt_seed(token: str) -> bytes:
    """Decrypt a stored seed with the current key or any fallback key."""
    return _cipher().decrypt(token.encode("ascii"))


def reencrypt_seed(token: str) -> str:
    """Encrypt a stored seed again with the current key, without the caller seeing the seed."""
    return _cipher().rotate(token.encode("ascii")).decode("ascii")
