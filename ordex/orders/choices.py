from django.db import models


class Platform(models.TextChoices):
    TAOBAO = "taobao", "淘宝"
    TMALL = "tmall", "天猫"
    JD = "jd", "京东"
    PINDUODUO = "pinduoduo", "拼多多"
    DOUYIN = "douyin", "抖音"
    WECHAT = "wechat", "微信小店"
    OWN = "own", "自营商城"
    OTHER = "other", "其他"


class OrderStatus(models.TextChoices):
    CREATED = "created", "待付款"
    PAID = "paid", "已付款"
    SHIPPED = "shipped", "已发货"
    DELIVERED = "delivered", "已签收"
    CANCELLED = "cancelled", "已取消"


class PaymentStatus(models.TextChoices):
    PAID = "paid", "已支付"
    FAILED = "failed", "支付失败"


class PaymentMethod(models.TextChoices):
    ALIPAY = "alipay", "支付宝"
    WECHAT = "wechat", "微信支付"
    CARD = "card", "银行卡"
    OTHER = "other", "其他"


class TrackingStatus(models.TextChoices):
    INFO_RECEIVED = "info_received", "已下单"
    PICKED_UP = "picked_up", "已揽收"
    IN_TRANSIT = "in_transit", "运输中"
    OUT_FOR_DELIVERY = "out_for_delivery", "派送中"
    DELIVERY_FAILED = "delivery_failed", "派送失败"
    AVAILABLE_FOR_PICKUP = "available_for_pickup", "待取件"
    DELIVERED = "delivered", "已签收"
    REFUSED = "refused", "拒签"
    RETURNING = "returning", "退回中"
    RETURNED = "returned", "已退回"
    EXCEPTION = "exception", "疑难件"
    LOST = "lost", "丢失"
    DAMAGED = "damaged", "破损"


# Statuses after which the parcel has left the carrier's normal flow (no further movement expected).
FINAL_TRACKING = frozenset({TrackingStatus.DELIVERED, TrackingStatus.RETURNED, TrackingStatus.LOST})
# Tracking statuses that prove the carrier has the parcel in hand (a pickup, or anything after one).
CARRIER_HAS_IT = frozenset(TrackingStatus.values) - {TrackingStatus.INFO_RECEIVED, TrackingStatus.EXCEPTION}


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", "退款中"
    COMPLETED = "completed", "已退款"
    FAILED = "failed", "退款失败"


class AddressQuality(models.TextChoices):
    OK = "ok", "完整"
    NO_DETAIL = "no_detail", "缺少详细地址"
    UNRESOLVED = "unresolved", "无法解析省市区"


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", "手机"
    FIXED = "fixed", "固话"
    MASKED = "masked", "平台脱敏号"
    VIRTUAL = "virtual", "虚拟号"
    INVALID = "invalid", "无效"
    MISSING = "missing", "缺失"


class ReportKind(models.TextChoices):
    WRONG_ITEM = "wrong_item", "发错货"
    MISSING_ITEM = "missing_item", "漏发/少发"
    DAMAGED = "damaged", "破损"
    NOT_RECEIVED = "not_received", "未收到"
    NOT_AS_DESCRIBED = "not_as_described", "货不对板"
    QUALITY = "quality", "质量问题"
    QUANTITY_MISMATCH = "quantity_mismatch", "数量不符"
    COMPLAINT = "complaint", "投诉"
    OTHER = "other", "其他"


REMOTE_PROVINCES = ("西藏", "新疆", "青海", "内蒙古", "宁夏", "甘肃")


def is_remote_province(province: str | None) -> bool:
    return bool(province) and province.startswith(REMOTE_PROVINCES)
