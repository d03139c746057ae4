from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "sanctuary.training"
