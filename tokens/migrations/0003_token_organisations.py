from django.db import migrations


def assign_organisations(apps, schema_editor):
    """A linked token belongs to its holder's organisation, else to its importer's; the rest
    stay without one (nobody links those until an administrator imports them again)."""
    HardwareToken = apps.get_model("tokens", "HardwareToken")
    HardwareTokenDevice = apps.get_model("tokens", "HardwareTokenDevice")
    # Unconfirmed rows only held link attempts' throttling; linking no longer keeps any.
    HardwareTokenDevice.objects.filter(confirmed=False).delete()
    for token in HardwareToken.objects.select_related("device__user", "imported_by"):
        device = getattr(token, "device", None)
        holder = device.user if device is not None else None
        organisation_id = getattr(holder, "organisation_id", None) or getattr(
            token.imported_by, "organisation_id", None
        )
        if organisation_id is not None:
            token.organisation_id = organisation_id
            token.save(update_fields=["organisation"])



class Migration(migrations.Migration):
    """Data only, apart from the schema change (PostgreSQL: no ALTER with pending triggers)."""

    dependencies = [
        ("tokens", "0002_identity_check"),
    ]

    operations = [
        migrations.RunPython(assign_organisations, migrations.RunPython.noop),
    ]
