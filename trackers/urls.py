from django.urls import path

from trackers import views

app_name = "trackers"
urlpatterns = [
    path("", views.connection_list, name="list"),
    path("new/", views.connection_edit, name="create"),
    path("<int:connection_id>/", views.connection_detail, name="detail"),
    path("<int:connection_id>/edit/", views.connection_edit, name="edit"),
    path("<int:connection_id>/test/", views.connection_test, name="test"),
    path("<int:connection_id>/new-secret/", views.connection_new_secret, name="new_secret"),
    path("<int:connection_id>/delete/", views.connection_delete, name="delete"),
    path("<int:connection_id>/hooks/github/", views.github_hook, name="github_hook"),
    path("<int:connection_id>/hooks/jira/", views.jira_hook, name="jira_hook"),
    path("items/<int:item_id>/", views.item_issue, name="item"),
    path("items/<int:item_id>/create/", views.item_create_issue, name="item_create"),
    path("items/create/", views.items_create_issues, name="items_create"),
    path("account/", views.account, name="account"),
]
