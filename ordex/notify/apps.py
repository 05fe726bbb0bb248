from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "ordex.notify"
    label = "notify"
    verbose_name = _("Customer communication")

    def ready(self):
        from ordex.cases import hooks
        from ordex.resolutions import hooks as action_hooks

        from . import listeners

        hooks.register_case_opened_listener("notify", listeners.on_case_opened)
        hooks.register_choice_offered_listener("notify", listeners.on_choice_offered)
        hooks.register_choice_listener("notify", listeners.on_choice_settled)
        hooks.register_case_resolved_listener("notify", listeners.on_case_resolved)
        action_hooks.register_action_listener("notify.customer_update", listeners.on_action_changed)
