"""Carrier pushes (kuaidi100, AfterShip) → tracking.updated envelopes, and their signatures. No database.

Payloads in payloads/ are shaped as the vendors document them: kuaidi100's subscription push `param`
(with and without advanced status codes, resultv2=4) and AfterShip's `tracking_update` webhook body.
"""

import base64
import hashlib
import hmac
import json
from pathlib import Path

import pytest
from django.test import override_settings

from ordex.ingest.carriers import (
    KUAIDI100_REPLY,
    BadPush,
    aftership_events,
    aftership_signature,
    aftership_status,
    carrier_secret,
    kuaidi100_events,
    kuaidi100_sign,
    kuaidi100_status,
    verify_aftership,
    verify_kuaidi100,
)
from ordex.ingest.schemas import Rejection, parse_event

PAYLOADS = Path(__file__).parent / "payloads"


def payload(name: str) -> str:
    return (PAYLOADS / name).read_text(encoding="utf-8")


def timeline(events):
    return [(e["occurred_at"], e["data"]["status"], e["data"]["raw_status"]) for e in events]


# --- kuaidi100 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("0", "in_transit"),
        ("1", "picked_up"),
        ("2", "exception"),
        ("3", "delivered"),
        ("4", "returned"),
        ("5", "out_for_delivery"),
        ("6", "returning"),
        ("7", "in_transit"),
        ("8", "in_transit"),
        ("10", "in_transit"),
        ("11", "in_transit"),
        ("12", "in_transit"),
        ("13", "exception"),
        ("14", "refused"),
        # Advanced codes that say more than their family.
        ("501", "available_for_pickup"),
        ("203", "refused"),
        ("209", "damaged"),
        ("204", "delivery_failed"),
        ("101", "info_received"),
        ("102", "info_received"),
        # Other advanced codes fall back to their family.
        ("103", "picked_up"),
        ("301", "delivered"),
        ("304", "delivered"),
        ("201", "exception"),
        ("1001", "in_transit"),
        ("1002", "in_transit"),
        # 202 keeps the status (handled per push), unknown codes decide nothing.
        ("202", None),
        ("99", None),
        ("", None),
    ],
)
def test_kuaidi100_status_codes(code, status):
    assert kuaidi100_status(code) == status


@pytest.mark.parametrize(
    ("name", "carrier", "tracking_no", "expected"),
    [
        (
            "kuaidi100_basic.json",
            "yuantong",
            "YT7510000000001",
            [
                ("2026-11-08T07:40:00+08:00", "picked_up", "1"),
                ("2026-11-08T22:40:00+08:00", "in_transit", "0"),
                ("2026-11-09T08:12:00+08:00", "out_for_delivery", "5"),
            ],
        ),
        (
            "kuaidi100_advanced_locker.json",
            "zhongtong",
            "78300000000002",
            [
                ("2026-11-08T10:00:00+08:00", "info_received", "101"),
                ("2026-11-08T18:05:00+08:00", "picked_up", "103"),
                ("2026-11-09T21:18:45+08:00", "in_transit", "1002"),
                ("2026-11-10T09:30:00+08:00", "out_for_delivery", "5"),
                ("2026-11-10T15:02:11+08:00", "available_for_pickup", "501"),
            ],
        ),
        (
            "kuaidi100_refused.json",
            "shunfeng",
            "SF1400000000004",
            [
                ("2026-11-09T16:00:00+08:00", "picked_up", "1"),
                ("2026-11-10T09:00:00+08:00", "delivery_failed", "204"),
                ("2026-11-10T10:30:00+08:00", "refused", "203"),
                ("2026-11-10T11:00:00+08:00", "damaged", "209"),
            ],
        ),
        (
            "kuaidi100_signed.json",
            "jtexpress",
            "JT5000000000005",
            [
                ("2026-11-11T07:00:00+08:00", "in_transit", "1001"),
                ("2026-11-11T12:20:00+08:00", "delivered", "301"),
            ],
        ),
    ],
)
def test_kuaidi100_push_becomes_one_event_per_scan_oldest_first(name, carrier, tracking_no, expected):
    events = kuaidi100_events(payload(name))

    assert timeline(events) == expected
    assert {(e["type"], e["data"]["carrier"], e["data"]["tracking_no"]) for e in events} == {
        ("tracking.updated", carrier, tracking_no)
    }


