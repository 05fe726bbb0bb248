from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "ordex.ingest"
    label = "ingest"
    verbose_name = "Inbound events"
