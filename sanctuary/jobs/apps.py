from django.apps import AppConfig


class JobsConfig(AppConfig):
    """Long work (scans, rotation, imports, exports, payment runs) as rows with progress, run
    by django-tasks in the one process that holds the unsealed keys (``sanctuary.jobs``)."""

    name = "sanctuary.jobs"
    label = "jobs"
