from django.apps import AppConfig


class DetectionConfig(AppConfig):
    name = "ordex.detection"
    label = "detection"
    verbose_name = "检测规则 Detection"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .engine import rules_changed
        from .models import Rule, RuleOverride

        for model in (Rule, RuleOverride):
            post_save.connect(rules_changed, sender=model, dispatch_uid=f"rules_changed_save_{model.__name__}")
            post_delete.connect(rules_changed, sender=model, dispatch_uid=f"rules_changed_delete_{model.__name__}")
