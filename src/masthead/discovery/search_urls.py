"""The search page's address."""

from django.urls import path

from masthead.discovery import search_views

urlpatterns = [
    path("search/", search_views.search, name="search"),
]