def test_kuaidi100_202_keeps_the_status_and_marks_the_parcel_stalled():
    events = kuaidi100_events(payload("kuaidi100_stalled.json"))

    last = events[-1]
    assert last["data"]["raw_status"] == "202"
    assert last["data"]["stalled"] is True
    assert last["data"]["status"] == "in_transit"  # what the scan before it said
    assert not any(e["data"].get("stalled") for e in events[:-1])


def test_kuaidi100_event_carries_text_and_area():
    first = kuaidi100_events(payload("kuaidi100_basic.json"))[0]

    assert first["data"]["description"] == "【金华市】浙江省金华市义乌市公司 已揽收"
    assert first["data"]["location"] == "浙江,金华市,义乌市"


def test_kuaidi100_entry_without_status_takes_the_waybill_state_only_when_newest():
    push = json.loads(payload("kuaidi100_basic.json"))
    for entry in push["lastResult"]["data"]:
        del entry["status"]

    events = kuaidi100_events(json.dumps(push, ensure_ascii=False))

    assert [e["data"]["status"] for e in events] == ["in_transit", "in_transit", "out_for_delivery"]


def test_kuaidi100_repush_gives_the_same_event_ids():
    first = [e["id"] for e in kuaidi100_events(payload("kuaidi100_basic.json"))]
    push = json.loads(payload("kuaidi100_basic.json"))
    push["lastResult"]["data"].insert(0, {"context": "已签收", "time": "2026-11-09 12:00:00", "status": "签收"})

    again = [e["id"] for e in kuaidi100_events(json.dumps(push, ensure_ascii=False))]

    assert len(set(first)) == 3
    assert again[:3] == first
    assert again[3] not in first


@pytest.mark.parametrize(
    "name",
    ["kuaidi100_basic.json", "kuaidi100_advanced_locker.json", "kuaidi100_stalled.json", "kuaidi100_refused.json",
     "kuaidi100_signed.json"],
)
def test_kuaidi100_events_pass_the_inbound_contract(name):
    for event in kuaidi100_events(payload(name)):
        assert not isinstance(parse_event(event), Rejection), event


def test_kuaidi100_bad_time_is_left_for_the_pipeline_to_reject_by_name():
    push = json.loads(payload("kuaidi100_basic.json"))
    push["lastResult"]["data"][0]["time"] = push["lastResult"]["data"][0]["ftime"] = "yesterday"

    events = kuaidi100_events(json.dumps(push, ensure_ascii=False))

    rejected = [parse_event(e) for e in events if isinstance(parse_event(e), Rejection)]
    assert [r.field for r in rejected] == ["occurred_at"]
    assert len(events) == 3


@pytest.mark.parametrize(
    ("param", "field"),
    [
        ("not json", "param"),
        ("[]", "param.lastResult"),
        ('{"status": "polling"}', "param.lastResult"),
        ('{"lastResult": {"nu": "YT1", "data": []}}', "param.lastResult.com"),
        ('{"lastResult": {"com": "yuantong", "data": []}}', "param.lastResult.nu"),
        ('{"lastResult": {"com": "yuantong", "nu": "YT1", "data": "x"}}', "param.lastResult.data"),
    ],
)
def test_kuaidi100_malformed_push_names_the_field(param, field):
    with pytest.raises(BadPush) as error:
        kuaidi100_events(param)

    assert error.value.field == field
    assert error.value.code == "invalid_push"


def test_kuaidi100_abort_without_scans_gives_no_events():
    push = {"status": "abort", "billstatus": "", "message": "3天查询无记录",
            "lastResult": {"message": "", "state": "0", "status": "200", "com": "yuantong", "nu": "YT1", "data": []}}

    assert kuaidi100_events(json.dumps(push, ensure_ascii=False)) == []


