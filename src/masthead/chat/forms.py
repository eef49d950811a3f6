"""The chat's one HTML form: the digest switch. Messages are sent over the socket."""

from django import forms


class DigestForm(forms.Form):
    is_on = forms.TypedChoiceField(
        choices=[("on", "On"), ("off", "Off")], coerce=lambda value: value == "on"
    )


class ImageUploadForm(forms.Form):
    image = forms.FileField(
        error_messages={
            "required": "Choose an image to upload.",
            "empty": "The file is empty. Choose an image file.",
        }
    )
