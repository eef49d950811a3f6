"""The revisions app: the saved versions of each post."""

from django.apps import AppConfig


class RevisionsConfig(AppConfig):
    name = "masthead.revisions"
    label = "revisions"
