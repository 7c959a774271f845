from django.urls import path

from postmortems import views

app_name = "postmortems"

urlpatterns = [
    path("<int:incident_id>/", views.postmortem_document, name="document"),
]
