"""Carrier pushes in their own formats → our `tracking.updated` envelopes, and their signature checks.

Pure functions: no database. The HTTP endpoints verify the signature, map the push with these functions
and hand the envelopes to `ingest_events` like any other source.

Each scan (kuaidi100 `data[]` entry, AfterShip checkpoint) becomes one event. Its id is derived from what
the scan is (carrier, tracking number, time, code, text), so the full re-pushes both vendors send are
reported as duplicates and change nothing. State follows `occurred_at`, so a push that repeats older
scans never rolls a parcel back.

Mapping tables (vendor code → our status) are data at module level; DESIGN.md "Tracking statuses" is the
source for kuaidi100, AfterShip's documented tags and subtags for AfterShip.
"""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta, timezone

from django.conf import settings

from ordex.core.errors import InvalidInput
from ordex.orders.choices import TrackingStatus as S

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")

# The settings each secret is read from today; one function reads them so they can move to the DB later.
_SECRET_SETTINGS = {"kuaidi100": "ORDEX_KUAIDI100_SALT", "aftership": "ORDEX_AFTERSHIP_SECRET"}


def carrier_secret(name: str) -> str:
    """The shared secret of carrier integration `name` ("kuaidi100", "aftership"); "" if not configured."""
    return getattr(settings, _SECRET_SETTINGS[name], "") or ""


class BadPush(InvalidInput):
    """The push is not shaped as the vendor documents it (the field says where)."""

    def __init__(self, message: str, field: str):
        super().__init__("invalid_push", message, field=field)


def _event_id(source: str, carrier: str, tracking_no: str, *parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]
    return f"{source}:{carrier}:{tracking_no}:{digest}"


def _envelope(event_id: str, occurred_at: str, data: dict) -> dict:
    return {"id": event_id, "type": "tracking.updated", "occurred_at": occurred_at, "data": data}


# --- kuaidi100 -------------------------------------------------------------------------------------

# What kuaidi100 must read back, byte for byte in meaning, or it pushes again.
KUAIDI100_REPLY = {"result": True, "returnCode": "200", "message": "成功"}

# Main states (lastResult.state, and the family of an advanced code).
KUAIDI100_STATES = {
    "0": S.IN_TRANSIT,  # 在途
    "1": S.PICKED_UP,  # 揽收
    "2": S.EXCEPTION,  # 疑难
    "3": S.DELIVERED,  # 签收
    "4": S.RETURNED,  # 退签
    "5": S.OUT_FOR_DELIVERY,  # 派件
    "6": S.RETURNING,  # 退回
    "7": S.IN_TRANSIT,  # 转投
    "8": S.IN_TRANSIT,  # 清关
    "10": S.IN_TRANSIT,  # 待清关
    "11": S.IN_TRANSIT,  # 清关中
    "12": S.IN_TRANSIT,  # 已清关
    "13": S.EXCEPTION,  # 清关异常
    "14": S.REFUSED,  # 拒签
}
# Advanced codes (resultv2=4) that say more than their family. Any other advanced code maps by its family:
# 3-digit codes by their first digit (301 本人签收 → 3), 100x (到达派件城市, 干线, ...) by 0 在途.
KUAIDI100_CODES = {
    "101": S.INFO_RECEIVED,  # 已下单: not in the carrier's hands yet, so it must not end a pickup timeout
    "102": S.INFO_RECEIVED,  # 待揽收
    "501": S.AVAILABLE_FOR_PICKUP,  # 投柜或驿站
    "203": S.REFUSED,  # 拒收
    "204": S.DELIVERY_FAILED,  # 派件异常
    "206": S.DELIVERY_FAILED,  # 无法联系
    "209": S.DAMAGED,  # 破损
}
# 超时未更新: kuaidi100 itself says the parcel stopped moving. The status stays; the parcel is marked stalled.
KUAIDI100_STALLED = "202"
# Without advanced codes, each data[] entry carries its state as text.
KUAIDI100_STATE_NAMES = {
    "在途": "0", "揽收": "1", "疑难": "2", "签收": "3", "退签": "4", "派件": "5", "退回": "6", "转投": "7",
    "转单": "7", "清关": "8", "待清关": "10", "清关中": "11", "已清关": "12", "清关异常": "13", "拒签": "14",
}


def kuaidi100_sign(param: str, salt: str) -> str:
    return hashlib.md5((param + salt).encode()).hexdigest().upper()


def _same_text(expected: str, given: str) -> bool:
    """Constant-time comparison of bytes: `compare_digest` raises on non-ASCII text, and whatever a caller
    sends must fail verification, not the request."""
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


def verify_kuaidi100(param: str, sign: str | None, salt: str) -> bool:
    """sign = upper(MD5(param + salt)). Without a configured salt nothing verifies: fail closed."""
    if not salt or not sign:
        return False
    return _same_text(kuaidi100_sign(param, salt), sign.strip().upper())


