"""The development signing key for single sign-on: made once, kept in a file beside the code."""

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def development_signing_key(path: Path) -> str:
    """The PEM in `path`, made on first use; every process on this machine reads the same one.

    Creating with O_EXCL means two processes starting at once agree: the loser reads the
    winner's key. Production sets OIDC_SIGNING_KEY instead (`check --deploy` says so).
    """
    try:
        return path.read_text()
    except FileNotFoundError:
        pass
    pem = new_signing_key()
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(pem)
    os.chmod(partial, 0o600)
    try:
        os.link(partial, path)  # atomic, and fails when another process was first
    except FileExistsError:
        pem = path.read_text()
    finally:
        partial.unlink()
    return pem


def new_signing_key() -> str:
    """A fresh RSA-2048 private key as unencrypted PKCS#8 PEM (what OIDC_SIGNING_KEY holds)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
