"""The desk's Export page of a publication.

Included at /desk/<publication_slug>/export/ inside the `desk` namespace, so the full names are
desk:export:export, desk:export:run and desk:export:download.
"""

from django.urls import path

from masthead.importers import export_views

app_name = "export"
urlpatterns = [
    path("", export_views.export_page, name="export"),
    path("<int:run_id>/", export_views.export_run, name="run"),
    path("<int:run_id>/download/", export_views.export_download, name="download"),
]