def kuaidi100_status(code: str) -> str | None:
    """Our status for a kuaidi100 state or advanced code; None for unknown codes and for 202 (stalled)."""
    code = (code or "").strip()
    if code in KUAIDI100_CODES:
        return KUAIDI100_CODES[code]
    if code in KUAIDI100_STATES:
        return KUAIDI100_STATES[code]
    if code == KUAIDI100_STALLED:
        return None
    if len(code) == 3 and code.isdigit():
        return KUAIDI100_STATES.get(code[0])
    if len(code) == 4 and code.startswith("100"):
        return S.IN_TRANSIT
    return None


def _kuaidi100_time(entry: dict) -> str:
    """'2026-11-08 07:40:00' in China time → ISO-8601 with +08:00; anything else is passed on as given,
    so the pipeline rejects that one event naming `occurred_at` instead of us dropping it silently."""
    for key in ("time", "ftime"):
        text = str(entry.get(key) or "").strip()
        try:
            return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA).isoformat()
        except ValueError:
            continue
    return str(entry.get("time") or entry.get("ftime") or "")


def _entry_code(entry: dict) -> str:
    code = str(entry.get("statusCode") or "").strip()
    if code:
        return code
    return KUAIDI100_STATE_NAMES.get(str(entry.get("status") or "").strip(), "")


def kuaidi100_events(param: str) -> list[dict]:
    """The `tracking.updated` envelopes of one kuaidi100 push (`param` as posted, JSON text).

    kuaidi100 pushes the whole history each time, newest first. An entry without its own status (a push
    subscribed without resultv2) takes `lastResult.state` if it is the newest, else in_transit: older scans
    never decide the parcel's state, they only fill the timeline.
    """
    try:
        push = json.loads(param)
    except (TypeError, ValueError):
        raise BadPush("param is not JSON", "param") from None
    if not isinstance(push, dict) or not isinstance(push.get("lastResult"), dict):
        raise BadPush("param has no lastResult object", "param.lastResult")
    result = push["lastResult"]
    carrier = str(result.get("com") or "").strip().lower()
    tracking_no = str(result.get("nu") or "").strip()
    if not carrier:
        raise BadPush("lastResult.com (carrier code) is missing", "param.lastResult.com")
    if not tracking_no:
        raise BadPush("lastResult.nu (tracking number) is missing", "param.lastResult.nu")
    entries = result.get("data")
    entries = [] if entries is None else entries
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise BadPush("lastResult.data must be a list of objects", "param.lastResult.data")

    dated = sorted(
        enumerate(entries), key=lambda pair: (_kuaidi100_time(pair[1]), -pair[0])
    )  # oldest first; same second: the later position in kuaidi100's newest-first list is older
    newest_index = dated[-1][0] if dated else None
    events = []
    kept_status = S.IN_TRANSIT
    for index, entry in dated:
        code = _entry_code(entry)
        occurred_at = _kuaidi100_time(entry)
        data = {
            "carrier": carrier,
            "tracking_no": tracking_no,
            "description": str(entry.get("context") or "").strip(),
            "location": str(entry.get("areaName") or entry.get("location") or "").strip(),
            "raw_status": code,
        }
        if code == KUAIDI100_STALLED:
            data.update(status=kept_status, stalled=True)
        else:
            status = kuaidi100_status(code)
            if status is None and index == newest_index:
                status = kuaidi100_status(str(result.get("state") or ""))
            data["status"] = status or S.IN_TRANSIT
            kept_status = data["status"]
        event_id = _event_id("kuaidi100", carrier, tracking_no, occurred_at, code, data["description"])
        events.append(_envelope(event_id, occurred_at, data))
    return events


# --- AfterShip -------------------------------------------------------------------------------------

AFTERSHIP_SIGNATURE_HEADER = "aftership-hmac-sha256"

# AfterShip courier slugs → our carrier codes. An unknown slug is kept as it is (the event then waits for a
# shipment with that carrier code); add the slug here when a merchant uses a new courier.
AFTERSHIP_SLUGS = {
    "sf-express": "shunfeng",
    "zto-express": "zhongtong",
    "yto": "yuantong",
    "yunda": "yunda",
    "sto": "shentong",
    "jd": "jd",
    "china-ems": "ems",
    "jtexpress": "jtexpress",
    "deppon": "debangwuliu",
    "china-post": "youzhengguonei",
}
AFTERSHIP_TAGS = {
    "Pending": S.INFO_RECEIVED,
    "InfoReceived": S.INFO_RECEIVED,
    "InTransit": S.IN_TRANSIT,
    "OutForDelivery": S.OUT_FOR_DELIVERY,
    "AttemptFail": S.DELIVERY_FAILED,
    "Delivered": S.DELIVERED,
    "AvailableForPickup": S.AVAILABLE_FOR_PICKUP,
    "Exception": S.EXCEPTION,
    # No tracking information for 30 days since added: nobody knows where the parcel is; a person must look.
    "Expired": S.EXCEPTION,
}
# Documented subtags that say more than their tag.
AFTERSHIP_SUBTAGS = {
    "InTransit_002": S.PICKED_UP,  # Acceptance scan
    "Exception_002": S.DELIVERY_FAILED,  # Customer moved
    "Exception_003": S.REFUSED,  # Customer refused delivery
    "Exception_007": S.DELIVERY_FAILED,  # Incorrect address
    "Exception_010": S.RETURNING,  # Returning to sender
    "Exception_011": S.RETURNED,  # Returned to sender
    "Exception_012": S.DAMAGED,  # Shipment damaged
    "Exception_013": S.LOST,  # Shipment lost
}
AFTERSHIP_TRACKING_EVENTS = ("tracking_update",)


