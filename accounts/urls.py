from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("unlock/", views.unlock_request, name="unlock_request"),
    path("unlock/<str:token>/", views.unlock_confirm, name="unlock_confirm"),
    path("lockouts/", views.lockouts, name="lockouts"),
    path("lockouts/clear/", views.lockout_clear, name="lockout_clear"),
]
