"""Every status set of the cases app, once, with zh/en labels; and the lifecycle's transitions table."""

from django.db import models


class CaseStatus(models.TextChoices):
    NEW = "new", "新建 new"
    TRIAGED = "triaged", "已分诊 triaged"
    IN_PROGRESS = "in_progress", "处理中 in progress"
    WAITING_CUSTOMER = "waiting_customer", "等待客户 waiting for customer"
    WAITING_THIRD_PARTY = "waiting_third_party", "等待第三方 waiting for third party"
    RESOLVED = "resolved", "已解决 resolved"
    CLOSED = "closed", "已关闭 closed"
    REJECTED = "rejected", "误报驳回 rejected"
    REOPENED = "reopened", "重新打开 reopened"
    # Set only by the system: late data showed, by `occurred_at`, that the condition never held. Not an
    # exception (reports skip it), not a false positive of the rule, no SLA, no customer message.
    WITHDRAWN = "withdrawn", "已撤回 withdrawn"


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
    P1 = "p1", "P1 紧急 critical"
    P2 = "p2", "P2 高 high"
    P3 = "p3", "P3 中 medium"
    P4 = "p4", "P4 低 low"


class Family(models.TextChoices):
    ORDER = "order", "订单 order"
    PAYMENT = "payment", "支付 payment"
    PRICE = "price", "价格 price"
    STOCK = "stock", "库存 stock"
    FULFILMENT = "fulfilment", "履约 fulfilment"
    LOGISTICS = "logistics", "物流 logistics"
    AFTER_SALES = "after_sales", "售后 after-sales"
    SYSTEM = "system", "系统 system"


class Resolution(models.TextChoices):
    """Known outcomes. Exception types list the ones they allow (admins may add codes of their own)."""

    REFUND = "refund", "退款 refund"
    PARTIAL_REFUND = "partial_refund", "部分退款 partial refund"
    RESHIP = "reship", "补发 reship"
    EXCHANGE = "exchange", "换货 exchange"
    RETURN_GOODS = "return_goods", "退货退款 return and refund"
    COMPENSATION = "compensation", "补偿 compensation"
    PRICE_DIFFERENCE = "price_difference", "补差价 pay the price difference"
    CANCEL = "cancel", "取消订单 cancel"
    REORDER = "reorder", "改价后重新下单 re-price and reorder"
    KEEP_AND_PAY = "keep_and_pay", "保留并付款 keep and pay"
    INTERCEPT = "intercept", "拦截 intercept"
    ADDRESS_CHANGE = "address_change", "修改地址 address change"
    CARRIER_CLAIM = "carrier_claim", "快递理赔 carrier claim"
    WAIT_RESTOCK = "wait_restock", "等待补货 wait for restock"
    PARTIAL_SHIPMENT = "partial_shipment", "分批发货 partial shipment"
    SUBSTITUTE = "substitute", "更换同款/替代品 substitute"
    INFO_CORRECTED = "info_corrected", "信息已更正 information corrected"
    CHANGE_APPLIED = "change_applied", "已按申请变更 change applied"
    CHANGE_DECLINED = "change_declined", "无法变更 change declined"
    SHIPPED = "shipped", "已发出 shipped"
    DELIVERED = "delivered", "已送达 delivered"
    DATA_REPAIRED = "data_repaired", "数据已修复 data repaired"
    SERVICE_RESTORED = "service_restored", "服务已恢复 service restored"
    EXPLAINED = "explained", "已解释说明 explained"
    ORDERS_BLOCKED = "orders_blocked", "已拦截订单 orders blocked"
    NO_ACTION = "no_action", "无需处理 no action"
    # Set only by the system when the condition that opened the case went away by itself.
    CLEARED = "cleared", "条件已消除 cleared"


class StepStatus(models.TextChoices):
    OPEN = "open", "待办 open"
    DONE = "done", "已完成 done"
    SKIPPED = "skipped", "已跳过 skipped"


class TimelineKind(models.TextChoices):
    OPENED = "opened", "创建 opened"
    FINDING = "finding", "新发现 finding"
    CLEARED = "cleared", "条件消除 condition cleared"
    WITHDRAWN = "withdrawn", "撤回 withdrawn"
    TRANSITION = "transition", "状态变更 status change"
    NOTE = "note", "备注 note"
    STEP = "step", "步骤 step"
    ASSIGNMENT = "assignment", "指派 assignment"
    TRANSFER = "transfer", "转部门 department transfer"
    ESCALATION = "escalation", "升级 escalation"
    EVIDENCE = "evidence", "证据 evidence"
    ORDER_LINKED = "order_linked", "关联订单 order linked"
    INCIDENT = "incident", "归入事件 incident"
    CHOICE_OFFERED = "choice_offered", "提供方案 choice offered"
    CHOICE_RECORDED = "choice_recorded", "客户选择 choice recorded"
    CHOICE_DEFAULTED = "choice_defaulted", "超时默认方案 default applied"
    SLA_NEAR_BREACH = "sla_near_breach", "即将超时 SLA near breach"
    SLA_BREACH = "sla_breach", "已超时 SLA breach"
    RESPONSE_BREACH = "response_breach", "首次响应超时 first response breach"
    DEPARTMENT_BREACH = "department_breach", "部门时限超时 department clock breach"
    ACTION = "action", "处理动作 resolution action"
    MESSAGE = "message", "客户消息 customer message"
    MESSAGE_FAILED = "message_failed", "消息发送失败 message failed"


class IncidentStatus(models.TextChoices):
    OPEN = "open", "处理中 open"
    MONITORING = "monitoring", "观察中 monitoring"
    RESOLVED = "resolved", "已解决 resolved"


class ChoiceStatus(models.TextChoices):
    OPEN = "open", "等待客户选择 open"
    CHOSEN = "chosen", "已选择 chosen"
    DEFAULTED = "defaulted", "超时默认 defaulted"


class ChoiceSource(models.TextChoices):
    AGENT = "agent", "客服代录 agent"
    CUSTOMER = "customer", "客户自选 customer"
    DEFAULT = "default", "超时默认 default"


class EvidenceKind(models.TextChoices):
    FINDING = "finding", "规则发现 finding"
    UPLOAD = "upload", "上传文件 upload"


class NotificationKind(models.TextChoices):
    NEAR_BREACH = "near_breach", "即将超时 near breach"
    BREACH = "breach", "已超时 breach"
    DEPARTMENT_BREACH = "department_breach", "部门超时 department breach"
    ASSIGNED = "assigned", "新指派 assigned"
    ESCALATED = "escalated", "人工升级 escalated"
    FOLLOW_UP = "follow_up", "回访 follow-up"
