"""The default attendance statuses (version 1) and the organisation's training settings."""

from decimal import Decimal

from django.db import migrations

DEFAULT = [
    # code, Burmese, English, Thai, weight, the day counts, an unexcused absence
    ("present", "ရောက်ရှိ", "Present", "มาเรียน", Decimal("1.00"), True, False),
    ("late", "နောက်ကျ", "Late", "มาสาย", Decimal("0.75"), True, False),
    ("excused", "ခွင့်ယူ", "Excused", "ลา", Decimal("0.00"), False, False),
    ("absent", "ပျက်ကွက်", "Absent", "ขาด", Decimal("0.00"), True, True),
]


def create(apps, schema_editor):
    StatusSet = apps.get_model("training", "StatusSet")
    AttendanceStatus = apps.get_model("training", "AttendanceStatus")
    TrainingSettings = apps.get_model("training", "TrainingSettings")
    if not StatusSet.objects.exists():
        status_set = StatusSet.objects.create()
        for order, (code, my, en, th, weight, counts, unexcused) in enumerate(DEFAULT):
            AttendanceStatus.objects.create(
                status_set=status_set,
                code=code,
                label_my=my,
                label_en=en,
                label_th=th,
                weight=weight,
                counts=counts,
                unexcused_absence=unexcused,
                order=order,
            )
    if not TrainingSettings.objects.exists():
        TrainingSettings.objects.create()


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
