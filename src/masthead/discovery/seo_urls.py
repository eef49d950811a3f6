"""Addresses search engines read: robots.txt and the sitemap."""

from django.urls import path

from masthead.discovery import seo_views

urlpatterns = [
    path("robots.txt", seo_views.robots_txt, name="robots"),
    path("sitemap.xml", seo_views.sitemap_index, name="sitemap"),
    path("sitemap-<slug:section>.xml", seo_views.sitemap_section, name="sitemap_section"),
]
