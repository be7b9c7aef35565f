"""How long the token inventory keeps what nobody uses (`manage.py purge`,
zorgportaal.retention)."""

from datetime import datetime

from django.db.models import Exists, OuterRef
from django.db.models.fields.json import KT

from zorgportaal.models import AuditEvent
from zorgportaal.retention import cutoff

from .models import AzureCsvImport, HardwareToken


def unclaimed_tokens_purge(*, now: datetime) -> int:
    """Hardware tokens imported UNCLAIMED_TOKEN_RETENTION_DAYS ago or longer that nobody ever
    linked, seed and all (the seed lives on the row).

    A token someone linked and later removed went back to the inventory to be handed out
    again; it stays until an administrator deletes it. The trail says which serials were ever
    linked (`token.linked`, kept five years); a serial linked in another organisation keeps
    this one too, which errs on the side of keeping.
    """
    ever_linked = (
        AuditEvent.objects.filter(event="token.linked")
        .annotate(serial=KT("details__serial"))
        .filter(serial=OuterRef("serial"))
    )
    unclaimed = HardwareToken.objects.filter(
        created_at__lt=cutoff("UNCLAIMED_TOKEN_RETENTION_DAYS", now), device__isnull=True
    ).exclude(Exists(ever_linked))
    deleted, _counts = unclaimed.delete()
    return deleted


def csv_imports_purge(*, now: datetime) -> int:
    """Azure CSV imports (who uploaded which file) CSV_IMPORT_RETENTION_DAYS ago or longer,
    once no token of theirs is left in the inventory: a token still there keeps its import,
    which says where it came from."""
    old = AzureCsvImport.objects.filter(
        created_at__lt=cutoff("CSV_IMPORT_RETENTION_DAYS", now)
    ).exclude(Exists(HardwareToken.objects.filter(csv_import=OuterRef("pk"))))
    deleted, _counts = old.delete()
    return deleted
