import re

from django import forms

from masthead.accounts.forms import EmailForm

POST_SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,120}$")


class AttributedPostField(forms.Field):
    """The slug of the post whose page the form is on (or whose page linked here with ?post=):
    for attribution only, so anything that is not a slug is dropped, never an error."""

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def clean(self, value) -> str:
        value = value.strip() if isinstance(value, str) else ""
        return value if POST_SLUG.match(value) else ""


class SubscribeForm(EmailForm):
    post = AttributedPostField()
