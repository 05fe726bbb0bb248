"""Money a supplier pays back for a case: one ledger line in."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ordex.accounts.access import Principal
from ordex.cases.choices import TimelineKind
from ordex.cases.models import TimelineEntry
from ordex.core.errors import Forbidden, InvalidInput
from ordex.core.text import stored_text
from ordex.core.writers import write_transaction
from ordex.orders import queries as hub

from ..choices import CHARGEBACK_ROLES, Direction, LedgerKind
from ..models import LedgerLine
from ..money import to_money
from .common import _lock_case, _name, _user


@dataclass(frozen=True)
class Chargeback:
    line: LedgerLine
    created: bool  # False: this key and request were answered before; this is that first answer


@write_transaction
def record_chargeback(case_id: int, *, actor: Principal, amount: Decimal, supplier: str, reference: str = "",
                      idempotency_key: str) -> Chargeback:
    """Money the supplier paid back for the case (a quality fault charged to them): one ledger line in
    (kind chargeback), which lowers the case's net cost. Finance, supervisors and admins record it; the key
    makes a retry answer with the first line (another amount or supplier under the same key is refused).
    It is a record, not a remedy: the case may be open or already resolved."""
    if actor.role not in CHARGEBACK_ROLES:
        raise Forbidden("forbidden", f"role '{actor.role}' may not record supplier chargebacks")
    supplier = supplier.strip()
    if not supplier:
        raise InvalidInput("supplier_required", "a chargeback names the supplier who pays", field="supplier")
    if amount is None or to_money(amount) <= 0:
        raise InvalidInput("invalid_amount", "a chargeback is a positive amount", field="amount")
    if not idempotency_key:
        raise InvalidInput("idempotency_key_required", "a chargeback needs an Idempotency-Key",
                           field="Idempotency-Key")
    if len(idempotency_key) > 200:
        raise InvalidInput("invalid_idempotency_key", "an Idempotency-Key has 1 to 200 characters",
                           field="Idempotency-Key")
    amount = to_money(amount)
    case = _lock_case(case_id)
    if case.order_id is None:
        raise InvalidInput("order_required", f"case {case.pk} is not about an order", field="case")
    order = hub.order_for_update(case.order_id)
    key = f"chargeback:{idempotency_key}"
    note = f"supplier {supplier}" + (f", {reference.strip()}" if reference.strip() else "")
    existing = LedgerLine.objects.filter(order=order, idempotency_key=key).first()
    if existing is not None:
        if (existing.case_id, existing.amount, existing.note) != (case.pk, amount, note[:300]):
            raise InvalidInput("idempotency_key_reused", f"key '{idempotency_key}' was used for another chargeback",
                               field="Idempotency-Key")
        return Chargeback(line=existing, created=False)
    at = timezone.now()
    line = LedgerLine.objects.create(order=order, case=case, action=None, kind=LedgerKind.CHARGEBACK,
                                     direction=Direction.IN, amount=amount, idempotency_key=key, actor=_user(actor),
                                     actor_name=_name(actor), at=at, note=note[:300])
    TimelineEntry.objects.create(case=case, at=at, actor=_user(actor), actor_name=_name(actor),
                                 kind=TimelineKind.ACTION, message=stored_text(
                                     _("Supplier chargeback ¥%(amount)s: %(supplier)s"), amount=amount,
                                     supplier=f"{supplier}, {reference.strip()}" if reference.strip() else supplier),
                                 data={"ledger_line_id": line.pk, "kind": LedgerKind.CHARGEBACK, "amount": str(amount),
                                       "supplier": supplier, "reference": reference.strip()})
    return Chargeback(line=line, created=True)
