from django.apps import AppConfig


class DetectionConfig(AppConfig):
    name = "ordex.detection"
    label = "detection"
    verbose_name = "检测规则 Detection"
    default_auto_field = "django.db.models.BigAutoField"
