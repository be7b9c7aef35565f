"""Service now lives in the portal app (portal 0001): only the state leaves here."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("zorgportaal", "0006_identity_check"),
        ("portal", "0001_service_moves_here"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Service")],
            database_operations=[],
        ),
    ]
