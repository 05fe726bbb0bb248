"""The message templates Ordex ships with, written for each exception type in the tone the process asks
for: say sorry, say plainly what happened, what we do next and by when. The data migration writes them;
admins edit them afterwards. Variables are listed in `render.VARIABLES`."""

# type code -> (what happened, zh; what happened, en; what we do next, zh; what we do next, en)
# "What happened" completes "您的订单 X …" / "your order X …".
SITUATIONS = {
    "customer_info_error": ("的收货信息不完整，快递可能无法送达", "has delivery details we cannot use as they are",
                            "请您通过下方链接确认或更正地址，我们收到后立即安排发货",
                            "please confirm or correct the address through the link below and we will ship straight away"),
    "duplicate_order": ("看起来重复提交了一次", "seems to have been placed twice",
                        "我们会帮您取消多出的那一单，已付款项原路退回",
                        "we will cancel the extra order and return any payment for it"),
    "order_change_request": ("的修改申请我们已收到", "has a change request that has reached us",
                             "我们会在发货前核实并处理，结果会第一时间告诉您",
                             "we will check and apply it before the parcel leaves and tell you the outcome"),
    "cancel_failed": ("的取消申请没有及时生效", "was not cancelled in time as you asked",
                      "我们正在拦截或安排退货退款，您无需再做任何操作",
                      "we are stopping the parcel or arranging the return and refund; there is nothing you need to do"),
    "malicious_orders": ("需要进一步核实", "needs a further check",
                         "核实完成后我们会告诉您结果", "we will tell you the result once the check is done"),
    "quantity_anomaly": ("的购买数量需要跟您确认一下", "has a quantity we would like to confirm with you",
                         "确认后我们马上安排发货", "we will ship as soon as you confirm"),
    "payment_mismatch": ("的付款金额与应付金额不一致", "was paid an amount that differs from what was due",
                         "多付的部分我们会原路退回，少付的部分会跟您说明",
                         "anything paid twice or too much goes back the way it came; we will explain any shortfall"),
    "payment_timeout": ("还没有完成付款", "has not been paid yet",
                        "如仍需要，请尽快完成付款；如不再需要，订单会自动关闭",
                        "if you still want it, please complete the payment; otherwise the order closes by itself"),
    "payment_channel_failure": ("付款时遇到了支付渠道故障", "ran into a fault of the payment service",
                                "渠道恢复后您可以重新付款，已扣款项不会重复收取",
                                "you can pay again once the service is back; you will not be charged twice"),
    "price_error": ("的商品价格标注有误", "shows a price that was set by mistake",
                    "我们会跟您协商处理方式，不会擅自取消您的订单",
                    "we will agree a way forward with you and will not cancel your order on our own"),
    "out_of_stock": ("中的部分商品暂时缺货", "includes an item that is out of stock for now",
                     "您可以选择等待补货、分批发货、换同款或退款", "you can wait for restock, take a partial shipment, a substitute or a refund"),
    "inventory_data_error": ("的库存信息需要核对", "needs a stock check",
                             "核对完成后我们会尽快发货", "we will ship as soon as the check is done"),
    "inventory_sync_delay": ("的库存信息还在同步中", "is waiting for a stock update",
                             "同步完成后我们会尽快发货", "we will ship as soon as it is up to date"),
    "ship_delay": ("没能按约定时间发货", "did not leave our warehouse when we promised",
                   "我们已加急处理，并会按平台规则给您补偿", "we have put it first in line and will compensate you as the platform rules say"),
    "wrong_item": ("发错了商品", "was sent with the wrong item",
                   "我们会为您补发正确的商品或退款，错发的商品由我们上门取回",
                   "we will send the right item or refund you, and collect the wrong one at our cost"),
    "missing_item": ("少发了商品", "arrived with something missing",
                     "我们会尽快为您补发或退还对应款项", "we will send what is missing or refund it"),
    "false_shipment": ("显示已发货，但物流还没有任何记录", "shows as shipped but the carrier has no record of it yet",
                       "我们正在跟仓库和快递核实，必要时重新发货", "we are checking with the warehouse and carrier and will ship again if needed"),
    "pickup_timeout": ("的包裹还没有被快递揽收", "has not been collected by the carrier yet",
                       "我们正在催促快递尽快揽收", "we are pressing the carrier to collect it"),
    "tracking_stalled": ("的物流信息停止更新了", "has had no tracking update for a while",
                         "我们已联系快递公司查件，有进展会立刻通知您",
                         "we have asked the carrier to trace it and will tell you as soon as we hear"),
    "delivery_overdue": ("没能在承诺时间内送达", "has not arrived by the promised date",
                         "我们正在跟快递公司加急跟进，并会给您合理补偿",
                         "we are chasing the carrier and will make it up to you"),
    "parcel_lost": ("的包裹在运输途中丢失了", "was lost in transit",
                    "我们会马上为您补发或退款，不需要您等待快递理赔", "we will reship or refund right away; you do not have to wait for the carrier's claim"),
    "parcel_damaged": ("的包裹在运输中破损了", "was damaged in transit",
                       "请通过下方链接上传破损照片，我们会为您补发或退款", "please upload photos of the damage through the link below; we will reship or refund"),
    "delivery_failed": ("派送没有成功", "could not be delivered",
                        "我们会跟您确认地址后重新派送，或为您退款", "we will confirm the address with you and deliver again, or refund"),
    "signed_not_received": ("显示已签收，但您还没有收到", "shows as delivered but has not reached you",
                            "我们正在跟快递和代收点核实，请留意驿站或家人代收", "we are checking with the carrier and pickup points; please also check with neighbours or family"),
    "address_misdelivery": ("被送到了错误的地址", "was delivered to the wrong address",
                            "我们正在联系快递取回并送到正确地址，必要时为您补发",
                            "we are getting it back to the right address and will reship if needed"),
    "refund_failed": ("的退款没有成功", "had a refund that did not go through",
                      "我们正在重新为您发起退款", "we are sending the refund again"),
    "refund_mismatch": ("的退款金额不对", "was refunded the wrong amount",
                        "我们会核对后补齐差额", "we will check and pay the difference"),
    "refund_delayed": ("的退款比预期慢了", "has a refund that is taking longer than it should",
                       "我们已加急处理，到账后会通知您", "we have hurried it along and will tell you when it lands"),
    "not_as_described": ("收到的商品与描述不符", "arrived not as described",
                         "请上传照片给我们，我们会为您换货或退款", "please send us photos; we will exchange or refund"),
    "quality_issue": ("的商品有质量问题", "has a quality problem",
                      "请上传照片给我们，我们会为您换货、退款或补偿", "please send us photos; we will exchange, refund or compensate"),
    "low_satisfaction": ("的处理没有让您满意", "was not handled to your satisfaction",
                         "主管会在一个工作日内给您回电，听听问题出在哪里", "a supervisor will call you within one working day to hear what went wrong"),
    "complaint": ("的投诉我们已经收到", "has a complaint that has reached us",
                  "主管会亲自跟进，并尽快给您答复", "a supervisor is looking into it and will answer you soon"),
    "system_outage": ("受到了系统故障的影响", "was affected by a system fault",
                      "系统恢复后我们会优先处理您的订单", "we will handle your order first once the system is back"),
    "data_loss": ("的部分信息需要重新核对", "needs some details checked again",
                  "核对完成后我们会继续处理", "we will carry on as soon as they are checked"),
}

