"""Every status set of the cases app, once, with zh/en labels; and the lifecycle's transitions table."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    TRIAGED = "triaged", _("Triaged")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for customer")
    WAITING_THIRD_PARTY = "waiting_third_party", _("Waiting for third party")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("False positive")
    REOPENED = "reopened", _("Reopened")
    # Set only by the system: late data showed, by `occurred_at`, that the condition never held. Not an
    # exception (reports skip it), not a false positive of the rule, no SLA, no customer message.
    WITHDRAWN = "withdrawn", _("Withdrawn")


S = CaseStatus

# From -> the statuses a case may move to. The only place the lifecycle is written down;
# `actions.transition` checks it again under the case's row lock.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.TRIAGED, S.IN_PROGRESS, S.REJECTED, S.RESOLVED, S.WITHDRAWN}),
    S.TRIAGED: frozenset({S.IN_PROGRESS, S.WAITING_CUSTOMER, S.WAITING_THIRD_PARTY, S.REJECTED, S.RESOLVED,
                          S.WITHDRAWN}),
    S.IN_PROGRESS: frozenset({S.WAITING_CUSTOMER, S.WAITING_THIRD_PARTY, S.RESOLVED, S.REJECTED, S.WITHDRAWN}),
    S.WAITING_CUSTOMER: frozenset({S.IN_PROGRESS, S.RESOLVED, S.WITHDRAWN}),
    S.WAITING_THIRD_PARTY: frozenset({S.IN_PROGRESS, S.RESOLVED, S.WITHDRAWN}),
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED, S.WITHDRAWN}),
    S.CLOSED: frozenset({S.REOPENED}),
    S.REJECTED: frozenset({S.REOPENED}),
    S.REOPENED: frozenset({S.TRIAGED, S.IN_PROGRESS, S.WAITING_CUSTOMER, S.WAITING_THIRD_PARTY, S.RESOLVED, S.REJECTED,
                           S.WITHDRAWN}),
    S.WITHDRAWN: frozenset({S.REOPENED}),
}
# Only the system moves a case here (`actions.withdraw_finding`), never a person.
SYSTEM_ONLY_STATUSES = frozenset({S.WITHDRAWN})

# A case in one of these is "open": it holds the (order, type) slot and its SLA clock runs.
OPEN_STATUSES = frozenset(
    {S.NEW, S.TRIAGED, S.IN_PROGRESS, S.WAITING_CUSTOMER, S.WAITING_THIRD_PARTY, S.REOPENED}
)
ENDED_STATUSES = frozenset({S.RESOLVED, S.CLOSED, S.REJECTED, S.WITHDRAWN})
# Ended cases a new finding of the same (order, type) may land on (within REOPEN_WINDOW of `ended_at`): a
# withdrawn case is not one, since the condition it claimed never held; a real one later is a new case.
FINDING_TARGET_STATUSES = frozenset({S.RESOLVED, S.CLOSED, S.REJECTED})
# Statuses after which a new finding reopens the case (within REOPEN_WINDOW of `ended_at`).
REOPENABLE_STATUSES = frozenset({S.RESOLVED, S.CLOSED})
# Always stops the SLA clock; WAITING_THIRD_PARTY stops it only when the SLA policy says so.
ALWAYS_PAUSED_STATUSES = frozenset({S.WAITING_CUSTOMER})


class Severity(models.TextChoices):
    P1 = "p1", _("P1 critical")
    P2 = "p2", _("P2 high")
    P3 = "p3", _("P3 medium")
    P4 = "p4", _("P4 low")


class Family(models.TextChoices):
    ORDER = "order", _("Order")
    PAYMENT = "payment", _("Payment")
    PRICE = "price", _("Price")
    STOCK = "stock", _("Stock")
    FULFILMENT = "fulfilment", _("Fulfilment")
    LOGISTICS = "logistics", _("Logistics")
    AFTER_SALES = "after_sales", _("After-sales")
    SYSTEM = "system", _("System")


class Resolution(models.TextChoices):
    """Known outcomes. Exception types list the ones they allow (admins may add codes of their own)."""

    REFUND = "refund", _("Refund")
    PARTIAL_REFUND = "partial_refund", _("Partial refund")
    RESHIP = "reship", _("Reship")
    EXCHANGE = "exchange", _("Exchange")
    RETURN_GOODS = "return_goods", _("Return and refund")
    COMPENSATION = "compensation", _("Compensation")
    PRICE_DIFFERENCE = "price_difference", _("Pay the price difference")
    CANCEL = "cancel", _("Cancel")
    REORDER = "reorder", _("Re-price and reorder")
    KEEP_AND_PAY = "keep_and_pay", _("Keep and pay")
    INTERCEPT = "intercept", _("Intercept")
    ADDRESS_CHANGE = "address_change", _("Address change")
    CARRIER_CLAIM = "carrier_claim", _("Carrier claim")
    WAIT_RESTOCK = "wait_restock", _("Wait for restock")
    PARTIAL_SHIPMENT = "partial_shipment", _("Partial shipment")
    SUBSTITUTE = "substitute", _("Substitute")
    INFO_CORRECTED = "info_corrected", _("Information corrected")
    CHANGE_APPLIED = "change_applied", _("Change applied")
    CHANGE_DECLINED = "change_declined", _("Change declined")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    DATA_REPAIRED = "data_repaired", _("Data repaired")
    SERVICE_RESTORED = "service_restored", _("Service restored")
    EXPLAINED = "explained", _("Explained")
    ORDERS_BLOCKED = "orders_blocked", _("Orders blocked")
    NO_ACTION = "no_action", _("No action")
    # Set only by the system when the condition that opened the case went away by itself.
    CLEARED = "cleared", _("Cleared")


class StepStatus(models.TextChoices):
    OPEN = "open", _("To do")
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Skipped")


class TimelineKind(models.TextChoices):
    OPENED = "opened", _("Case opened")
    FINDING = "finding", _("New finding")
    CLEARED = "cleared", _("Condition cleared")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    TRANSITION = "transition", _("Status change")
    NOTE = "note", _("Note")
    STEP = "step", _("Step")
    ASSIGNMENT = "assignment", _("Assignment")
    TRANSFER = "transfer", _("Department transfer")
    ESCALATION = "escalation", _("Escalation")
    EVIDENCE = "evidence", _("Evidence")
    ORDER_LINKED = "order_linked", _("Order linked")
    INCIDENT = "incident", _("Added to an incident")
    CHOICE_OFFERED = "choice_offered", _("Choice offered")
    CHOICE_RECORDED = "choice_recorded", _("Choice recorded")
    CHOICE_DEFAULTED = "choice_defaulted", _("Default applied")
    SLA_NEAR_BREACH = "sla_near_breach", _("SLA near breach")
    SLA_BREACH = "sla_breach", _("SLA breach")
    RESPONSE_BREACH = "response_breach", _("First response breach")
    DEPARTMENT_BREACH = "department_breach", _("Department clock breach")
    ACTION = "action", _("Resolution action")
    MESSAGE = "message", _("Customer message")
    MESSAGE_FAILED = "message_failed", _("Message failed")


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MONITORING = "monitoring", _("Monitoring")
    RESOLVED = "resolved", _("Resolved")


class ChoiceStatus(models.TextChoices):
    OPEN = "open", _("Awaiting the customer's choice")
    CHOSEN = "chosen", _("Chosen")
    DEFAULTED = "defaulted", _("Defaulted")


class ChoiceSource(models.TextChoices):
    AGENT = "agent", _("Recorded by an agent")
    CUSTOMER = "customer", _("Chosen by the customer")
    DEFAULT = "default", _("Default")


class EvidenceKind(models.TextChoices):
    FINDING = "finding", _("Rule finding")
    UPLOAD = "upload", _("Uploaded file")


class NotificationKind(models.TextChoices):
    NEAR_BREACH = "near_breach", _("Near breach")
    BREACH = "breach", _("Breach")
    DEPARTMENT_BREACH = "department_breach", _("Department breach")
    ASSIGNED = "assigned", _("Assigned")
    ESCALATED = "escalated", _("Escalated")
    FOLLOW_UP = "follow_up", _("Follow-up")
