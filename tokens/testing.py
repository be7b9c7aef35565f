"""Helpers for tests that need second factors: codes computed from seeds, devices, CSV files.

Like django-otp's `test_utils`: every app's tests (registration, login, helpdesk) can compute
the code a person's app or token shows instead of hard-coding one.
"""

import base64
import secrets

from django_otp.oath import totp

from .crypto import encrypt_seed
from .models import AppDevice, AzureCsvImport, HardwareToken, HardwareTokenDevice

AZURE_HEADER = "upn,serial number,secret key,time interval,manufacturer,model"


def code_for(secret: bytes, *, step: int = 30, drift: int = 0) -> str:
    """The 6-digit code shown now (by the clock time_machine may hold), `drift` steps away."""
    return f"{totp(secret, step=step, t0=0, digits=6, drift=drift):06d}"


def device_code(device, *, drift: int = 0) -> str:
    """The code a device's app or token shows now."""
    return code_for(device.secret(), step=device.step, drift=drift)


def confirmed_app_device(user) -> AppDevice:
    return AppDevice.objects.create(user=user, name="Authenticator-app", confirmed=True)


def inventory_token(
    serial: str = "1000000101",
    *,
    organisation,
    secret: bytes | None = None,
    interval: int = 30,
    upn: str = "",
) -> HardwareToken:
    """A token of an organisation's inventory, as if imported by an administrator's command."""
    csv_import = AzureCsvImport.objects.create(
        filename="test.csv", source=AzureCsvImport.Source.COMMAND, token_count=1
    )
    return HardwareToken.objects.create(
        serial=serial,
        organisation=organisation,
        upn=upn,
        encrypted_seed=encrypt_seed(secret or secrets.token_bytes(20)),
        interval=interval,
        manufacturer="Feitian",
        model="OTP c200",
        csv_import=csv_import,
    )


def linked_token_device(user, token: HardwareToken) -> HardwareTokenDevice:
    return HardwareTokenDevice.objects.create(
        user=user, hardware_token=token, name=f"Token {token.serial}", confirmed=True
    )


def azure_csv(rows: list[tuple[str, bytes, int]], *, newline: str = "\r\n") -> bytes:
    """An Azure CSV with one line per (serial, secret, interval)."""
    lines = [AZURE_HEADER]
    for serial, secret, interval in rows:
        key = base64.b32encode(secret).decode().rstrip("=")
        lines.append(f",{serial},{key},{interval},Feitian,OTP c200")
    return (newline.join(lines) + newline).encode()
