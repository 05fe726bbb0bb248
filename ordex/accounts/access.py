"""Who may see and do what. One place for each question."""

import re
from dataclasses import dataclass

from ordex.core.errors import Forbidden
from ordex.core.phones import normalise_phone

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


def can_see_personal_data(principal: Principal | None) -> bool:
    """Agents, supervisors, admins and the teams that ship see phone and street; finance, integrations don't."""
    return principal is not None and principal.role in PERSONAL_DATA_ROLES


# --- personal data ----------------------------------------------------------------------------------
# Everything that masks a customer's phone, name, street, IP or email lives below: the API's edge
# (`mask_personal_data`, applied to every response), the text Ordex writes about an order
# (`personal_template` when it is stored, `render_personal` when it is read) and the pages call these.


def mask_phone(phone: str | None) -> str | None:
    """The number's first 3 and last 4 digits, whatever way it was written (a relay number's extension dropped)."""
    if not phone:
        return phone
    number = normalise_phone(phone).split("-", 1)[0]
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


# Province, city and district are not personal: only what follows them (street, building, room) is.
_REGION_PREFIX = re.compile(r"^(?:[^\d\s,，]{1,12}?(?:特别行政区|自治区|自治州|地区|省|市|区|县|旗|盟))+")


def mask_address(address: str | None) -> str | None:
    """A whole address written as one text: the region is kept, the street detail masked."""
    if not address:
        return address
    region = _REGION_PREFIX.match(address)
    keep = region.group(0) if region else ""
    return keep + (mask_detail(address[len(keep):].strip()) or "")


def mask_ip(ip: str | None) -> str | None:
    if not ip:
        return ip
    if "." in ip:
        return ".".join(ip.split(".")[:2]) + ".*.*"
    return ip.split(":", 1)[0] + ":*"


def mask_email(email: str | None) -> str | None:
    if not email:
        return email
    local, _, domain = email.partition("@")
    return (local[:1] + "***@" + domain) if domain else mask_detail(email)


MASKS = {"phone": mask_phone, "name": mask_name, "street": mask_detail, "address": mask_address,
         "ip": mask_ip, "email": mask_email}


def mask(kind: str, value):
    """The masked form of one personal value of a kind (phone, name, street, address, ip, email)."""
    return MASKS[kind](value) if isinstance(value, str) else value


# JSON keys whose values are personal data wherever they appear in a response, and (parent key, key)
# pairs for generic names that are personal only inside a person or an address.
PERSONAL_KEYS = {
    "phone": "phone", "receiver_phone": "phone", "mobile": "phone", "buyer_phone": "phone",
    "receiver_name": "name", "customer_name": "name", "buyer_name": "name",
    "address_detail": "street", "street": "street",
    "address": "address", "address_raw": "address", "address_display": "address",
    "buyer_ip": "ip", "ip": "ip", "email": "email",
}
PERSONAL_CHILD_KEYS = {
    ("customer", "name"): "name", ("receiver", "name"): "name", ("buyer", "name"): "name",
    ("address", "detail"): "street", ("address", "raw"): "address",
    ("personal", "name"): "name", ("personal", "address_raw"): "address", ("personal", "customer_name"): "name",
}
# Identifiers are never rewritten by the pattern net below (an order number is not a phone number).
IDENTIFIER_KEYS = frozenset({"order_no", "order_nos", "shipment_no", "tracking_no", "refund_no", "sku", "txn_id",
                             "id", "event_id"})
# Free text (a customer's message, an agent's note) may carry a phone, an email or an IP typed by a person.
_TEXT_PATTERNS = (
    (re.compile(r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?![0-9A-Za-z])"),
     lambda m: mask_phone(re.sub(r"\D", "", m.group(0))[-11:])),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), lambda m: mask_email(m.group(0))),
    (re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])"), lambda m: mask_ip(m.group(0))),
)


def mask_text(text: str, known: dict | None = None) -> str:
    """Free text with the personal values it quotes masked: the `known` ones (value -> masked form) and
    any phone number, email or IP address."""
    for value, masked in (known or {}).items():
        if value in text:
            text = text.replace(value, masked)
    for pattern, replace in _TEXT_PATTERNS:
        text = pattern.sub(replace, text)
    return text


