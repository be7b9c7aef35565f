"""Service moves from zorgportaal (shared machinery) to the portal that shows it.

The table stays where it is while the state moves; then it is renamed to this app's name and
the content type follows, so the admin permissions granted on services keep working.
"""

from django.db import migrations, models


def content_type_follows(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    if content_types.objects.filter(app_label="portal", model="service").exists():
        content_types.objects.filter(app_label="zorgportaal", model="service").delete()
    else:
        content_types.objects.filter(app_label="zorgportaal", model="service").update(
            app_label="portal"
        )


def content_type_returns(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    content_types.objects.filter(app_label="portal", model="service").update(
        app_label="zorgportaal"
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0002_previous_login"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("zorgportaal", "0006_identity_check"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Service",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=100, verbose_name="naam")),
                        ("description", models.CharField(blank=True, max_length=200, verbose_name="omschrijving")),
                        ("url", models.URLField(verbose_name="link")),
                        ("icon", models.CharField(choices=[("chart", "grafiek"), ("document", "document"), ("people", "mensen"), ("calendar", "agenda")], default="chart", max_length=16, verbose_name="icoon")),
                        ("order", models.PositiveIntegerField(default=0, verbose_name="volgorde")),
                        ("organisations", models.ManyToManyField(blank=True, help_text="Leeg: voor iedereen.", to="accounts.organisation", verbose_name="organisaties")),
                        ("roles", models.ManyToManyField(blank=True, help_text="Leeg: voor iedereen.", to="accounts.role", verbose_name="rollen")),
                    ],
                    options={
                        "verbose_name": "dienst",
                        "verbose_name_plural": "diensten",
                        "ordering": ["order", "name"],
                        "db_table": "zorgportaal_service",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="service", table=None),
        migrations.RunPython(content_type_follows, content_type_returns),
    ]
