from django.urls import path

from sanctuary.matching import views

app_name = "matching"

urlpatterns = [
    path("", views.review_queue, name="queue"),
    path("scan/", views.scan, name="scan"),
    path("scan/<int:pk>/", views.scan_progress, name="scan_progress"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/<slug:decision>/", views.decide, name="decide"),
    path("partners/", views.partners, name="partners"),
    path("partners/export/", views.partner_export, name="partner_export"),
    path("partners/<int:pk>/", views.partner_run, name="partner_run"),
    path("partners/<int:pk>/import/", views.partner_import, name="partner_import"),
    path("partners/match/<int:pk>/<slug:decision>/", views.partner_decide, name="partner_decide"),
]
