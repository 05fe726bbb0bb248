"""What notify does when a case or one of its actions changes: the outbox rows of the moment, written inside
the transaction of the change (registered on `ordex.cases.hooks` and `ordex.resolutions.hooks` in apps.py)."""

from ordex.cases import hooks
from ordex.cases.choices import ChoiceSource, Resolution
from ordex.cases.models import Case
from ordex.resolutions import hooks as action_hooks
from ordex.resolutions.choices import ActionKind, ActionStatus
from ordex.resolutions.models import Action

from .actions import enqueue
from .choices import Moment

# The action kinds whose completion the customer hears about: money back, goods sent again.
REFUND_KINDS = frozenset({ActionKind.REFUND, ActionKind.CANCEL})
RESHIP_KINDS = frozenset({ActionKind.RESHIP, ActionKind.EXCHANGE})


def on_case_opened(event: hooks.CaseOpened) -> None:
    enqueue(event.case, Moment.OPENED, at=event.at)


def on_choice_offered(event: hooks.ChoiceOffered) -> None:
    enqueue(event.case, Moment.CHOICE_OFFERED, at=event.choice.offered_at)


def on_choice_settled(event: hooks.ChoiceSettled) -> None:
    if event.source == ChoiceSource.DEFAULT:
        enqueue(Case.objects.select_related("type").get(pk=event.case_id), Moment.DEFAULT_APPLIED, at=event.at)


def on_case_resolved(event: hooks.CaseResolved) -> None:
    """A condition that went away by itself tells nobody anything (live, or a case a history import
    recorded as already over). The refund and the reship are told when their action is done."""
    if event.resolution == Resolution.CLEARED:
        return
    enqueue(event.case, Moment.RESOLVED, at=event.at)


def on_action_changed(event: action_hooks.ActionChanged) -> None:
    """A refund or cancel done is "refund sent" (with the amount refunded); a reship or exchange done is
    "reship dispatched" (with the tracking number staff recorded, else the order's latest parcel). A
    withdrawn or historical case hears nothing (`enqueue` asks `tells_customer`)."""
    if event.to_status != ActionStatus.DONE or event.kind not in REFUND_KINDS | RESHIP_KINDS:
        return
    case = Case.objects.select_related("type").get(pk=event.case_id)
    if event.kind in REFUND_KINDS:
        enqueue(case, Moment.REFUND_SENT, at=event.at, details={"refund_amount": str(event.amount)})
        return
    reference = Action.objects.filter(pk=event.action_id).values_list("reference", flat=True).first()
    enqueue(case, Moment.RESHIP_DISPATCHED, at=event.at, details={"tracking_no": reference} if reference else {})
