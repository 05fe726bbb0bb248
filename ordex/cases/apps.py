from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "ordex.cases"
    label = "cases"
    verbose_name = "Exception cases"
