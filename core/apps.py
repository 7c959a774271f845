from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Events and deliveries"

    def ready(self) -> None:
        from core import checks, dashboard_cache  # noqa: F401 (checks registers itself)

        dashboard_cache.register()