@pytest.mark.parametrize(
    ("sign", "salt", "valid"),
    [
        (lambda p: kuaidi100_sign(p, "s3cret"), "s3cret", True),
        (lambda p: kuaidi100_sign(p, "s3cret").lower(), "s3cret", True),
        (lambda p: kuaidi100_sign(p, "other"), "s3cret", False),
        (lambda p: kuaidi100_sign(p + " ", "s3cret"), "s3cret", False),
        (lambda p: "", "s3cret", False),
        (lambda p: None, "s3cret", False),
        (lambda p: kuaidi100_sign(p, ""), "", False),  # no salt configured: nothing verifies
    ],
    ids=["good", "lowercase-hex", "wrong-salt", "tampered-param", "empty", "missing", "no-salt"],
)
def test_kuaidi100_signature(sign, salt, valid):
    param = payload("kuaidi100_basic.json")

    assert verify_kuaidi100(param, sign(param), salt) is valid


def test_kuaidi100_sign_is_upper_md5_of_param_and_salt():
    assert kuaidi100_sign("{}", "abc") == hashlib.md5(b"{}abc").hexdigest().upper()


def test_kuaidi100_reply_is_exactly_what_it_expects():
    assert json.dumps(KUAIDI100_REPLY, ensure_ascii=False) == '{"result": true, "returnCode": "200", "message": "成功"}'


# --- AfterShip -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "subtag", "status"),
    [
        ("Pending", "Pending_001", "info_received"),
        ("InfoReceived", "InfoReceived_001", "info_received"),
        ("InTransit", "InTransit_001", "in_transit"),
        ("InTransit", "InTransit_002", "picked_up"),
        ("InTransit", "InTransit_007", "in_transit"),
        ("OutForDelivery", "OutForDelivery_001", "out_for_delivery"),
        ("AttemptFail", "AttemptFail_001", "delivery_failed"),
        ("Delivered", "Delivered_001", "delivered"),
        ("Delivered", "Delivered_002", "delivered"),
        ("AvailableForPickup", "AvailableForPickup_001", "available_for_pickup"),
        ("Exception", "Exception_001", "exception"),
        ("Exception", "Exception_002", "delivery_failed"),
        ("Exception", "Exception_003", "refused"),
        ("Exception", "Exception_004", "exception"),
        ("Exception", "Exception_007", "delivery_failed"),
        ("Exception", "Exception_010", "returning"),
        ("Exception", "Exception_011", "returned"),
        ("Exception", "Exception_012", "damaged"),
        ("Exception", "Exception_013", "lost"),
        ("Expired", "Expired_001", "exception"),
        ("Exception", "", "exception"),
        ("Nonsense", "", None),
    ],
)
def test_aftership_tags_and_subtags(tag, subtag, status):
    assert aftership_status(tag, subtag) == status


@pytest.mark.parametrize(
    ("name", "carrier", "tracking_no", "expected"),
    [
        (
            "aftership_in_transit.json",
            "shunfeng",
            "SF1400000000011",
            [
                ("2026-11-08T10:00:00+08:00", "info_received", "InfoReceived_001"),
                ("2026-11-08T15:40:00+08:00", "picked_up", "InTransit_002"),
                ("2026-11-08T22:30:00+08:00", "in_transit", "InTransit_007"),
            ],
        ),
        (
            "aftership_delivered.json",
            "zhongtong",
            "75300000000012",
            [
                ("2026-11-10T09:00:00+08:00", "out_for_delivery", "OutForDelivery_001"),
                ("2026-11-10T12:20:00+08:00", "delivered", "Delivered_001"),
            ],
        ),
        (
            "aftership_exceptions.json",
            "yuantong",
            "YT7510000000013",
            [
                ("2026-11-08T18:00:00+08:00", "picked_up", "InTransit_002"),
                ("2026-11-11T10:00:00+08:00", "damaged", "Exception_012"),
                ("2026-11-12T16:00:00+08:00", "lost", "Exception_013"),
            ],
        ),
        (
            "aftership_returned.json",
            "jd",
            "JDVA00000000014",
            [
                ("2026-11-10T11:00:00+08:00", "delivery_failed", "AttemptFail_001"),
                ("2026-11-11T11:00:00+08:00", "refused", "Exception_003"),
                ("2026-11-11T16:00:00+08:00", "returning", "Exception_010"),
                ("2026-11-14T10:00:00+08:00", "returned", "Exception_011"),
            ],
        ),
        (
            "aftership_expired.json",
            "yunda",
            "4310000000015",
            [("2026-11-09T03:00:00+00:00", "exception", "Expired_001")],
        ),
    ],
)
def test_aftership_webhook_becomes_one_event_per_checkpoint(name, carrier, tracking_no, expected):
    events = aftership_events(payload(name).encode())

    assert timeline(events) == expected
    assert {(e["type"], e["data"]["carrier"], e["data"]["tracking_no"]) for e in events} == {
        ("tracking.updated", carrier, tracking_no)
    }
    for event in events:
        assert not isinstance(parse_event(event), Rejection), event


