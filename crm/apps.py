from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "Keepwarm"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (creates user.profile with every user)
