from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "sanctuary.stats"
