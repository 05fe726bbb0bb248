"""The only functions that change actions and write the ledger. Each runs in one transaction (on SQLite
after its turn in the writers' line, `ordex.core.writers`), locks the case row and then the order row
(always in that order), re-checks every money rule under those locks, saves with `update_fields` and
writes the case's timeline entry in the same transaction. A retry whose answer is already committed (the
same key and request again, "done" again) is read without locks instead (`retries.py`).

`actor` is the `Principal` acting, or None for the system (a customer choice's default resolution, the
worker confirming a webhook). Refusals raise `DomainError` with a stable code (docs/resolutions.md);
nothing changes then.

Guarantees (each has a test):
- an idempotency key names one action per order: the same key and request give the first answer again,
  the same key with another request is refused (`idempotency_key_reused`);
- refunds + compensation + price differences (+ cancels' refunds) of an order, counting every action not
  failed or cancelled, never exceed what the order paid + the shop's postage allowance − refunds the
  merchant made outside Ordex (`exceeds_paid`);
- a unit of an order line is refunded or sent again at most once (`line_already_refunded`,
  `line_already_reshipped`) unless a supervisor overrides with a reason, which is recorded;
- money above the requester's per-case limit waits for someone whose limit covers it; nobody approves
  their own request;
- every money movement is one append-only ledger line, unique on (order, idempotency key).

One module per sub-area; import the verbs from here (`from ordex.resolutions.actions import request_action`):
- `request`: `ActionRequest`, `LineRequest`, `request_action` (and its locked half);
- `approval`: `approve_action`, `reject_action`, `cancel_action`, `approval_refused`, `is_requester`;
- `execution`: `mark_executing`, `mark_done`, `mark_failed`, `progress_claim`, `delivered`, `finish`, and the
  merchant's confirmations `confirm_by_event`, `confirm_by_callback`, `note_reconciled`;
- `chargebacks`: `record_chargeback`;
- `listeners`: `refuse_resolve_with_open_actions`, `action_for_settled_choice` (filled into the cases app's hooks);
- `shop_settings`: `issue_webhook_secret`;
- `common`: the locks, the timeline entry and `_move`, the one transition function.
What the live actions commit is read in `resolutions/commitments.py`.
"""

from .approval import approval_refused, approve_action, cancel_action, is_requester, reject_action
from .chargebacks import Chargeback, record_chargeback
from .execution import (
    confirm_by_callback,
    confirm_by_event,
    delivered,
    finish,
    mark_done,
    mark_done_locked,
    mark_executing,
    mark_failed,
    note_reconciled,
    progress_claim,
)
from .listeners import action_for_settled_choice, refuse_resolve_with_open_actions
from .request import (
    NO_AUTOMATIC_CANCEL_WHEN_PAID,
    ActionRequest,
    LineRequest,
    Requested,
    request_action,
    request_action_locked,
)
from .shop_settings import issue_webhook_secret

__all__ = [
    "NO_AUTOMATIC_CANCEL_WHEN_PAID",
    "ActionRequest",
    "Chargeback",
    "LineRequest",
    "Requested",
    "action_for_settled_choice",
    "approval_refused",
    "approve_action",
    "cancel_action",
    "confirm_by_callback",
    "confirm_by_event",
    "delivered",
    "finish",
    "is_requester",
    "issue_webhook_secret",
    "mark_done",
    "mark_done_locked",
    "mark_executing",
    "mark_failed",
    "note_reconciled",
    "progress_claim",
    "record_chargeback",
    "refuse_resolve_with_open_actions",
    "reject_action",
    "request_action",
    "request_action_locked",
]
