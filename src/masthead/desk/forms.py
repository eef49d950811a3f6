from django import forms
from django.core.validators import validate_slug

from masthead.core.address_field import AddressField
from masthead.publications.models import CommentPolicy, Role


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


class PublicationSettingsForm(forms.Form):
    name = forms.CharField(
        max_length=120, error_messages={"required": "A publication needs a name."}
    )
    tagline = forms.CharField(max_length=280, required=False)
    about = forms.CharField(
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Markdown. Shown on the About page.",
    )
    comment_policy = forms.ChoiceField(choices=CommentPolicy.choices, label="Who may comment")


class InvitationForm(forms.Form):
    email = AddressField(error_messages={"required": "Enter the address to invite."})
    role = forms.ChoiceField(choices=[(Role.ADMIN, "Admin"), (Role.AUTHOR, "Author")])
