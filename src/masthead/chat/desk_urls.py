"""The desk's chat pages: settings and moderation (under /desk/<publication>/chat/)."""

urlpatterns: list = []
