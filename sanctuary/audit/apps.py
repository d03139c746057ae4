from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "sanctuary.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        from sanctuary.audit import signals  # noqa: F401  (connects login/logout handlers)
