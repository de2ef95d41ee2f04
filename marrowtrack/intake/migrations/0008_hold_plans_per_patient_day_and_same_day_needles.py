"""Hold plans are for one patient and one clinic-local day; a second needle procedure on a
patient's day carries a physician's reason (docs/decisions/0024).

A hold recorded before this change is dated with its plan's next booked appointment (the
day it was signed for in practice); one without a booking stays undated and covers no day,
so the physician signs a new one for the day that gets booked.
"""

from zoneinfo import ZoneInfo

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def date_existing_holds(apps, schema_editor):
    MedicationHold = apps.get_model("intake", "MedicationHold")
    Appointment = apps.get_model("intake", "Appointment")
    for hold in MedicationHold.objects.filter(procedure_on=None).select_related(
        "plan__patient__clinic"
    ):
        booking = (
            Appointment.objects.filter(plan_id=hold.plan_id, status="booked")
            .order_by("starts_at")
            .first()
        )
        if booking is None:
            continue
        zone = ZoneInfo(hold.plan.patient.clinic.timezone)
        hold.procedure_on = booking.starts_at.astimezone(zone).date()
        hold.save(update_fields=["procedure_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0007_record_versions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="same_day_confirmed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="same_day_reason",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name="medicationhold",
            name="procedure_on",
            field=models.DateField(blank=True, null=True, verbose_name="For the procedure day"),
        ),
        migrations.RunPython(date_existing_holds, migrations.RunPython.noop),
    ]
