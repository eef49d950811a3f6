"""Forms of signing in and of one's own profile, and the image upload field other forms share."""

from django import forms

from masthead.core import images
from masthead.core.address_field import AddressField

IMAGE_TYPES = "image/jpeg,image/png,image/webp,image/gif"


class ImageFileField(forms.FileField):
    """An uploaded image, cleaned into a ProcessedImage (checked, re-encoded, at most `max_width`
    pixels wide), or None when no file was chosen. A refused file is a form error, never a 500."""

    widget = forms.FileInput

    def __init__(self, *args, max_width: int = images.MAX_WIDTH, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("error_messages", {"empty": "The file is empty. Choose an image file."})
        super().__init__(*args, **kwargs)
        self.max_width = max_width
        self.widget.attrs.setdefault("accept", IMAGE_TYPES)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload or not hasattr(upload, "read"):
            return None
        try:
            return images.process_image(upload, max_width=self.max_width)
        except images.ImageRejected as error:
            raise forms.ValidationError(str(error)) from None


def without_control_characters(text: str, what: str) -> str:
    if any(ord(character) < 32 for character in text if character not in "\r\n\t"):
        raise forms.ValidationError(f"Your {what} cannot contain control characters.")
    return text


class EmailForm(forms.Form):
    # Cleaned to the address as stored (lowercased, ASCII domain), so the service receives that.
    email = AddressField(
        widget=forms.EmailInput(attrs={"autocomplete": "email", "placeholder": "Type your email…"}),
    )


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        max_length=80,
        required=False,
        label="Display name",
        error_messages={"max_length": "Keep your name under 80 characters."},
    )
    bio = forms.CharField(
        max_length=300,
        required=False,
        label="Short bio",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A sentence or two about you, shown with your name on posts and notes.",
        error_messages={
            "max_length": "Keep your bio to 300 characters or fewer (it has %(show_value)d)."
        },
    )
    avatar = ImageFileField(
        label="Photo",
        max_width=400,
        help_text="A square picture works best. JPEG, PNG, WebP or GIF.",
    )
    remove_avatar = forms.BooleanField(required=False, label="Remove my photo")

    def clean_display_name(self):
        name = self.cleaned_data["display_name"]
        if any(ord(character) < 32 for character in name):
            raise forms.ValidationError("Your name cannot contain control characters.")
        return name

    def clean_bio(self):
        return without_control_characters(self.cleaned_data["bio"], "bio")
