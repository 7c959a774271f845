from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Sign-in"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import signals, tasks  # noqa: F401  (connects the receivers)
        from core.backup_registry import register_backup_exclusion

        # Recovery and the health check see the unlock-link e-mails owed.
        tasks.register_owed_kinds()
        register_backup_exclusion(
            "otp_totp.totpdevice", "otp_static.staticdevice", "otp_static.statictoken",
            reason="two-factor secrets stay out of files: people enrol again after a restore",
        )  # fmt: skip
        register_backup_exclusion(
            "axes.accessattempt", "axes.accessattemptexpiration", "axes.accesslog",
            "axes.accessfailurelog", "accounts.unlocklinkemail",
            reason="sign-in attempts, lockouts and the unlock e-mails they owe",
        )  # fmt: skip