def aftership_signature(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verify_aftership(body: bytes, signature: str | None, secret: str) -> bool:
    """HMAC-SHA256 of the raw body with the webhook secret, base64. No secret configured: fail closed."""
    if not secret or not signature:
        return False
    return _same_text(aftership_signature(body, secret), signature.strip())


def aftership_sent_at(body: bytes):
    """When AfterShip sent the webhook (its `ts`, Unix seconds), or None when the body does not say."""
    try:
        ts = json.loads(body).get("ts")
        return datetime.fromtimestamp(int(ts), UTC) if isinstance(ts, int | str) and str(ts).isdigit() else None
    except (TypeError, ValueError, AttributeError, OverflowError, OSError):
        return None


def aftership_status(tag: str, subtag: str = "") -> str | None:
    return AFTERSHIP_SUBTAGS.get(subtag) or AFTERSHIP_TAGS.get(tag)


def _aftership_time(value) -> str:
    """Checkpoint times are the checkpoint's local time, with or without an offset; ours are all in
    China, so a time without an offset is China time. Unparseable values pass through for the pipeline
    to reject by name."""
    text = str(value or "").strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CHINA)
    return parsed.isoformat()


def _location(checkpoint: dict) -> str:
    if checkpoint.get("location"):
        return str(checkpoint["location"]).strip()
    parts = (checkpoint.get(key) for key in ("city", "state", "country_name"))
    return ", ".join(str(p).strip() for p in parts if p)


def aftership_events(body: bytes | str) -> list[dict]:
    """The `tracking.updated` envelopes of one AfterShip webhook (the raw JSON body).

    One event per checkpoint. A tracking that AfterShip marked Expired, or one with a tag but no
    checkpoints yet (Pending, InfoReceived), gets one more event for that tag at the webhook's time.
    Other webhook events (EDD revisions, pending-time alerts) carry no scan: no events.
    """
    try:
        hook = json.loads(body)
    except (TypeError, ValueError):
        raise BadPush("body is not JSON", "body") from None
    if not isinstance(hook, dict):
        raise BadPush("body must be a JSON object", "body")
    if hook.get("event") not in AFTERSHIP_TRACKING_EVENTS:
        return []
    msg = hook.get("msg")
    if not isinstance(msg, dict):
        raise BadPush("msg object is missing", "msg")
    slug = str(msg.get("slug") or "").strip().lower()
    tracking_no = str(msg.get("tracking_number") or "").strip()
    if not slug:
        raise BadPush("msg.slug (courier) is missing", "msg.slug")
    if not tracking_no:
        raise BadPush("msg.tracking_number is missing", "msg.tracking_number")
    checkpoints = msg.get("checkpoints")
    checkpoints = [] if checkpoints is None else checkpoints
    if not isinstance(checkpoints, list) or not all(isinstance(c, dict) for c in checkpoints):
        raise BadPush("msg.checkpoints must be a list of objects", "msg.checkpoints")
    carrier = AFTERSHIP_SLUGS.get(slug, slug)

    events = []
    for checkpoint in checkpoints:
        tag = str(checkpoint.get("tag") or "").strip()
        subtag = str(checkpoint.get("subtag") or "").strip()
        occurred_at = _aftership_time(checkpoint.get("checkpoint_time"))
        description = str(checkpoint.get("message") or "").strip()
        data = {
            "carrier": carrier,
            "tracking_no": tracking_no,
            "status": aftership_status(tag, subtag) or S.IN_TRANSIT,
            "description": description,
            "location": _location(checkpoint),
            "raw_status": subtag or tag,
        }
        event_id = _event_id("aftership", carrier, tracking_no, occurred_at, subtag or tag, description)
        events.append(_envelope(event_id, occurred_at, data))

    tag = str(msg.get("tag") or "").strip()
    if tag == "Expired" or (not checkpoints and tag in AFTERSHIP_TAGS):
        subtag = str(msg.get("subtag") or "").strip()
        when = msg.get("updated_at") or (
            datetime.fromtimestamp(hook["ts"], CHINA).isoformat() if isinstance(hook.get("ts"), int) else ""
        )
        occurred_at = _aftership_time(when)
        description = str(msg.get("subtag_message") or tag)
        data = {
            "carrier": carrier,
            "tracking_no": tracking_no,
            "status": aftership_status(tag, subtag),
            "description": description,
            "location": "",
            "raw_status": subtag or tag,
        }
        event_id = _event_id("aftership", carrier, tracking_no, occurred_at, subtag or tag, "tracking")
        events.append(_envelope(event_id, occurred_at, data))
    return events
