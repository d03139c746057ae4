from django.apps import AppConfig


class DemoConfig(AppConfig):
    """``seed_demo``: the demo organisation. Each module adds its own demo data
    (``Stage.demo`` in its ``module.py``); this app only loops over them."""

    name = "sanctuary.demo"
    label = "demo"
