from django.urls import include, path

from sanctuary import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("lang/", views.set_language, name="set_language"),
    path("accounts/", include("sanctuary.accounts.urls")),
    path("people/", include("sanctuary.people.urls")),
    path("audit/", include("sanctuary.audit.urls")),
    path("duplicates/", include("sanctuary.matching.urls")),
    path("", include("sanctuary.vault.urls")),
]
