from django.urls import path

from postmortems import template_views, views

app_name = "postmortems"

urlpatterns = [
    # --- The rendered document, exports, import (documents) ---
    path("import/", views.postmortem_import, name="import"),
    path("<int:incident_id>/", views.postmortem_document, name="document"),
    path("<int:incident_id>/template/", views.postmortem_template, name="template"),
    path("<int:incident_id>/export.<str:fmt>", views.postmortem_export, name="export"),
    # --- end documents ---
    #
    # --- Postmortem editor, review and publishing (authoring) ---
    path("<int:incident_id>/edit/", views.postmortem_edit, name="edit"),
    path("<int:incident_id>/review/", views.postmortem_review_page, name="review"),
    path("<int:incident_id>/submit/", views.postmortem_submit, name="submit"),
    path("<int:incident_id>/publish/", views.postmortem_publish, name="publish"),
    path("<int:incident_id>/reopen/", views.postmortem_reopen, name="reopen"),
    # --- end authoring ---
    #
    # --- Templates ---
    path("templates/", template_views.template_list, name="templates"),
    path("templates/new/", template_views.template_create, name="template_create"),
    path("templates/<int:template_id>/", template_views.template_edit, name="template_edit"),
    path("templates/<int:template_id>/copy/", template_views.template_copy, name="template_copy"),
    path(
        "templates/<int:template_id>/retire/",
        template_views.template_retire,
        name="template_retire",
    ),
    # --- end templates ---
]
