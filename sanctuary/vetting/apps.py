from django.apps import AppConfig


class VettingConfig(AppConfig):
    name = "sanctuary.vetting"
