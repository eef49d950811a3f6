"""Forms of the desk's front door: a new publication, its settings, invitations."""

from django import forms
from django.core.validators import validate_slug

from masthead.accounts.forms import ImageFileField
from masthead.core.address_field import AddressField
from masthead.core.time_zones import time_zone_names
from masthead.publications.models import CommentPolicy, Role
from masthead.publications.services import accent_color_problem


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
    time_zone = forms.ChoiceField(
        label="Time zone",
        required=False,  # left out, the publication keeps its zone
        choices=lambda: [(name, name.replace("_", " ")) for name in time_zone_names()],
        help_text="Dates and times on your pages, in the desk and in your emails use it.",
        error_messages={"invalid_choice": "Choose a time zone from the list."},
    )
    logo = ImageFileField(
        label="Logo",
        max_width=800,
        help_text="Shown at the top of your pages and emails. A square or wide picture.",
    )
    remove_logo = forms.BooleanField(required=False, label="Remove the logo")
    accent_color = forms.CharField(
        label="Accent colour",
        required=False,
        max_length=7,
        help_text=(
            "Links and buttons on your pages and in your emails. Dark enough for white text "
            "on it. Leave empty for Masthead's rust red."
        ),
    )
    # The colour picker, beside the text field; whichever of the two was changed counts.
    accent_color_picker = forms.CharField(required=False, max_length=7)
    postal_address = forms.CharField(
        label="Postal address",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown in every email's footer, as anti-spam laws ask.",
        error_messages={
            "max_length": "Keep the address to 500 characters or fewer (it has %(show_value)d)."
        },
    )
    social_image = ImageFileField(
        label="Social image",
        max_width=1200,
        help_text=(
            "Shown when a link to your publication is shared, unless the post has a cover. "
            "1200 × 630 pixels works best."
        ),
    )
    remove_social_image = forms.BooleanField(required=False, label="Remove the social image")
    is_hidden_from_search_engines = forms.BooleanField(
        required=False,
        label="Hide from search engines",
        help_text=(
            "Asks search engines not to list your pages: robots.txt turns them away, every "
            "page says noindex and there is no sitemap. Readers with a link still get in."
        ),
    )

    def clean_time_zone(self):
        return self.cleaned_data["time_zone"] or None

    def clean_accent_color(self):
        return self.cleaned_data["accent_color"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        saved = str(self.initial.get("accent_color", "")).lower()
        typed = cleaned.get("accent_color")
        picked = (cleaned.pop("accent_color_picker", "") or "").strip().lower()
        if typed is None:
            return cleaned
        if typed == saved and picked and picked != saved:
            typed = cleaned["accent_color"] = picked  # only the picker was changed
        problem = accent_color_problem(typed) if typed else ""
        if problem:
            self.add_error("accent_color", problem)
        return cleaned


class InvitationForm(forms.Form):
    email = AddressField(error_messages={"required": "Enter the address to invite."})
    role = forms.ChoiceField(choices=[(Role.ADMIN, "Admin"), (Role.AUTHOR, "Author")])
