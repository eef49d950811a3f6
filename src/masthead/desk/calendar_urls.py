"""The desk's calendar (under /desk/<publication>/calendar/); names in the desk namespace."""

urlpatterns: list = []
