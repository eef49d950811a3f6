"""The desk's automations pages (under /desk/<publication>/automations/)."""

app_name = "automations"
urlpatterns: list = []
