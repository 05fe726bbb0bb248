"""Signing of every outbound webhook Ordex sends (merchant notifications, commerce actions).

The receiver recomputes `HMAC-SHA256(secret, "<timestamp>.<raw body>")`, compares it in constant time with
the `X-Ordex-Signature: sha256=<hex>` header, and refuses a timestamp (`X-Ordex-Timestamp`, Unix seconds)
more than `tolerance` seconds away from its clock, so a captured request cannot be replayed later."""

import hashlib
import hmac
import json
import time
import urllib.request

SIGNATURE_HEADER = "X-Ordex-Signature"
TIMESTAMP_HEADER = "X-Ordex-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, header: str, *, now: float | None = None,
           tolerance: int = 300) -> bool:
    try:
        stamp = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - stamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, stamp, body), header or "")


def post(url: str, secret: str, payload: dict, *, idempotency_key: str, timeout: float = 10.0) -> int:
    """POST `payload` as signed JSON; returns the HTTP status (raises on network errors and 4xx/5xx)."""
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    stamp = int(time.time())
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(stamp),
        SIGNATURE_HEADER: signature(secret, stamp, body),
        IDEMPOTENCY_HEADER: idempotency_key,
    })
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured URL
        return response.status
