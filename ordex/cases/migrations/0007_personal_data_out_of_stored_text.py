"""Text written about an order before personal data was kept out of it (case titles and facts, finding
evidence, timeline entries) is rewritten with placeholders, the values moving into the record's "personal"
facts; incidents of malicious orders get a digest key and a masked title."""

import hashlib

from django.db import migrations

from ordex.accounts.access import mask, personal_template


def _values(order, customer) -> dict:
    address = "".join(p for p in (order.province, order.city, order.district, order.address_detail) if p)
    values = {"phone": order.phone, "name": order.receiver_name, "address_raw": order.address_raw,
              "address": address or order.address_raw, "street": order.address_detail, "ip": order.buyer_ip or "",
              "customer_name": customer.name if customer else "", "email": customer.email if customer else ""}
    return {key: value for key, value in values.items() if value}


def forwards(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Evidence = apps.get_model("cases", "Evidence")
    TimelineEntry = apps.get_model("cases", "TimelineEntry")
    Incident = apps.get_model("cases", "Incident")
    cases = Case.objects.filter(order__isnull=False).select_related("order", "order__customer").iterator(chunk_size=500)
    for case in cases:
        values = _values(case.order, case.order.customer)
        if not values:
            continue
        (title, facts), used = personal_template(values, case.title, case.facts or {})
        if used:
            case.title, case.facts = title, {**facts, "personal": {**facts.get("personal", {}), **used}}
            case.save(update_fields=["title", "facts"])
        for evidence in Evidence.objects.filter(case=case):
            (summary, facts), used = personal_template(values, evidence.summary, evidence.facts or {})
            if used:
                evidence.summary, evidence.facts = summary, {**facts, "personal": used}
                evidence.save(update_fields=["summary", "facts"])
        for entry in TimelineEntry.objects.filter(case=case, actor__isnull=True):
            (message,), used = personal_template(values, entry.message)
            if used:
                # The one rewrite the append-only timeline gets: a redaction, its meaning unchanged.
                TimelineEntry._base_manager.filter(pk=entry.pk).update(
                    message=message, data={**(entry.data or {}), "personal": used})
    labels = {"phone": ("手机号", "phone"), "buyer_ip": ("IP", "ip")}
    for incident in Incident.objects.filter(key__startswith="malicious:"):
        _, field, value = incident.key.split(":", 2)
        if field not in labels or len(value) == 16 and value.isalnum() and not value.isdigit():
            continue
        label, kind = labels[field]
        incident.key = f"malicious:{field}:{hashlib.sha256(value.encode()).hexdigest()[:16]}"
        incident.title = incident.title.replace(value, mask(kind, value))
        incident.save(update_fields=["key", "title"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_step_due_and_message_kinds"), ("orders", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
