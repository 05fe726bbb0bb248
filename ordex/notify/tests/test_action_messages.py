"""The customer hears "refund sent" and "reship dispatched" when the action is done, in the same transaction
(through ordex.resolutions.hooks, filled by NotifyConfig.ready()), in their shop's language; a withdrawn case
or a historical one sends nothing."""

from decimal import Decimal

import pytest
from django.db import transaction

from ordex.accounts.access import principal_for_user
from ordex.cases.choices import CaseStatus
from ordex.cases.models import Case
from ordex.notify import actions
from ordex.notify.choices import Channel, Language, Moment
from ordex.notify.models import Message, ShopLanguage
from ordex.resolutions import actions as resolutions
from ordex.resolutions.actions import ActionRequest, LineRequest
from ordex.resolutions.tests.conftest import open_case, paid_order


@pytest.fixture
def finance(erin):
    return principal_for_user(erin)


@pytest.fixture
def case(db):
    return open_case(paid_order(shop_code="tmall-en"))  # wrong_item: refund, reship, exchange, compensation


def moments(case) -> set[str]:
    return set(Message.objects.filter(case=case).values_list("moment", flat=True))


def refund(case, actor, amount="20.00", key="k-refund"):
    return resolutions.request_action(case.pk, actor=actor, idempotency_key=key,
                                      request=ActionRequest(kind="refund", amount=Decimal(amount))).action


def test_refund_sent_is_written_when_the_refund_is_done_with_the_amount_refunded(case, finance):
    action = refund(case, finance, "20.00")
    assert Moment.REFUND_SENT not in moments(case)  # approved and handed over is not sent yet
    resolutions.mark_done(action.pk, actor=finance, reference="RF-1")
    assert Moment.REFUND_SENT in moments(case)
    actions.drain()
    sms = Message.objects.get(case=case, moment=Moment.REFUND_SENT, channel=Channel.SMS)
    assert "¥20.00" in sms.body


def test_a_reship_done_tells_the_tracking_number_staff_recorded(case, finance, dave):
    warehouse = principal_for_user(dave)
    action = resolutions.request_action(case.pk, actor=finance, request=ActionRequest(
        kind="reship", lines=(LineRequest(sku="LID", qty=1),))).action
    resolutions.mark_done(action.pk, actor=warehouse, reference="SF1234567890")
    actions.drain()
    sms = Message.objects.get(case=case, moment=Moment.RESHIP_DISPATCHED, channel=Channel.SMS)
    assert "SF1234567890" in sms.body


def test_the_message_rolls_back_with_the_action(case, finance):
    action = refund(case, finance)
    with pytest.raises(RuntimeError), transaction.atomic():
        resolutions.mark_done(action.pk, actor=finance)
        raise RuntimeError("the transaction fails after the action was done")
    assert Moment.REFUND_SENT not in moments(case)


def test_a_withdrawn_case_sends_nothing_when_its_refund_is_done(case, finance):
    action = refund(case, finance)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.WITHDRAWN)
    resolutions.mark_done(action.pk, actor=finance)
    assert Moment.REFUND_SENT not in moments(case)


def test_a_historical_case_sends_nothing_when_its_refund_is_done(case, finance):
    """A history import records the cases already over as historical (`facts.historical`)."""
    action = refund(case, finance)
    Case.objects.filter(pk=case.pk).update(facts={**case.facts, "historical": True})
    resolutions.mark_done(action.pk, actor=finance)
    assert Moment.REFUND_SENT not in moments(case)


def test_the_shops_language_chooses_the_templates_language(case, finance):
    ShopLanguage.objects.create(shop=case.order.shop, language=Language.EN)
    resolutions.mark_done(refund(case, finance).pk, actor=finance)
    actions.drain()
    sms = Message.objects.get(case=case, moment=Moment.REFUND_SENT, channel=Channel.SMS)
    assert sms.language == Language.EN
    assert "refund" in sms.body.lower() and "退款" not in sms.body


def test_without_a_shop_language_the_customer_is_written_to_in_chinese(case, finance):
    resolutions.mark_done(refund(case, finance).pk, actor=finance)
    actions.drain()
    sms = Message.objects.get(case=case, moment=Moment.REFUND_SENT, channel=Channel.SMS)
    assert sms.language == Language.ZH_HANS
    assert "退款" in sms.body
