from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "ordex.orders"
    label = "orders"
    verbose_name = "Orders (data hub)"
