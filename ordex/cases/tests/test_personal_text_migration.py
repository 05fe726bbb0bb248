"""Text stored before personal data was kept out of it is rewritten by migration 0007."""

from importlib import import_module

import pytest
from django.apps import apps

from ordex.cases import actions
from ordex.cases.models import Case, Evidence, Incident, TimelineEntry

pytestmark = pytest.mark.django_db
migration = import_module("ordex.cases.migrations.0007_personal_data_out_of_stored_text")


def test_stored_titles_evidence_timeline_and_incidents_lose_the_phone_and_street(order):
    phone, street = order.phone, order.address_detail
    case = actions.record_finding(type_code="customer_info_error", found_at=order.created_at, summary="x",
                                  facts={}, rule_code="customer_info_error", order=order).case
    Case.objects.filter(pk=case.pk).update(title=f"手机号无效：“{phone}” {street}", facts={"phone": phone})
    Evidence.objects.filter(case=case).update(summary=f"手机号 {phone}")
    TimelineEntry(case=case, actor_name="system", kind="finding", message=f"手机号 {phone}").save()
    incident = Incident.objects.create(exception_type=case.type, key=f"malicious:phone:{phone}",
                                       title=f"疑似恶意下单：手机号 {phone}", opened_at=case.found_at)

    migration.forwards(apps, None)

    case.refresh_from_db()
    assert phone not in case.title and street not in case.title
    assert case.facts["personal"]["phone"] == phone
    assert all(phone not in e.summary for e in Evidence.objects.filter(case=case))
    assert all(phone not in t.message for t in TimelineEntry.objects.filter(case=case))
    incident.refresh_from_db()
    assert phone not in incident.key and phone not in incident.title
    assert incident.title.endswith(phone[:3] + "****" + phone[-4:])
