"""The embedded email backend: each message becomes one `.eml` file under `<data dir>/mail/`, named after
its idempotency key (so a message sent twice is still one file). Set EMAIL_HOST to send through SMTP."""

import re
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def mail_dir() -> Path:
    return Path(settings.DATA_DIR) / "mail"


class EmlFileBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        folder = mail_dir()
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            key = message.extra_headers.get("X-Ordex-Message", "") or message.extra_headers.get("Message-ID", "")
            name = _UNSAFE.sub("_", key.strip("<>")) or "message"
            (folder / f"{name}.eml").write_bytes(message.message().as_bytes())
        return len(email_messages)
