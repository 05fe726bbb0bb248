"""Local stand-ins for the providers, each a real HTTP server on 127.0.0.1 in a thread: they check what a
real provider checks (the SendSms signature, the webhook's HMAC) and remember what they received."""

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _encode(value: str) -> str:
    # RFC 3986, as the provider documents: unreserved characters stay, the rest is %XY of the UTF-8 bytes.
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.~") else
                   "".join(f"%{b:02X}" for b in ch.encode()) for ch in value)


def expected_sms_signature(secret: str, method: str, params: dict[str, str]) -> str:
    query = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(params.items()) if k != "Signature")
    to_sign = f"{method}&{_encode('/')}&{_encode(query)}"
    return base64.b64encode(hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


class FakeServer:
    def __init__(self, handler_class):
        self.received: list = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
        self.server.fake = self
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class FakeAliyunSms(BaseHTTPRequestHandler):
    """Answers SendSms like dysmsapi: 200 {"Code": "OK", "BizId"} when the signature verifies with
    SECRET, else 400 {"Code": "SignatureDoesNotMatch"}."""

    SECRET = "test-access-key-secret"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        params = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
        ok = params.get("Signature") == expected_sms_signature(self.SECRET, "POST", params)
        self.server.fake.received.append({"params": params, "signature_ok": ok})
        answer = ({"Code": "OK", "Message": "OK", "BizId": f"biz-{len(self.server.fake.received)}",
                   "RequestId": "r"} if ok else {"Code": "SignatureDoesNotMatch", "Message": "signature mismatch"})
        payload = json.dumps(answer).encode()
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class FakeMerchant(BaseHTTPRequestHandler):
    """A merchant's webhook receiver: remembers headers and body; answers 204."""

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.fake.received.append({"headers": dict(self.headers), "body": body})
        self.send_response(204)
        self.end_headers()
