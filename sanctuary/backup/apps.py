from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "sanctuary.backup"
    verbose_name = "Backups"
