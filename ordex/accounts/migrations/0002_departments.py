from django.db import migrations

DEPARTMENTS = [
    ("customer_service", "客服部", "Customer service"),
    ("warehouse", "仓储部", "Warehouse"),
    ("logistics", "物流部", "Logistics"),
    ("finance", "财务部", "Finance"),
    ("procurement", "采购部", "Procurement"),
    ("operations", "运营部", "Operations"),
    ("it", "技术部", "IT"),
    ("quality", "质检部", "Quality"),
]


def seed(apps, schema_editor):
    Department = apps.get_model("accounts", "Department")
    for code, zh, en in DEPARTMENTS:
        Department.objects.get_or_create(code=code, defaults={"name_zh": zh, "name_en": en})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
