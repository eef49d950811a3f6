from django.urls import path

from masthead.publications import views

app_name = "publications"
urlpatterns = [
    path("about/", views.about, name="about"),
]