def test_aftership_checkpoint_text_and_location():
    events = aftership_events(payload("aftership_in_transit.json").encode())

    assert events[1]["data"]["description"] == "顺丰速运 已收取快件"
    assert events[1]["data"]["location"] == "广东省深圳市南山区"
    assert events[2]["data"]["location"] == "深圳市, 广东省, China"  # no location: city, state, country


def test_aftership_time_without_offset_is_china_time():
    hook = json.loads(payload("aftership_delivered.json"))
    hook["msg"]["checkpoints"][1]["checkpoint_time"] = "2026-11-10T12:20:00"

    events = aftership_events(json.dumps(hook).encode())

    assert events[1]["occurred_at"] == "2026-11-10T12:20:00+08:00"


def test_aftership_redelivered_webhook_gives_the_same_event_ids():
    body = payload("aftership_returned.json").encode()

    assert [e["id"] for e in aftership_events(body)] == [e["id"] for e in aftership_events(body)]
    assert len({e["id"] for e in aftership_events(body)}) == 4


@pytest.mark.parametrize("event", ["edd_revise", "tracking_pending_time"])
def test_aftership_events_without_scans_give_nothing(event):
    hook = json.loads(payload("aftership_delivered.json"))
    hook["event"] = event

    assert aftership_events(json.dumps(hook).encode()) == []


def test_aftership_unknown_slug_is_kept_as_the_carrier_code():
    hook = json.loads(payload("aftership_delivered.json"))
    hook["msg"]["slug"] = "some-new-courier"

    assert {e["data"]["carrier"] for e in aftership_events(json.dumps(hook).encode())} == {"some-new-courier"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "body"),
        (b"[]", "body"),
        (b'{"event": "tracking_update"}', "msg"),
        (b'{"event": "tracking_update", "msg": {"tracking_number": "1"}}', "msg.slug"),
        (b'{"event": "tracking_update", "msg": {"slug": "yto"}}', "msg.tracking_number"),
        (b'{"event": "tracking_update", "msg": {"slug": "yto", "tracking_number": "1", "checkpoints": {}}}',
         "msg.checkpoints"),
    ],
)
def test_aftership_malformed_webhook_names_the_field(body, field):
    with pytest.raises(BadPush) as error:
        aftership_events(body)

    assert error.value.field == field


@pytest.mark.parametrize(
    ("sign", "secret", "valid"),
    [
        (lambda b: aftership_signature(b, "whsec"), "whsec", True),
        (lambda b: aftership_signature(b, "other"), "whsec", False),
        (lambda b: aftership_signature(b + b" ", "whsec"), "whsec", False),
        (lambda b: aftership_signature(b, "whsec").rstrip("="), "whsec", False),
        (lambda b: "", "whsec", False),
        (lambda b: None, "whsec", False),
        (lambda b: aftership_signature(b, ""), "", False),  # no secret configured: nothing verifies
    ],
    ids=["good", "wrong-secret", "tampered-body", "truncated", "empty", "missing", "no-secret"],
)
def test_aftership_signature(sign, secret, valid):
    body = payload("aftership_in_transit.json").encode()

    assert verify_aftership(body, sign(body), secret) is valid


def test_aftership_signature_is_base64_hmac_sha256_of_the_raw_body():
    body = b'{"event":"tracking_update"}'

    assert aftership_signature(body, "k") == base64.b64encode(hmac.new(b"k", body, hashlib.sha256).digest()).decode()


@override_settings(ORDEX_KUAIDI100_SALT="salt-1", ORDEX_AFTERSHIP_SECRET="secret-2")
def test_carrier_secrets_come_from_one_place():
    assert carrier_secret("kuaidi100") == "salt-1"
    assert carrier_secret("aftership") == "secret-2"
