from django.urls import path

from sanctuary.matching import views

app_name = "matching"

urlpatterns = [
    path("", views.review_queue, name="queue"),
    path("scan/", views.scan, name="scan"),
    path("scan/<int:pk>/", views.scan_progress, name="scan_progress"),
    path("<int:pk>/<slug:decision>/", views.decide, name="decide"),
]
