"""Desk pages and webhooks for bounces, complaints and suppressions."""

app_name = "bounces"
urlpatterns: list = []
