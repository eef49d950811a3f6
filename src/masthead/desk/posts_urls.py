"""The desk's post editor: drafts, preview, publishing and scheduling (inside the `desk` namespace)."""

from django.urls import path

from masthead.desk import post_views
from masthead.revisions import views as revision_views

urlpatterns = [
    path("", post_views.post_list, name="post_list"),
    path("new/", post_views.post_new, name="post_new"),
    path("new/autosave/", post_views.post_autosave_new, name="post_autosave_new"),
    path("render/", post_views.post_render_preview, name="post_render_preview"),
    path("images/", post_views.post_image_upload, name="post_image_upload"),
    path("<int:post_id>/", post_views.post_edit, name="post_edit"),
    path("<int:post_id>/autosave/", post_views.post_autosave, name="post_autosave"),
    path("<int:post_id>/preview/", post_views.post_preview, name="post_preview"),
    path("<int:post_id>/unpublish/", post_views.post_unpublish, name="post_unpublish"),
    path("<int:post_id>/delete/", post_views.post_delete, name="post_delete"),
    path("<int:post_id>/revisions/", revision_views.revision_list, name="post_revisions"),
    path(
        "<int:post_id>/revisions/compare/",
        revision_views.revision_compare,
        name="post_revisions_compare",
    ),
    path(
        "<int:post_id>/revisions/<int:number>/restore/",
        revision_views.revision_restore,
        name="post_revision_restore",
    ),
]
