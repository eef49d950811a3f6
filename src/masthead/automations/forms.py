"""The desk's forms for automation emails and the weekly digest's settings."""

from django import forms

from masthead.automations.models import (
    MAX_BODY_CHARACTERS,
    MAX_DELAY_DAYS,
    AutomationKind,
    Weekday,
)


def _one_line(value: str) -> str:
    return " ".join((value or "").split())


class AutomationEmailForm(forms.Form):
    kind = forms.ChoiceField(
        choices=AutomationKind.choices,
        label="Sent",
        help_text="Welcome: after a reader confirms. Paid upgrade: after they start paying. "
        "Win-back: after their paid subscription ends.",
    )
    subject = forms.CharField(max_length=200, label="Subject line")
    preview_text = forms.CharField(
        max_length=200,
        required=False,
        label="Preview text",
        help_text="Shown after the subject in most inboxes. Empty: the email's first words.",
    )
    delay_days = forms.IntegerField(
        min_value=0,
        max_value=MAX_DELAY_DAYS,
        initial=0,
        label="Days after the event",
        help_text="0 sends it right away.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    body_markdown = forms.CharField(
        max_length=MAX_BODY_CHARACTERS,
        required=False,
        label="Email",
        strip=False,
        help_text="Markdown, as in posts.",
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "true"}),
    )
    is_active = forms.BooleanField(
        required=False,
        initial=True,
        label="On",
        help_text="Goes to readers whose day for it comes after you switch it on.",
    )

    def __init__(self, *args, is_new: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not is_new:
            del self.fields["kind"]  # an email stays in its automation

    def clean_subject(self) -> str:
        subject = _one_line(self.cleaned_data["subject"])
        if not subject:
            raise forms.ValidationError("Write a subject line.")
        return subject

    def clean_preview_text(self) -> str:
        return _one_line(self.cleaned_data["preview_text"])


class DigestSettingsForm(forms.Form):
    is_on = forms.BooleanField(
        required=False,
        label="Send the weekly digest",
        help_text="To readers who chose one email a week instead of one per post.",
    )
    weekday = forms.TypedChoiceField(choices=Weekday.choices, coerce=int, label="Day")
    hour = forms.TypedChoiceField(
        choices=[(hour, f"{hour:02d}:00") for hour in range(24)],
        coerce=int,
        label="Hour",
        help_text="In the publication's time zone.",
    )


class MoveForm(forms.Form):
    direction = forms.TypedChoiceField(choices=[("-1", "Earlier"), ("1", "Later")], coerce=int)
