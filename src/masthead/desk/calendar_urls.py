"""The desk's calendar (under /desk/<publication>/calendar/); names in the desk namespace."""

from django.urls import path

from masthead.desk import calendar_views

urlpatterns = [
    path("", calendar_views.month_calendar, name="calendar"),
]
