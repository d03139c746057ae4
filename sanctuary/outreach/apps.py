from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "sanctuary.outreach"
    label = "outreach"
