"""Templates rendered over a closed set of plain strings.

A template sees only `VARIABLES`, each a ready-made string (names masked, money formatted, times in
Asia/Shanghai): no model object reaches it, so no template can walk from the case to other data. The engine
has no loaders, no loader tags and no tag libraries ({% include %}, {% extends %} and {% load %} fail). A name outside the set renders as
a marker: `preview` refuses it (`template_missing_variable`), a real send renders it empty.
"""

from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template import Context, Engine, TemplateSyntaxError

from ordex.core.errors import InvalidInput

from .choices import Language

SHANGHAI = ZoneInfo("Asia/Shanghai")
MISSING = "\x00missing:%s\x00"

VARIABLES = (
    "shop", "customer", "order_no", "case_no", "problem", "amount", "refund_amount", "options",
    "default_option", "chosen", "deadline", "respond_by", "resolution", "carrier", "tracking_no", "link",
)



class _SandboxEngine(Engine):
    """Django's engine without {% include %}/{% extends %} (no loader tags) and no libraries to load."""

    default_builtins = ["django.template.defaulttags", "django.template.defaultfilters"]


_PREVIEW_ENGINE = _SandboxEngine(string_if_invalid=MISSING, autoescape=False, libraries={}, loaders=[])
_SEND_ENGINE = _SandboxEngine(string_if_invalid="", autoescape=False, libraries={}, loaders=[])

# Customer-facing words for the resolution codes (the agent-facing labels live in cases.choices).
RESOLUTION_WORDS = {
    "refund": ("退款", "a refund"),
    "partial_refund": ("部分退款", "a partial refund"),
    "reship": ("补发", "sending it again"),
    "exchange": ("换货", "an exchange"),
    "return_goods": ("退货退款", "return and refund"),
    "compensation": ("补偿", "compensation"),
    "price_difference": ("补差价", "paying the price difference"),
    "cancel": ("取消订单", "cancelling the order"),
    "reorder": ("改价后重新下单", "re-pricing and ordering again"),
    "keep_and_pay": ("保留商品并付款", "keeping it and paying"),
    "intercept": ("拦截包裹", "stopping the parcel"),
    "address_change": ("修改地址", "changing the address"),
    "carrier_claim": ("向快递索赔", "a claim on the carrier"),
    "wait_restock": ("等待补货", "waiting for restock"),
    "partial_shipment": ("先发有货部分", "shipping what is in stock first"),
    "substitute": ("更换同款/替代品", "a substitute"),
    "info_corrected": ("信息已更正", "details corrected"),
    "change_applied": ("已按您的申请修改", "your change applied"),
    "change_declined": ("无法修改", "the change could not be made"),
    "shipped": ("已发出", "shipped"),
    "delivered": ("已送达", "delivered"),
    "data_repaired": ("信息已修复", "details repaired"),
    "service_restored": ("服务已恢复", "service restored"),
    "explained": ("已向您说明", "explained"),
    "orders_blocked": ("已拦截订单", "orders stopped"),
    "no_action": ("无需额外处理", "nothing further needed"),
    "cleared": ("问题已消除", "the problem went away"),
}


def resolution_words(code: str, language: str) -> str:
    words = RESOLUTION_WORDS.get(code)
    if not words:
        return code
    return words[0] if language == Language.ZH_HANS else words[1]


def mask_name(name: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧***, Alice Smith -> A****"""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * min(max(len(name) - 1, 1), 4)


def money(amount: Decimal | None) -> str:
    return "" if amount is None else f"¥{Decimal(amount).quantize(Decimal('0.01'))}"


def local_time(moment, language: str) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(SHANGHAI)
    if language == Language.ZH_HANS:
        return f"{local.month}月{local.day}日 {local:%H:%M}"
    return f"{local:%d %b %H:%M} (Beijing time)"


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def _compile(engine: Engine, text: str, field: str):
    try:
        return engine.from_string(text)
    except TemplateSyntaxError as exc:
        raise InvalidInput("template_syntax", f"{field}: {exc}", field=field)


def check_syntax(subject: str, body: str) -> None:
    _compile(_PREVIEW_ENGINE, subject, "subject")
    _compile(_PREVIEW_ENGINE, body, "body")


def _only_known(context: dict) -> dict:
    unknown = set(context) - set(VARIABLES)
    if unknown:
        raise ValueError(f"not template variables: {', '.join(sorted(unknown))}")
    return {name: str(context.get(name, "")) for name in VARIABLES}


def preview(subject: str, body: str, context: dict) -> Rendered:
    """Render strictly: a variable outside `VARIABLES` (or a tag that reaches for one) refuses the
    template with `template_missing_variable`, naming it."""
    values = _only_known(context)
    out = []
    for field, text in (("subject", subject), ("body", body)):
        rendered = _compile(_PREVIEW_ENGINE, text, field).render(Context(values, autoescape=False))
        if "\x00missing:" in rendered:
            name = rendered.split("\x00missing:", 1)[1].split("\x00", 1)[0]
            raise InvalidInput("template_missing_variable",
                               f"{field} uses a variable templates cannot see: '{name}'", field=field)
        out.append(rendered)
    return Rendered(subject=out[0], body=out[1])


def render(subject: str, body: str, context: dict) -> Rendered:
    """Render for sending: whatever a template asks that is not there comes out empty."""
    values = _only_known(context)
    return Rendered(
        subject=_compile(_SEND_ENGINE, subject, "subject").render(Context(values, autoescape=False)).strip(),
        body=_compile(_SEND_ENGINE, body, "body").render(Context(values, autoescape=False)).strip(),
    )


def public_url(path: str) -> str:
    return settings.ORDEX_PUBLIC_URL.rstrip("/") + path
