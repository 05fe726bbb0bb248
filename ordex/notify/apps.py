from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "ordex.notify"
    label = "notify"
    verbose_name = "Customer communication"

    def ready(self):
        from ordex.cases import hooks

        from . import listeners

        hooks.case_opened.register(listeners.on_case_opened)
        hooks.choice_offered.register(listeners.on_choice_offered)
        hooks.choice_settled.register(listeners.on_choice_settled)
        hooks.case_resolved.register(listeners.on_case_resolved)
