from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Events and deliveries"

    def ready(self) -> None:
        from core import dashboard_cache

        dashboard_cache.register()
