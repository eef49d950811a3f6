"""Forms of the gift and group pages: what a reader types, checked before Stripe is asked."""

import datetime as dt

from django import forms
from django.utils import timezone

from masthead.billing.gifts import LATEST_DELIVERY_DAYS
from masthead.billing.groups import MAX_SEATS, MIN_SEATS

# The hour (in the publication's time zone) a gift's email leaves on its delivery day.
DELIVERY_HOUR = 8


class GiftForm(forms.Form):
    recipient_email = forms.EmailField(label="Their email address", max_length=254)
    message = forms.CharField(
        label="A message for them (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    deliver_on = forms.DateField(
        label="Send it on (optional; empty sends it now)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    setup_intent = forms.CharField(required=False, max_length=255, widget=forms.HiddenInput)

    def clean_deliver_on(self):
        day = self.cleaned_data.get("deliver_on")
        if day is None:
            return None
        today = timezone.localdate()
        if day < today:
            raise forms.ValidationError("Choose today or a later day.")
        if day > today + dt.timedelta(days=LATEST_DELIVERY_DAYS):
            raise forms.ValidationError("Choose a day within the next year.")
        return day

    def deliver_at(self) -> dt.datetime | None:
        """The moment the gift's email leaves: now for today, else the morning of that day."""
        day = self.cleaned_data.get("deliver_on")
        if day is None or day == timezone.localdate():
            return None
        return timezone.make_aware(dt.datetime.combine(day, dt.time(DELIVERY_HOUR)))


class GroupForm(forms.Form):
    seat_count = forms.IntegerField(
        label="Number of seats (yours included)",
        min_value=MIN_SEATS,
        max_value=MAX_SEATS,
        initial=5,
    )
    setup_intent = forms.CharField(required=False, max_length=255, widget=forms.HiddenInput)


class SeatForm(forms.Form):
    email = forms.EmailField(
        label="Their email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"placeholder": "Their email address…"}),
    )
