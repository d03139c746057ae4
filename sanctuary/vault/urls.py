from django.urls import path

from sanctuary.vault import views

app_name = "vault"

urlpatterns = [
    path("unseal/", views.unseal, name="unseal"),
    path("unseal/api/", views.unseal_api, name="unseal_api"),
    path("unseal/seal-api/", views.seal_api, name="seal_api"),
]
