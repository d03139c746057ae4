from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "sanctuary.people"
    label = "people"
