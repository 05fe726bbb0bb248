"""The only functions that change cases. Each runs in one transaction, locks the case row, re-checks its
rule under the lock, saves with `update_fields` and writes the timeline entry in the same transaction.

`actor` is the `Principal` acting, or None for the system (rules, scans, the periodic worker).
Refusals raise `DomainError` with a stable code (registered in ordex/core/error_codes.py, listed in
docs/errors.md); nothing changes then.

One module per sub-area; import the verbs from here (`from ordex.cases.actions import transition`):
- `findings`: `record_finding`, `clear_finding`, `withdraw_finding` (detection, inside the ingest transaction and from scans),
  `open_manual_case` (a person reports one);
- `lifecycle`: `transition`, `change_severity`;
- `assignment`: `assign`, `transfer`;
- `work`: `add_note`, `complete_step`, `add_evidence`;
- `customer_choice`: `offer_choice`, `record_choice`, `apply_expired_choices`;
- `customer`: `record_message` (a message to or from the customer on the timeline), `open_follow_up_case`;
- `sla`: `evaluate_sla(as_of)` (from `ordex scan --as-of` and the worker), `escalate` (a person raises the level);
- `incidents`: `create_incident`, `update_incident`, `bulk_on_incident`;
- `notifications`: `mark_notification_read`, `mark_all_notifications_read`;
- `batch`: `batch_of_findings()`, the per-batch memory of configuration rows;
- `common`: the row lock, timeline entries and clocks the others share.
"""

from .assignment import ASSIGNABLE_ROLES, assign, transfer
from .batch import batch_of_findings
from .customer import open_follow_up_case, record_message
from .customer_choice import apply_expired_choices, offer_choice, record_choice
from .findings import (
    MANUAL_RULE,
    REOPEN_WINDOW,
    FindingResult,
    clear_finding,
    open_manual_case,
    record_finding,
    withdraw_finding,
)
from .incidents import BULK_ACTIONS, bulk_on_incident, create_incident, update_incident
from .lifecycle import change_severity, transition
from .notifications import mark_all_notifications_read, mark_notification_read
from .sla import SlaScanResult, escalate, evaluate_sla
from .work import (
    DEFAULT_EVIDENCE_MAX_BYTES,
    add_evidence,
    add_note,
    complete_step,
    evidence_max_bytes,
)

__all__ = [
    "ASSIGNABLE_ROLES",
    "BULK_ACTIONS",
    "DEFAULT_EVIDENCE_MAX_BYTES",
    "MANUAL_RULE",
    "REOPEN_WINDOW",
    "FindingResult",
    "SlaScanResult",
    "add_evidence",
    "add_note",
    "apply_expired_choices",
    "assign",
    "batch_of_findings",
    "bulk_on_incident",
    "change_severity",
    "clear_finding",
    "withdraw_finding",
    "complete_step",
    "create_incident",
    "escalate",
    "evaluate_sla",
    "evidence_max_bytes",
    "mark_all_notifications_read",
    "mark_notification_read",
    "offer_choice",
    "open_follow_up_case",
    "open_manual_case",
    "record_choice",
    "record_message",
    "record_finding",
    "transfer",
    "transition",
    "update_incident",
]
