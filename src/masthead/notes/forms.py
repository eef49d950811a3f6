"""Forms of notes; the length, image and permission rules live in the services."""

import re

from django import forms

from masthead.notes.services import MAX_NOTE_LENGTH

# "https://site/p/some-slug/", "/pub/x/p/some-slug/" or just "some-slug".
POST_ADDRESS = re.compile(r"(?:^|/p/)(?P<slug>[-a-zA-Z0-9_]+)/?(?:[?#].*)?$")


class NoteForm(forms.Form):
    # The service refuses past MAX_NOTE_LENGTH with a clear message; this stops absurd posts.
    body = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Write a note…"}),
        max_length=MAX_NOTE_LENGTH * 5,
        label="Note",
    )
    image = forms.FileField(required=False, label="Image")
    post_address = forms.CharField(
        required=False,
        max_length=500,
        label="Link a post",
        help_text="The address of one of this publication's posts, shown as a card.",
    )
    as_publication = forms.BooleanField(required=False, label="Post as the publication")
    # Read in the current time zone, which is the publication's on its pages (its middleware).
    schedule_for = forms.DateTimeField(
        required=False,
        label="Schedule for",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": "Enter a date and time, like 2026-12-01 09:00."},
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_post_address(self) -> str:
        address = self.cleaned_data["post_address"].strip()
        if not address:
            return ""
        match = POST_ADDRESS.search(address)
        if match is None:
            raise forms.ValidationError("Paste the address of a post, like …/p/its-title/.")
        return match["slug"]


class RestackForm(forms.Form):
    body = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Add a comment (optional)…"}),
        max_length=MAX_NOTE_LENGTH * 5,
        label="Your comment",
    )


class NoteEditForm(forms.Form):
    body = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=MAX_NOTE_LENGTH * 5
    )
