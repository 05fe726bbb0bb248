"""Listener registries: higher apps hear of case changes inside the action's transaction, and a listener
that raises aborts the change."""

import pytest

from ordex.accounts.access import Principal
from ordex.cases import actions, hooks
from ordex.cases.models import Case

AGENT = Principal(role="supervisor", name="bob")
ADMIN = Principal(role="admin", name="carol")


@pytest.fixture
def heard(monkeypatch):
    events = []
    for registry in ("_case_opened_listeners", "_choice_offered_listeners", "_choice_listeners",
                     "_case_resolved_listeners"):
        monkeypatch.setattr(hooks, registry, {"test": events.append})
    return events


def test_listeners_hear_opened_offered_settled_and_resolved(order, heard):
    case = actions.open_manual_case(actor=AGENT, type_code="out_of_stock", summary="短缺", order_no=order.order_no).case
    actions.transition(case.pk, to="triaged", actor=AGENT)
    actions.offer_choice(case.pk, actor=AGENT, options=["wait_restock", "refund"])
    actions.record_choice(case.pk, actor=AGENT, chosen="refund")
    for step in case.steps.all():
        actions.complete_step(case.pk, step.position, actor=ADMIN)
    actions.transition(case.pk, to="resolved", actor=AGENT)
    kinds = [type(event).__name__ for event in heard]
    assert kinds == ["CaseOpened", "ChoiceOffered", "ChoiceSettled", "CaseResolved"]
    assert heard[2].source == "agent" and heard[2].chosen == "refund"
    assert heard[3].resolution == "refund"


def test_a_listener_that_raises_aborts_the_case_change(order, monkeypatch):
    def refuse(event):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(hooks, "_case_opened_listeners", {"test": refuse})
    with pytest.raises(RuntimeError):
        actions.open_manual_case(actor=AGENT, type_code="out_of_stock", summary="短缺", order_no=order.order_no)
    assert not Case.objects.exists()
