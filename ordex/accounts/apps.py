from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ordex.accounts"
    label = "accounts"
    verbose_name = "Users and access"
