"""Receipt references are encrypted (issue 17, low).

A migration runs without the vault's keys, so it cannot encrypt: the clear column is renamed
``receipt_clear`` and kept as it is, and the encrypted ``receipt`` starts empty. At the next
unseal, ``sanctuary.stipends.apps`` moves every clear reference into ``receipt`` (encrypted)
and empties ``receipt_clear``. Lines get the row uid every encrypted value is bound to.
"""

import uuid

import sanctuary.vault.fields
from django.db import migrations, models


def give_uids(apps, schema_editor):
    PaymentLine = apps.get_model("stipends", "PaymentLine")
    for line in PaymentLine.objects.filter(uid__isnull=True).only("pk").iterator():
        PaymentLine.objects.filter(pk=line.pk).update(uid=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("stipends", "0003_stipendrule_conditions_alter_paymentline_basis"),
    ]

    operations = [
        migrations.RenameField(model_name="paymentline", old_name="receipt", new_name="receipt_clear"),
        migrations.AlterField(
            model_name="paymentline",
            name="receipt_clear",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="paymentline",
            name="uid",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(give_uids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="paymentline",
            name="uid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AddField(
            model_name="paymentline",
            name="receipt",
            field=sanctuary.vault.fields.EncryptedTextField(
                blank=True, default="", max_length=64, verbose_name="receipt reference"
            ),
            preserve_default=False,
        ),
    ]
