"""Alibaba Cloud SMS (`dysmsapi`, API version 2017-05-25), action `SendSms`, with the RPC request signature
written from the provider's documentation:

1. every parameter except `Signature`, sorted by name, each name and value percent-encoded (RFC 3986:
   A-Z a-z 0-9 - _ . ~ stay, space is %20, UTF-8 bytes as %XY) and joined as `name=value&…`;
2. StringToSign = `<HTTP method>&%2F&` + percent-encode(that canonical query);
3. Signature = Base64(HMAC-SHA1(key = AccessKeySecret + "&", StringToSign)).

The message text travels in `TemplateParam` of an approved template whose only variable is the text
(`ORDEX_SMS_TEMPLATE_CODE`, e.g. a template "${content}"); the provider prepends the signature 【SignName】.
"""

import base64
import hashlib
import hmac
import json
import math
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

API_VERSION = "2017-05-25"
SINGLE_SEGMENT = 70
CONCATENATED_SEGMENT = 67


def percent_encode(value: str) -> str:
    return urllib.parse.quote(str(value), safe="-_.~")


def canonical_query(params: dict[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()) if k != "Signature")


def string_to_sign(method: str, params: dict[str, str]) -> str:
    return f"{method.upper()}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"


def sign(secret: str, method: str, params: dict[str, str]) -> str:
    digest = hmac.new(f"{secret}&".encode(), string_to_sign(method, params).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def segments(text: str, sign_name: str = "") -> int:
    """SMS billed for `text` as the handset shows it (with 【sign】): one up to 70 characters, else 67 each."""
    length = len(text) + (len(sign_name) + 2 if sign_name else 0)
    if length <= SINGLE_SEGMENT:
        return 1
    return math.ceil(length / CONCATENATED_SEGMENT)


@dataclass(frozen=True)
class SmsAccount:
    endpoint: str
    access_key_id: str
    access_key_secret: str
    sign_name: str
    template_code: str
    region: str = "cn-hangzhou"


class SmsRefused(Exception):
    """The provider answered but did not accept the message (its `Code` and `Message`)."""


def send_sms(account: SmsAccount, phone: str, text: str, *, out_id: str, timeout: float = 10.0) -> str:
    """Send one SMS; returns the provider's BizId (the key of its delivery report)."""
    params = {
        "AccessKeyId": account.access_key_id,
        "Action": "SendSms",
        "Format": "JSON",
        "OutId": out_id,
        "PhoneNumbers": phone,
        "RegionId": account.region,
        "SignName": account.sign_name,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": uuid.uuid4().hex,
        "SignatureVersion": "1.0",
        "TemplateCode": account.template_code,
        "TemplateParam": json.dumps({"content": text}, ensure_ascii=False),
        "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": API_VERSION,
    }
    params["Signature"] = sign(account.access_key_secret, "POST", params)
    body = urllib.parse.urlencode(params, quote_via=urllib.parse.quote).encode()
    request = urllib.request.Request(account.endpoint, data=body, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured endpoint
        answer = json.loads(response.read().decode())
    if answer.get("Code") != "OK":
        raise SmsRefused(f"{answer.get('Code')}: {answer.get('Message')}")
    return answer.get("BizId", "")
