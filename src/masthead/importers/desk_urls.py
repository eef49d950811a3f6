from django.urls import path

from masthead.importers import desk_views

app_name = "importers"
urlpatterns = [
    path("", desk_views.import_start, name="start"),
    path("<int:run_id>/", desk_views.import_run, name="run"),
    path("<int:run_id>/report.csv", desk_views.import_report, name="report"),
    path("<int:run_id>/resume/", desk_views.import_resume, name="resume"),
]
