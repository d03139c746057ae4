from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "sanctuary.matching"
    label = "matching"
    verbose_name = "Record linkage"
