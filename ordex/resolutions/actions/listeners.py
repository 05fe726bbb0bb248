"""The functions resolutions fills into the cases app's hooks: the resolve guard and the action a
customer's settled choice creates."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ordex.cases.choices import ChoiceSource, Resolution, TimelineKind
from ordex.cases.hooks import ChoiceSettled
from ordex.cases.models import Case, TimelineEntry
from ordex.core.errors import DomainError
from ordex.core.text import stored_text
from ordex.orders import queries as hub

from .. import config
from ..choices import GOODS_KINDS, OPEN_STATUSES
from ..models import Action
from .common import K, _name, _user
from .request import ActionRequest, LineRequest, request_action


def refuse_resolve_with_open_actions(case: Case) -> None:
    """Resolve guard: a case is not resolved while one of its actions is requested, approved or executing."""
    action = Action.objects.filter(case_id=case.pk, status__in=sorted(OPEN_STATUSES)).order_by("pk").first()
    if action is not None:
        raise DomainError("action_open", f"action #{action.pk} ({action.kind}) is still {action.status}",
                          field=f"actions.{action.pk}")


def action_for_settled_choice(event: ChoiceSettled) -> None:
    """A customer's choice (or the default when the deadline passed) creates the matching action, requested
    by whoever recorded the choice (the system for a default, so a person approves it). When the action
    cannot be derived or is refused (e.g. the order shipped), the case's timeline says so instead."""
    case = Case.objects.select_related("type").get(pk=event.case_id)
    kinds = config.kinds_for_resolutions([event.chosen])
    if not kinds or case.order_id is None:
        return
    kind = kinds[0]
    order_lines = hub.lines_of(case.order_id)
    chosen = dict(Resolution.choices).get(event.chosen, event.chosen)
    request = ActionRequest(kind=kind, reason=stored_text(_("Customer's choice: %(chosen)s (%(source)s)"), chosen=chosen,
                                                          source=dict(ChoiceSource.choices).get(event.source, event.source)))
    if kind in GOODS_KINDS:
        request = ActionRequest(kind=kind, reason=request.reason,
                                lines=tuple(LineRequest(sku=line.sku, qty=line.qty, line_no=line.line_no)
                                            for line in order_lines))
    elif kind in (K.COMPENSATION, K.COUPON):
        suggestion = config.suggestion(case, kind)
        if suggestion is None:
            _note(case, event, stored_text(_("%(kind)s chosen: the agent sets the amount and requests it"),
                                           kind=K(kind).label))
            return
        request = ActionRequest(kind=kind, reason=request.reason, amount=suggestion.amount,
                                details={"suggested_by": suggestion.source})
    elif kind == K.ADDRESS_CHANGE:
        _note(case, event, stored_text(_("Address change chosen: the agent records the new address and requests it")))
        return
    try:
        with transaction.atomic():
            request_action(case.pk, actor=event.actor, request=request, idempotency_key=f"choice:{event.choice_id}")
    except DomainError as refused:
        _note(case, event, stored_text(_("No %(kind)s created: %(why)s"), kind=K(kind).label, why=refused.in_words()),
              refused=refused.code)


def _note(case: Case, event: ChoiceSettled, message: str, **data) -> None:
    TimelineEntry.objects.create(case=case, at=event.at, actor=_user(event.actor), actor_name=_name(event.actor),
                                 kind=TimelineKind.ACTION, message=message, data={"chosen": event.chosen, **data})
