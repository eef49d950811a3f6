from django import forms

from masthead.core.address_field import AddressField


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

    def clean_display_name(self):
        name = self.cleaned_data["display_name"]
        if any(ord(character) < 32 for character in name):
            raise forms.ValidationError("Your name cannot contain control characters.")
        return name
