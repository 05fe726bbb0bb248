"""The customer's choice among resolutions: offered with a deadline, recorded, or defaulted when it passes."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordex.accounts.access import Principal
from ordex.core.errors import DomainError, InvalidInput
from ordex.core.text import stored_text, stored_time

from .. import hooks
from ..choices import CaseStatus, ChoiceSource, ChoiceStatus, Resolution, TimelineKind
from ..models import Case, CustomerChoice, TimelineEntry
from .common import _entry, _lock_case, _require_open
from .lifecycle import _apply_transition


def _labels(codes: Sequence[str]) -> list:
    """Resolution codes as words (the stored text renders them in its language)."""
    return [Resolution(code).label if code in Resolution.values else code for code in codes]


@transaction.atomic
def offer_choice(case_id: int, *, actor: Principal, options: Sequence[str] = (), deadline_hours: int | None = None,
                 at: datetime | None = None) -> CustomerChoice:
    """Offer the customer resolutions (default: all the type allows) with a deadline (default: the type's,
    48 h). The case moves to waiting_customer (so it must be triaged first), which stops its SLA clock."""
    case = _lock_case(case_id, actor)
    _require_open(case)
    allowed = case.type.allowed_resolutions
    options = list(options) or list(allowed)
    unknown = [option for option in options if option not in allowed]
    if unknown or not options:
        raise InvalidInput("resolution_not_allowed", f"not resolutions of {case.type.code}: {', '.join(unknown)}",
                           field="options")
    if CustomerChoice.objects.filter(case=case, status=ChoiceStatus.OPEN).exists():
        raise DomainError("choice_already_open", f"case {case.pk} already waits for the customer's choice")
    at = at or timezone.now()
    hours = deadline_hours if deadline_hours is not None else case.type.choice_deadline_hours
    choice = CustomerChoice.objects.create(case=case, options=options, offered_at=at, deadline_at=at + timedelta(hours=hours))
    entries = [_entry(case, actor, TimelineKind.CHOICE_OFFERED, stored_text(_("Offered: %(options)s"), options=_labels(options)), at=at,
                      options=options, deadline_at=choice.deadline_at.isoformat())]
    if case.status != CaseStatus.WAITING_CUSTOMER:
        entries.append(_apply_transition(case, CaseStatus.WAITING_CUSTOMER, actor, at=at, reason=stored_text(_("Waiting for the customer's choice"))))
    TimelineEntry.objects.bulk_create(entries)
    hooks.choice_offered(hooks.ChoiceOffered(case=case, choice=choice))
    return choice


def _settle_choice(case: Case, choice: CustomerChoice, chosen: str, source: str, actor, at: datetime,
                   kind: str, message: str) -> None:
    choice.chosen, choice.chosen_at, choice.source = chosen, at, source
    choice.status = ChoiceStatus.DEFAULTED if source == ChoiceSource.DEFAULT else ChoiceStatus.CHOSEN
    choice.save(update_fields=["chosen", "chosen_at", "source", "status"])
    case.chosen_resolution = chosen
    case.save(update_fields=["chosen_resolution", "updated_at"])
    entries = [_entry(case, actor, kind, message, at=at, chosen=chosen, source=source)]
    if case.status == CaseStatus.WAITING_CUSTOMER:
        entries.append(_apply_transition(case, CaseStatus.IN_PROGRESS, actor, at=at,
                                         reason=stored_text(_("The customer's choice is settled"))))
    TimelineEntry.objects.bulk_create(entries)
    hooks.choice_settled(hooks.ChoiceSettled(case_id=case.pk, chosen=chosen, source=source, at=at,
                                             choice_id=choice.pk, actor=actor))


@transaction.atomic
def record_choice(case_id: int, *, actor: Principal | None, chosen: str, source: str = ChoiceSource.AGENT) -> CustomerChoice:
    """Record the customer's choice among the offered options (by the agent, or the customer's link)."""
    case = _lock_case(case_id, actor)
    choice = CustomerChoice.objects.select_for_update().filter(case=case, status=ChoiceStatus.OPEN).first()
    if choice is None:
        raise DomainError("no_open_choice", f"case {case.pk} has no choice waiting for the customer")
    if chosen not in choice.options:
        raise InvalidInput("choice_not_offered", f"'{chosen}' was not offered (offered: {', '.join(choice.options)})",
                           field="chosen")
    at = timezone.now()
    if at > choice.deadline_at:
        raise DomainError("choice_deadline_passed", f"the deadline {choice.deadline_at.isoformat()} has passed")
    _settle_choice(case, choice, chosen, source, actor, at, TimelineKind.CHOICE_RECORDED, stored_text(_("The customer chose %(chosen)s"), chosen=_labels([chosen])))
    return choice


def apply_expired_choices(as_of: datetime | None = None) -> int:
    """For each choice whose deadline passed by `as_of`, record the type's default resolution (or the
    first option when the default was not offered) as of the deadline. Returns how many."""
    as_of = as_of or timezone.now()
    due = list(CustomerChoice.objects.filter(chosen_at__isnull=True, deadline_at__lte=as_of)
               .order_by("deadline_at").values_list("case_id", flat=True))
    applied = 0
    for case_id in due:
        with transaction.atomic():
            case = _lock_case(case_id)
            choice = CustomerChoice.objects.select_for_update().filter(
                case=case, status=ChoiceStatus.OPEN, deadline_at__lte=as_of
            ).first()
            if choice is None:
                continue
            default = case.type.default_resolution
            chosen = default if default in choice.options else choice.options[0]
            _settle_choice(
                case, choice, chosen, ChoiceSource.DEFAULT, None, choice.deadline_at, TimelineKind.CHOICE_DEFAULTED,
                stored_text(_("No choice by %(deadline)s: the default %(chosen)s applies; the customer is told"),
                        deadline=stored_time(choice.deadline_at), chosen=_labels([chosen])),
            )
            applied += 1
    return applied
