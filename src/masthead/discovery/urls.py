"""Feeds, sitemap, robots.txt and search: one namespace, one module of patterns each."""

from masthead.discovery import feed_urls, search_urls, seo_urls

app_name = "discovery"
urlpatterns = [*feed_urls.urlpatterns, *seo_urls.urlpatterns, *search_urls.urlpatterns]
