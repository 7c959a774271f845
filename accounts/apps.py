from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Sign-in"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import signals, tasks  # noqa: F401  (connects the receivers)

        # Recovery and the health check see the unlock-link e-mails owed.
        tasks.register_owed_kinds()
