"""The arrival plan template (day 1 medical check, day 3 counselling intake, day 7 legal
check, day 30 review) and the care settings, which the organisation edits later."""

from django.db import migrations

ITEMS = [
    (1, "medical", "ဆေးစစ်ဆေးခြင်း", "Medical check", "ตรวจสุขภาพ"),
    (3, "mental", "စိတ်ပိုင်းဆိုင်ရာ အကြံပေးခြင်း စတင်တွေ့ဆုံခြင်း", "Counselling intake", "พบผู้ให้คำปรึกษาครั้งแรก"),
    (7, "legal", "ဥပဒေရေးရာ စစ်ဆေးခြင်း", "Legal check", "ตรวจสอบสถานะทางกฎหมาย"),
    (30, "review", "အစီအစဉ် ပြန်လည်သုံးသပ်ခြင်း", "Review of the plan", "ทบทวนแผน"),
]


def forwards(apps, schema_editor):
    PlanTemplate = apps.get_model("care", "PlanTemplate")
    TemplateItem = apps.get_model("care", "TemplateItem")
    CareSettings = apps.get_model("care", "CareSettings")
    if not PlanTemplate.objects.exists():
        template = PlanTemplate.objects.create(
            name_my="ရောက်ရှိချိန် စောင့်ရှောက်မှု အစီအစဉ်", name_en="Arrival care plan", name_th="แผนดูแลเมื่อมาถึง"
        )
        for offset, area, my, en, th in ITEMS:
            TemplateItem.objects.create(
                template=template, offset_days=offset, area=area, title_my=my, title_en=en, title_th=th
            )
    if not CareSettings.objects.exists():
        CareSettings.objects.create()


class Migration(migrations.Migration):
    dependencies = [("care", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
