from django.apps import AppConfig


class LibConfig(AppConfig):
    """Template tags, and the module registry: every app's ``module.py`` is imported here,
    once all models are loaded (``sanctuary.lib.stages``)."""

    name = "sanctuary.lib"
    label = "sanctuary_lib"

    def ready(self) -> None:
        from sanctuary.lib import stages

        stages.autodiscover()
