"""Who may see and do what. One place for each question."""

from dataclasses import dataclass

from ordex.core.errors import Forbidden

from .models import Role

PERSONAL_DATA_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.LOGISTICS, Role.WAREHOUSE})


@dataclass(frozen=True)
class Principal:
    """Whoever is calling: a logged-in user or an API token."""

    role: str
    name: str
    user: object | None = None
    department_code: str | None = None
    token_id: int | None = None

    @property
    def user_id(self):
        return getattr(self.user, "pk", None)


def principal_for_user(user) -> Principal:
    role = Role.ADMIN if user.is_superuser else user.role
    return Principal(
        role=role,
        name=user.get_username(),
        user=user,
        department_code=user.department.code if user.department_id else None,
    )


def require_role(principal: Principal, *roles: str) -> None:
    if principal.role == Role.ADMIN or principal.role in roles:
        return
    raise Forbidden("forbidden", f"role '{principal.role}' may not do this; allowed: {', '.join(roles)}")


def can_see_personal_data(principal: Principal) -> bool:
    """Agents, supervisors, admins and the teams that ship see phone and street; finance, integrations don't."""
    return principal.role in PERSONAL_DATA_ROLES


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    number = phone.split("-", 1)[0]
    if len(number) >= 7:
        return number[:3] + "****" + number[-4:]
    return "*" * len(number)


def mask_name(name: str | None) -> str | None:
    """The family name only (Chinese names put it first): 张三 -> 张**."""
    if not name:
        return name
    return name[:1] + "**"


def mask_detail(detail: str | None) -> str | None:
    """Keep the first few characters of a street address so the agent can recognise the area only."""
    if not detail:
        return detail
    keep = min(3, len(detail) // 3)
    return detail[:keep] + "****"


def order_contact(order, *, unmasked: bool) -> dict:
    """The receiver's name, phone and address of an order, masked unless `unmasked` (callers pass True only
    for a principal who may see personal data, and on a page only after recording the reveal)."""
    if unmasked:
        return {"receiver_name": order.receiver_name, "phone": order.phone, "address": order.address_display}
    return {
        "receiver_name": mask_name(order.receiver_name) or "",
        "phone": mask_phone(order.phone) or "",
        "address": "".join((order.province, order.city, order.district, mask_detail(order.address_detail) or "")),
    }
