"""Pure money arithmetic of resolutions: rounding, platform suggestions, the request fingerprint and the
webhook signature. No database."""

import hashlib
import hmac
import json
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value) -> Decimal:
    """CNY with 2 places, rounded half up. Floats are refused: money travels as decimal strings."""
    if isinstance(value, float):
        raise TypeError("money must be a decimal string, not a float")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}")
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def percent_of(base: Decimal, percent: Decimal, minimum: Decimal | None = None, maximum: Decimal | None = None) -> Decimal:
    """`percent`% of `base`, then raised to `minimum` and capped at `maximum` (never above `base`)."""
    amount = to_money(base * percent / 100)
    if minimum is not None:
        amount = max(amount, minimum)
    if maximum is not None:
        amount = min(amount, maximum)
    return to_money(min(amount, base)) if base > 0 else ZERO


def request_fingerprint(payload: dict) -> str:
    """SHA-256 of the request's meaningful fields in a canonical form: the same request retried gives the
    same fingerprint whatever the key order or spacing of its JSON."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 keyed with the shop's secret over `<timestamp>.<body>`, hex: binds the body to the
    moment it was signed."""
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_matches(secret: str, timestamp: int, body: bytes, given: str) -> bool:
    return hmac.compare_digest(signature(secret, timestamp, body), given.strip().removeprefix("sha256="))


def derived_secret(server_key: str, shop_code: str, salt: str) -> str:
    """A shop's webhook secret, derived from the server's key and the shop's salt: nothing secret is stored
    in the database, and a new salt rotates the secret."""
    return hmac.new(server_key.encode(), f"ordex-commerce-webhook:{shop_code}:{salt}".encode(), hashlib.sha256).hexdigest()


def backoff_seconds(attempts: int, base: int = 30, cap: int = 3600) -> int:
    """Delay before the next try after `attempts` failures: 30 s, 60 s, 120 s, ... at most an hour."""
    return min(cap, base * 2 ** max(0, attempts - 1))
