"""Rules seeded before their descriptions were translated hold both languages glued in one text
("…。 English …"): each such description becomes the rule's description in the default language. A
description an admin wrote stays."""

import re

from django.db import migrations

# Where a seeded description switched from Chinese to English.
GLUED = re.compile(r"[\u4e00-\u9fff].*[。）] [A-Z≥`]")


def unglue(apps, schema_editor):
    from ordex.core.text import stored_text
    from ordex.detection.rules import REGISTRY

    Rule = apps.get_model("detection", "Rule")
    for rule in Rule.objects.filter(code__in=list(REGISTRY)):
        if GLUED.search(rule.description):
            rule.description = stored_text(REGISTRY[rule.code].description)
            rule.save(update_fields=["description"])


class Migration(migrations.Migration):
    dependencies = [("detection", "0008_english_labels_translated")]

    operations = [migrations.RunPython(unglue, migrations.RunPython.noop)]
