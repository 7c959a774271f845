from django.urls import path

from accounts import login, oidc, views

app_name = "accounts"

urlpatterns = [
    path("unlock/", views.unlock_request, name="unlock_request"),
    path("unlock/<str:token>/", views.unlock_confirm, name="unlock_confirm"),
    path("lockouts/", views.lockouts, name="lockouts"),
    path("lockouts/clear/", views.lockout_clear, name="lockout_clear"),
    path("login/verify/", login.login_verify, name="login_verify"),
    path("two-factor/", views.two_factor_settings, name="two_factor"),
    path("two-factor/start/", views.two_factor_start, name="two_factor_start"),
    path("two-factor/confirm/", views.two_factor_confirm, name="two_factor_confirm"),
    path("two-factor/recovery-codes/", views.two_factor_recovery_codes, name="recovery_codes"),
    path("two-factor/disable/", views.two_factor_disable, name="two_factor_disable"),
    path("sso/login/", oidc.SSOLoginView.as_view(), name="oidc_login"),
    path("sso/callback/", oidc.SSOCallbackView.as_view(), name="oidc_callback"),
]
