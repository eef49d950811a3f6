from django import forms
from django.core.validators import validate_slug

from masthead.publications.models import Role


class PublicationForm(forms.Form):
    name = forms.CharField(
        max_length=120, error_messages={"required": "Give your publication a name."}
    )
    slug = forms.CharField(
        max_length=60,
        required=False,
        validators=[validate_slug],
        help_text="Used in addresses: letters, digits and hyphens. Leave empty to make one from the name.",
    )
    tagline = forms.CharField(max_length=280, required=False)


class InvitationForm(forms.Form):
    email = forms.EmailField(
        max_length=254, error_messages={"invalid": "Enter a valid email address."}
    )
    role = forms.ChoiceField(choices=[(Role.ADMIN, "Admin"), (Role.AUTHOR, "Author")])
