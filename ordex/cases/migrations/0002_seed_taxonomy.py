"""Seed data: the three calendars, SLA policies, department clocks and every exception type of the
taxonomy with its playbook. Playbooks are ours, written from the processes in shared/seeds (000-004):
contact and verify first, agree a remedy with the customer, carry it out, follow up until it lands.
Admins edit all of it afterwards; this migration only fills an empty database."""

from datetime import time

from django.db import migrations

CALENDARS = [
    # code, zh, en, observe_holidays, {weekday: [(start, end)]}
    ("office", "办公日历", "Office hours", True, {d: [(time(9), time(18))] for d in range(5)}),
    ("service", "客服日历", "Service desk", False, {d: [(time(9), time(21))] for d in range(7)}),
    ("always", "全天候", "24x7", False, {d: [(time(0), time(0))] for d in range(7)}),
]

POLICIES = [
    # code, name, calendar, pause_on_third_party, reassign_on_breach, {severity: (first response, resolution) minutes}
    ("office", "Back office (office hours)", "office", False, False,
     {"p1": (60, 240), "p2": (120, 480), "p3": (240, 960), "p4": (480, 2400)}),
    ("service", "Customer service (service desk hours)", "service", False, False,
     {"p1": (30, 240), "p2": (60, 480), "p3": (120, 1440), "p4": (240, 2880)}),
    ("carrier", "Carrier-dependent (clock stops while the carrier answers)", "service", True, False,
     {"p1": (60, 480), "p2": (120, 1440), "p3": (240, 2880), "p4": (480, 4320)}),
    ("system", "System (24x7, reassign on breach)", "always", False, True,
     {"p1": (15, 120), "p2": (30, 240), "p3": (60, 480), "p4": (240, 1440)}),
]

DEPARTMENT_CLOCKS = [
    ("customer_service", "service", 480),
    ("warehouse", "office", 480),
    ("logistics", "service", 960),
    ("finance", "office", 480),
    ("procurement", "office", 960),
    ("operations", "office", 480),
    ("it", "always", 240),
    ("quality", "office", 960),
]

A, W, L, F, S = "agent", "warehouse", "logistics", "finance", "supervisor"
REQ, OPT = True, False

