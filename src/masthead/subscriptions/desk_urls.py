"""The desk's subscriber management: list, search, import, export."""

urlpatterns: list = []
