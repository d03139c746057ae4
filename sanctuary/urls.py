from django.conf import settings
from django.urls import include, path

from sanctuary import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("lang/", views.set_language, name="set_language"),
    path("accounts/", include("sanctuary.accounts.urls")),
    path("people/", include("sanctuary.people.urls")),
    path("audit/", include("sanctuary.accounts.audit_urls")),
    path("background/", include("sanctuary.background.urls")),
    path("duplicates/", include("sanctuary.matching.urls")),
    path("intake/", include(("sanctuary.intake.public_urls", "intake_public")), {"base": "/intake/"}),
    path("triage/", include("sanctuary.intake.urls")),
    path("vetting/", include("sanctuary.vetting.urls")),
    path("journeys/", include("sanctuary.journeys.urls")),
    path("shelter/", include("sanctuary.shelter.urls")),
    path("stipends/", include("sanctuary.stipends.urls")),
    path("training/", include("sanctuary.training.urls")),
    path("c/", include("sanctuary.training.public_urls")),
    path("consent/", include("sanctuary.consent.urls")),
    path("care/", include("sanctuary.care.urls")),
    path("jobs/", include("sanctuary.jobs.urls")),
    path("papers/", include("sanctuary.legal.urls")),
    path("family/", include("sanctuary.family.urls")),
    path("stats/", include("sanctuary.stats.urls")),
    path("evidence/", include("sanctuary.evidence.urls")),
    path("outreach/", include("sanctuary.outreach.urls")),
    path("", include("sanctuary.vault.urls")),
]

if settings.INTAKE_SECRET_PATH:
    secret = settings.INTAKE_SECRET_PATH
    urlpatterns.insert(
        0, path(f"{secret}/", include(("sanctuary.intake.public_urls", "intake_secret")), {"base": f"/{secret}/"})
    )
