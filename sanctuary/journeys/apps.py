from django.apps import AppConfig


class JourneysConfig(AppConfig):
    name = "sanctuary.journeys"
