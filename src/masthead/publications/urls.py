from django.urls import path

from masthead.publications import views

app_name = "publications"
urlpatterns = [
    path("about/", views.about, name="about"),
    path("theme-<slug:version>.css", views.theme_css, name="theme"),
    path("social-card-<slug:version>.png", views.social_card, name="social_card"),
]
