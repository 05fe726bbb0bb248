"""Stored phones rewritten in the one canonical form (`ordex.core.phones`): numbers stored with dashes,
dots or full-width digits were a different buyer from the same number typed plainly."""

from django.db import migrations


def renormalise(apps, schema_editor):
    from ordex.orders.phones import classify_phone, normalise_phone

    for name in ("Order", "Customer"):
        model = apps.get_model("orders", name)
        changed = []
        # Only numbers with something other than ASCII digits can change.
        for row in model.objects.filter(phone__regex=r"[^0-9]").only("pk", "phone", "phone_kind").iterator():
            phone = normalise_phone(row.phone)
            if phone != row.phone:
                row.phone, row.phone_kind = phone, classify_phone(phone)
                changed.append(row)
        model.objects.bulk_update(changed, ["phone", "phone_kind"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("orders", "0005_fk_indexes_covered_by_composites")]

    operations = [migrations.RunPython(renormalise, migrations.RunPython.noop)]
