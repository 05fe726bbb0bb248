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
    # --- ingest -------------------------------------------------------------------------------------------
    ("batch_too_large", 413, "Too many events in one request (at most 1000).", "单次请求的事件过多（最多 1000 个）。"),
    ("bad_signature", 401, "A carrier push whose signature does not verify.", "快递推送的签名校验失败。"),
    ("invalid_push", 422, "A carrier push not shaped as the carrier documents it.", "快递推送的格式不符合该快递公司的文档。"),
    # --- orders -------------------------------------------------------------------------------------------
    ("order_not_found", 404, "No order with this order number.", "没有该订单号的订单。"),
    ("customer_not_found", 404, "No customer with this id.", "没有该编号的客户。"),
    ("missing_filter", 422, "An order search needs a phone number, a text or a price range.", "查询订单需要手机号、关键词或价格区间。"),
    # --- detection ----------------------------------------------------------------------------------------
    ("rule_not_found", 404, "No rule with this code.", "没有该编码的规则。"),
    ("unknown_param", 422, "The rule has no parameter of this name.", "该规则没有这个参数。"),
    ("invalid_param", 422, "A parameter value of the wrong type or out of range.", "参数值类型错误或超出范围。"),
    ("unknown_shop", 422, "No shop with this code.", "没有该编码的店铺。"),
    # --- cases --------------------------------------------------------------------------------------------
    ("case_not_found", 404, "No case with this id (or you may not see it).", "没有该编号的工单（或你无权查看）。"),
    ("case_not_open", 409, "The case is resolved, rejected, withdrawn or closed: reopen it first.", "工单已解决、驳回、撤回或关闭：请先重新打开。"),
    ("case_already_open", 409, "The order already has an open case of this type.", "该订单已有同类型的未结工单。"),
    ("unknown_type", 422, "No exception type with this code.", "没有该编码的异常类型。"),
    ("subject_required", 422, "A finding or case needs an order or a subject key.", "发现或工单需要关联订单或主体标识。"),
    ("invalid_severity", 422, "Severity must be p1, p2, p3 or p4.", "严重程度须为 p1、p2、p3 或 p4。"),
    ("unknown_status", 422, "No case status of this name.", "没有该名称的工单状态。"),
    ("illegal_transition", 409, "The transitions table does not allow this move from the case's status.", "状态流转表不允许从当前状态转到该状态。"),
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