# Types the customer does not hear about: fraud checks, stock bookkeeping, system faults (their own
# customer-facing cases follow). Seeded like the others, switched off.
INTERNAL_TYPES = frozenset({
    "malicious_orders", "inventory_data_error", "inventory_sync_delay", "payment_channel_failure",
    "system_outage", "data_loss",
})

SIGN_ZH = "—— {{ shop }}客服"
SIGN_EN = "— {{ shop }} customer service"

# moment -> (sms zh, sms en, email subject zh, email subject en, email body zh, email body en)
# {what}/{next} are replaced by the type's sentences when seeding; {{ … }} are template variables.
FRAMES = {
    "opened": (
        "{{ customer }}您好，非常抱歉，您的订单{{ order_no }}{what}。{next}。进度随时可查：{{ link }}",
        "Dear {{ customer }}, we are sorry: your order {{ order_no }} {what}. Next, {next}. "
        "Follow it here: {{ link }}",
        "订单{{ order_no }}：{title}，我们正在处理",
        "Order {{ order_no }}: {title} — we are on it",
        "{{ customer }}您好：\n\n非常抱歉，您的订单{{ order_no }}{what}。\n\n接下来：{next}。"
        "我们会在{{ respond_by }}前跟进，处理进度可随时在这里查看：\n{{ link }}\n\n给您添麻烦了。\n" + SIGN_ZH,
        "Dear {{ customer }},\n\nWe are sorry: your order {{ order_no }} {what}.\n\nWhat happens next: {next}. "
        "We will be back to you by {{ respond_by }}; you can follow the case here:\n{{ link }}\n\n"
        "Sorry for the trouble.\n" + SIGN_EN,
    ),
    "choice_offered": (
        "{{ customer }}您好，您的订单{{ order_no }}{what}，给您添麻烦了。请在{{ deadline }}前选择处理方式"
        "（{{ options }}）：{{ link }} 逾期未选将按「{{ default_option }}」处理。",
        "Dear {{ customer }}, your order {{ order_no }} {what}; sorry for the trouble. Please choose "
        "({{ options }}) by {{ deadline }}: {{ link }} If you do not, we will go with \"{{ default_option }}\".",
        "订单{{ order_no }}：请选择处理方式（{{ deadline }}前）",
        "Order {{ order_no }}: please choose how we put it right (by {{ deadline }})",
        "{{ customer }}您好：\n\n非常抱歉，您的订单{{ order_no }}{what}。\n\n您可以选择：{{ options }}。\n"
        "请在{{ deadline }}前通过这个链接告诉我们：\n{{ link }}\n\n"
        "如果到时还没有收到您的选择，我们会按「{{ default_option }}」为您处理，之后仍可联系我们调整。\n" + SIGN_ZH,
        "Dear {{ customer }},\n\nWe are sorry: your order {{ order_no }} {what}.\n\nYou can choose: {{ options }}.\n"
        "Please tell us by {{ deadline }} through this link:\n{{ link }}\n\n"
        "If we have not heard from you by then, we will go with \"{{ default_option }}\"; you can still "
        "contact us to change it.\n" + SIGN_EN,
    ),
    "choice_reminder": (
        "温馨提醒：订单{{ order_no }}的处理方式还等您选择，截止{{ deadline }}。{{ link }} "
        "逾期将按「{{ default_option }}」处理。",
        "A reminder: order {{ order_no }} still needs your choice by {{ deadline }}: {{ link }} "
        "After that we go with \"{{ default_option }}\".",
        "提醒：订单{{ order_no }}的处理方式还等您选择",
        "Reminder: order {{ order_no }} is waiting for your choice",
        "{{ customer }}您好：\n\n订单{{ order_no }}{what}，处理方式还等您选择：{{ options }}。\n"
        "截止时间：{{ deadline }}。选择入口：\n{{ link }}\n\n逾期我们会按「{{ default_option }}」处理。\n" + SIGN_ZH,
        "Dear {{ customer }},\n\nYour order {{ order_no }} {what}, and we are still waiting for your choice: "
        "{{ options }}.\nDeadline: {{ deadline }}. Choose here:\n{{ link }}\n\n"
        "After the deadline we will go with \"{{ default_option }}\".\n" + SIGN_EN,
    ),
    "default_applied": (
        "订单{{ order_no }}：到{{ deadline }}还没有收到您的选择，我们已按「{{ chosen }}」为您处理。"
        "如需调整请联系我们：{{ link }}",
        "Order {{ order_no }}: we had no choice from you by {{ deadline }}, so we are going with "
        "\"{{ chosen }}\". To change it, contact us: {{ link }}",
        "订单{{ order_no }}：已按「{{ chosen }}」为您处理",
        "Order {{ order_no }}: we are going with \"{{ chosen }}\"",
        "{{ customer }}您好：\n\n您的订单{{ order_no }}{what}。到{{ deadline }}我们还没有收到您的选择，"
        "已按「{{ chosen }}」为您处理。\n\n如果这不是您想要的，请通过下面的链接或回复这封邮件告诉我们：\n{{ link }}\n" + SIGN_ZH,
        "Dear {{ customer }},\n\nYour order {{ order_no }} {what}. We had no choice from you by {{ deadline }}, "
        "so we are going with \"{{ chosen }}\".\n\nIf that is not what you want, tell us through this link "
        "or by replying:\n{{ link }}\n" + SIGN_EN,
    ),
    "refund_sent": (
        "订单{{ order_no }}的退款{{ refund_amount }}已发出，将原路退回，一般1–3个工作日到账。再次致歉。{{ link }}",
        "The refund of {{ refund_amount }} for order {{ order_no }} is on its way back to how you "
        "paid; it usually lands within 1–3 working days. Sorry again. {{ link }}",
        "订单{{ order_no }}：退款{{ refund_amount }}已发出",
        "Order {{ order_no }}: refund of {{ refund_amount }} sent",
        "{{ customer }}您好：\n\n订单{{ order_no }}的退款{{ refund_amount }}已经发出，将按原支付方式退回，"
        "一般1–3个工作日到账。\n\n如果到时还没收到，请通过这个链接告诉我们：\n{{ link }}\n\n再次为这次的不便致歉。\n" + SIGN_ZH,
        "Dear {{ customer }},\n\nThe refund of {{ refund_amount }} for order {{ order_no }} has been sent back "
        "to how you paid; it usually lands within 1–3 working days.\n\nIf it has not arrived by then, tell us "
        "here:\n{{ link }}\n\nSorry again for the trouble.\n" + SIGN_EN,
    ),
    "reship_dispatched": (
        "订单{{ order_no }}的补发商品已寄出：{{ carrier }} {{ tracking_no }}，请留意查收。{{ link }}",
        "The replacement for order {{ order_no }} is on its way: {{ carrier }} {{ tracking_no }}. "
        "{{ link }}",
        "订单{{ order_no }}：补发商品已寄出",
        "Order {{ order_no }}: your replacement is on its way",
        "{{ customer }}您好：\n\n订单{{ order_no }}的补发商品已经寄出。\n快递：{{ carrier }}\n运单号：{{ tracking_no }}\n\n"
        "进度可在这里查看：\n{{ link }}\n\n给您添麻烦了，感谢您的耐心。\n" + SIGN_ZH,
        "Dear {{ customer }},\n\nThe replacement for order {{ order_no }} has left us.\nCarrier: {{ carrier }}\n"
        "Tracking number: {{ tracking_no }}\n\nFollow it here:\n{{ link }}\n\nThank you for your patience.\n" + SIGN_EN,
    ),
    "resolved": (
        "订单{{ order_no }}的问题已处理完毕（{{ resolution }}）。感谢您的耐心，如仍有不便请告诉我们：{{ link }}",
        "The problem with order {{ order_no }} is settled ({{ resolution }}). Thank you for your "
        "patience; if anything is still wrong, tell us: {{ link }}",
        "订单{{ order_no }}：问题已处理完毕",
        "Order {{ order_no }}: all settled",
        "{{ customer }}您好：\n\n您的订单{{ order_no }}{what}，现在已经处理完毕，处理结果：{{ resolution }}。\n\n"
        "如果还有任何不便，请通过这个链接告诉我们：\n{{ link }}\n\n感谢您的耐心与理解。\n" + SIGN_ZH,
        "Dear {{ customer }},\n\nYour order {{ order_no }} {what}; that is now settled: {{ resolution }}.\n\n"
        "If anything is still wrong, tell us here:\n{{ link }}\n\nThank you for your patience.\n" + SIGN_EN,
    ),
    "survey": (
        "订单{{ order_no }}的问题我们处理得怎么样？请花10秒打个分（1–5分）：{{ link }}",
        "How did we handle the problem with order {{ order_no }}? Rate us 1–5 in ten seconds: {{ link }}",
        "订单{{ order_no }}：这次处理您满意吗？",
        "Order {{ order_no }}: how did we do?",
        "{{ customer }}您好：\n\n订单{{ order_no }}的问题已经处理完毕。我们处理得怎么样？"
        "请花10秒钟打个分（1–5分），也欢迎留下意见：\n{{ link }}\n\n您的每一条意见都会帮助我们改进。\n" + SIGN_ZH,
        "Dear {{ customer }},\n\nThe problem with order {{ order_no }} is settled. How did we do? Rate us from "
        "1 to 5 and tell us anything we should hear:\n{{ link }}\n\nEvery answer helps us do better.\n" + SIGN_EN,
    ),
}


def template_rows(type_code: str, name_zh: str, name_en: str):
    """(moment, language, channel, subject, body, active) for one exception type."""
    what_zh, what_en, next_zh, next_en = SITUATIONS.get(
        type_code, ("遇到了一些问题", "ran into a problem", "我们正在处理", "we are working on it"))
    active = type_code not in INTERNAL_TYPES
    for moment, (sms_zh, sms_en, subject_zh, subject_en, body_zh, body_en) in FRAMES.items():
        for language, sms, subject, body, what, nxt, title in (
            ("zh-hans", sms_zh, subject_zh, body_zh, what_zh, next_zh, name_zh),
            ("en", sms_en, subject_en, body_en, what_en, next_en, name_en.lower()),
        ):
            words = {"{what}": what, "{next}": nxt, "{title}": title}
            yield moment, language, "sms", "", _fill(sms, words), active
            yield moment, language, "email", _fill(subject, words), _fill(body, words), active


def _fill(text: str, words: dict[str, str]) -> str:
    for placeholder, value in words.items():
        text = text.replace(placeholder, value)
    return text
