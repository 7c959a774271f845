from django.urls import path

from postmortems import views

app_name = "postmortems"

urlpatterns = [
    # --- The rendered document, exports, import (documents) ---
    path("<int:incident_id>/", views.postmortem_document, name="document"),
    # --- end documents ---
    #
    # --- Postmortem editor, review and publishing (authoring) ---
    # --- end authoring ---
]
