import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_existing_trail_becomes_legacy_chain")]

    operations = [
        migrations.AlterField(
            model_name="auditchainhead",
            name="key",
            field=models.CharField(max_length=64, unique=True),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="chain",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="events",
                to="audit.auditchainhead",
            ),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["clinic", "-occurred_at"], name="audit_clinic_time"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["name"], name="audit_name"),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("chain", "sequence"), name="audit_chain_sequence"
            ),
        ),
    ]
