"""Read paths of the workbench's side pages: a user's notifications with the unread count, open incidents with
their case counts; each a fixed number of queries whatever the number of rows."""

from django.utils import timezone

from ordex.accounts.access import principal_for_user
from ordex.cases import actions, queries
from ordex.cases.models import Notification

from .conftest import sh


def finding(order, type_code="price_error", **kwargs):
    return actions.record_finding(type_code=type_code, summary="short", facts={}, rule_code="r1", order=order,
                                  found_at=sh(2026, 11, 23, 10), **kwargs).case


def test_notifications_newest_first_with_the_unread_count_in_two_queries(make_order, bob,
                                                                          django_assert_num_queries):
    for n in range(3):
        finding(make_order(f"N-{n}"), type_code="out_of_stock")
    actions.evaluate_sla(sh(2026, 11, 24, 9))
    first = Notification.objects.filter(user=bob).order_by("created_at", "pk").first()
    first.read_at = timezone.now()
    first.save(update_fields=["read_at"])
    total = Notification.objects.filter(user=bob).count()
    with django_assert_num_queries(2):
        rows, unread = queries.notifications_of(bob.pk, limit=50)
        kinds = [(row.kind, row.case.type.code) for row in rows]
    assert unread == total - 1 and len(rows) == total
    assert {kind for kind, _ in kinds} == {"near_breach", "breach", "department_breach"}
    assert [row.created_at for row in rows] == sorted((row.created_at for row in rows), reverse=True)
    unread_rows, _ = queries.notifications_of(bob.pk, unread_only=True)
    assert first not in unread_rows and len(unread_rows) == total - 1
    assert queries.unread_notification_count(bob.pk) == total - 1


def test_another_users_notifications_are_not_listed(make_order, bob, carol):
    finding(make_order("N-1"), type_code="out_of_stock")
    actions.evaluate_sla(sh(2026, 11, 24, 9))
    assert queries.notifications_of(carol.pk) == ([], 0)


def test_unresolved_incidents_with_case_counts_in_three_queries(make_order, bob, django_assert_num_queries):
    for n in range(3):
        finding(make_order(f"P-{n}"), incident_key="SKU-9", incident_title="SKU-9 标价错误")
    finding(make_order("S-1"), type_code="tracking_stalled", incident_key="hub:杭州")
    done = finding(make_order("R-1"), type_code="quality_issue", incident_key="SKU-7")
    actions.update_incident(done.incident_id, actor=principal_for_user(bob), status="resolved")
    actions.transition(done.pk, to="rejected", actor=principal_for_user(bob), reason="one-off")
    with django_assert_num_queries(3):
        page, count = queries.incidents(unresolved=True)
        rows = [(i.key, i.exception_type.code, i.case_count, i.open_case_count) for i in page]
    assert count == 2
    assert sorted(rows) == [("SKU-9", "price_error", 3, 3), ("hub:杭州", "tracking_stalled", 1, 1)]
