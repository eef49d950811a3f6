from django.urls import path

from masthead.posts import views

app_name = "posts"
urlpatterns = [
    path("", views.home, name="home"),
    path("archive/", views.archive, name="archive"),
    path("p/<slug:slug>/", views.post_detail, name="detail"),
    path("p/<slug:slug>/card-<slug:version>.png", views.social_card, name="social_card"),
]
