"""Self-service links: `<ORDEX_PUBLIC_URL>/c/<token>/`, where the token is the link row's id and nonce
signed with the project's secret (django.core.signing). The signature makes it unguessable and
tamper-evident; the row makes it expiring and revocable."""

import secrets

from django.core import signing
from django.urls import reverse
from django.utils import timezone

from .models import CustomerLink
from .render import public_url

SALT = "ordex.notify.customer-link"


class BadLink(Exception):
    """Why a link does not open: `reason` is one of tampered, expired, revoked, closed."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def token_for(link: CustomerLink) -> str:
    return signing.dumps({"l": link.pk, "n": link.nonce}, salt=SALT, compress=False)


def url_for(link: CustomerLink) -> str:
    return public_url(reverse("notify:self-service", args=[token_for(link)]))


def open_link(token: str, *, at=None) -> CustomerLink:
    """The link the token names, if it is genuine, unexpired, not revoked and its case not closed."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise BadLink("tampered")
    link = CustomerLink.objects.select_related("case").filter(pk=data.get("l"), nonce=data.get("n")).first()
    if link is None:
        raise BadLink("tampered")
    at = at or timezone.now()
    if link.revoked_at is not None:
        raise BadLink("revoked")
    if at >= link.expires_at:
        raise BadLink("expired")
    if link.case.status in ("closed", "rejected"):
        raise BadLink("closed")
    return link
