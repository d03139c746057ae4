"""The Thai defaults: five types of paper, and the settings row (60 days' warning before a
paper expires, 60 days to find a new employer, who to call when someone is detained). The
organisation edits them later on the settings page."""

from django.db import migrations

TYPES = [
    # code, Burmese, English, Thai, needs the Myanmar embassy, tied to an employer
    ("pink_card", "ပန်းရောင်ကတ် (ထိုင်းနိုင်ငံသားမဟုတ်သူ မှတ်ပုံတင်)", "Pink card (non-Thai ID)",
     "บัตรสีชมพู (บัตรประจำตัวคนซึ่งไม่มีสัญชาติไทย)", False, False),
    ("work_permit", "အလုပ်လုပ်ကိုင်ခွင့် လက်မှတ်", "Work permit", "ใบอนุญาตทำงาน", False, True),
    ("ci_passport", "CI / နိုင်ငံကူးလက်မှတ်", "CI / passport", "เอกสารรับรองบุคคล (CI) / หนังสือเดินทาง", True, False),
    ("unhcr", "UNHCR သို့မဟုတ် မိတ်ဖက်အဖွဲ့ ထောက်ခံစာ", "UNHCR or partner letter",
     "หนังสือจาก UNHCR หรือองค์กรพันธมิตร", False, False),
    ("thai_authority", "ထိုင်းရဲ သို့မဟုတ် လဝက စာရွက်စာတမ်း", "Thai police or immigration papers",
     "เอกสารจากตำรวจหรือตรวจคนเข้าเมือง", False, False),
]

CHECKLIST_MY = "\n".join([
    "အဖွဲ့၏ ရှေ့နေ",
    "မိတ်ဖက် ဥပဒေအကူအညီပေးရေးအဖွဲ့",
    "UNHCR / ကာကွယ်စောင့်ရှောက်ရေး မိတ်ဖက်",
    "တာဝန်ကျ ညွှန်ကြားရေးမှူး",
    "ထိုသူ၏ ကိစ္စတာဝန်ခံ ဝန်ထမ်း",
])
CHECKLIST_EN = "\n".join([
    "The organisation's lawyer",
    "The partner legal-aid organisation",
    "UNHCR / protection partner",
    "The director on duty",
    "The person's case worker",
])
CHECKLIST_TH = "\n".join([
    "ทนายความขององค์กร",
    "องค์กรช่วยเหลือทางกฎหมายที่เป็นพันธมิตร",
    "UNHCR / พันธมิตรด้านการคุ้มครอง",
    "ผู้อำนวยการที่ปฏิบัติหน้าที่",
    "เจ้าหน้าที่ดูแลรายกรณีของบุคคลนั้น",
])


def create(apps, schema_editor):
    DocumentType = apps.get_model("legal", "DocumentType")
    LegalSettings = apps.get_model("legal", "LegalSettings")
    if not DocumentType.objects.exists():
        for order, (code, my, en, th, embassy, employer) in enumerate(TYPES):
            DocumentType.objects.create(
                code=code,
                name_my=my,
                name_en=en,
                name_th=th,
                embassy_route=embassy,
                ties_to_employer=employer,
                order=order,
            )
    if not LegalSettings.objects.exists():
        LegalSettings.objects.create(checklist_my=CHECKLIST_MY, checklist_en=CHECKLIST_EN, checklist_th=CHECKLIST_TH)


class Migration(migrations.Migration):
    dependencies = [("legal", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
