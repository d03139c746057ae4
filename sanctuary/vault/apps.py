from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "sanctuary.vault"
    label = "vault"
