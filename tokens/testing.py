"""Helpers for tests that need second factors: codes computed from seeds, devices, CSV files.

Like django-otp's `test_utils`: every app's tests (registration, login, helpdesk), the browser
tests and the bench tools compute the code a person's app or token shows instead of hard-coding
one. The code helpers need no database and no Django set-up (`make loadtest --url` uses them);
the models are imported where a helper makes rows.
"""

from __future__ import annotations

import base64
import secrets
import time
from typing import TYPE_CHECKING

from django_otp.oath import hotp

if TYPE_CHECKING:
    from .models import AppDevice, HardwareToken, HardwareTokenDevice

AZURE_HEADER = "upn,serial number,secret key,time interval,manufacturer,model"
# A code asked for with less than this left in its time step is the next step's: by the time
# the page or the server checks it, the step may have changed (a slow machine, a browser).
STEP_MARGIN = 2.0  # seconds


def step_code(secret: bytes, t: int) -> str:
    """The 6-digit code of time step `t` (Unix time // the step's seconds)."""
    return f"{hotp(secret, t, digits=6):06d}"


def code_for(secret: bytes, *, step: int = 30, drift: int = 0) -> str:
    """The 6-digit code shown now (by the clock time_machine may hold), `drift` steps away.

    Safe at a step's edge: with under STEP_MARGIN seconds left on a running clock it waits for
    the next step, so "now" and "the next code" stay what the test means until it is checked.
    """
    return step_code(secret, int(fresh_step_time(step)) // step + drift)


def fresh_step_time(step: int = 30) -> float:
    """The time now, or, near the end of a time step, the start of the next one (polling the
    clock for it). A clock that time_machine holds still is never waited for."""
    now = time.time()
    if step - now % step >= STEP_MARGIN:
        return now
    while True:
        time.sleep(0.02)
        later = time.time()
        if later == now or int(later) // step != int(now) // step:
            return later
        now = later


def device_code(device, *, drift: int = 0) -> str:
    """The code a device's app or token shows now."""
    return code_for(device.secret(), step=device.step, drift=drift)


def seed_of(key: str) -> bytes:
    """The seed behind a key as a page shows it for typing into an app: Base32, any case,
    spaces and padding optional. Raises binascii.Error for what is not Base32."""
    cleaned = "".join(key.split()).upper().rstrip("=")
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def confirmed_app_device(user) -> AppDevice:
    from .models import AppDevice

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
    from .crypto import encrypt_seed
    from .models import AzureCsvImport, HardwareToken

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
    from .models import HardwareTokenDevice

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