def mask_personal_data(payload, principal: Principal | None = None):
    """A response body (dicts, lists, strings) as a caller without the right to personal data may see it:
    values under personal keys masked by their kind; in every other text, those same values (a customer's
    message quoting their name and street) and any phone number, email or IP masked. Returned unchanged for
    a caller with the right."""
    if principal is not None and can_see_personal_data(principal):
        return payload
    known = {}
    _collect(payload, "", known)
    # Longest first, so a whole address is masked before the street inside it.
    known = dict(sorted(known.items(), key=lambda item: -len(item[0])))
    return _masked(payload, "", known)


def _kind(parent: str, key: str) -> str | None:
    if parent == "personal" and key in MASKS:
        return key
    return PERSONAL_CHILD_KEYS.get((parent, key)) or PERSONAL_KEYS.get(key)


def _collect(value, parent: str, known: dict) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            kind = _kind(parent, key)
            if kind and isinstance(item, str) and len(item) >= 2:
                known[item] = mask(kind, item)
                if kind == "address":
                    region = _REGION_PREFIX.match(item)
                    street = item[len(region.group(0)):].strip() if region else ""
                    if len(street) >= 4:
                        known[street] = mask_detail(street)
            else:
                _collect(item, key, known)
    elif isinstance(value, list | tuple):
        for item in value:
            _collect(item, parent, known)


def _masked(value, parent: str, known: dict):
    if isinstance(value, str):
        return value if parent in IDENTIFIER_KEYS else mask_text(value, known)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            kind = _kind(parent, key)
            out[key] = mask(kind, item) if kind and isinstance(item, str) else _masked(item, key, known)
        return out
    if isinstance(value, list | tuple):
        return [_masked(item, parent, known) for item in value]
    return value


# Text Ordex writes about an order (a rule's summary, a case title, a timeline entry) is stored with
# placeholders instead of the customer's data; the values stay in the record's facts under "personal".
PLACEHOLDER = re.compile(r"\{\{(phone|name|customer_name|street|address|address_raw|ip|email)\}\}")
_PLACEHOLDER_KIND = {"address_raw": "address", "customer_name": "name"}


def personal_values(order) -> dict:
    """The personal values of an order and its customer that text about it may mention, by placeholder."""
    if order is None:
        return {}
    values = {"phone": order.phone, "name": order.receiver_name, "address_raw": order.address_raw,
              "address": order.address_display, "street": order.address_detail, "ip": order.buyer_ip or ""}
    if order.customer_id:
        customer = order._state.fields_cache.get("customer")
        name, email = ((customer.name, customer.email) if customer is not None else
                       type(order).customer.field.related_model.objects.filter(pk=order.customer_id)
                       .values_list("name", "email").first() or ("", ""))
        values.update({"customer_name": name, "email": email})
    return {key: value for key, value in values.items() if value}


def personal_template(values: dict, *items) -> tuple[list, dict]:
    """Each item (text, or facts holding text) with every personal value replaced by its placeholder, longest
    value first so a whole address wins over the street inside it; and the values that were replaced, to
    be stored with the record as its "personal" facts. Values shorter than two characters are left alone."""
    ordered = sorted(((key, value) for key, value in values.items() if len(value) >= 2), key=lambda kv: -len(kv[1]))
    used = {}

    def strip(item):
        if isinstance(item, str):
            for key, value in ordered:
                if value in item:
                    item = item.replace(value, "{{" + key + "}}")
                    used[key] = value
            return item
        if isinstance(item, dict):
            return {key: strip(value) for key, value in item.items()}
        if isinstance(item, list | tuple):
            return [strip(value) for value in item]
        return item

    return [strip(item) for item in items], used


def render_personal(item, values: dict | None, principal: Principal | None):
    """Stored text (or facts holding text) with its placeholders filled: the values themselves for a caller
    with the right to personal data, their masked forms for anyone else."""
    if isinstance(item, str):
        if "{{" not in item:
            return item
        show = can_see_personal_data(principal)
        values = values or {}

        def fill(match):
            key = match.group(1)
            value = values.get(key, "")
            return value if show else (mask(_PLACEHOLDER_KIND.get(key, key), value) or "")

        return PLACEHOLDER.sub(fill, item)
    if isinstance(item, dict):
        return {key: render_personal(value, values, principal) for key, value in item.items()}
    if isinstance(item, list):
        return [render_personal(value, values, principal) for value in item]
    return item


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
