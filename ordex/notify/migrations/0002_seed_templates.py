"""Message templates for every exception type × moment × language × channel (texts in ordex/notify/seed.py).
Existing rows are left as the admins edited them."""

from django.db import migrations


def seed(apps, schema_editor):
    from ordex.notify.seed import template_rows

    ExceptionType = apps.get_model("cases", "ExceptionType")
    MessageTemplate = apps.get_model("notify", "MessageTemplate")
    existing = set(MessageTemplate.objects.values_list("exception_type_id", "moment", "language", "channel"))
    rows = []
    for exception_type in ExceptionType.objects.all():
        for moment, language, channel, subject, body, active in template_rows(
                exception_type.code, exception_type.name_zh, exception_type.name_en):
            if (exception_type.pk, moment, language, channel) not in existing:
                rows.append(MessageTemplate(exception_type=exception_type, moment=moment, language=language,
                                            channel=channel, subject=subject, body=body, active=active))
    MessageTemplate.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("notify", "0001_initial"),
        ("cases", "0002_seed_taxonomy"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
