from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "masthead.notes"
    label = "notes"
