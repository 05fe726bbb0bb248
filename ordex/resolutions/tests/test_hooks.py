"""Listeners registered in resolutions.hooks hear every action change inside its transaction."""

from decimal import Decimal

from ordex.resolutions import actions, hooks
from ordex.resolutions.actions import ActionRequest


def test_a_listener_hears_the_refund_sent(case, as_finance):
    heard = []
    hooks.register_action_listener("test.listener", heard.append)
    try:
        action = actions.request_action(case.pk, actor=as_finance, idempotency_key="k",
                                        request=ActionRequest(kind="refund", amount=Decimal("20.00"))).action
        actions.mark_done(action.pk, actor=as_finance, reference="RF-1")
    finally:
        hooks.unregister_action_listener("test.listener")
    assert [(event.from_status, event.to_status) for event in heard] == [
        ("", "requested"), ("requested", "approved"), ("approved", "executing"), ("executing", "done")]
    done = heard[-1]
    assert (done.kind, done.amount, done.order_no, done.case_id) == ("refund", Decimal("20.00"), case.order_no, case.pk)
