from django.urls import path

from masthead.notes import views

app_name = "notes"
urlpatterns = [
    path("notes/", views.publication_notes, name="publication_notes"),
    path("notes/feed/", views.feed, name="feed"),
    path("notes/new/", views.note_create, name="create"),
    path("notes/<int:note_id>/", views.note_detail, name="detail"),
    path("notes/<int:note_id>/like/", views.note_like, name="like"),
    path("notes/<int:note_id>/restack/", views.note_restack, name="restack"),
    path("notes/<int:note_id>/edit/", views.note_edit, name="edit"),
    path("notes/<int:note_id>/delete/", views.note_delete, name="delete"),
    path("notes/restack/p/<slug:slug>/", views.post_restack, name="post_restack"),
    path("people/<int:person_id>/notes/", views.person_notes, name="person"),
    path("people/<int:person_id>/follow/", views.person_follow, name="follow"),
]