# code, family, zh, en, department, severity, policy, resolutions (first is offered first), default, steps
TYPES = [
    ("customer_info_error", "order", "客户信息错误", "Customer information error", "customer_service", "p3", "service",
     ["info_corrected", "address_change", "cancel"], "cancel", [
         (A, REQ, "联系客户（电话/在线）说明地址或电话有误，核对正确信息", "Contact the customer by phone or chat and verify the correct details"),
         (A, OPT, "客户暂时无法提供时，告知可能的延迟或无法送达风险", "If the customer cannot confirm yet, explain the risk of delay or failed delivery"),
         (A, REQ, "在订单中更新客户确认的信息", "Update the order with the details the customer confirmed"),
         (W, REQ, "通知仓储/物流按新信息处理订单", "Tell warehouse and logistics to work from the new details"),
     ]),
    ("duplicate_order", "order", "订单重复提交", "Duplicate order", "customer_service", "p3", "service",
     ["cancel", "return_goods", "keep_and_pay", "no_action"], "cancel", [
         (A, REQ, "查询订单系统，确认重复订单是否已处理/发货", "Check whether the duplicate has already been processed or shipped"),
         (A, REQ, "未发货：取消重复订单，如已支付提醒客户留意退款", "Unshipped: cancel the duplicate and, if paid, tell the customer the refund is on its way"),
         (A, OPT, "已发货：说明情况，建议退货或保留并付款", "Shipped: explain and offer return or keep-and-pay"),
         (F, OPT, "核对重复支付的退款到账", "Confirm the refund of the duplicate payment"),
     ]),
    ("order_change_request", "order", "订单变更申请", "Order change request", "customer_service", "p2", "service",
     ["change_applied", "change_declined", "cancel"], "change_declined", [
         (A, REQ, "与客户确认变更内容（地址/数量/规格）", "Confirm with the customer what changes (address, quantity, spec)"),
         (W, REQ, "发货前在仓储拦截并按变更处理", "Hold the order in the warehouse before shipping and apply the change"),
         (A, REQ, "修改订单并告知客户结果", "Update the order and tell the customer the outcome"),
     ]),
    ("cancel_failed", "order", "订单取消异常", "Cancellation failed", "customer_service", "p2", "service",
     ["cancel", "intercept", "return_goods"], "intercept", [
         (A, REQ, "确认取消申请与订单当前状态", "Confirm the cancellation request and the order's current state"),
         (L, OPT, "已发货：联系快递拦截退回", "Shipped: ask the carrier to intercept and return"),
         (F, REQ, "办理退款并确认到账", "Refund and confirm it arrived"),
         (A, REQ, "告知客户取消结果", "Tell the customer the cancellation outcome"),
     ]),
    ("malicious_orders", "order", "恶意下单", "Malicious orders", "operations", "p2", "office",
     ["orders_blocked", "no_action"], "orders_blocked", [
         (S, REQ, "核实下单人/电话/地址/IP 的异常模式", "Verify the pattern across buyer, phone, address and IP"),
         (S, REQ, "拦截或取消可疑未付款订单，必要时限制买家", "Block or cancel the suspicious unpaid orders; restrict the buyer if needed"),
         (S, OPT, "记录并上报平台", "Record it and report to the platform"),
     ]),
    ("quantity_anomaly", "order", "订单数量异常", "Quantity anomaly", "customer_service", "p3", "service",
     ["info_corrected", "cancel", "no_action"], "no_action", [
         (A, REQ, "联系客户确认购买数量是否有误", "Ask the customer whether the quantity is intended"),
         (A, REQ, "按客户确认修改或取消订单", "Correct or cancel the order as confirmed"),
         (W, OPT, "大批量：确认库存可满足", "Large quantity: confirm the warehouse can fill it"),
     ]),
    ("payment_mismatch", "payment", "支付金额不符", "Payment amount mismatch", "finance", "p2", "office",
     ["refund", "price_difference", "no_action"], "refund", [
         (F, REQ, "核对支付流水与应付金额", "Reconcile the payment transactions against the amount payable"),
         (A, REQ, "联系客户说明差额", "Explain the difference to the customer"),
         (F, REQ, "多付退款或补收差价", "Refund the overpayment or collect the shortfall"),
     ]),
    ("payment_timeout", "payment", "支付超时", "Payment timeout", "customer_service", "p4", "service",
     ["cancel", "no_action"], "cancel", [
         (A, OPT, "提醒客户完成支付", "Remind the customer to pay"),
         (A, REQ, "超时未付则关闭订单并释放库存", "If still unpaid, close the order and release the stock"),
     ]),
    ("payment_channel_failure", "payment", "支付渠道故障", "Payment channel failure", "it", "p1", "system",
     ["service_restored"], "service_restored", [
         (S, REQ, "确认故障渠道与影响订单范围", "Confirm the failing channel and the orders affected"),
         (S, REQ, "联系支付服务商并切换备用渠道", "Contact the payment provider and switch to a backup channel"),
         (A, OPT, "通知受影响客户重新支付", "Ask affected customers to pay again"),
         (S, REQ, "恢复后复盘并形成报告", "After recovery, review and write it up"),
     ]),
    ("price_error", "price", "价格错误", "Price error", "operations", "p1", "office",
     ["price_difference", "refund", "cancel", "reorder"], "refund", [
         (S, REQ, "立即下架或停止错误标价展示", "Stop showing the wrong price at once"),
         (A, REQ, "检查已下单订单，区分已付款与未付款", "List the orders placed, split paid from unpaid"),
         (A, REQ, "已付款：向客户解释并说明正确价格（不自动取消）", "Paid: explain and state the correct price (never cancel automatically)"),
         (A, REQ, "按客户意愿：补差价 / 退款 / 取消；未付款：改价后通知重新下单", "As the customer wishes: pay the difference, refund or cancel; unpaid: re-price and ask to reorder"),
         (F, OPT, "核对差价收款或退款", "Reconcile the difference paid or refunded"),
     ]),
    ("out_of_stock", "stock", "商品缺货", "Out of stock", "warehouse", "p2", "office",
     ["wait_restock", "partial_shipment", "substitute", "refund"], "refund", [
         (W, REQ, "检查其他仓库库存，可调拨则调拨", "Check other warehouses; transfer stock if one has it"),
         (W, REQ, "向采购/供应商确认补货到货时间", "Ask procurement for a restock date"),
         (A, REQ, "向客户致歉说明原因，提供等待补货/分批发货/换同款/退款", "Apologise, explain, and offer wait, partial shipment, substitute or refund"),
         (A, REQ, "记录客户选择并备注订单", "Record the customer's choice on the order"),
         (A, OPT, "补货发货后跟踪物流直至签收", "After restock, follow the parcel until it is delivered"),
     ]),
    ("inventory_data_error", "stock", "库存数据错误", "Inventory data error", "warehouse", "p3", "office",
     ["data_repaired"], "data_repaired", [
         (W, REQ, "盘点实物库存，核对系统数据", "Count the physical stock and compare with the system"),
         (W, REQ, "修正库存数据并查明原因（入库/出库/标签错误）", "Correct the data and find the cause (receiving, picking, labelling)"),
         (A, OPT, "受影响订单通知客户", "Tell customers of affected orders"),
     ]),
    ("inventory_sync_delay", "stock", "库存同步延迟", "Inventory sync delay", "it", "p3", "system",
     ["data_repaired", "service_restored"], "service_restored", [
         (S, REQ, "检查库存同步接口与最后同步时间", "Check the stock sync job and when it last ran"),
         (W, REQ, "手工核对在售 SKU 库存并更新", "Check and update stock of selling SKUs by hand"),
         (S, OPT, "修复同步并确认恢复", "Fix the sync and confirm it runs"),
     ]),
    ("ship_delay", "fulfilment", "发货延迟", "Shipping delay", "warehouse", "p2", "office",
     ["shipped", "compensation", "cancel"], "shipped", [
         (W, REQ, "查明未发货原因（拣货、缺货、调度）并安排尽快发货", "Find why it has not shipped (picking, stock, scheduling) and ship it"),
         (A, REQ, "向客户说明延迟原因并告知发货进度", "Explain the delay and the shipping progress to the customer"),
         (A, OPT, "按平台规则评估延迟发货赔付", "Check the platform's late-shipment compensation"),
     ]),
    ("wrong_item", "fulfilment", "发错货", "Wrong item shipped", "warehouse", "p2", "office",
     ["exchange", "reship", "refund", "compensation"], "exchange", [
         (A, REQ, "受理申诉，核实订单号、商品、发货时间，收集照片/视频", "Take the report: check order, item and ship date; collect photos or video"),
         (W, REQ, "调查原因（拣货、包装、标签、供应商）", "Find the cause: picking, packing, labelling or supplier"),
         (A, REQ, "致歉并提出方案：换货/补发/退款/补偿，客户确认", "Apologise and agree a remedy: exchange, reship, refund or compensation"),
         (W, REQ, "安排上门取件与正确商品发出", "Arrange the return pick-up and ship the right item"),
         (A, OPT, "跟进执行并回访满意度", "Follow up until done and ask how it went"),
     ]),
    ("missing_item", "fulfilment", "漏发/少发", "Missing item", "warehouse", "p2", "office",
     ["reship", "partial_refund", "refund"], "reship", [
         (A, REQ, "核对客户反馈与发货明细", "Compare the customer's report with the shipment lines"),
         (W, REQ, "核查出库记录与包裹重量", "Check the picking record and parcel weight"),
         (W, REQ, "补发缺少商品或安排部分退款", "Reship what is missing or arrange a partial refund"),
         (A, REQ, "告知客户处理结果", "Tell the customer the outcome"),
     ]),
    ("false_shipment", "fulfilment", "虚假发货", "False shipment", "warehouse", "p1", "office",
     ["shipped", "compensation", "refund"], "shipped", [
         (W, REQ, "核实包裹是否真实交给快递", "Verify the parcel was actually handed to the carrier"),
         (L, REQ, "向快递确认揽收记录", "Ask the carrier for the pick-up record"),
         (W, REQ, "未发出：立即发货并更新单号", "Not sent: ship now and update the tracking number"),
         (A, REQ, "向客户说明并按平台规则补偿", "Explain to the customer and compensate per platform rules"),
     ]),
    ("pickup_timeout", "logistics", "揽收超时", "Pick-up timeout", "logistics", "p3", "carrier",
     ["shipped", "no_action"], "shipped", [
         (L, REQ, "联系快递网点催促揽收", "Chase the carrier's depot to collect"),
         (L, OPT, "超时未揽收：改派其他快递", "Still not collected: switch carrier"),
         (A, OPT, "告知客户新的预计时间", "Tell the customer the new estimate"),
     ]),
    ("tracking_stalled", "logistics", "物流停滞", "Tracking stalled", "logistics", "p3", "carrier",
     ["delivered", "reship", "refund", "carrier_claim"], "reship", [
         (L, REQ, "在快递官方系统核实最新节点，排除同步延迟", "Check the carrier's own tracking to rule out a sync delay"),
         (L, REQ, "联系快递查件并要求优先处理", "Open a trace with the carrier and ask for priority"),
         (A, REQ, "主动告知客户原因与预计到达时间", "Tell the customer why and when to expect it"),
         (L, OPT, "停滞超限：按丢件处理，申请理赔并补发或退款", "Past the loss limit: treat as lost, claim, reship or refund"),
     ]),
    ("delivery_overdue", "logistics", "配送延误", "Delivery overdue", "logistics", "p3", "carrier",
     ["delivered", "compensation", "refund"], "delivered", [
         (L, REQ, "核实包裹位置与延误原因（天气、分拨）", "Locate the parcel and find the cause (weather, hub)"),
         (L, OPT, "联系快递加急派送或调整路线", "Ask the carrier to expedite or reroute"),
         (A, REQ, "向客户说明并承诺跟进", "Explain to the customer and promise follow-up"),
         (A, OPT, "按延误情况给予补偿", "Compensate for the delay where due"),
     ]),
    ("parcel_lost", "logistics", "包裹丢失", "Parcel lost", "logistics", "p2", "carrier",
     ["reship", "refund", "carrier_claim"], "reship", [
         (L, REQ, "向快递确认丢件并索取证明", "Have the carrier confirm the loss in writing"),
         (A, REQ, "安抚客户并确认方案：补发或退款", "Reassure the customer and agree reship or refund"),
         (W, OPT, "补发商品", "Reship the goods"),
         (L, REQ, "向快递提起理赔", "File the carrier claim"),
     ]),
    ("parcel_damaged", "logistics", "包裹破损", "Parcel damaged", "logistics", "p2", "carrier",
     ["reship", "exchange", "refund", "compensation", "carrier_claim"], "reship", [
         (A, REQ, "收集客户的破损照片/视频", "Collect photos or video of the damage"),
         (L, REQ, "要求快递出具破损证明", "Get the carrier's damage report"),
         (A, REQ, "与客户确定补发/换货/退款/补偿", "Agree reship, exchange, refund or compensation"),
         (L, OPT, "向快递理赔", "Claim from the carrier"),
     ]),
    ("delivery_failed", "logistics", "派送失败/拒收/退回", "Delivery failed, refused or returned", "logistics", "p3", "carrier",
     ["reship", "address_change", "refund"], "refund", [
         (L, REQ, "查明失败原因（联系不上、拒收、地址错误）", "Find why: unreachable, refused or wrong address"),
         (A, REQ, "联系客户确认地址与再次派送意愿", "Ask the customer for the address and whether to deliver again"),
         (L, REQ, "安排再派送或退回入库", "Arrange redelivery or the return to the warehouse"),
         (F, OPT, "退回入库后办理退款", "Refund once the parcel is back in stock"),
     ]),
    ("signed_not_received", "logistics", "签收未收到", "Signed for but not received", "logistics", "p2", "carrier",
     ["delivered", "reship", "refund", "carrier_claim"], "reship", [
         (L, REQ, "查签收记录（驿站代收、他人代签）", "Check who signed: pickup station or a proxy"),
         (L, REQ, "联系驿站/快递员确认包裹去向", "Ask the station or courier where the parcel is"),
         (A, REQ, "告知客户取件信息或确认丢失", "Give the customer pickup details or confirm the loss"),
         (L, OPT, "确认丢失则理赔并补发或退款", "If lost, claim and reship or refund"),
     ]),
    ("address_misdelivery", "logistics", "配送地址错误", "Misdelivered", "logistics", "p2", "carrier",
     ["intercept", "address_change", "reship", "refund"], "reship", [
         (L, REQ, "核实配送地址、收货人与联系方式", "Check the delivery address, receiver and phone"),
         (L, REQ, "联系快递拦截或改派到正确地址", "Ask the carrier to intercept or redirect"),
         (A, REQ, "与客户确认新的配送时间或补发", "Agree a new delivery time or a reship"),
     ]),
    ("refund_failed", "after_sales", "退款失败", "Refund failed", "finance", "p1", "office",
     ["refund"], "refund", [
         (F, REQ, "查看失败原因（账户、渠道、余额）", "Read the failure reason (account, channel, balance)"),
         (F, REQ, "重新发起退款或换渠道退款", "Retry, or refund through another channel"),
         (A, REQ, "通知客户并确认到账", "Tell the customer and confirm it arrived"),
     ]),
    ("refund_mismatch", "after_sales", "退款金额不符", "Refund amount mismatch", "finance", "p2", "office",
     ["partial_refund", "explained"], "partial_refund", [
         (F, REQ, "核对批准金额、已退金额与实付金额", "Compare approved, refunded and paid amounts"),
         (F, REQ, "补退差额或追回多退", "Refund the shortfall or recover the excess"),
         (A, REQ, "向客户说明", "Explain to the customer"),
     ]),
    ("refund_delayed", "after_sales", "退款延迟", "Refund delayed", "finance", "p2", "office",
     ["refund"], "refund", [
         (F, REQ, "查明退款卡在哪一步（审批/渠道）", "Find where the refund is stuck (approval, channel)"),
         (F, REQ, "在平台自动退款前完成退款", "Complete it before the platform auto-approves"),
         (A, REQ, "告知客户退款进度", "Tell the customer the progress"),
     ]),
    ("not_as_described", "after_sales", "货不对板", "Not as described", "customer_service", "p3", "service",
     ["exchange", "return_goods", "partial_refund", "compensation"], "return_goods", [
         (A, REQ, "请客户提供照片/视频（颜色、尺码、功能）", "Ask for photos or video (colour, size, function)"),
         (A, REQ, "对照详情页核实是否属实或客户误解", "Compare with the listing: real mismatch or misunderstanding"),
         (A, REQ, "属实：换货/退货/部分退款；误解：耐心解释", "Real: exchange, return or partial refund; misunderstanding: explain patiently"),
         (S, OPT, "反馈运营修正商品详情", "Ask operations to fix the listing"),
     ]),
    ("quality_issue", "after_sales", "质量问题", "Quality issue", "quality", "p2", "office",
     ["exchange", "return_goods", "refund", "compensation"], "return_goods", [
         (A, REQ, "收集问题描述与照片/视频", "Collect the description and photos or video"),
         (A, REQ, "与客户确定换货/退货/退款/补偿", "Agree exchange, return, refund or compensation"),
         (W, OPT, "退回商品质检并记录供应商", "Inspect the returned item and record the supplier"),
         (S, OPT, "同一 SKU/供应商多发：启动质量事件", "Many on one SKU or supplier: open a quality incident"),
     ]),
    ("low_satisfaction", "after_sales", "满意度低", "Low satisfaction", "customer_service", "p4", "service",
     ["explained", "compensation", "no_action"], "no_action", [
         (A, REQ, "回访客户，倾听不满原因", "Call back and listen to what went wrong"),
         (A, OPT, "必要时给予补偿", "Compensate where it is due"),
         (S, REQ, "记录原因用于改进", "Record the cause for improvement"),
     ]),
    ("complaint", "after_sales", "投诉/申诉", "Complaint or appeal", "customer_service", "p2", "service",
     ["explained", "compensation", "refund", "exchange"], "explained", [
         (A, REQ, "第一时间受理，耐心倾听并致歉", "Take it at once, listen and apologise"),
         (A, REQ, "核实事实与证据", "Verify the facts and evidence"),
         (S, REQ, "主管决定处理方案", "Supervisor decides the remedy"),
         (A, REQ, "反馈客户处理结果并跟进满意度", "Tell the customer the outcome and follow up"),
     ]),
    ("system_outage", "system", "系统故障", "System outage", "it", "p1", "system",
     ["service_restored"], "service_restored", [
         (S, REQ, "确认故障范围与影响订单", "Confirm the scope and the orders affected"),
         (S, REQ, "启动应急，联系技术恢复服务", "Start the emergency response and get the service restored"),
         (A, OPT, "必要时通知受影响客户", "Tell affected customers where needed"),
         (S, REQ, "恢复后核对期间订单并复盘", "After recovery, reconcile the period's orders and review"),
     ]),
    ("data_loss", "system", "数据丢失", "Data loss", "it", "p1", "system",
     ["data_repaired"], "data_repaired", [
         (S, REQ, "确认缺失的数据范围（序号缺口、对账差异）", "Establish what is missing (sequence gaps, reconciliation gaps)"),
         (S, REQ, "从来源系统补录或恢复备份", "Re-import from the source system or restore from backup"),
         (F, OPT, "重新对账确认一致", "Reconcile again to confirm"),
     ]),
]


