from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DetectionConfig(AppConfig):
    name = "ordex.detection"
    label = "detection"
    verbose_name = _("Detection rules")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.conf import settings
        from django.db.models.signals import post_delete, post_save

        from ordex.cases.actions import batch_of_findings
        from ordex.orders import hooks as hub_hooks

        from .engine import rules_changed
        from .histogram import forget_histogram
        from .history import history_import
        from .models import Rule, RuleOverride
        from .subscriber import on_events

        if settings.ORDEX_DETECTION_ON_IMPORT:
            hub_hooks.applied_events.register(on_events)
        hub_hooks.hub_rows_forgotten.register(forget_histogram)
        hub_hooks.bulk_import_scopes.register(batch_of_findings)
        hub_hooks.history_imports.register(history_import)

        for model in (Rule, RuleOverride):
            post_save.connect(rules_changed, sender=model, dispatch_uid=f"rules_changed_save_{model.__name__}")
            post_delete.connect(rules_changed, sender=model, dispatch_uid=f"rules_changed_delete_{model.__name__}")
