"""Links into the sign-in flow, for views of other apps that need a signed-in person."""

from urllib.parse import urlencode

from django.urls import reverse


def sign_in_url(next_url: str) -> str:
    """The sign-in page, coming back to `next_url` afterwards."""
    return reverse("accounts:sign_in") + "?" + urlencode({"next": next_url})
