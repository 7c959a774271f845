from django.urls import path

from postmortems import views
from postmortems.collaboration import thread_views, version_views
from postmortems.exporting import views as export_views
from postmortems.layouts import views as layout_views

# No app_name here: config/urls.py mounts these with importing.urls under one namespace,
# "postmortems", so that the import page keeps its name (postmortems:import).

urlpatterns = [
    # --- The rendered document and its exports (documents) ---
    path("<int:incident_id>/", views.postmortem_document, name="document"),
    path("<int:incident_id>/template/", layout_views.postmortem_template, name="template"),
    path("<int:incident_id>/export.<str:fmt>", export_views.postmortem_export, name="export"),
    path("<int:incident_id>/v<int:number>/", version_views.postmortem_version, name="version"),
    path(
        "<int:incident_id>/v<int:number>/export.<str:fmt>",
        version_views.postmortem_version_export,
        name="version_export",
    ),
    path(
        "<int:incident_id>/compare/",
        version_views.postmortem_version_compare,
        name="version_compare",
    ),
    path(
        "<int:incident_id>/v<int:old>...v<int:new>/",
        version_views.postmortem_version_diff,
        name="version_diff",
    ),
    # --- end documents ---
    #
    # --- Postmortem editor, review and publishing (authoring) ---
    path("<int:incident_id>/edit/", views.postmortem_edit, name="edit"),
    path("<int:incident_id>/review/", views.postmortem_review_page, name="review"),
    path("<int:incident_id>/submit/", views.postmortem_submit, name="submit"),
    path("<int:incident_id>/publish/", views.postmortem_publish, name="publish"),
    path("<int:incident_id>/reopen/", views.postmortem_reopen, name="reopen"),
    # --- Comment threads on the review page, and @mention completion ---
    path("<int:incident_id>/threads/", thread_views.thread_create, name="thread_create"),
    path(
        "<int:incident_id>/threads/<int:thread_id>/reply/",
        thread_views.thread_reply,
        name="thread_reply",
    ),
    path(
        "<int:incident_id>/threads/<int:thread_id>/resolve/",
        thread_views.thread_resolve,
        name="thread_resolve",
    ),
    path(
        "<int:incident_id>/comments/<int:comment_id>/edit/",
        thread_views.comment_edit,
        name="comment_edit",
    ),
    path(
        "<int:incident_id>/comments/<int:comment_id>/delete/",
        thread_views.comment_delete,
        name="comment_delete",
    ),
    path("<int:incident_id>/people/", thread_views.mention_people, name="mention_people"),
    # --- end authoring ---
    #
    # --- Templates ---
    path("templates/", layout_views.template_list, name="templates"),
    path("templates/new/", layout_views.template_create, name="template_create"),
    path("templates/<int:template_id>/", layout_views.template_edit, name="template_edit"),
    path("templates/<int:template_id>/copy/", layout_views.template_copy, name="template_copy"),
    path(
        "templates/<int:template_id>/retire/",
        layout_views.template_retire,
        name="template_retire",
    ),
    # --- end templates ---
]
