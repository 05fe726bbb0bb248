"""POST /api/v1/integrations/kuaidi100 and /aftership: signed vendor pushes change the parcel; unsigned
ones are refused with 401 and store nothing."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.test import Client, override_settings

from ordex.ingest.carriers import aftership_signature, kuaidi100_sign
from ordex.ingest.models import Event
from ordex.ingest.pipeline import ingest_events
from ordex.orders.models import Shipment, TrackingEvent

from .events import order_created, shipment_created

PAYLOADS = Path(__file__).parent / "payloads"
SALT = "k100-salt"
SECRET = "as-webhook-secret"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("parcels"),
]


@pytest.fixture(autouse=True)
def secrets():
    with override_settings(ORDEX_KUAIDI100_SALT=SALT, ORDEX_AFTERSHIP_SECRET=SECRET):
        yield


def ship(order_no, carrier, tracking_no):
    results = ingest_events(
        [
            order_created(order_no, "2026-11-07T20:00:00+08:00"),
            shipment_created(order_no, "2026-11-08T06:00:00+08:00", shipment_no=f"S-{order_no}", carrier=carrier,
                             tracking_no=tracking_no),
        ],
        source="test",
    )
    assert [r.status for r in results] == ["applied", "applied"]


@pytest.fixture
def parcels():
    ship("K1", "yuantong", "YT7510000000001")
    ship("K2", "zhongtong", "78300000000002")
    ship("K3", "yunda", "4310000000003")
    ship("A1", "shunfeng", "SF1400000000011")
    ship("A2", "yuantong", "YT7510000000013")


def shipment(tracking_no):
    return Shipment.objects.get(tracking_no=tracking_no)


def post_kuaidi100(param, sign=None):
    sign = kuaidi100_sign(param, SALT) if sign is None else sign
    return Client().post("/api/v1/integrations/kuaidi100", {"param": param, "sign": sign})


def post_aftership(body: bytes, signature=None, *, delay=timedelta(0)):
    """Post the webhook as AfterShip would, `delay` after it was sent (its `ts`)."""
    signature = aftership_signature(body, SECRET) if signature is None else signature
    sent = datetime.fromtimestamp(json.loads(body)["ts"], UTC) if b'"ts"' in body else datetime.now(UTC)
    with time_machine.travel(sent + delay, tick=False):
        return Client().post(
            "/api/v1/integrations/aftership", body, content_type="application/json",
            headers={"aftership-hmac-sha256": signature},
        )


def kuaidi100_param(name):
    return (PAYLOADS / name).read_text(encoding="utf-8")


class TestAfterShipReplayWindow:
    BODY = (PAYLOADS / "aftership_in_transit.json").read_bytes()

    def test_a_webhook_sent_within_the_window_is_applied(self, parcels):
        response = post_aftership(self.BODY, delay=timedelta(minutes=4))
        assert response.status_code == 200, response.content

    def test_a_webhook_older_than_the_window_is_refused_and_changes_nothing(self, parcels):
        response = post_aftership(self.BODY, delay=timedelta(hours=25))
        assert (response.status_code, response.json()["code"]) == (422, "stale_push")
        assert response.json()["field"] == "ts"
        assert not TrackingEvent.objects.filter(shipment=shipment("SF1400000000011")).exists()

    def test_a_webhook_without_its_timestamp_is_refused(self, parcels):
        body = json.dumps({k: v for k, v in json.loads(self.BODY).items() if k != "ts"}).encode()
        response = post_aftership(body)
        assert (response.status_code, response.json()["code"]) == (422, "stale_push")


class TestKuaidi100:
    @pytest.mark.parametrize(
        ("name", "tracking_no", "status"),
        [
            ("kuaidi100_basic.json", "YT7510000000001", "out_for_delivery"),
            ("kuaidi100_advanced_locker.json", "78300000000002", "available_for_pickup"),
        ],
    )
    def test_signed_push_moves_the_parcel_and_gets_the_reply_kuaidi100_expects(self, name, tracking_no, status):
        response = post_kuaidi100(kuaidi100_param(name))

        assert response.status_code == 200
        assert response.content.decode() == '{"result": true, "returnCode": "200", "message": "成功"}'
        parcel = shipment(tracking_no)
        assert parcel.status == status
        assert parcel.picked_up_at is not None
        assert parcel.tracking_events.count() == len(json.loads(kuaidi100_param(name))["lastResult"]["data"])

    def test_repeated_push_changes_nothing_and_still_gets_the_success_reply(self):
        param = kuaidi100_param("kuaidi100_basic.json")
        post_kuaidi100(param)

        response = post_kuaidi100(param)

        assert response.json() == {"result": True, "returnCode": "200", "message": "成功"}
        assert TrackingEvent.objects.filter(shipment=shipment("YT7510000000001")).count() == 3

    def test_stalled_push_keeps_the_status_and_marks_the_parcel(self):
        post_kuaidi100(kuaidi100_param("kuaidi100_stalled.json"))

        parcel = shipment("4310000000003")
        assert parcel.status == "in_transit"
        assert parcel.carrier_stalled_at is not None

    @pytest.mark.parametrize(
        "sign",
        [lambda p: kuaidi100_sign(p, "wrong-salt"), lambda p: "", lambda p: kuaidi100_sign(p + "x", SALT)],
        ids=["wrong-salt", "missing", "other-param"],
    )
    def test_bad_signature_is_401_and_stores_nothing(self, sign):
        param = kuaidi100_param("kuaidi100_basic.json")
        before = Event.objects.count()

        response = post_kuaidi100(param, sign(param))

        assert response.status_code == 401
        assert response.json()["code"] == "bad_signature"
        assert Event.objects.count() == before
        assert shipment("YT7510000000001").status == ""

    def test_without_a_configured_salt_nothing_is_accepted(self):
        param = kuaidi100_param("kuaidi100_basic.json")
        with override_settings(ORDEX_KUAIDI100_SALT=""):
            response = post_kuaidi100(param, kuaidi100_sign(param, ""))

        assert response.status_code == 401

    def test_malformed_push_is_422_naming_the_field(self):
        param = '{"lastResult": {"com": "yuantong", "data": []}}'

        response = post_kuaidi100(param)

        assert response.status_code == 422
        assert response.json()["field"] == "param.lastResult.nu"

    def test_push_for_an_unknown_parcel_is_kept_until_it_arrives(self):
        post_kuaidi100(kuaidi100_param("kuaidi100_signed.json"))

        ship("K5", "jtexpress", "JT5000000000005")

        assert shipment("JT5000000000005").status == "delivered"


class TestAfterShip:
    @pytest.mark.parametrize(
        ("name", "tracking_no", "status"),
        [
            ("aftership_in_transit.json", "SF1400000000011", "in_transit"),
            ("aftership_exceptions.json", "YT7510000000013", "lost"),
        ],
    )
    def test_signed_webhook_moves_the_parcel(self, name, tracking_no, status):
        body = (PAYLOADS / name).read_bytes()

        response = post_aftership(body)

        assert response.status_code == 200
        assert response.json()["applied"] == len(json.loads(body)["msg"]["checkpoints"])
        parcel = shipment(tracking_no)
        assert parcel.status == status
        assert parcel.picked_up_at is not None

    def test_redelivered_webhook_is_all_duplicates(self):
        body = (PAYLOADS / "aftership_in_transit.json").read_bytes()
        post_aftership(body)

        assert post_aftership(body).json() == {"applied": 0, "duplicate": 3, "rejected": 0}

    @pytest.mark.parametrize(
        "signature",
        [lambda b: aftership_signature(b, "wrong"), lambda b: "", lambda b: aftership_signature(b + b"\n", SECRET)],
        ids=["wrong-secret", "missing", "other-body"],
    )
    def test_bad_signature_is_401_and_stores_nothing(self, signature):
        body = (PAYLOADS / "aftership_in_transit.json").read_bytes()
        before = Event.objects.count()

        response = post_aftership(body, signature(body))

        assert response.status_code == 401
        assert Event.objects.count() == before
        assert shipment("SF1400000000011").status == ""

    def test_webhook_without_scans_is_accepted_and_changes_nothing(self):
        hook = json.loads((PAYLOADS / "aftership_in_transit.json").read_text(encoding="utf-8"))
        hook["event"] = "edd_revise"
        body = json.dumps(hook).encode()

        response = post_aftership(body)

        assert response.json() == {"applied": 0, "duplicate": 0, "rejected": 0}