def seed(apps, schema_editor):
    Calendar = apps.get_model("cases", "Calendar")
    CalendarHours = apps.get_model("cases", "CalendarHours")
    SlaPolicy = apps.get_model("cases", "SlaPolicy")
    SlaTarget = apps.get_model("cases", "SlaTarget")
    DepartmentClock = apps.get_model("cases", "DepartmentClock")
    ExceptionType = apps.get_model("cases", "ExceptionType")
    PlaybookStep = apps.get_model("cases", "PlaybookStep")
    Department = apps.get_model("accounts", "Department")

    calendars = {}
    for code, zh, en, observe, week in CALENDARS:
        calendar, created = Calendar.objects.get_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en, "observe_holidays": observe}
        )
        calendars[code] = calendar
        if created:
            CalendarHours.objects.bulk_create(
                CalendarHours(calendar=calendar, weekday=day, start=start, end=end)
                for day, intervals in week.items()
                for start, end in intervals
            )
    policies = {}
    for code, name, calendar, third_party, reassign, targets in POLICIES:
        policy, created = SlaPolicy.objects.get_or_create(
            code=code,
            defaults={"name": name, "calendar": calendars[calendar], "pause_on_third_party": third_party,
                      "reassign_on_breach": reassign},
        )
        policies[code] = policy
        if created:
            SlaTarget.objects.bulk_create(
                SlaTarget(policy=policy, severity=severity, first_response_minutes=first, resolution_minutes=resolve)
                for severity, (first, resolve) in targets.items()
            )
    departments = {d.code: d for d in Department.objects.all()}
    for department, calendar, minutes in DEPARTMENT_CLOCKS:
        if department in departments:
            DepartmentClock.objects.get_or_create(
                department=departments[department],
                defaults={"calendar": calendars[calendar], "target_minutes": minutes},
            )
    for code, family, zh, en, department, severity, policy, resolutions, default, steps in TYPES:
        exception_type, created = ExceptionType.objects.get_or_create(
            code=code,
            defaults={"family": family, "name_zh": zh, "name_en": en, "default_department": departments[department],
                      "default_severity": severity, "sla_policy": policies[policy],
                      "allowed_resolutions": resolutions, "default_resolution": default},
        )
        if created:
            PlaybookStep.objects.bulk_create(
                PlaybookStep(exception_type=exception_type, position=position, role=role, required=required,
                             title_zh=title_zh, title_en=title_en)
                for position, (role, required, title_zh, title_en) in enumerate(steps, start=1)
            )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial"), ("accounts", "0002_departments")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
