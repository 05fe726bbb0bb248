from django.db import models
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    TAOBAO = "taobao", _("Taobao")
    TMALL = "tmall", _("Tmall")
    JD = "jd", _("JD")
    PINDUODUO = "pinduoduo", _("Pinduoduo")
    DOUYIN = "douyin", _("Douyin")
    WECHAT = "wechat", _("WeChat store")
    OWN = "own", _("Own store")
    OTHER = "other", _("Other")


class OrderStatus(models.TextChoices):
    CREATED = "created", _("Awaiting payment")
    PAID = "paid", _("Paid")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Signed for")
    CANCELLED = "cancelled", _("Cancelled")


class PaymentStatus(models.TextChoices):
    PAID = "paid", _("Payment succeeded")
    FAILED = "failed", _("Payment failed")


class PaymentMethod(models.TextChoices):
    ALIPAY = "alipay", _("Alipay")
    WECHAT = "wechat", _("WeChat Pay")
    CARD = "card", _("Bank card")
    OTHER = "other", _("Other")


class TrackingStatus(models.TextChoices):
    INFO_RECEIVED = "info_received", _("Label created")
    PICKED_UP = "picked_up", _("Picked up")
    IN_TRANSIT = "in_transit", _("In transit")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    DELIVERY_FAILED = "delivery_failed", _("Delivery failed")
    AVAILABLE_FOR_PICKUP = "available_for_pickup", _("Ready for pickup")
    DELIVERED = "delivered", _("Signed for")
    REFUSED = "refused", _("Refused")
    RETURNING = "returning", _("Returning")
    RETURNED = "returned", _("Returned")
    EXCEPTION = "exception", _("Carrier exception")
    LOST = "lost", _("Lost")
    DAMAGED = "damaged", _("Damaged")


# Statuses after which the parcel has left the carrier's normal flow (no further movement expected).
FINAL_TRACKING = frozenset({TrackingStatus.DELIVERED, TrackingStatus.RETURNED, TrackingStatus.LOST})
# Tracking statuses that prove the carrier has the parcel in hand (a pickup, or anything after one).
CARRIER_HAS_IT = frozenset(TrackingStatus.values) - {TrackingStatus.INFO_RECEIVED, TrackingStatus.EXCEPTION}


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", _("Refund requested")
    COMPLETED = "completed", _("Refunded")
    FAILED = "failed", _("Refund failed")


class AddressQuality(models.TextChoices):
    OK = "ok", _("Complete")
    NO_DETAIL = "no_detail", _("No street address")
    UNRESOLVED = "unresolved", _("Province/city/district not recognised")


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    FIXED = "fixed", _("Landline")
    MASKED = "masked", _("Masked by the platform")
    VIRTUAL = "virtual", _("Virtual number")
    INVALID = "invalid", _("Invalid")
    MISSING = "missing", _("Missing")


class ReportKind(models.TextChoices):
    WRONG_ITEM = "wrong_item", _("Wrong item")
    MISSING_ITEM = "missing_item", _("Missing item")
    DAMAGED = "damaged", _("Damaged")
    NOT_RECEIVED = "not_received", _("Not received")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    QUALITY = "quality", _("Quality problem")
    QUANTITY_MISMATCH = "quantity_mismatch", _("Quantity mismatch")
    COMPLAINT = "complaint", _("Complaint")
    OTHER = "other", _("Other")


REMOTE_PROVINCES = ("西藏", "新疆", "青海", "内蒙古", "宁夏", "甘肃")


def is_remote_province(province: str | None) -> bool:
    return bool(province) and province.startswith(REMOTE_PROVINCES)
