from django.apps import AppConfig


class LibConfig(AppConfig):
    """Installed only for its template tags."""

    name = "sanctuary.lib"
    label = "sanctuary_lib"
