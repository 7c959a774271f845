from django.urls import path

from incidents.views import incidents

app_name = "incidents"

urlpatterns = [
    # --- Incidents and the incident page: timeline, causes, action items (authoring) ---
    path("", incidents.incident_list, name="list"),
    path("new/", incidents.incident_create, name="create"),
    path("<int:pk>/", incidents.incident_detail, name="detail"),
    path("<int:pk>/edit/", incidents.incident_edit, name="edit"),
    path("<int:pk>/timeline/", incidents.timeline_event_create, name="event_create"),
    path("<int:pk>/timeline/<int:event_id>/", incidents.timeline_event_edit, name="event_edit"),
    path(
        "<int:pk>/timeline/<int:event_id>/delete/",
        incidents.timeline_event_delete,
        name="event_delete",
    ),
    path(
        "<int:pk>/timeline/<int:event_id>/move/", incidents.timeline_event_move, name="event_move"
    ),
    path("<int:pk>/causes/", incidents.cause_create, name="cause_create"),
    path("<int:pk>/causes/<int:cause_id>/", incidents.cause_edit, name="cause_edit"),
    path("<int:pk>/causes/<int:cause_id>/delete/", incidents.cause_delete, name="cause_delete"),
    path("<int:pk>/causes/<int:cause_id>/move/", incidents.cause_move, name="cause_move"),
    path("<int:pk>/action-items/", incidents.action_item_create, name="item_create"),
    path("<int:pk>/action-items/<int:item_id>/", incidents.action_item_edit, name="item_edit"),
    path(
        "<int:pk>/action-items/<int:item_id>/delete/",
        incidents.action_item_delete,
        name="item_delete",
    ),
    path("<int:pk>/action-items/<int:item_id>/move/", incidents.action_item_move, name="item_move"),
    # --- end authoring ---
    #
    # --- Action items board, dashboard, calendar feed (tracking) ---
    # --- end tracking ---
    #
    # --- Account settings, reminder preferences, unsubscribe (reminders) ---
    # --- end reminders ---
]
