"""Forms for sections: the desk's section form and the reader's email choices per publication."""

import re

from django import forms
from django.utils.text import slugify

from masthead.publications.models import Section

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def _one_line(value: str, label: str) -> str:
    """Header and footer text: one line, without control characters (a From header that holds a
    line break could carry another header)."""
    value = " ".join(value.split())
    if CONTROL_CHARACTERS.search(value):
        raise forms.ValidationError(f"{label} may not hold control characters.")
    return value


class SectionForm(forms.ModelForm):
    class Meta:
        model = Section
        fields = ["name", "slug", "description", "sends_email", "sender_name", "email_footer"]
        labels = {
            "slug": "Address",
            "sends_email": "Email this section's posts to subscribers",
            "sender_name": "Sender name",
            "email_footer": "Email footer line",
        }
        help_texts = {
            "slug": "Used in the section's Archive and feed addresses: letters, digits and "
            "hyphens. Left empty, it is made from the name.",
            "description": "Shown on the section's Archive page and in the account page.",
            "sends_email": "Off: the section's posts are published on the web only.",
            "sender_name": "The name readers see in From. Empty: the publication's name.",
            "email_footer": "One short line at the foot of the section's emails.",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, publication, **kwargs):
        super().__init__(*args, **kwargs)
        self.publication = publication
        self.fields["slug"].required = False

    def clean_name(self):
        name = _one_line(self.cleaned_data["name"], "The name")
        if not name:
            raise forms.ValidationError("Give the section a name.")
        return name

    def clean_sender_name(self):
        return _one_line(self.cleaned_data["sender_name"], "The sender name")

    def clean_email_footer(self):
        return _one_line(self.cleaned_data["email_footer"], "The footer line")

    def clean(self):
        cleaned = super().clean()
        if "slug" in self.errors or "name" not in cleaned:
            return cleaned
        slug = cleaned.get("slug") or slugify(cleaned["name"])[:60].strip("-")
        if not slug:
            self.add_error(
                "slug", "Choose an address for this section (letters, digits and hyphens)."
            )
            return cleaned
        others = Section.objects.filter(publication=self.publication, slug=slug)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            self.add_error("slug", f"Another section already has the address “{slug}”.")
        cleaned["slug"] = slug
        return cleaned

    def _post_clean(self):
        # The model's own uniqueness check needs the publication, which the form does not
        # hold as a field: clean() checks it, and the service catches a race.
        self.instance.publication = self.publication
        super()._post_clean()


DIGEST_CHOICES = [
    ("each", "An email for each post"),
    ("weekly", "One email a week instead of each post"),
]


class EmailChoicesForm(forms.Form):
    """One publication's email choices on the account page: the sections kept (a box each) and
    whether posts come one by one or in the weekly digest."""

    sections = forms.ModelMultipleChoiceField(queryset=Section.objects.none(), required=False)
    frequency = forms.ChoiceField(choices=DIGEST_CHOICES)

    def __init__(self, *args, publication_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sections"].queryset = Section.objects.filter(publication_id=publication_id)
