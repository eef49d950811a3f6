"""The desk's sections pages (under /desk/<publication>/sections/); names in the desk namespace."""

from django.urls import path

from masthead.publications import section_views

urlpatterns = [
    path("", section_views.section_list, name="sections"),
    path("new/", section_views.section_create, name="section_create"),
    path("<int:section_id>/", section_views.section_edit, name="section_edit"),
    path("<int:section_id>/delete/", section_views.section_delete, name="section_delete"),
]
