from django.db import migrations


def seed(apps, schema_editor):
    from ordex.detection.seed import seed_rules

    seed_rules(apps.get_model("detection", "Rule"))


class Migration(migrations.Migration):
    dependencies = [("detection", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
