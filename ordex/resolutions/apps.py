from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResolutionsConfig(AppConfig):
    name = "ordex.resolutions"
    label = "resolutions"
    verbose_name = _("Resolutions")

    def ready(self):
        # cases offers hooks and must not import this app: we register ourselves with it.
        from ordex.cases import hooks as case_hooks

        from . import actions

        case_hooks.register_resolve_guard("resolutions.open_actions", actions.refuse_resolve_with_open_actions)
        case_hooks.register_choice_listener("resolutions.action_for_choice", actions.action_for_settled_choice)
