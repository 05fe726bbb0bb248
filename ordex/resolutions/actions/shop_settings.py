"""A shop's commerce settings that only an action may change: its webhook secret."""

import secrets

from ordex.core.writers import write_transaction

from .. import config
from ..models import CommerceSettings


@write_transaction
def issue_webhook_secret(shop_id: int | None) -> str:
    """A new webhook secret for the shop (or the default row): returned once, never stored; only a salt
    and the first characters are kept. The previous secret stops working."""
    row, _created = CommerceSettings.objects.select_for_update().get_or_create(shop_id=shop_id)
    row.secret_salt = secrets.token_hex(16)
    secret = config.shop_secret_for(row)
    row.secret_hint = secret[:8]
    row.save(update_fields=["secret_salt", "secret_hint"])
    return secret
