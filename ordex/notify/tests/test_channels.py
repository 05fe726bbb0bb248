"""Channels: Alibaba Cloud SMS (signature checked by a local fake of the provider, segments, quiet hours,
per-phone rate limit, delivery reports), the signed merchant webhook, email files."""

import json
from datetime import timedelta

import pytest
import time_machine

from ordex.cases.models import Case
from ordex.core import webhooks
from ordex.notify import actions, aliyun
from ordex.notify.choices import Channel, MessageStatus, Moment
from ordex.notify.models import Message

from .conftest import sh
from .fake_servers import FakeAliyunSms, FakeMerchant, FakeServer

DAYTIME = sh(2026, 12, 1, 10)


@pytest.fixture
def aliyun_account(settings):
    with FakeServer(FakeAliyunSms) as fake:
        settings.ORDEX_SMS_ENDPOINT = fake.url
        settings.ORDEX_SMS_ACCESS_KEY_ID = "test-key-id"
        settings.ORDEX_SMS_ACCESS_KEY_SECRET = FakeAliyunSms.SECRET
        settings.ORDEX_SMS_SIGN_NAME = "旗舰店"
        settings.ORDEX_SMS_TEMPLATE_CODE = "SMS_000001"
        yield fake


def test_string_to_sign_follows_the_documented_encoding():
    params = {"B": "a b*~", "A": "中"}
    assert aliyun.canonical_query(params) == "A=%E4%B8%AD&B=a%20b%2A~"
    assert aliyun.string_to_sign("POST", params) == "POST&%2F&A%3D%25E4%25B8%25AD%26B%3Da%2520b%252A~"


def test_sms_is_sent_through_sendsms_with_a_signature_the_provider_accepts(open_case, aliyun_account):
    with time_machine.travel(DAYTIME, tick=False):
        case = open_case()
        actions.drain()
    sms = Message.objects.get(case=case, channel=Channel.SMS)
    assert sms.status == MessageStatus.SENT and sms.provider_id == "biz-1"
    [request] = aliyun_account.received
    assert request["signature_ok"]
    params = request["params"]
    assert (params["Action"], params["Version"], params["PhoneNumbers"]) == ("SendSms", "2017-05-25", "13912345678")
    assert params["OutId"] == sms.idempotency_key
    assert json.loads(params["TemplateParam"])["content"] == sms.body
    assert sms.segments == aliyun.segments(sms.body, "旗舰店") >= 1


def test_a_wrong_secret_is_refused_by_the_provider_and_retried(open_case, aliyun_account, settings):
    settings.ORDEX_SMS_ACCESS_KEY_SECRET = "not-the-secret"
    with time_machine.travel(DAYTIME, tick=False):
        case = open_case()
        actions.drain()
    sms = Message.objects.get(case=case, channel=Channel.SMS)
    assert (sms.status, sms.attempts) == (MessageStatus.QUEUED, 1)
    assert "SignatureDoesNotMatch" in sms.last_error
    assert aliyun_account.received[0]["signature_ok"] is False


@pytest.mark.parametrize(("length", "sign", "expected"), [
    (70, "", 1), (71, "", 2), (134, "", 2), (135, "", 3), (65, "旗舰店", 1), (66, "旗舰店", 2),
])
def test_segments_are_70_characters_alone_and_67_when_concatenated(length, sign, expected):
    assert aliyun.segments("字" * length, sign) == expected


def test_sms_waits_out_quiet_hours_unless_the_case_is_p1(open_case):
    with time_machine.travel(sh(2026, 12, 1, 22, 30), tick=False):
        case = open_case()
        urgent = open_case()
        Case.objects.filter(pk=urgent.pk).update(severity="p1")
        actions.drain()
    quiet = Message.objects.get(case=case, channel=Channel.SMS)
    assert (quiet.status, quiet.attempts, quiet.next_attempt_at) == (MessageStatus.QUEUED, 0, sh(2026, 12, 2, 9))
    assert Message.objects.get(case=case, channel=Channel.EMAIL).status == MessageStatus.SENT
    assert Message.objects.get(case=urgent, channel=Channel.SMS).status == MessageStatus.SENT
    with time_machine.travel(sh(2026, 12, 2, 9, 0, 1), tick=False):
        actions.drain()
    quiet.refresh_from_db()
    assert quiet.status == MessageStatus.SENT


