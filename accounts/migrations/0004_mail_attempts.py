# A mail attempt is committed before the mail goes out; a retry mails the same invitation link.

from django.db import migrations, models


def pause_from_the_last_failure(apps, schema_editor):
    """Rows from before this migration: their pause counted from the last failure."""
    for name in ("Invitation", "PasswordResetMail"):
        model = apps.get_model("accounts", name)
        model.objects.filter(send_failed_at__isnull=False).update(
            last_attempt_at=models.F("send_failed_at")
        )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_identity_check'),
    ]

    operations = [
        migrations.AddField(
            model_name='invitation',
            name='link_salt',
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name='invitation',
            name='last_attempt_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='passwordresetmail',
            name='last_attempt_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(pause_from_the_last_failure, migrations.RunPython.noop),
    ]
