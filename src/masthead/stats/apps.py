from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "masthead.stats"
    label = "stats"
