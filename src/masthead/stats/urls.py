"""The dashboard's pages, included at /desk/<publication_slug>/stats/ in the desk namespace
(names desk:stats:<name>)."""

from django.urls import path

from masthead.stats import views

app_name = "stats"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("subscribers/", views.subscribers, name="subscribers"),
    path("posts/", views.posts, name="posts"),
    path("posts/<int:post_id>/", views.post, name="post"),
    path("traffic/", views.traffic, name="traffic"),
    path("export/<slug:table>.csv", views.export, name="export"),
]
