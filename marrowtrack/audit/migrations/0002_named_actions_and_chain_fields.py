import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Schema for named actions, `extra`, hash versions and one chain per clinic.

    Fields that existing rows cannot fill yet are nullable here; 0003 fills them and 0004
    makes them required."""

    dependencies = [
        ("audit", "0001_initial"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(name="auditevent", options={"ordering": ["-occurred_at", "-id"]}),
        migrations.RemoveIndex(model_name="auditevent", name="audit_clinic_seq"),
        migrations.AddField(
            model_name="auditchainhead",
            name="key",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="auditchainhead",
            name="clinic",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="core.clinic",
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="events",
                to="audit.auditchainhead",
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="name",
            field=models.CharField(blank=True, max_length=80),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="extra",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash_version",
            field=models.PositiveSmallIntegerField(default=2),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="sequence",
            field=models.PositiveBigIntegerField(),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("create", "Create"),
                    ("read", "Read"),
                    ("update", "Update"),
                    ("archive", "Archive"),
                    ("sign", "Sign"),
                    ("print", "Print"),
                    ("export", "Export"),
                    ("login", "Log in"),
                    ("login_failed", "Failed log-in"),
                    ("logout", "Log out"),
                    ("refused", "Refused by a safety rule"),
                    ("denied", "Denied (role, state or signature)"),
                ],
                max_length=20,
            ),
        ),
    ]
