"""The desk's form for adding a webhook endpoint."""

from django import forms

from masthead.outbox.delivery import MAX_URL_CHARS
from masthead.outbox.events import EVENT_TYPES


class EndpointForm(forms.Form):
    # A CharField, not a URLField: the service checks the URL and explains what is wrong.
    url = forms.CharField(
        label="Endpoint URL",
        max_length=MAX_URL_CHARS,
        help_text="An https:// (or http://) address on the public internet.",
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/hooks/masthead"}),
    )
    event_types = forms.MultipleChoiceField(
        label="Events to send",
        choices=[(name, f"{name} — {meaning}") for name, meaning in EVENT_TYPES.items()],
        widget=forms.CheckboxSelectMultiple,
        initial=list(EVENT_TYPES),
        error_messages={"required": "Choose at least one event to send."},
    )
