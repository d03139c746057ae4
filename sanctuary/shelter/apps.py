from django.apps import AppConfig


class ShelterConfig(AppConfig):
    name = "sanctuary.shelter"
