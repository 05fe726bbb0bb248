"""A hypothesis state machine drives random sequences of refunds, reships, compensations, cancels,
approvals, rejections, retries, completions and failures over random orders, and checks every money
invariant after each step."""

from decimal import Decimal
from itertools import count

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from ordex.accounts.access import principal_for_user
from ordex.accounts.models import User
from ordex.accounts.services import create_user
from ordex.core.errors import DomainError
from ordex.resolutions import actions
from ordex.resolutions.actions import ActionRequest, LineRequest
from ordex.resolutions.choices import (
    CASH_LEDGER_KINDS,
    CASH_OUT_KINDS,
    GOODS_KINDS,
    LIVE_STATUSES,
    ActionStatus,
)
from ordex.resolutions.models import Action, LedgerLine

from .conftest import open_case, paid_order

_orders = count(1)
PEOPLE = {"alice": "agent", "bob": "supervisor", "erin": "finance", "carl": "supervisor"}
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("400.00"), places=2)


def _principal(username):
    user = User.objects.filter(username=username).first() or create_user(
        username=username, role=PEOPLE[username], password="x")
    return principal_for_user(user)


class MoneyMachine(RuleBasedStateMachine):
    @initialize(paid=st.sampled_from(["80.00", "300.00", "999.99"]),
                qtys=st.lists(st.integers(1, 3), min_size=1, max_size=3))
    def orders(self, paid, qtys):
        n = next(_orders)
        lines = [{"sku": f"S{n}-{i}", "unit_price": Decimal("40.00"), "qty": qty} for i, qty in enumerate(qtys)]
        self.order = paid_order(shop_code=f"sm-{n}", paid=paid, lines=lines)
        # Two cases on one order: their actions share the order's cap.
        self.cases = [open_case(self.order, "wrong_item"), open_case(self.order, "duplicate_order")]
        self.skus = [line["sku"] for line in lines]
        self.requests: dict[str, tuple] = {}  # key -> (case, request, action id)
        self.people = {name: _principal(name) for name in PEOPLE}

    def _request(self, case_index, who, request, key):
        case = self.cases[case_index]
        try:
            result = actions.request_action(case.pk, actor=self.people[who], request=request, idempotency_key=key)
        except DomainError:
            return
        if key is None:
            assert result.created
        elif key in self.requests:
            assert not result.created and result.action.pk == self.requests[key][3]
        else:
            assert result.created
            self.requests[key] = (case_index, who, request, result.action.pk)

    @rule(case_index=st.integers(0, 1), who=st.sampled_from(sorted(PEOPLE)), amount=amounts,
          key=st.integers(0, 30))
    def refund_amount(self, case_index, who, amount, key):
        self._request(case_index, who, ActionRequest(kind="refund", amount=amount), f"r{key}")

    @rule(who=st.sampled_from(sorted(PEOPLE)), line=st.integers(0, 2), qty=st.integers(1, 3), key=st.integers(0, 30))
    def refund_lines(self, who, line, qty, key):
        sku = self.skus[line % len(self.skus)]
        self._request(0, who, ActionRequest(kind="refund", lines=(LineRequest(sku, qty),)), f"l{key}")

    @rule(who=st.sampled_from(sorted(PEOPLE)), line=st.integers(0, 2), qty=st.integers(1, 3))
    def reship(self, who, line, qty):
        sku = self.skus[line % len(self.skus)]
        self._request(0, who, ActionRequest(kind="reship", lines=(LineRequest(sku, qty),), postage=Decimal("8.00")),
                      None)

    @rule(who=st.sampled_from(sorted(PEOPLE)), amount=amounts, key=st.integers(0, 30))
    def compensation(self, who, amount, key):
        self._request(0, who, ActionRequest(kind="compensation", amount=amount), f"c{key}")

    @rule(who=st.sampled_from(sorted(PEOPLE)), key=st.integers(0, 3))
    def cancel_order(self, who, key):
        self._request(1, who, ActionRequest(kind="cancel"), f"x{key}")

    @precondition(lambda self: self.requests)
    @rule(data=st.data())
    def retry(self, data):
        key = data.draw(st.sampled_from(sorted(self.requests)))
        case_index, who, request, _ = self.requests[key]
        self._request(case_index, who, request, key)

    def _pick(self, data, *statuses):
        ids = list(Action.objects.filter(order=self.order, status__in=statuses).order_by("pk").values_list("pk", flat=True))
        return data.draw(st.sampled_from(ids)) if ids else None

    @rule(data=st.data(), who=st.sampled_from(sorted(PEOPLE)))
    def approve(self, data, who):
        action_id = self._pick(data, ActionStatus.REQUESTED)
        if action_id is None:
            return
        requester = Action.objects.get(pk=action_id).requested_by_name
        try:
            actions.approve_action(action_id, actor=self.people[who])
        except DomainError as refused:
            if who == requester:
                assert refused.code == "own_request"
            return
        assert who != requester

    @rule(data=st.data())
    def reject(self, data):
        action_id = self._pick(data, ActionStatus.REQUESTED)
        if action_id is not None:
            actions.reject_action(action_id, actor=self.people["erin"], reason="no")

    @rule(data=st.data())
    def done(self, data):
        action_id = self._pick(data, *ActionStatus.values)
        if action_id is None:
            return
        try:
            actions.mark_done(action_id, actor=self.people["bob"])
        except DomainError as refused:
            assert refused.code in ("needs_approval", "illegal_action_transition", "exceeds_paid")

    @rule(data=st.data())
    def fail(self, data):
        action_id = self._pick(data, ActionStatus.APPROVED, ActionStatus.EXECUTING)
        if action_id is not None:
            actions.mark_failed(action_id, actor=self.people["bob"], reason="bank refused")

    @invariant()
    def money_never_exceeds_what_was_paid(self):
        if not hasattr(self, "order"):
            return
        live = Action.objects.filter(order=self.order, status__in=sorted(LIVE_STATUSES))
        committed = sum((a.amount for a in live if a.kind in CASH_OUT_KINDS), Decimal("0"))
        assert committed <= self.order.paid_amount
        paid_out = sum((line.amount for line in LedgerLine.objects.filter(order=self.order, kind__in=sorted(CASH_LEDGER_KINDS))),
                       Decimal("0"))
        assert paid_out <= self.order.paid_amount

    @invariant()
    def a_unit_is_refunded_or_reshipped_once(self):
        if not hasattr(self, "order"):
            return
        used: dict[str, int] = {}
        for action in Action.objects.filter(order=self.order, status__in=sorted(LIVE_STATUSES)):
            if action.kind in GOODS_KINDS or action.kind in ("refund", "cancel"):
                for line in action.lines:
                    used[line["sku"]] = used.get(line["sku"], 0) + line["qty"]
        ordered = {line.sku: line.qty for line in self.order.lines.all()}
        assert all(used[sku] <= ordered[sku] for sku in used)

    @invariant()
    def only_done_actions_reach_the_ledger_once(self):
        if not hasattr(self, "order"):
            return
        for action in Action.objects.filter(order=self.order):
            lines = list(LedgerLine.objects.filter(action=action))
            if action.status != ActionStatus.DONE:
                assert lines == []
            elif action.kind in ("refund", "compensation", "cancel") and action.amount > 0:
                assert [line.amount for line in lines] == [action.amount]


MoneyMachine.TestCase.settings = settings(
    max_examples=8, stateful_step_count=20, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.mark.django_db
def test_money_invariants_hold_over_random_sequences():
    MoneyMachine.TestCase().runTest()
