"""Lidocaine entries become local anaesthetic entries with an agent (existing rows are
lidocaine; the table is renamed, no row changes), and the alternative-agent plan."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("esign", "0001_initial"),
        ("procedures", "0005_harvest_amendments_and_procedure_note"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="lidocaineentry", name="lidocaine_ml_positive"),
        migrations.RenameModel(old_name="LidocaineEntry", new_name="AnaestheticEntry"),
        migrations.AlterField(
            model_name="anaestheticentry",
            name="encounter",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="anaesthetics",
                to="procedures.procedureencounter",
            ),
        ),
        migrations.AddField(
            model_name="anaestheticentry",
            name="agent",
            field=models.CharField(
                choices=[
                    ("lidocaine", "Lidocaine"),
                    ("bupivacaine", "Bupivacaine"),
                    ("ropivacaine", "Ropivacaine"),
                    ("mepivacaine", "Mepivacaine"),
                ],
                default="lidocaine",
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="anaestheticentry",
            constraint=models.CheckConstraint(
                condition=models.Q(("ml__gt", 0)), name="anaesthetic_ml_positive"
            ),
        ),
        migrations.AddIndex(
            model_name="anaestheticentry",
            index=models.Index(fields=["given_at"], name="anaesthetic_given_at"),
        ),
        migrations.CreateModel(
            name="AlternativeAgentPlan",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("cleared_amide", "A named amide the patient tolerates (e.g. tested)"),
                            ("no_amide", "No amide today (e.g. an ester such as chloroprocaine)"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "agent",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("lidocaine", "Lidocaine"),
                            ("bupivacaine", "Bupivacaine"),
                            ("ropivacaine", "Ropivacaine"),
                            ("mepivacaine", "Mepivacaine"),
                        ],
                        max_length=20,
                    ),
                ),
                ("note", models.CharField(max_length=500)),
                ("approved_at", models.DateTimeField()),
                (
                    "approved_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "encounter",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="alternative_agent_plans",
                        to="procedures.procedureencounter",
                    ),
                ),
                (
                    "signature",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="esign.signature",
                    ),
                ),
            ],
            options={"ordering": ["approved_at"]},
        ),
    ]
