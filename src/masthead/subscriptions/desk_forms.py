"""Forms of the desk's subscriber pages: the list's filters and the CSV upload."""

from django import forms

from masthead.subscriptions.desk_queries import PaidKind, SubscriberFilters
from masthead.subscriptions.models import SubscriptionSource, SubscriptionStatus


class SubscriberFilterForm(forms.Form):
    """Filters from the query string. A bad value drops that one filter, with a note, never a 400."""

    q = forms.CharField(label="Search", required=False, max_length=254, strip=True)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *SubscriptionStatus.choices]
    )
    source = forms.ChoiceField(
        label="Source", required=False, choices=[("", "Any source"), *SubscriptionSource.choices]
    )
    subscribed_from = forms.DateField(
        label="Subscribed from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    subscribed_to = forms.DateField(
        label="Subscribed to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    paid = forms.ChoiceField(
        label="Paid", required=False, choices=[("", "Free and paid"), *PaidKind.CHOICES]
    )

    NOTES = {
        "q": "The search “{value}” cannot be used (at most 254 characters), so it was ignored.",
        "status": "“{value}” is not a status, so the status filter was ignored.",
        "source": "“{value}” is not a source, so the source filter was ignored.",
        "subscribed_from": "“{value}” is not a date (use YYYY-MM-DD), so the “from” date was ignored.",
        "subscribed_to": "“{value}” is not a date (use YYYY-MM-DD), so the “to” date was ignored.",
        "paid": "“{value}” is not free, paid or comp, so the paid filter was ignored.",
    }

    def __init__(self, *args, is_paid_available: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not is_paid_available:
            # Without paid subscriptions the filter does not exist: a stale ?paid= is not used.
            del self.fields["paid"]

    def filters(self) -> tuple[SubscriberFilters, list[str]]:
        """The valid filters, and a note for each one that was ignored."""
        self.is_valid()
        notes = [
            self.NOTES[name].format(value=str(self.data.get(name, ""))[:40]) for name in self.errors
        ]
        data = self.cleaned_data
        filters = SubscriberFilters(
            search=data.get("q") or "",
            status=data.get("status") or "",
            source=data.get("source") or "",
            subscribed_from=data.get("subscribed_from"),
            subscribed_to=data.get("subscribed_to"),
            paid=data.get("paid") or "",
        )
        return filters, notes


class SubscriberImportForm(forms.Form):
    # Empty files are allowed through so that importing.py gives the same message as the command.
    file = forms.FileField(
        label="CSV file",
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.tsv,.txt,text/csv"}),
        error_messages={"required": "Choose a CSV file to upload."},
    )

    @classmethod
    def refused(cls, message: str) -> "SubscriberImportForm":
        """A form that shows why an upload was refused without having read it."""
        form = cls(data={})
        form.full_clean()
        form.errors["file"] = form.error_class([message])
        return form
