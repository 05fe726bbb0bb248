"""What notify does when a case changes: the outbox rows of the moment, written inside the case action's
transaction (registered on `ordex.cases.hooks` in apps.py)."""

from ordex.cases import hooks
from ordex.cases.choices import ChoiceSource, Resolution
from ordex.cases.models import Case

from .actions import REFUND_RESOLUTIONS, RESHIP_RESOLUTIONS, enqueue
from .choices import Moment


def on_case_opened(event: hooks.CaseOpened) -> None:
    enqueue(event.case, Moment.OPENED, at=event.at)


def on_choice_offered(event: hooks.ChoiceOffered) -> None:
    enqueue(event.case, Moment.CHOICE_OFFERED, at=event.choice.offered_at)


def on_choice_settled(event: hooks.ChoiceSettled) -> None:
    if event.source == ChoiceSource.DEFAULT:
        enqueue(Case.objects.select_related("type").get(pk=event.case_id), Moment.DEFAULT_APPLIED, at=event.at)


def on_case_resolved(event: hooks.CaseResolved) -> None:
    """A condition that went away by itself tells nobody anything. Until the resolutions app reports its
    actions done, a refund or reship resolution is the moment the money or goods left."""
    if event.resolution == Resolution.CLEARED:
        return
    if event.resolution in REFUND_RESOLUTIONS:
        enqueue(event.case, Moment.REFUND_SENT, at=event.at)
    elif event.resolution in RESHIP_RESOLUTIONS:
        enqueue(event.case, Moment.RESHIP_DISPATCHED, at=event.at)
    enqueue(event.case, Moment.RESOLVED, at=event.at)
