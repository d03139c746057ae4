from django.urls import path

from sanctuary.journeys import views

app_name = "journeys"

urlpatterns = [
    path("", views.journey_list, name="list"),
    path("new/<int:person_pk>/", views.journey_create, name="create"),
    path("<int:pk>/", views.journey_detail, name="detail"),
    path("<int:pk>/edit/", views.journey_edit, name="edit"),
    path("<int:pk>/status/", views.journey_status, name="status"),
    path("<int:pk>/stages/<int:stage_id>/reached/", views.stage_reached, name="stage_reached"),
    path("<int:pk>/check-ins/", views.check_in_add, name="check_in_add"),
    path("<int:pk>/check-ins/<int:check_in_id>/received/", views.check_in_received, name="check_in_received"),
]
