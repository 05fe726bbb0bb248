"""Every error code a client can see, in one table: the code, the HTTP status the API answers with, and what
it means in English and Chinese. docs/errors.md is generated from it.

To add a code: add ONE line to `CODES` below (in its app's group), raise
`DomainError("your_code", "message", field=...)` (or NotFound / Forbidden / InvalidInput) and regenerate the
page: `python -m ordex.core.error_codes > docs/errors.md`. A test fails when a code raised anywhere is
missing here, or when docs/errors.md is not what this table renders.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorCode:
    code: str
    status: int  # the HTTP status at the API edge
    en: str
    zh: str


CODES: dict[str, ErrorCode] = {entry.code: entry for entry in (ErrorCode(*row) for row in (
    # --- the API edge and accounts ------------------------------------------------------------------------
    ("unauthenticated", 401, "Missing or invalid credentials (bearer token or session).", "缺少或无效的登录凭据（令牌或会话）。"),
    ("forbidden", 403, "Your role may not do this, or may not see this object.", "你的角色无权执行此操作或查看此对象。"),
    ("invalid", 422, "The request is malformed (the field says where).", "请求格式不正确（field 指出位置）。"),
    ("bad_request", 400, "The request could not be read (malformed headers or body).", "无法解析请求（请求头或请求体格式错误）。"),
    ("not_found", 404, "No such path in the API.", "API 中没有该路径。"),
    ("method_not_allowed", 405, "The path does not take this HTTP method (the Allow header lists those it does).", "该路径不接受此 HTTP 方法（Allow 响应头列出可用的方法）。"),
    ("body_too_large", 413, "The request body is larger than allowed (20 MB).", "请求体超过大小限制（20 MB）。"),
    ("csrf_failed", 403, "A write from a logged-in browser session without its CSRF token.", "已登录的浏览器会话提交写操作时缺少 CSRF 令牌。"),
    # --- ingest -------------------------------------------------------------------------------------------
    ("batch_too_large", 413, "Too many events in one request (at most 1000).", "单次请求的事件过多（最多 1000 个）。"),
    ("bad_signature", 401, "A carrier push or a merchant callback whose signature does not verify.", "快递推送或商家回调的签名校验失败。"),
    ("invalid_push", 422, "A carrier push not shaped as the carrier documents it.", "快递推送的格式不符合该快递公司的文档。"),
    ("stale_push", 422, "An AfterShip webhook without its timestamp, or sent longer ago than the replay window.", "AfterShip 推送缺少时间戳，或发送时间超出防重放时限。"),
    # --- orders -------------------------------------------------------------------------------------------
    ("order_not_found", 404, "No order with this order number.", "没有该订单号的订单。"),
    ("customer_not_found", 404, "No customer with this id.", "没有该编号的客户。"),
    ("missing_filter", 422, "An order search needs a phone number, a text or a price range.", "查询订单需要手机号、关键词或价格区间。"),
    # --- detection ----------------------------------------------------------------------------------------
    ("rule_not_found", 404, "No rule with this code.", "没有该编码的规则。"),
    ("unknown_param", 422, "The rule has no parameter of this name.", "该规则没有这个参数。"),
    ("invalid_param", 422, "A parameter value of the wrong type or out of range.", "参数值类型错误或超出范围。"),
    ("unknown_shop", 422, "No shop with this code.", "没有该编码的店铺。"),
    ("backfill_not_found", 404, "No history import (backfill) with this id.", "没有该编号的历史导入（回填）。"),
    ("backfill_finished", 409, "The backfill has finished: send further history as a new backfill.",
     "该回填已结束：后续历史数据请作为新的回填发送。"),
    # --- cases --------------------------------------------------------------------------------------------
    ("case_not_found", 404, "No case with this id (or you may not see it).", "没有该编号的工单（或你无权查看）。"),
    ("case_not_open", 409, "The case is resolved, rejected, withdrawn or closed: reopen it first.", "工单已解决、驳回、撤回或关闭：请先重新打开。"),
    ("case_already_open", 409, "The order already has an open case of this type.", "该订单已有同类型的未结工单。"),
    ("unknown_type", 422, "No exception type with this code.", "没有该编码的异常类型。"),
    ("subject_required", 422, "A finding or case needs an order or a subject key.", "发现或工单需要关联订单或主体标识。"),
    ("invalid_severity", 422, "Severity must be p1, p2, p3 or p4.", "严重程度须为 p1、p2、p3 或 p4。"),
    ("unknown_status", 422, "No case status of this name.", "没有该名称的工单状态。"),
    ("illegal_transition", 409, "The transitions table does not allow this move from the case's status.", "状态流转表不允许从当前状态转到该状态。"),
    ("system_only_status", 409, "Only the system moves a case to this status (withdrawn: late data showed the condition never held).", "只有系统可以把案例转到该状态（已撤回：迟到的数据表明条件从未成立）。"),
    ("reason_required", 422, "This change needs a reason (rejecting a case, changing a rule).", "此变更需要填写原因（驳回工单、修改规则）。"),
    ("resolution_required", 422, "Resolving a case needs a resolution.", "解决工单需要选择处理方案。"),
    ("resolution_not_allowed", 422, "The case's type does not allow this resolution.", "该异常类型不允许此处理方案。"),
    ("required_step_open", 409, "A required playbook step is still open.", "处理流程中仍有必做步骤未完成。"),
    ("text_required", 422, "A note needs text.", "备注不能为空。"),
    ("invalid_step_status", 422, "A step can be marked done or skipped.", "步骤只能标记为完成或跳过。"),
    ("step_not_found", 404, "The case has no step at this position.", "工单没有该序号的步骤。"),
    ("step_not_open", 409, "The step is already done or skipped.", "该步骤已完成或已跳过。"),
    ("required_step_cannot_be_skipped", 409, "A required step cannot be skipped.", "必做步骤不能跳过。"),
    ("step_role", 403, "This step is done by another role.", "该步骤须由其他角色完成。"),
    ("user_required", 422, "Notifications belong to a user; this token has none.", "通知属于用户；此令牌未关联用户。"),
    ("user_not_found", 404, "No active user with this id.", "没有该编号的在职用户。"),
    ("assignee_not_in_department", 409, "The user is not in the department that holds the case.", "该用户不属于当前处理工单的部门。"),
    ("no_available_assignee", 409, "Nobody in the department is available under their cap of open cases.", "部门内没有未达到工单上限的可用人员。"),
    ("department_not_found", 404, "No department with this code.", "没有该编码的部门。"),
    ("same_department", 409, "The case is already held by this department.", "工单已在该部门处理。"),
    ("evidence_too_large", 413, "The uploaded evidence is larger than allowed.", "上传的凭证超过大小限制。"),
    ("evidence_not_found", 404, "The case has no uploaded file with this id.", "该工单没有此编号的上传文件。"),
    ("unsupported_evidence_type", 415, "Evidence must be an image (JPEG, PNG, GIF, WebP) or a PDF.", "凭证须为图片（JPEG、PNG、GIF、WebP）或 PDF。"),
    ("choice_already_open", 409, "The case already waits for the customer's choice.", "工单已在等待客户选择。"),
    ("no_open_choice", 409, "The case has no choice waiting for the customer.", "工单没有等待客户选择的方案。"),
    ("choice_not_offered", 422, "This resolution was not offered to the customer.", "该方案未提供给客户选择。"),
    ("choice_deadline_passed", 409, "The customer's choice deadline has passed.", "客户选择的截止时间已过。"),
    ("incident_not_found", 404, "No incident with this id.", "没有该编号的事件。"),
    ("incident_exists", 409, "An incident of this type and key already exists.", "同类型、同标识的事件已存在。"),
    ("invalid_status", 422, "No incident status of this name.", "没有该名称的事件状态。"),
    ("invalid_action", 422, "A bulk action must be assign, transition or note.", "批量操作须为分派、流转或备注。"),
    ("notification_not_found", 404, "No notification of yours with this id.", "没有属于你的该编号通知。"),
    # --- resolutions --------------------------------------------------------------------------------------
    ("action_not_found", 404, "No action with this id (or you may not see it).", "没有该编号的处理动作（或你无权查看）。"),
    ("action_open", 409, "An action of the case is still requested, approved or executing.", "工单仍有已申请、已批准或执行中的处理动作。"),
    ("unknown_kind", 422, "No action kind of this name.", "没有该名称的处理动作类型。"),
    ("not_allowed_for_type", 409, "The case's playbook does not allow this kind of action.", "该工单的处理流程不允许此类处理动作。"),
    ("order_required", 422, "Actions need a case about an order.", "处理动作需要关联订单的工单。"),
    ("idempotency_key_required", 422, "Money actions need an Idempotency-Key header.", "资金类动作需要 Idempotency-Key 请求头。"),
    ("invalid_idempotency_key", 422, "An Idempotency-Key has 1 to 200 characters.", "Idempotency-Key 长度须为 1 到 200 个字符。"),
    ("idempotency_key_reused", 422, "This Idempotency-Key was used for a different request.", "该 Idempotency-Key 已用于另一个不同的请求。"),
    ("override_not_allowed", 403, "Only a supervisor may override the line checks.", "只有主管可以越过订单行校验。"),
    ("unknown_line", 422, "The order has no line with this SKU.", "订单中没有该 SKU 的商品行。"),
    ("invalid_quantity", 422, "The quantity is not between 1 and the line's quantity.", "数量须在 1 与该商品行数量之间。"),
    ("invalid_amount", 422, "The amount is not a positive decimal string.", "金额须为大于零的十进制字符串。"),
    ("amount_required", 422, "This kind of action needs an amount.", "此类处理动作需要填写金额。"),
    ("nothing_to_pay", 409, "There is no amount left to pay for this action.", "此动作已无可支付的金额。"),
    ("lines_required", 422, "A reship or exchange names the lines it sends.", "补发或换货须指明商品行。"),
    ("address_required", 422, "An address change needs the new address.", "修改地址需要填写新地址。"),
    ("exceeds_paid", 409, "Refunds, compensation and price differences would exceed what the order paid (+ allowance).", "退款、补偿与差价合计将超过订单实付金额（含运费额度）。"),
    ("line_already_refunded", 409, "These units of the line were already refunded.", "该商品行的这些件数已退款。"),
    ("line_already_reshipped", 409, "These units of the line were already sent again.", "该商品行的这些件数已补发或换货。"),
    ("order_shipped", 409, "The order has shipped: intercept the parcel or arrange a return instead.", "订单已发货：请改为拦截包裹或安排退货。"),
    ("order_not_shipped", 409, "The order has not shipped; there is no parcel to intercept.", "订单尚未发货，没有可拦截的包裹。"),
    ("paid_order_not_cancelled_automatically", 409, "A paid price-error order is never cancelled by the system.", "已付款的价格错误订单不会被系统自动取消。"),
    ("needs_approval", 409, "The action waits for approval.", "该动作正在等待审批。"),
    ("own_request", 403, "Nobody approves their own request.", "不能审批自己提交的申请。"),
    ("approval_limit_exceeded", 403, "The case's money is above your approval limit.", "该工单涉及金额超出你的审批额度。"),
    ("illegal_action_transition", 409, "The action's status does not allow this move.", "处理动作的当前状态不允许此变更。"),
    ("already_sent", 409, "The request was already sent to the merchant's system.", "请求已发送至商家系统。"),
    ("claim_in_progress", 409, "A carrier claim ends when it is paid or rejected.", "快递理赔须在赔付或被拒后结束。"),
    ("not_a_claim", 409, "The action is not a carrier claim.", "该处理动作不是快递理赔。"),
    ("claim_not_filed", 409, "The claim is not running.", "理赔尚未进行。"),
    ("unknown_claim_status", 422, "No claim status of this name.", "没有该名称的理赔状态。"),
    ("illegal_claim_transition", 409, "The claim's status does not allow this move.", "理赔的当前状态不允许此变更。"),
    ("recovered_amount_required", 422, "A paid claim records the amount recovered.", "理赔赔付须记录追回金额。"),
    ("stale_signature", 401, "The callback's timestamp is more than 5 minutes away.", "回调的时间戳与当前时间相差超过 5 分钟。"),
    ("replayed", 409, "This callback was received before.", "该回调此前已收到。"),
    ("invalid_callback_status", 422, "A callback's status is done or failed.", "回调状态须为 done 或 failed。"),
    ("invalid_kind", 422, "A message entry on the timeline is a message or a failed message.", "时间线上的消息记录须为消息或发送失败。"),
    # --- notify -------------------------------------------------------------------------------------------
    ("template_syntax", 422, "The message template does not parse, or uses a tag templates may not use.", "消息模板无法解析，或使用了模板不允许的标签。"),
    ("template_missing_variable", 422, "The message template uses a variable templates cannot see.", "消息模板使用了模板不可访问的变量。"),
    ("case_closed", 409, "The self-service link's case is closed.", "自助链接对应的工单已关闭。"),
    ("no_order", 409, "The case has no order whose address could change.", "工单没有可修改地址的订单。"),
    ("already_shipped", 409, "The parcel has left: the address can no longer change.", "包裹已发出，地址无法再修改。"),
    ("address_unresolved", 422, "The address does not resolve to province, city, district and street.", "地址无法识别到省、市、区和街道。"),
    ("photos_not_needed", 409, "This case does not ask the customer for photos.", "该工单不需要客户上传照片。"),
    ("case_not_resolved", 409, "The case can be rated once it is resolved.", "工单解决后才能评价。"),
    ("invalid_score", 422, "A rating is from 1 to 5.", "评分须在 1 到 5 之间。"),
    ("survey_already_answered", 409, "The case has already been rated.", "该工单已评价过。"),
    ("message_not_found", 404, "No message with this id.", "没有该编号的消息。"),
    ("message_not_dead", 409, "Only a dead message can be sent again.", "只有已放弃的消息才能重新发送。"),
    ("bad_token", 401, "An SMS delivery report with a wrong token.", "短信回执的令牌不正确。"),
))}

# When a code is not in the table yet: the status its error kind implies (class name -> status).
_KIND_STATUS = {"NotFound": 404, "Forbidden": 403, "InvalidInput": 422}


def http_status(code: str, kind: type | None = None) -> int:
    """The HTTP status the API answers `code` with (for an unregistered code: by its error class, else 409)."""
    entry = CODES.get(code)
    if entry is not None:
        return entry.status
    for klass in (kind.__mro__ if kind is not None else ()):
        if klass.__name__ in _KIND_STATUS:
            return _KIND_STATUS[klass.__name__]
    return 409


def render_markdown() -> str:
    """docs/errors.md."""
    lines = [
        "# Error codes",
        "",
        "Every refusal the API (and the domain functions behind it) can answer, as `{\"code\", \"error\", \"field\"}`:",
        "`code` is stable, `error` a readable message, `field` the input at fault when there is one. Generated from",
        "`ordex/core/error_codes.py` (`python -m ordex.core.error_codes > docs/errors.md`); do not edit by hand.",
        "",
        "| code | HTTP | meaning | 含义 |",
        "|---|---|---|---|",
    ]
    lines += [f"| `{e.code}` | {e.status} | {e.en} | {e.zh} |" for e in CODES.values()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_markdown(), end="")
