"""Seed data: approval limits per role, which action kinds each resolution code means, the platforms'
compensation rules (as suggestions with their source) and the default commerce settings (ledger).
Admins edit all of it afterwards; this migration only fills an empty database."""

from decimal import Decimal

from django.db import migrations

LIMITS = [("agent", Decimal("200.00")), ("supervisor", Decimal("2000.00")), ("finance", None), ("admin", None)]

# resolution code -> action kinds (the first is what a customer's choice creates)
KINDS = {
    "refund": ["refund"],
    "partial_refund": ["refund"],
    "return_goods": ["refund"],
    "reship": ["reship"],
    "exchange": ["exchange"],
    "substitute": ["exchange"],
    "compensation": ["compensation", "coupon"],
    "price_difference": ["price_difference"],
    "cancel": ["cancel", "refund"],
    "intercept": ["intercept"],
    "address_change": ["address_change", "intercept"],
    "carrier_claim": ["carrier_claim"],
}

PLATFORM_RULES = [
    ("taobao", "ship_delay", "compensation", Decimal("5"), Decimal("5.00"), Decimal("30.00"),
     "淘宝延迟发货规则：按订单实付金额 5% 赔付，最低 5 元、最高 30 元（Taobao late-shipment rule）"),
    ("tmall", "ship_delay", "compensation", Decimal("30"), None, Decimal("500.00"),
     "天猫延迟发货规则：按订单实付金额 30% 赔付，最高 500 元（Tmall late-shipment rule）"),
]


def seed(apps, schema_editor):
    ApprovalLimit = apps.get_model("resolutions", "ApprovalLimit")
    ResolutionKind = apps.get_model("resolutions", "ResolutionKind")
    PlatformRule = apps.get_model("resolutions", "PlatformRule")
    CommerceSettings = apps.get_model("resolutions", "CommerceSettings")
    if ApprovalLimit.objects.exists():
        return
    ApprovalLimit.objects.bulk_create(ApprovalLimit(role=role, per_case=limit) for role, limit in LIMITS)
    ResolutionKind.objects.bulk_create(
        ResolutionKind(resolution=resolution, kind=kind, position=position)
        for resolution, kinds in KINDS.items() for position, kind in enumerate(kinds)
    )
    PlatformRule.objects.bulk_create(
        PlatformRule(platform=platform, exception_type=type_code, kind=kind, percent=percent, minimum=minimum,
                     maximum=maximum, source=source)
        for platform, type_code, kind, percent, minimum, maximum, source in PLATFORM_RULES
    )
    CommerceSettings.objects.create(shop=None)


class Migration(migrations.Migration):
    dependencies = [("resolutions", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
