from django.apps import AppConfig


class StipendsConfig(AppConfig):
    name = "sanctuary.stipends"
