"""A starting checklist; each organisation edits it on the checklist page."""

from django.db import migrations

DEFAULT_CHECKS = [
    ("Identity confirmed by a referee", "ကိုယ်ရေးအချက်အလက်ကို ထောက်ခံသူက အတည်ပြုပြီး", "ผู้รับรองยืนยันตัวตนแล้ว"),
    ("Service number and unit are consistent", "တပ်နံပါတ်နှင့် တပ်ရင်း ကိုက်ညီသည်", "หมายเลขประจำตัวและหน่วยสอดคล้องกัน"),
    ("Interview done", "တွေ့ဆုံမေးမြန်းပြီး", "สัมภาษณ์แล้ว"),
    ("Social-media history checked", "လူမှုကွန်ရက် မှတ်တမ်းကို စစ်ဆေးပြီး", "ตรวจสอบประวัติโซเชียลมีเดียแล้ว"),
]


def add_checks(apps, schema_editor):
    VettingCheck = apps.get_model("vetting", "VettingCheck")
    if VettingCheck.objects.exists():
        return
    for position, (en, my, th) in enumerate(DEFAULT_CHECKS):
        VettingCheck.objects.create(label_en=en, label_my=my, label_th=th, position=position, required=True)


class Migration(migrations.Migration):
    dependencies = [("vetting", "0001_initial")]

    operations = [migrations.RunPython(add_checks, migrations.RunPython.noop)]
