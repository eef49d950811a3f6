"""The desk's chat settings form: who may read the chat and who may start threads."""

from django import forms

from masthead.chat.models import ChatReaders, ChatStarters


class ChatSettingsForm(forms.Form):
    readers = forms.ChoiceField(
        choices=ChatReaders.choices,
        label="Who may read the chat",
        widget=forms.RadioSelect,
        help_text="“Paid subscribers” means everyone with paid access: paying readers, "
        "comps, gifts, group seats and the publication's writers.",
        error_messages={
            "required": "Choose who may read the chat.",
            "invalid_choice": "Choose who may read the chat from the options shown.",
        },
    )
    starters = forms.ChoiceField(
        choices=ChatStarters.choices,
        label="Who may start threads",
        widget=forms.RadioSelect,
        help_text="Everyone who may read the chat can reply to threads and react.",
        error_messages={
            "required": "Choose who may start threads.",
            "invalid_choice": "Choose who may start threads from the options shown.",
        },
    )
