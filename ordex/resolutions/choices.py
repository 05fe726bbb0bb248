"""Every status set of the resolutions app, once, with English msgids (zh-Hans in the app's catalogue);
the action lifecycle and the carrier-claim lifecycle as transitions tables."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ordex.accounts.models import Role


class ActionKind(models.TextChoices):
    REFUND = "refund", _("Refund")
    RESHIP = "reship", _("Reship")
    EXCHANGE = "exchange", _("Exchange")
    COMPENSATION = "compensation", _("Compensation")
    COUPON = "coupon", _("Coupon")
    PRICE_DIFFERENCE = "price_difference", _("Price difference")
    CANCEL = "cancel", _("Cancel order")
    INTERCEPT = "intercept", _("Intercept parcel")
    ADDRESS_CHANGE = "address_change", _("Address change")
    CARRIER_CLAIM = "carrier_claim", _("Carrier claim")


K = ActionKind

# Money paid out to the customer; together capped by what the order paid (+ the postage allowance).
CASH_OUT_KINDS = frozenset({K.REFUND, K.COMPENSATION, K.PRICE_DIFFERENCE, K.CANCEL})
# Kinds whose amount counts against approval limits (cash out, and coupons, which cost money too).
MONEY_KINDS = CASH_OUT_KINDS | {K.COUPON}
# Kinds that send goods again: their lines may not also be refunded.
GOODS_KINDS = frozenset({K.RESHIP, K.EXCHANGE})
# Kinds that need a parcel already on its way / not yet on its way.
NEEDS_UNSHIPPED = frozenset({K.CANCEL})
NEEDS_SHIPPED = frozenset({K.INTERCEPT})

# Who may mark an action done or failed (besides supervisors, admins and the merchant's integration).
EXECUTOR_ROLES: dict[str, frozenset[str]] = {
    K.REFUND: frozenset({Role.FINANCE}),
    K.COMPENSATION: frozenset({Role.FINANCE}),
    K.COUPON: frozenset({Role.FINANCE, Role.AGENT}),
    K.PRICE_DIFFERENCE: frozenset({Role.FINANCE}),
    K.CANCEL: frozenset({Role.FINANCE}),
    K.RESHIP: frozenset({Role.WAREHOUSE}),
    K.EXCHANGE: frozenset({Role.WAREHOUSE}),
    K.INTERCEPT: frozenset({Role.LOGISTICS}),
    K.ADDRESS_CHANGE: frozenset({Role.LOGISTICS, Role.WAREHOUSE, Role.AGENT}),
    K.CARRIER_CLAIM: frozenset({Role.LOGISTICS, Role.FINANCE}),
}
ALWAYS_EXECUTORS = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.INTEGRATION})
# Who may record money a supplier pays back for a case (a supplier chargeback).
CHARGEBACK_ROLES = frozenset({Role.FINANCE, Role.SUPERVISOR, Role.ADMIN})

# Who may record a supervisor's override (a line refunded twice, or both refunded and reshipped).
OVERRIDE_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


class ActionStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    EXECUTING = "executing", _("Executing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


S = ActionStatus

# From -> the statuses an action may move to. The only place the lifecycle is written down;
# `actions.common._move` checks it again under the order's row lock. `approved -> done` is the merchant's
# confirmation arriving before the worker recorded that it handed the request over.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.REQUESTED: frozenset({S.APPROVED, S.CANCELLED}),
    S.APPROVED: frozenset({S.EXECUTING, S.DONE, S.FAILED, S.CANCELLED}),
    S.EXECUTING: frozenset({S.DONE, S.FAILED}),
    S.DONE: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
}
# An action in one of these still commits its money and lines, and keeps its case from being resolved.
LIVE_STATUSES = frozenset({S.REQUESTED, S.APPROVED, S.EXECUTING, S.DONE})
OPEN_STATUSES = frozenset({S.REQUESTED, S.APPROVED, S.EXECUTING})


class ClaimStatus(models.TextChoices):
    FILED = "filed", _("Filed")
    EVIDENCE = "evidence", _("Evidence sent")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    PAID = "paid", _("Paid out")


C = ClaimStatus

CLAIM_TRANSITIONS: dict[str, frozenset[str]] = {
    C.FILED: frozenset({C.EVIDENCE, C.ACCEPTED, C.REJECTED}),
    C.EVIDENCE: frozenset({C.ACCEPTED, C.REJECTED}),
    C.ACCEPTED: frozenset({C.PAID}),
    C.REJECTED: frozenset(),
    C.PAID: frozenset(),
}
# Reaching one of these ends the claim, and so the action (done).
CLAIM_FINAL = frozenset({C.REJECTED, C.PAID})


class Adapter(models.TextChoices):
    LEDGER = "ledger", _("Ledger (staff carry it out by hand)")
    WEBHOOK = "webhook", _("Webhook to the merchant's system")


class Direction(models.TextChoices):
    OUT = "out", _("Out (cost)")
    IN = "in", _("In (recovered)")


class LedgerKind(models.TextChoices):
    REFUND = "refund", _("Refund")
    COMPENSATION = "compensation", _("Compensation")
    COUPON = "coupon", _("Coupon")
    PRICE_DIFFERENCE = "price_difference", _("Price difference")
    RESHIP_GOODS = "reship_goods", _("Reshipped goods at cost")
    POSTAGE = "postage", _("Postage")
    CARRIER_CLAIM = "carrier_claim", _("Carrier claim recovered")
    CHARGEBACK = "chargeback", _("Supplier chargeback")


# The ledger line a done action writes for its amount (reships write goods and postage lines instead).
LEDGER_KIND_FOR: dict[str, str] = {
    K.REFUND: LedgerKind.REFUND,
    K.CANCEL: LedgerKind.REFUND,
    K.COMPENSATION: LedgerKind.COMPENSATION,
    K.COUPON: LedgerKind.COUPON,
    K.PRICE_DIFFERENCE: LedgerKind.PRICE_DIFFERENCE,
}
# Ledger kinds that pay cash to the customer (the cap on what the order paid applies to their sum).
CASH_LEDGER_KINDS = frozenset({LedgerKind.REFUND, LedgerKind.COMPENSATION, LedgerKind.PRICE_DIFFERENCE})


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Delivered")
    DEAD = "dead", _("Given up")
