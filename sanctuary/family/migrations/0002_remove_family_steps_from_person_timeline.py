"""The family stage no longer writes to the person's shared timeline (every role that may see
the person reads it: shelter managers, trainers …). The steps it wrote before ("Family at
home: Detained.", "A search for a missing relative was opened." …) are removed; the family's
own records and the audit log keep what happened. Not reversible in content: going back
leaves the timeline without them (an explicit no-op)."""

from django.db import migrations


def remove_family_steps(apps, schema_editor):
    PersonEvent = apps.get_model("people", "PersonEvent")
    PersonEvent.objects.filter(kind="family").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("family", "0001_initial"),
        ("people", "0008_alter_persondocument_kind"),
    ]

    operations = [migrations.RunPython(remove_family_steps, migrations.RunPython.noop)]
