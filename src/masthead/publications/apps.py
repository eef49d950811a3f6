from django.apps import AppConfig


class PublicationsConfig(AppConfig):
    name = "masthead.publications"
    label = "publications"
