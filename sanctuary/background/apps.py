from django.apps import AppConfig


class BackgroundConfig(AppConfig):
    """Long work (scans, rotation, imports, exports, payment runs) as rows with progress, run
    by django-tasks in the one process that holds the unsealed keys (``sanctuary.background``)."""

    name = "sanctuary.background"
    label = "background"  # not "jobs": that is the stage of jobs and papers