def test_one_phone_gets_at_most_the_hourly_limit_of_sms(open_case, settings):
    settings.ORDEX_SMS_PER_PHONE_PER_HOUR = 2
    with time_machine.travel(DAYTIME, tick=False):
        cases = [open_case() for _ in range(3)]
        actions.drain()
    statuses = [Message.objects.get(case=case, channel=Channel.SMS).status for case in cases]
    assert statuses == [MessageStatus.SENT, MessageStatus.SENT, MessageStatus.QUEUED]
    waiting = Message.objects.get(case=cases[2], channel=Channel.SMS)
    assert waiting.next_attempt_at == DAYTIME + timedelta(hours=1)


def test_provider_delivery_reports_mark_messages_delivered_or_failed(open_case, aliyun_account, settings, anonymous_api):
    settings.ORDEX_SMS_REPORT_TOKEN = "report-secret"
    with time_machine.travel(DAYTIME, tick=False):
        first, second = open_case(), open_case()
        actions.drain()
    report = [
        {"phone_number": "13912345678", "success": True, "biz_id": "biz-1", "err_code": "DELIVERED",
         "report_time": "2026-12-01 10:00:05"},
        {"phone_number": "13912345678", "success": False, "biz_id": "biz-2", "err_code": "MOBILE_NOT_ON_SERVICE",
         "report_time": "2026-12-01 10:00:06"},
    ]
    assert anonymous_api.post("/api/v1/integrations/aliyun-sms/reports?token=wrong", report).status_code == 401
    answer = anonymous_api.post("/api/v1/integrations/aliyun-sms/reports?token=report-secret", report)
    assert answer.status_code == 200 and answer.json()["code"] == 0
    delivered = Message.objects.get(provider_id="biz-1")
    failed = Message.objects.get(provider_id="biz-2")
    assert delivered.status == MessageStatus.DELIVERED and delivered.delivered_at == sh(2026, 12, 1, 10, 0, 5)
    assert failed.status == MessageStatus.FAILED and failed.last_error == "MOBILE_NOT_ON_SERVICE"
    assert {first.pk, second.pk} == {delivered.case_id, failed.case_id}


def test_merchant_webhook_is_signed_with_timestamp_and_carries_the_idempotency_key(open_case, settings):
    with FakeServer(FakeMerchant) as merchant:
        settings.ORDEX_MERCHANT_WEBHOOK_URL = merchant.url
        settings.ORDEX_MERCHANT_WEBHOOK_SECRET = "merchant-secret"
        case = open_case()
        actions.drain()
    [request] = merchant.received
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert webhooks.verify("merchant-secret", headers["x-ordex-timestamp"], request["body"], headers["x-ordex-signature"])
    assert not webhooks.verify("other-secret", headers["x-ordex-timestamp"], request["body"], headers["x-ordex-signature"])
    assert not webhooks.verify("merchant-secret", headers["x-ordex-timestamp"], request["body"],
                               headers["x-ordex-signature"], now=int(headers["x-ordex-timestamp"]) + 301)
    payload = json.loads(request["body"])
    assert payload["idempotency_key"] == headers["idempotency-key"] == f"{case.pk}:opened:webhook"
    assert payload["order_no"] == case.order_no and payload["moment"] == Moment.OPENED


def test_email_is_written_as_an_eml_file_named_after_its_key(open_case, data_dir):
    case = open_case()
    actions.drain()
    [path] = (data_dir / "mail").glob("*.eml")
    assert path.name == f"{case.pk}_opened_email.eml"
    text = path.read_bytes().decode()
    assert "zhang.san@example.com" in text and "Subject:" in text
