from django.urls import path

from api import web

app_name = "tokens"

urlpatterns = [
    path("", web.token_list, name="list"),
    path("<int:pk>/revoke/", web.token_revoke, name="revoke"),
]
