from django.apps import AppConfig


class PageCacheConfig(AppConfig):
    name = "masthead.pagecache"
    label = "pagecache"
    verbose_name = "Page cache"

    def ready(self):
        from masthead.pagecache import invalidation

        invalidation.connect_signals()
