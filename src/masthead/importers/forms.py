"""The desk's import form: which platform, and its export files."""

from django import forms

from masthead.importers.models import ImportSource

PLATFORMS = [
    (ImportSource.SUBSTACK, "Substack"),
    (ImportSource.GHOST, "Ghost"),
    (ImportSource.WORDPRESS, "WordPress"),
]


class PlatformImportForm(forms.Form):
    source = forms.ChoiceField(
        label="Moving from",
        choices=PLATFORMS,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the platform the export comes from."},
    )
    export = forms.FileField(
        label="Export file",
        allow_empty_file=True,
        help_text=(
            "Substack: the .zip from Settings › Exports. Ghost: the .json from Settings › "
            "Migration tools › Export. WordPress: the .xml from Tools › Export."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,.json,.xml,.csv"}),
        error_messages={"required": "Choose the export file to upload."},
    )
    members = forms.FileField(
        label="Subscribers file (optional)",
        required=False,
        allow_empty_file=True,
        help_text=(
            "Ghost: the members .csv from Members › Export. Substack's zip already holds its "
            "subscribers."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv"}),
    )

    @classmethod
    def refused(cls, message: str) -> "PlatformImportForm":
        """A form that shows why an upload was refused without having read it."""
        form = cls(data={})
        form.full_clean()
        form.errors.clear()
        form.errors["export"] = form.error_class([message])
        return form

    def uploads(self):
        files = [self.cleaned_data["export"]]
        if self.cleaned_data.get("members"):
            files.append(self.cleaned_data["members"])
        return files
