from django.urls import path

from sanctuary.people import views

app_name = "people"

urlpatterns = [
    path("", views.person_list, name="list"),
    path("new/", views.person_create, name="create"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/edit/", views.person_edit, name="edit"),
    path("<int:pk>/status/", views.person_status, name="status"),
]
