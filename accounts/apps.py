from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Sign-in"

    def ready(self) -> None:
        from accounts import signals  # noqa: F401  (connects the receivers)
        from core.backup_registry import register_backup_exclusion

        register_backup_exclusion(
            "otp_totp.totpdevice", "otp_static.staticdevice", "otp_static.statictoken",
            reason="two-factor secrets stay out of files: people enrol again after a restore",
        )  # fmt: skip
        register_backup_exclusion(
            "axes.accessattempt", "axes.accessattemptexpiration", "axes.accesslog",
            "axes.accessfailurelog", reason="sign-in attempts and lockouts",
        )  # fmt: skip
