"""Configuration as data: the seeded taxonomy, playbooks, calendars and policies, and the admin over them."""

from datetime import date, time, timedelta

import pytest

from ordex.cases import admin as cases_admin
from ordex.cases import calendar, sla
from ordex.cases.choices import Resolution, Severity
from ordex.cases.clocks import business_calendar
from ordex.cases.models import Calendar, CalendarOverride, ExceptionType, SlaPolicy

from .conftest import sh

# The taxonomy table of DESIGN.md ("Exception taxonomy"), copied: the contract every install must seed.
DESIGN_TYPE_CODES = frozenset({
    "customer_info_error",
    "duplicate_order",
    "order_change_request",
    "cancel_failed",
    "malicious_orders",
    "quantity_anomaly",
    "payment_mismatch",
    "payment_timeout",
    "payment_channel_failure",
    "price_error",
    "out_of_stock",
    "inventory_data_error",
    "inventory_sync_delay",
    "ship_delay",
    "wrong_item",
    "missing_item",
    "false_shipment",
    "pickup_timeout",
    "tracking_stalled",
    "delivery_overdue",
    "parcel_lost",
    "parcel_damaged",
    "delivery_failed",
    "signed_not_received",
    "address_misdelivery",
    "refund_failed",
    "refund_mismatch",
    "refund_delayed",
    "not_as_described",
    "quality_issue",
    "low_satisfaction",
    "complaint",
    "system_outage",
    "data_loss",
})


def design_type_codes() -> set[str]:
    return set(DESIGN_TYPE_CODES)


def test_every_type_of_the_design_taxonomy_is_seeded(db):
    assert design_type_codes() <= set(ExceptionType.objects.values_list("code", flat=True))


def test_every_type_has_a_playbook_with_a_required_step_and_a_sound_default_resolution(db):
    for exception_type in ExceptionType.objects.prefetch_related("playbook"):
        steps = list(exception_type.playbook.all())
        assert steps and any(step.required for step in steps), exception_type.code
        assert [step.position for step in steps] == list(range(1, len(steps) + 1))
        assert exception_type.default_resolution in exception_type.allowed_resolutions, exception_type.code
        assert set(exception_type.allowed_resolutions) <= set(Resolution.values), exception_type.code


def test_every_policy_has_a_target_for_every_severity(db):
    for policy in SlaPolicy.objects.prefetch_related("targets"):
        assert {target.severity for target in policy.targets.all()} == set(Severity.values), policy.code


@pytest.mark.parametrize(("code", "preset"), [("office", calendar.office), ("service", calendar.service),
                                              ("always", calendar.always)])
def test_seeded_calendars_match_the_presets(db, code, preset):
    stored = business_calendar(Calendar.objects.get(code=code))
    assert stored == preset()


def test_an_override_entered_in_the_admin_moves_deadlines_at_once(db):
    office = Calendar.objects.get(code="office")
    started = sh(2026, 11, 23, 9)
    assert sla.deadline(business_calendar(office), started, timedelta(hours=16)) == sh(2026, 11, 24, 16)
    CalendarOverride.objects.create(calendar=office, date=date(2026, 11, 24), note="company day off")
    office.refresh_from_db()
    assert sla.deadline(business_calendar(office), started, timedelta(hours=16)) == sh(2026, 11, 25, 16)
    CalendarOverride.objects.create(calendar=office, date=date(2026, 11, 28), start=time(9), end=time(12))
    office.refresh_from_db()
    assert business_calendar(office).hours_on(date(2026, 11, 28)) == ((time(9), time(12)),)


def test_the_admin_warns_about_years_the_holiday_data_has_not_confirmed(db, monkeypatch):
    monkeypatch.setattr(cases_admin, "unconfirmed_years", lambda years: [2027])
    office = Calendar.objects.get(code="office")
    assert "2027" in cases_admin.holiday_warning(office)
    assert cases_admin.holiday_warning(Calendar.objects.get(code="service")) == ""
    CalendarOverride.objects.create(calendar=office, date=date(2027, 1, 1), note="元旦")
    assert cases_admin.holiday_warning(office) == ""


@pytest.mark.parametrize("path", ["/admin/cases/case/", "/admin/cases/calendar/", "/admin/cases/calendar/1/change/",
                                  "/admin/cases/exceptiontype/", "/admin/cases/exceptiontype/1/change/",
                                  "/admin/cases/slapolicy/", "/admin/cases/incident/", "/admin/cases/timelineentry/"])
def test_admin_pages_render(client, carol, path):
    client.force_login(carol)
    assert client.get(path).status_code == 200


def test_timeline_cannot_be_edited_in_the_admin(client, carol):
    from django.contrib import admin

    from ordex.cases.models import TimelineEntry

    model_admin = admin.site._registry[TimelineEntry]
    assert not model_admin.has_change_permission(None) and not model_admin.has_delete_permission(None)
