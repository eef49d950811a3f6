"""The desk's sections pages (under /desk/<publication>/sections/); names in the desk namespace."""

urlpatterns: list = []
